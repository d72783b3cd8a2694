import uuid

from django.db import models
from django.db.models.functions import Trim, Upper

from core.pictures import picture_metadata_complete
from petshop.validators import BIRTH_YEAR_MIN, TEXT_MAX_LENGTH


def _trimmed_text_check(field: str) -> models.CheckConstraint:
    # The length limit is the column's varchar(100) on PostgreSQL; SQLite, which
    # ignores varchar lengths, relies on petshop.validators for it.
    return models.CheckConstraint(
        condition=models.Q(**{field: Trim(field)}) & ~models.Q(**{field: ""}),
        name=f"petshop_pet_{field}_trimmed_not_empty",
    )


class Pet(models.Model):
    """A dog of the pet shop's hotel register.

    The picture, when there is one, is a normalised PNG in the default storage;
    its checksum (the download's ETag), dimensions and size are recorded when it
    is stored, so serving it needs no extra read.
    """

    # The pet shop's ids are UUIDs, written on the wire as 32 lowercase hex
    # characters (`Pet.pet_id`). Stored as PostgreSQL's 16-byte uuid (SQLite: the
    # same 32 characters), so the type itself rejects anything else.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=TEXT_MAX_LENGTH)
    owner = models.CharField(max_length=TEXT_MAX_LENGTH)
    breed = models.CharField(max_length=TEXT_MAX_LENGTH)
    # The upper bound (the current year) moves, so only the validators check it.
    birth_year = models.PositiveSmallIntegerField()
    picture = models.FileField(max_length=255, blank=True, default="", editable=False)
    picture_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    picture_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    picture_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    picture_bytes = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # `GET /pet` pages in this order: without the index every page sorts the whole table.
            models.Index(fields=["created_at", "id"], name="petshop_pet_created_id_idx"),
            # `?raca=` and `?dono=` compare in any case: `UPPER(column) = UPPER(value)` on PostgreSQL.
            models.Index(Upper("breed"), name="petshop_pet_upper_breed_idx"),
            models.Index(Upper("owner"), name="petshop_pet_upper_owner_idx"),
        ]
        constraints = [
            _trimmed_text_check("name"),
            _trimmed_text_check("owner"),
            _trimmed_text_check("breed"),
            models.CheckConstraint(
                condition=models.Q(birth_year__gte=BIRTH_YEAR_MIN), name="petshop_pet_birth_year_min"
            ),
            picture_metadata_complete("petshop_pet_picture_metadata_complete"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.breed}, {self.owner})"

    @property
    def pet_id(self) -> str:
        """The id as the pet shop writes it: 32 lowercase hex characters."""
        return self.pk.hex
