from django.db import models
from django.db.models.functions import Length, Lower, Trim
from django.db.models.lookups import Exact, LessThanOrEqual

from petshop.validators import BIRTH_YEAR_MIN, PET_ID_LENGTH, TEXT_MAX_LENGTH, new_pet_id


def _trimmed_text_check(field: str) -> models.CheckConstraint:
    # Non-empty, trimmed and not longer than the limit; SQLite does not enforce
    # varchar lengths, so the length is checked here too.
    return models.CheckConstraint(
        condition=models.Q(LessThanOrEqual(Length(field), TEXT_MAX_LENGTH), **{field: Trim(field)})
        & ~models.Q(**{field: ""}),
        name=f"petshop_pet_{field}_trimmed_not_empty",
    )


class Pet(models.Model):
    """A dog of the pet shop's hotel register.

    The picture, when there is one, is a normalised PNG in the default storage;
    its checksum (the download's ETag), dimensions and size are recorded when it
    is stored, so serving it needs no extra read.
    """

    # 32 lowercase hex characters: the pet shop's existing ids are UUIDs written
    # that way. Portable checks (length, case) instead of a regex, which SQLite
    # only knows inside Django's own connections.
    id = models.CharField(primary_key=True, max_length=PET_ID_LENGTH, default=new_pet_id, editable=False)
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(Exact(Length("id"), PET_ID_LENGTH), id=Lower("id")),
                name="petshop_pet_id_length_lowercase",
            ),
            _trimmed_text_check("name"),
            _trimmed_text_check("owner"),
            _trimmed_text_check("breed"),
            models.CheckConstraint(
                condition=models.Q(birth_year__gte=BIRTH_YEAR_MIN), name="petshop_pet_birth_year_min"
            ),
            # Either no picture at all, or a picture with all of its metadata.
            models.CheckConstraint(
                condition=models.Q(
                    picture="",
                    picture_sha256="",
                    picture_width__isnull=True,
                    picture_height__isnull=True,
                    picture_bytes__isnull=True,
                )
                | (
                    models.Q(
                        Exact(Length("picture_sha256"), 64),
                        picture_width__isnull=False,
                        picture_height__isnull=False,
                        picture_bytes__isnull=False,
                    )
                    & ~models.Q(picture="")
                ),
                name="petshop_pet_picture_metadata_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.breed}, {self.owner})"

    @property
    def has_picture(self) -> bool:
        return bool(self.picture)
