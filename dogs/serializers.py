"""Shapes of dogs, registrations, task states and stored files on the wire."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.pictures import NonEmptyFileField
from core.serializers import ModelSerializer, StrictCharField, check_written_out, datetime_representation
from dogs.models import NAME_MAX_LENGTH, Dog, StoredFile
from dogs.selectors import TASK_STATES
from dogs.validators import NAME_PATTERN, NAME_RULES, validate_dog_name


def _active_users():
    return get_user_model().objects.filter(is_active=True)


class StrictBooleanField(serializers.BooleanField):
    """JSON `true`/`false` only: DRF's BooleanField also takes `"yes"`, `1` and `"on"`."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class DogNameField(StrictCharField):
    """A dog's name: the rules of dogs.validators (the pattern documents all but the reserved name)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=NAME_MAX_LENGTH, min_length=1, trim_whitespace=False, **kwargs)
        self.validators.append(RegexValidator(NAME_PATTERN, message="A dog's name cannot contain `/`."))
        self.validators.append(validate_dog_name)


class DogSerializer(ModelSerializer):
    """A dog as the seed shows it, plus its owner `id_user` (null when nobody owns it)."""

    name = DogNameField(help_text=NAME_RULES)
    is_adopted = StrictBooleanField(required=False)
    id_user = serializers.PrimaryKeyRelatedField(
        source="owner",
        queryset=_active_users(),
        allow_null=True,
        required=False,
        help_text="The owner's user id; null for no owner. An id no active user has is 400.",
    )

    class Meta:
        model = Dog
        fields = ["id", "name", "picture", "is_adopted", "create_date", "id_user"]
        read_only_fields = ["id", "picture", "create_date"]
        extra_kwargs = {"name": {"validators": []}}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """The fields above, written out for a Dog; anything else goes the generic way.

        Shaped by the benchmark, not by clarity, as PetSerializer's read path
        is: a ModelSerializer builds its fields from the model for every
        instance, a large part of a `GET /api/dogs/{name}` that misses the
        cache (bench/README.md, "Dogs"). The answer is the same: each value as
        its declared field gives it (`id_user` the owner's pk), in the declared
        order; the check after the class keeps the two in step.
        """
        if type(instance) is not Dog:
            return super().to_representation(instance)
        return {
            "id": instance.id,
            "name": instance.name,
            "picture": instance.picture,
            "is_adopted": instance.is_adopted,
            "create_date": datetime_representation(instance.create_date),
            "id_user": instance.owner_id,
        }


check_written_out(DogSerializer, ("id", "name", "picture", "is_adopted", "create_date", "id_user"))


class DogNameSerializer(serializers.Serializer):
    """The name in the path of `POST /api/dogs/{name}`, checked as DogSerializer checks `name`.

    A plain Serializer: a ModelSerializer would build all of its fields from
    the model for every request, to check one.
    """

    name = DogNameField(help_text=NAME_RULES)


class DogRegistrationRequestSerializer(serializers.Serializer):
    """The optional body of `POST /api/dogs/{name}`."""

    is_adopted = StrictBooleanField(required=False, default=False)
    id_user = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(),
        allow_null=True,
        required=False,
        help_text="The owner's user id; the caller when absent, nobody when null. An id no active user has is 400.",
    )


class DogRegistrationAcceptedSerializer(serializers.Serializer):
    """202 to a registration: where to follow it."""

    task_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=TASK_STATES)
    status_url = serializers.CharField(help_text="`/api/tasks/{task_id}`, also sent as `Location`.")


class TaskFailureSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="The exception's type, e.g. `DogCeoInvalidAnswer`.")
    detail = serializers.CharField(help_text="Why the registration failed.")


@extend_schema_field(
    {
        "oneOf": [
            {"$ref": "#/components/schemas/Dog"},
            {"$ref": "#/components/schemas/TaskFailure"},
        ],
        "nullable": True,
        "description": "SUCCESS: the dog. FAILURE (and RETRY): `{error, detail}`. PENDING and STARTED: null.",
    }
)
class TaskResultField(serializers.JSONField):
    pass


class TaskStateSerializer(serializers.Serializer):
    """`GET /api/tasks/{task_id}`."""

    task_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=TASK_STATES)
    result = TaskResultField()


class FileUploadSerializer(serializers.Serializer):
    """`multipart/form-data` with the file as the field `file` (any name and type, not empty)."""

    file = NonEmptyFileField(
        allow_empty_file=False,
        use_url=False,
        error_messages={
            "required": "No file was sent: send it as the multipart/form-data field `file`.",
            "invalid": "No file was sent: send it as the multipart/form-data field `file`.",
            "empty": "The uploaded file is empty.",
        },
    )


class StoredFileSerializer(ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where `GET` downloads the file.")

    class Meta:
        model = StoredFile
        fields = ["id", "filename", "size", "content_type", "sha256", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, stored: StoredFile) -> str:
        path = reverse("dogs:file-detail", kwargs={"pk": stored.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
