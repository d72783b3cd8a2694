import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from core.serializers import check_written_out


class Thing(serializers.Serializer):
    a = serializers.CharField()
    b = serializers.IntegerField()


def test_check_written_out_accepts_the_declared_fields_in_order_and_refuses_anything_else():
    check_written_out(Thing, ("a", "b"))
    for wrong in (("b", "a"), ("a",), ("a", "b", "c")):
        with pytest.raises(ImproperlyConfigured):
            check_written_out(Thing, wrong)
