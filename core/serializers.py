"""Serializer building blocks that hold the contract's rule on input types.

A field with the wrong type is 400. DRF's CharField accepts JSON numbers and
stores their text (`"last_name": 0` becomes `"0"`); the fields here accept
strings only. Form and multipart input is text anyway, so only JSON changes.

`datetime_representation` and `check_written_out` serve the serializers whose
read path is written out for speed (petshop's PetSerializer, books'
BookSerializer): each says so in its docstring.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from rest_framework import serializers

# Unbound and without options, as a plain `serializers.DateTimeField()` is
# declared: the settings' format and the current time zone, read on each call.
_DATETIME_FIELD = serializers.DateTimeField(read_only=True)


def datetime_representation(value):
    """A datetime as a declared `serializers.DateTimeField()` writes it (None stays None)."""
    return None if value is None else _DATETIME_FIELD.to_representation(value)


def check_written_out(serializer_class: type[serializers.Serializer], written_out: tuple[str, ...]) -> None:
    """Refuse (at import) a serializer whose written-out read path no longer names exactly its declared fields.

    A ModelSerializer's fields are its `Meta.fields`; any other serializer's, those its class declares.
    """
    meta = getattr(serializer_class, "Meta", None)
    fields = tuple(meta.fields) if meta is not None else tuple(serializer_class._declared_fields)
    if fields != written_out:
        raise ImproperlyConfigured(
            f"{serializer_class.__name__}.to_representation must write out exactly the declared fields."
        )


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# DRF's ModelSerializer with model text fields mapped to StrictCharField. No
# docstring: drf-spectacular would publish it as the description of every
# serializer that has none of its own.
class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
