"""Wire shapes of the pet register: the pet shop's CSV column names, English models."""

import uuid

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import check_written_out, datetime_representation
from petshop import validators
from petshop.models import Pet


@extend_schema_field({"type": "string", "pattern": "^[0-9a-f]{32}$", "example": "b7681b0ee1bd455b81ecb4e46a2f4346"})
class PetIdField(serializers.Field):
    def to_internal_value(self, data):
        return uuid.UUID(validators.clean_pet_id(data))

    def to_representation(self, value):
        return value.hex


# The length is the trimmed text's, so the pattern states it, not maxLength.
@extend_schema_field({"type": "string", "pattern": validators.TEXT_PATTERN, "example": "Duke"})
class PetTextField(serializers.Field):
    def to_internal_value(self, data):
        return validators.clean_text(data)

    def to_representation(self, value):
        return value


class BirthYearField(serializers.Field):
    def to_internal_value(self, data):
        return validators.clean_birth_year(data)

    def to_representation(self, value):
        return str(value)


class BirthYearFieldExtension(OpenApiSerializerFieldExtension):
    """The accepted years, as of the day the document is generated (the last one is the current year)."""

    target_class = BirthYearField

    def map_serializer_field(self, auto_schema, direction):
        first, last = validators.BIRTH_YEAR_MIN, timezone.now().year
        as_text = {"type": "string", "pattern": _years_pattern(first, last), "example": "2018"}
        if direction == "response":
            return as_text
        return {"oneOf": [as_text, {"type": "integer", "minimum": first, "maximum": last}], "example": "2018"}


def _years_pattern(first: int, last: int) -> str:
    """A regex for the four-digit years from `first` to `last`: one alternative per decade."""
    decades = [
        f"{decade}[{max(first, decade * 10) % 10}-{min(last, decade * 10 + 9) % 10}]"
        for decade in range(first // 10, last // 10 + 1)
    ]
    return f"^(?:{'|'.join(decades)})$"


class PetSerializer(serializers.Serializer):
    """A pet as the pet shop's clients send and read it.

    Unknown fields are ignored, so a body read with GET (with `picture_url`,
    `created_at`, `updated_at`) can be sent back with PUT unchanged.
    """

    petId = PetIdField(source="id", required=False)
    nome_pet = PetTextField(source="name", help_text="The dog's name.")
    dono = PetTextField(source="owner", help_text="The owner's name.")
    raca = PetTextField(source="breed", help_text="The breed.")
    data_nascimento = BirthYearField(
        source="birth_year",
        help_text=f'Year of birth, from {validators.BIRTH_YEAR_MIN} to the current one; sent as "2018" or 2018,'
        ' returned as "2018".',
    )
    picture_url = serializers.SerializerMethodField(
        help_text="Absolute URL of `GET /picture/{petId}.png`; null when the pet has no picture."
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_picture_url(self, pet: Pet) -> str | None:
        return picture_url(self.context["request"], pet)

    def to_representation(self, instance):
        """The fields above, written out for a Pet; anything else goes the generic way.

        Shaped by the benchmark, not by clarity: DRF's generic path deep-copies
        the eight declared fields for every serializer and calls each one, which
        was about a tenth of the CPU of a `GET /pet/{petId}` that misses the
        representation cache (bench/README.md, "Pets", the uncached path). The
        answer is the same: each value as its field's `to_representation` gives
        it (None stays None), the datetimes through a DateTimeField as declared,
        in the declared order; the check after the class keeps the two in step.
        """
        if type(instance) is not Pet:
            return super().to_representation(instance)
        pet_id, birth_year = instance.id, instance.birth_year
        return {
            "petId": None if pet_id is None else pet_id.hex,
            "nome_pet": instance.name,
            "dono": instance.owner,
            "raca": instance.breed,
            "data_nascimento": None if birth_year is None else str(birth_year),
            "picture_url": self.get_picture_url(instance),
            "created_at": datetime_representation(instance.created_at),
            "updated_at": datetime_representation(instance.updated_at),
        }

    def validate(self, attrs):
        # Updating a pet named in the path: the body may repeat its id, not name another.
        if self.instance is not None and attrs.get("id", self.instance.pk) != self.instance.pk:
            raise serializers.ValidationError(
                {"petId": ["The petId in the body differs from the one in the path."]}, code="pet_id_mismatch"
            )
        return attrs


check_written_out(
    PetSerializer, ("petId", "nome_pet", "dono", "raca", "data_nascimento", "picture_url", "created_at", "updated_at")
)


class PetReplaceSerializer(PetSerializer):
    """`PUT /pet`: the pet to replace is named by the `petId` in the body."""

    petId = PetIdField(source="id", help_text="The pet to replace.")


class PictureSerializer(serializers.Serializer):
    """What `POST /picture/{petId}` answers: the stored, normalised picture."""

    petId = PetIdField(source="id", read_only=True)
    picture_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(source="picture_width")
    height = serializers.IntegerField(source="picture_height")
    bytes = serializers.IntegerField(source="picture_bytes", help_text="Size of the stored PNG.")

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_picture_url(self, pet: Pet) -> str | None:
        return picture_url(self.context["request"], pet)


def picture_url(request, pet: Pet) -> str | None:
    if not pet.picture:
        return None
    return request.build_absolute_uri(reverse("petshop:picture-file", kwargs={"petId": pet.pk}))
