"""Writes to the pet register and its pictures.

Every write runs in one transaction. Picture files live in the default storage
and are never left behind: a new file is removed again when its database write
fails, and a replaced or deleted file is removed only after the transaction
that stopped referring to it has committed.
"""

import uuid

from django.db import DatabaseError, IntegrityError, transaction

from core import images, storage
from core.errors import Conflict
from core.pictures import PICTURE_FIELDS, set_picture_fields
from petshop.cache import pet_representations
from petshop.models import Pet
from petshop.selectors import PetNotFound


class PetIdTaken(Conflict):
    default_code = "pet_exists"
    default_detail = "A pet with this petId already exists."


def pet_create(*, name: str, owner: str, breed: str, birth_year: int, id: uuid.UUID | None = None) -> Pet:
    """Register a pet; its id is generated when not given; 409 when the id is taken."""
    pet = Pet(name=name, owner=owner, breed=breed, birth_year=birth_year)
    if id is not None:
        pet.id = id
    try:
        with transaction.atomic():
            # force_insert: a taken id must fail, not silently update the other pet.
            pet.save(force_insert=True)
            pet_representations.invalidate_on_commit(pet.pet_id)
    except IntegrityError as exc:
        if Pet.objects.filter(pk=pet.pk).exists():
            raise PetIdTaken() from exc
        raise
    return pet


def pet_update(pet: Pet, **changes) -> Pet:
    """Change a pet's fields (all of them for a replace, some for a partial update).

    An `id` among the changes must be the pet's own: the views refuse a
    different one before calling this.
    """
    changes.pop("id", None)
    for field, value in changes.items():
        setattr(pet, field, value)
    try:
        with transaction.atomic():
            pet.save(update_fields=[*changes, "updated_at"])
            pet_representations.invalidate_on_commit(pet.pet_id)
    except DatabaseError as exc:
        # Django raises this when the row disappeared since it was read.
        if not Pet.objects.filter(pk=pet.pk).exists():
            raise PetNotFound() from exc
        raise
    return pet


def pet_delete(pet: Pet) -> None:
    """Delete a pet; its picture file goes once the deletion has committed."""
    with transaction.atomic():
        picture = _locked(pet.pk).picture.name
        Pet.objects.filter(pk=pet.pk).delete()
        storage.delete_on_commit(picture)
        pet_representations.invalidate_on_commit(pet.pet_id)


def pet_delete_many(pet_ids: list[uuid.UUID]) -> int:
    """Delete several pets (the admin's bulk action) with their picture files; returns the count."""
    with transaction.atomic():
        pets = Pet.objects.select_for_update().filter(pk__in=pet_ids)
        pictures = [name for name in pets.values_list("picture", flat=True) if name]
        deleted, _ = pets.delete()
        for name in pictures:
            storage.delete_on_commit(name)
        for pet_id in pet_ids:
            pet_representations.invalidate_on_commit(pet_id.hex)
    return deleted


def pet_picture_upload(pet: Pet, upload) -> Pet:
    """Validate an uploaded file as an image and make it the pet's picture.

    `upload` is any file-like object (a multipart file or the raw request
    body); it is read with the configured size limit. Raises 413/415/400 as
    described in `core.images`.
    """
    image = images.normalise_image(images.read_upload(upload))
    return pet_picture_replace(pet, image)


def pet_picture_replace(pet: Pet, image: images.NormalisedImage) -> Pet:
    """Store a normalised PNG as the pet's picture, replacing any earlier one.

    The new file is removed again when this transaction fails. Django has no
    rollback hook, so a caller's enclosing transaction that rolls back later
    leaves the new file behind: the API calls this outside any transaction.
    """
    name = storage.save_bytes(storage.generated_name(f"pets/{pet.pet_id}", "png"), image.content)
    try:
        with transaction.atomic():
            locked = _locked(pet.pk)
            storage.delete_on_commit(locked.picture.name)
            set_picture_fields(locked, name, image)
            locked.save(update_fields=[*PICTURE_FIELDS, "updated_at"])
            pet_representations.invalidate_on_commit(locked.pet_id)
    except BaseException:
        # The row was never updated, so nothing refers to the new file.
        storage.delete_quietly(name)
        raise
    return locked


def pet_picture_delete(pet: Pet) -> Pet:
    """Remove the pet's picture; deleting a picture that is not there is a no-op."""
    with transaction.atomic():
        locked = _locked(pet.pk)
        if locked.picture:
            storage.delete_on_commit(locked.picture.name)
            set_picture_fields(locked, "", None)
            locked.save(update_fields=[*PICTURE_FIELDS, "updated_at"])
            pet_representations.invalidate_on_commit(locked.pet_id)
    return locked


def _locked(pet_id: uuid.UUID) -> Pet:
    """The pet's current row, locked until the transaction ends (so two picture writes queue up)."""
    try:
        return Pet.objects.select_for_update().get(pk=pet_id)
    except Pet.DoesNotExist as exc:
        raise PetNotFound() from exc
