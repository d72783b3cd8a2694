from rest_framework import serializers

from core.errors import exception_handler, flat_errors


class ItemSerializer(serializers.Serializer):
    id = serializers.CharField()
    value = serializers.DecimalField(max_digits=6, decimal_places=2)

    def validate(self, attrs):
        if attrs["id"] == "bad":
            raise serializers.ValidationError("This item is refused.")
        return attrs


class OrderSerializer(serializers.Serializer):
    name = serializers.CharField()
    items = ItemSerializer(many=True)
    tags = serializers.ListField(child=serializers.IntegerField())


def test_nested_errors_are_named_by_path_one_level_deep():
    order = OrderSerializer(
        data={
            "items": [{"id": "a", "value": "1.00"}, {"id": "b", "value": "x"}, {"id": "bad", "value": 1}],
            "tags": [1, "two"],
        }
    )
    assert not order.is_valid()

    assert flat_errors(order.errors) == {
        "name": ["This field is required."],
        "items[1].value": ["A valid number is required."],
        "items[2]": ["This item is refused."],
        "tags[1]": ["A valid integer is required."],
    }


def test_a_bare_message_is_a_non_field_error():
    assert flat_errors(["Nothing to do."]) == {"non_field_errors": ["Nothing to do."]}
    assert flat_errors("Nothing to do.") == {"non_field_errors": ["Nothing to do."]}


def test_the_handler_answers_flat_errors_in_the_contracts_shape():
    order = OrderSerializer(data={"name": "n", "items": [{"id": "a"}], "tags": []})
    assert not order.is_valid()

    response = exception_handler(serializers.ValidationError(order.errors), {})

    assert response.status_code == 400
    assert response.data == {
        "detail": "Invalid input.",
        "code": "invalid",
        "errors": {"items[0].value": ["This field is required."]},
    }
