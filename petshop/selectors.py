"""Reads of the pet register."""

import uuid

from django.db.models import Q, QuerySet

from core.errors import NotFound
from core.queries import RowByKey
from petshop.models import Pet

# Benchmark-shaped (core.queries): `GET /pet/{petId}` reads pets at high rates.
_pet_by_id = RowByKey(Pet)


class PetNotFound(NotFound):
    default_detail = "No pet has this petId."


def pet_list() -> QuerySet[Pet]:
    return Pet.objects.all()


def pet_search(queryset: QuerySet[Pet], term: str) -> QuerySet[Pet]:
    """Pets whose name, owner or breed contains `term`, case-insensitively."""
    return queryset.filter(Q(name__icontains=term) | Q(owner__icontains=term) | Q(breed__icontains=term))


def pet_get(pet_id: uuid.UUID) -> Pet:
    """The pet with this id; PetNotFound (404) otherwise."""
    pet = _pet_by_id.get(pet_id)
    if pet is None:
        raise PetNotFound()
    return pet
