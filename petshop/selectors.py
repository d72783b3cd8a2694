"""Reads of the pet register."""

import uuid

from django.db.models import Q, QuerySet

from core.errors import NotFound
from petshop.models import Pet


class PetNotFound(NotFound):
    default_detail = "No pet has this petId."


def pet_list() -> QuerySet[Pet]:
    return Pet.objects.all()


def pet_search(queryset: QuerySet[Pet], term: str) -> QuerySet[Pet]:
    """Pets whose name, owner or breed contains `term`, case-insensitively."""
    return queryset.filter(Q(name__icontains=term) | Q(owner__icontains=term) | Q(breed__icontains=term))


def pet_get(pet_id: uuid.UUID) -> Pet:
    """The pet with this id; PetNotFound (404) otherwise."""
    try:
        return Pet.objects.get(pk=pet_id)
    except Pet.DoesNotExist as exc:
        raise PetNotFound() from exc
