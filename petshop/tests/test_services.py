import pytest
from django.db import IntegrityError

from petshop import services
from petshop.models import Pet
from petshop.tests.factories import PetFactory

pytestmark = pytest.mark.django_db


def test_create_does_not_report_a_constraint_violation_as_a_taken_id():
    with pytest.raises(IntegrityError):
        services.pet_create(name=" untrimmed", owner="Ana", breed="Poodle", birth_year=2018)


def test_create_reports_a_taken_id_as_409():
    pet = PetFactory()

    with pytest.raises(services.PetIdTaken):
        services.pet_create(id=pet.id, name="Rex", owner="Ana", breed="Poodle", birth_year=2018)


def test_update_of_a_pet_deleted_meanwhile_is_404():
    pet = PetFactory()
    Pet.objects.filter(pk=pet.pk).delete()

    with pytest.raises(services.PetNotFound):
        services.pet_update(pet, name="Rex")
