"""DogSerializer's written-out read path answers what DRF's generic path answers."""

import datetime

import pytest
from django.utils import timezone
from rest_framework import serializers

from dogs.serializers import DogSerializer
from dogs.tests.factories import DogFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("time_zone", ["UTC", "America/Sao_Paulo"])
def test_the_written_out_read_path_is_the_generic_one(user, settings, time_zone):
    settings.TIME_ZONE = time_zone
    dogs = [DogFactory(owner=user, is_adopted=True), DogFactory(owner=None)]
    dogs[1].create_date = timezone.make_aware(datetime.datetime(2024, 2, 29, 23, 59, 59, 123456), datetime.UTC)
    for dog in dogs:
        serializer = DogSerializer(dog)
        generic = serializers.ModelSerializer.to_representation(serializer, dog)
        assert list(serializer.data.items()) == list(generic.items())
