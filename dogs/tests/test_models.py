"""The database itself holds the dog name rules: unique, 1-64 characters, no `/`, `is_adopted` reserved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from dogs.models import Dog, DogRegistration
from dogs.tests.factories import DogFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["", "is_adopted", "x" * 65, "a/b"])
@pytest.mark.parametrize("model", [Dog, DogRegistration])
def test_the_database_refuses_a_name_that_breaks_the_rules(model, name):
    # .update() skips Django's validation: only the constraints stand in the way
    # (PostgreSQL's varchar(64) refuses a longer name itself, with a DataError).
    row = DogFactory(name="Lazy") if model is Dog else DogRegistration.objects.create(name="Lazy")

    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        model.objects.filter(pk=row.pk).update(name=name)


@pytest.mark.parametrize("model", [Dog, DogRegistration])
def test_model_validation_refuses_a_slash_too(model):
    # The admin's forms say so before the database would.
    row = model(name="a/b", picture="https://images.dog.ceo/a.jpg") if model is Dog else model(name="a/b")

    with pytest.raises(ValidationError, match="cannot contain"):
        row.full_clean()


def test_the_database_refuses_a_second_dog_of_the_same_name():
    DogFactory(name="Lazy")

    with pytest.raises(IntegrityError), transaction.atomic():
        Dog.objects.create(name="Lazy", picture="https://images.dog.ceo/a.jpg")


def test_one_registration_can_never_own_two_dogs():
    registration = DogRegistration.objects.create(name="Lazy")
    DogFactory(name="Lazy", registration=registration)

    with pytest.raises(IntegrityError), transaction.atomic():
        DogFactory(name="Other", registration=registration)


def test_names_are_case_sensitive_and_may_hold_any_other_character():
    DogFactory(name="Lazy")
    DogFactory(name="lazy")
    DogFactory(name="Zoë 😀 O'Brien; --")

    assert Dog.objects.count() == 3
