"""Writes to dogs: registration (through a Celery task), updates, deletion, the files service and stored files.

A registration is a `DogRegistration` row plus a task queued on its commit.
The task (`dogs.tasks.register_dog_task`) runs `dog_registration_run`, which is
idempotent: a finished registration returns its stored result, and the dog it
creates carries the registration (a one-to-one), so one registration can never
make two dogs, however often its message is delivered.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import time
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import storage
from core.errors import Conflict, NotFound, PayloadTooLarge, ServiceError
from core.tasks import worst_case_seconds

# dogs.tasks imports this module too; each uses the other only inside functions.
from dogs import cache as dog_cache
from dogs import clients, tasks
from dogs.models import Dog, DogRegistration, StoredFile
from dogs.selectors import DogNotFound

logger = logging.getLogger(__name__)

#: Marks "no id_user in the body": the owner is then the caller.
CALLER = object()


class DogNameTaken(Conflict):
    default_code = "dog_exists"
    default_detail = "A dog with this name already exists."


class DogRegistrationPending(Conflict):
    default_code = "dog_registration_pending"
    default_detail = "A registration of a dog with this name is already under way."


class DogNameTakenMeanwhile(ServiceError):
    """The registration's name was taken by another dog between the request and the task.

    Raised in the task with its detail as the argument (as every exception a
    task raises here): Celery keeps an exception's arguments as its message.
    """

    status_code = 409
    default_code = "dog_exists"
    default_detail = "Another dog took this name before the registration could create it."


class RegistrationNotFound(NotFound):
    default_detail = "The dog registration no longer exists."


class RegistrationFailed(ServiceError):
    """A duplicate run of a registration that already failed fails the same way."""

    status_code = 409
    default_code = "dog_registration_failed"
    default_detail = "This registration failed earlier."


def registration_in_flight_seconds() -> float:
    """How long a pending registration keeps its name: the task's worst case from queue to final state.

    A registration whose message was lost (a filesystem broker's worker killed)
    stays pending forever; after this long it no longer blocks the name.
    """
    return worst_case_seconds(tasks.register_dog_task) + settings.DOGS_REGISTRATION_DELAY_SECONDS


def dog_register(
    *, name: str, requested_by: AbstractBaseUser, is_adopted: bool = False, owner: Any = CALLER
) -> DogRegistration:
    """Accept a registration of the dog `name` and queue its task once this transaction commits.

    409 when a dog has the name, or another registration of it is under way.
    `owner` is a user, None for no owner, or `CALLER` (the default) for
    `requested_by`. The task id is chosen here, so the 202 can name it.
    """
    if owner is CALLER:
        owner = requested_by
    if Dog.objects.filter(name=name).exists():
        raise DogNameTaken()
    recent = timezone.now() - timedelta(seconds=registration_in_flight_seconds())
    if DogRegistration.objects.filter(
        name=name, status=DogRegistration.Status.PENDING, created_at__gte=recent
    ).exists():
        raise DogRegistrationPending()
    with transaction.atomic():
        registration = DogRegistration.objects.create(
            name=name, is_adopted=is_adopted, owner=owner, requested_by=requested_by
        )
        tasks.register_dog_task.apply_async_on_commit((str(registration.pk),), task_id=str(registration.task_id))
    return registration


def dog_registration_run(registration_id: str | uuid.UUID) -> dict[str, Any]:
    """The registration task's work: wait the simulated delay, fetch a picture URL, create the dog.

    Returns the dog as JSON (the task's result). Safe to run any number of
    times: a succeeded registration returns its stored result at once, a
    failed one fails again, and a run that meets the dog its own earlier run
    created succeeds with it. A dog of this name created by anyone else fails
    the registration (`DogNameTakenMeanwhile`). Upstream failures propagate for
    the task to retry; nothing is written before the dog is created whole.
    """
    registration = _registration(registration_id)
    if registration.status == DogRegistration.Status.SUCCEEDED:
        return registration.result
    if registration.status == DogRegistration.Status.FAILED:
        raise RegistrationFailed(registration.detail or RegistrationFailed.default_detail)
    if settings.DOGS_REGISTRATION_DELAY_SECONDS > 0:
        # The seed's simulated latency, so the asynchronous path can be watched.
        time.sleep(settings.DOGS_REGISTRATION_DELAY_SECONDS)
    if Dog.objects.filter(name=registration.name).exclude(registration=registration).exists():
        raise DogNameTakenMeanwhile(DogNameTakenMeanwhile.default_detail)
    picture = clients.random_picture_url()

    with transaction.atomic():
        registration = _registration(registration_id, lock=True)
        if registration.status == DogRegistration.Status.SUCCEEDED:
            return registration.result
        dog = Dog.objects.filter(registration=registration).first()
        if dog is None:
            try:
                with transaction.atomic():
                    dog = Dog.objects.create(
                        name=registration.name,
                        picture=picture,
                        is_adopted=registration.is_adopted,
                        owner_id=registration.owner_id,
                        registration=registration,
                    )
            except IntegrityError as exc:
                raise DogNameTakenMeanwhile(DogNameTakenMeanwhile.default_detail) from exc
        # No cache invalidation: a name without a dog has no cached body (a 404 is never cached).
        result = dog_as_json(dog)
        registration.status = DogRegistration.Status.SUCCEEDED
        registration.result = result
        registration.finished_at = timezone.now()
        registration.save(update_fields=["status", "result", "finished_at"])
        if settings.FILES_SERVICE_URL:
            tasks.send_dog_picture_task.delay_on_commit(dog.pk)
    return result


def dog_registration_fail(registration_id: str | uuid.UUID, exc: BaseException) -> None:
    """Record that a registration's task gave up, and why (frees the name for a new registration)."""
    detail = str(getattr(exc, "detail", None) or exc or type(exc).__name__)[:500]
    updated = DogRegistration.objects.filter(pk=registration_id, status=DogRegistration.Status.PENDING).update(
        status=DogRegistration.Status.FAILED,
        detail=detail,
        result={"error": type(exc).__name__, "detail": detail},
        finished_at=timezone.now(),
    )
    if updated:
        logger.warning("dog registration %s failed: %s", registration_id, detail)


def dog_as_json(dog: Dog) -> dict[str, Any]:
    """The dog's API representation (also the registration task's result)."""
    from dogs.serializers import DogSerializer

    return dict(DogSerializer(dog).data)


def dog_update(dog: Dog, **changes: Any) -> Dog:
    """Change a dog's `name`, `is_adopted` or `owner`; 409 when the new name is taken."""
    changes = {field: value for field, value in changes.items() if field in {"name", "is_adopted", "owner"}}
    if "name" in changes and changes["name"] != dog.name and Dog.objects.filter(name=changes["name"]).exists():
        raise DogNameTaken()
    old_name = dog.name
    for field, value in changes.items():
        setattr(dog, field, value)
    try:
        with transaction.atomic():
            updated = Dog.objects.filter(pk=dog.pk).update(**changes) if changes else 1
            dog_cache.invalidate_on_commit([old_name, dog.name])
    except IntegrityError as exc:
        raise DogNameTaken() from exc
    if not updated:
        raise DogNotFound()
    return dog


def dog_delete(dog: Dog) -> None:
    """Delete a dog (its registration stays, for the task's state)."""
    with transaction.atomic():
        Dog.objects.filter(pk=dog.pk).delete()
        dog_cache.invalidate_on_commit([dog.name])


def dog_picture_send(dog_id: int) -> dict[str, Any]:
    """Download the dog's picture and post it to `FILES_SERVICE_URL`; record the outcome on the dog.

    Idempotent: a dog whose picture was sent already is not sent twice (the
    files service's answer is returned again). Upstream failures propagate
    for the task to retry; the task records the final failure
    (`dog_picture_send_failed`).
    """
    dog = Dog.objects.filter(pk=dog_id).first()
    if dog is None:
        return {"sent": False, "detail": "The dog no longer exists."}
    if dog.file_upload_status == "sent":
        return {"sent": True, "detail": dog.file_upload_detail}
    answer = clients.file_post(clients.picture_download(dog.picture))
    detail = str(answer.get("id") or answer.get("url") or answer)[:500]
    Dog.objects.filter(pk=dog_id).update(file_upload_status="sent", file_upload_detail=detail)
    return {"sent": True, "detail": detail}


def dog_picture_send_failed(dog_id: int, exc: BaseException) -> None:
    """Record on the dog that its picture could not be sent to the files service."""
    detail = str(getattr(exc, "detail", None) or exc or type(exc).__name__)[:500]
    Dog.objects.filter(pk=dog_id).exclude(file_upload_status="sent").update(
        file_upload_status="failed", file_upload_detail=detail
    )


def stored_file_create(upload: Any, *, uploaded_by: AbstractBaseUser | None) -> StoredFile:
    """Store an uploaded file of any type under a generated name and record it.

    The name in storage keeps only the client's extension (made of letters and
    digits); the client's file name is kept as data. The stored file is removed
    again when the row cannot be written. Larger than `UPLOAD_MAX_BYTES`: 413.
    """
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise PayloadTooLarge(f"The file is larger than the limit of {settings.UPLOAD_MAX_BYTES} bytes.")
    filename = (getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    extension = extension if extension.isalnum() and len(extension) <= 10 else "bin"
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    content_type = (
        getattr(upload, "content_type", None) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    name = storage.generated_name("files", extension)
    name = default_storage.save(name, upload)
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                file=name,
                filename=filename,
                size=upload.size,
                content_type=content_type[:255],
                sha256=digest.hexdigest(),
                uploaded_by=uploaded_by,
            )
    except BaseException:
        storage.delete_quietly(name)
        raise
    return stored


def stored_file_delete(stored: StoredFile) -> None:
    """Delete a stored file's row, and its bytes once that has committed."""
    with transaction.atomic():
        StoredFile.objects.filter(pk=stored.pk).delete()
        storage.delete_on_commit(stored.file.name)


def _registration(registration_id: str | uuid.UUID, *, lock: bool = False) -> DogRegistration:
    queryset = DogRegistration.objects.select_for_update() if lock else DogRegistration.objects
    try:
        return queryset.get(pk=registration_id)
    except DogRegistration.DoesNotExist as exc:
        raise RegistrationNotFound(RegistrationNotFound.default_detail) from exc
