"""Serializer building blocks that hold the contract's rule on input types.

A field with the wrong type is 400. DRF's CharField accepts JSON numbers and
stores their text (`"last_name": 0` becomes `"0"`); the fields here accept
strings only. Form and multipart input is text anyway, so only JSON changes.
"""

from django.db import models
from rest_framework import serializers


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
