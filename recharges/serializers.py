"""Wire shapes of the Jeitto specification: `CompanyProducts` and `PhoneRecharges`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recharges import validators
from recharges.models import Recharge

_MONEY_SCHEMA = {
    "type": "number",
    "multipleOf": 0.01,
    "exclusiveMinimum": True,
    "minimum": 0,
    "maximum": float(validators.VALUE_MAX),
    "example": 10.00,
}


def _run(rule, *args):
    try:
        return rule(*args)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages, code=exc.code) from exc


@extend_schema_field(
    {"type": "string", "pattern": validators.ID_PATTERN, "maxLength": validators.ID_MAX_LENGTH, "example": "claro_11"}
)
class CarrierIdField(serializers.Field):
    """A company or product id such as `claro_11` or `claro_10`."""

    def __init__(self, what: str, **kwargs):
        self.what = what
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return _run(validators.clean_id, data, self.what)

    def to_representation(self, value):
        return value


@extend_schema_field(_MONEY_SCHEMA)
class MoneyField(serializers.Field):
    """A positive amount exact to the cent; a JSON number in and out (written with two decimals)."""

    def to_internal_value(self, data):
        return _run(validators.clean_value, data)

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "string", "pattern": validators.PHONE_PATTERN, "example": "5511999999999"})
class PhoneNumberField(serializers.Field):
    def to_internal_value(self, data):
        return _run(validators.clean_phone_number, data)

    def to_representation(self, value):
        return value


class ProductSerializer(serializers.Serializer):
    id = CarrierIdField("product id", help_text="Unique across companies, such as `claro_10`.")
    value = MoneyField(help_text="Price of the recharge, exact to the cent.")


class CompanyProductsSerializer(serializers.Serializer):
    """A company and its products: example 1.1 of the specification, in and out."""

    company_id = CarrierIdField("company_id", help_text="Such as `claro_11`.")
    products = ProductSerializer(many=True, help_text="The company's products, each id once.")

    def validate_products(self, products: list[dict]) -> list[dict]:
        seen: set[str] = set()
        duplicates = sorted({item["id"] for item in products if item["id"] in seen or seen.add(item["id"])})
        if duplicates:
            raise serializers.ValidationError(
                f"Each product id may appear once; repeated: {', '.join(duplicates)}.", code="duplicate"
            )
        return products

    def validate(self, attrs):
        # Writing to a company named in the query or path: the body may repeat its id, not name another.
        named = self.context.get("company_id")
        if named is not None and attrs.get("company_id", named) != named:
            raise serializers.ValidationError(
                {"company_id": [f"The company_id in the body differs from the one requested ({named})."]},
                code="company_id_mismatch",
            )
        return attrs


class CompanyProductsReplaceSerializer(CompanyProductsSerializer):
    """PUT of a company named in the query or path: `company_id` in the body is optional."""

    company_id = CarrierIdField("company_id", required=False, help_text="If sent, the company requested.")


class CompanyProductsUpdateSerializer(CompanyProductsReplaceSerializer):
    """PATCH: the products to add or change; each one still needs its id and value."""

    products = ProductSerializer(many=True, required=False, help_text="Products to add or change, each id once.")


class RechargeRequestSerializer(serializers.Serializer):
    """The body of `POST /PhoneRecharges` (example 2.1)."""

    company_id = CarrierIdField("company_id", help_text="The carrier, such as `claro_11`.")
    product_id = CarrierIdField("product_id", help_text="One of the carrier's products, such as `claro_10`.")
    phone_number = PhoneNumberField(
        help_text="A Brazilian mobile in E.164 digits without `+`: `55`, a two-digit area code, then nine"
        " digits starting with 9."
    )
    value = MoneyField(help_text="The product's value, exact to the cent (10, 10.0 and 10.00 are equal).")


class RechargeSerializer(serializers.Serializer):
    """A recharge as examples 2.2 and 2.3 show it."""

    id = serializers.UUIDField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    company_id = serializers.CharField(read_only=True)
    product_id = serializers.CharField(read_only=True)
    phone_number = PhoneNumberField(read_only=True)
    value = MoneyField(read_only=True)

    def to_representation(self, instance: Recharge) -> dict:
        return {
            "id": str(instance.id),
            "created_at": serializers.DateTimeField().to_representation(instance.created_at),
            "company_id": instance.company_id,
            "product_id": instance.product_id,
            "phone_number": instance.phone_number,
            "value": instance.value,
        }


class RechargeQuerySerializer(serializers.Serializer):
    """The query of `GET /PhoneRecharges`."""

    id = serializers.UUIDField(required=False, help_text="One recharge, answered as an object (not an array).")
    phone_number = PhoneNumberField(required=False, help_text="The recharges to this number, as an array.")
