"""The dogs of the Hubtek specification, their registrations and the files service's stored files."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from dogs.validators import NAME_MAX_LENGTH, RESERVED_NAMES, validate_dog_name


def _name_rules(field: str, prefix: str) -> list[models.CheckConstraint]:
    """The name rules of the contract as database constraints: 1-64 characters, no `/`, not reserved."""
    return [
        models.CheckConstraint(
            condition=models.Q(GreaterThanOrEqual(Length(field), 1), LessThanOrEqual(Length(field), NAME_MAX_LENGTH)),
            name=f"{prefix}_{field}_length",
            violation_error_message=f"A dog's name has 1 to {NAME_MAX_LENGTH} characters.",
        ),
        models.CheckConstraint(
            condition=~models.Q(**{f"{field}__contains": "/"}),
            name=f"{prefix}_{field}_no_slash",
            violation_error_message="A dog's name cannot contain `/`.",
        ),
        models.CheckConstraint(
            condition=~models.Q(**{f"{field}__in": sorted(RESERVED_NAMES)}),
            name=f"{prefix}_{field}_not_reserved",
            violation_error_message="`is_adopted` is reserved and cannot be a dog's name.",
        ),
    ]


class Dog(models.Model):
    """A dog (the seed's data model), optionally owned by a user.

    `picture` is the URL dog.ceo gave when the dog was registered. The owner is
    `owner` here and `id_user` on the wire and in the table, as the seed names it.
    """

    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True, validators=[validate_dog_name])
    picture = models.URLField(max_length=500)
    is_adopted = models.BooleanField(default=False)
    create_date = models.DateTimeField(default=timezone.now, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dogs",
        db_column="id_user",
        verbose_name="owner (id_user)",
    )
    # The registration that created the dog: a duplicated or retried task finds
    # its dog through it, and the one-to-one makes two dogs for one registration
    # impossible. Null for dogs created otherwise (the admin).
    registration = models.OneToOneField(
        "DogRegistration", null=True, blank=True, on_delete=models.SET_NULL, related_name="dog", editable=False
    )
    # The files service's outcome for this dog's picture (FILES_SERVICE_URL).
    file_upload_status = models.CharField(
        max_length=16,
        blank=True,
        default="",
        editable=False,
        choices=[("", "not sent"), ("sent", "sent"), ("failed", "failed")],
    )
    file_upload_detail = models.CharField(max_length=500, blank=True, default="", editable=False)

    class Meta:
        ordering = ["id"]
        constraints = _name_rules("name", "dogs_dog")
        indexes = [
            # `GET /api/dogs/is_adopted` pages through the adopted dogs in id order.
            models.Index(fields=["is_adopted", "id"], name="dogs_dog_adopted_id_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class DogRegistration(models.Model):
    """One `POST /api/dogs/{name}`: what was asked, by whom, and how it ended.

    The task takes this row's id. The row makes the task idempotent: a second
    run of a finished registration returns the stored result instead of working
    again, and a dog carries the registration that created it.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Also the Celery task id, known before the task is sent.
    task_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=NAME_MAX_LENGTH, validators=[validate_dog_name])
    is_adopted = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # The dog as the task returned it, once it succeeded; the reason, once it failed.
    result = models.JSONField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = _name_rules("name", "dogs_registration")
        indexes = [models.Index(fields=["name", "status"], name="dogs_registration_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class StoredFile(models.Model):
    """A file posted to `POST /api/files` (the seed's files service), kept in the default storage."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(max_length=255, editable=False)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(Exact(Length("sha256"), 64)), name="dogs_storedfile_sha256_length"
            ),
        ]

    def __str__(self) -> str:
        return self.filename
