"""Reads of dogs, registrations' task states and stored files."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import QuerySet
from django_celery_results.models import TaskResult

from core.errors import NotFound
from core.queries import RowByKey
from dogs.models import Dog, DogRegistration, StoredFile

# Benchmark-shaped (core.queries): `GET /api/dogs/{name}` reads dogs at high rates.
_dog_by_name = RowByKey(Dog, "name")

#: The states `GET /api/tasks/{task_id}` reports (Celery's own names).
TASK_STATES = ("PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE")


class DogNotFound(NotFound):
    default_detail = "No dog has this name."


class TaskNotFound(NotFound):
    default_detail = "No dog registration has this task id."


class StoredFileNotFound(NotFound):
    default_detail = "No file has this id."


def dog_list() -> QuerySet[Dog]:
    """Every dog, in registration order."""
    return Dog.objects.order_by("id")


def dog_list_adopted() -> QuerySet[Dog]:
    """The adopted dogs, in registration order."""
    return dog_list().filter(is_adopted=True)


def dog_list_for_user(user_id: int) -> QuerySet[Dog]:
    """The dogs a user owns."""
    return dog_list().filter(owner_id=user_id)


def dog_get(name: str) -> Dog:
    """The dog called `name` (exactly, case-sensitively); DogNotFound (404) otherwise."""
    dog = _dog_by_name.get(name)
    if dog is None:
        raise DogNotFound()
    return dog


def registration_get_by_task(task_id: str | uuid.UUID) -> DogRegistration:
    """The registration whose task has this id; TaskNotFound (404) otherwise, also for a malformed id."""
    try:
        return DogRegistration.objects.get(task_id=uuid.UUID(str(task_id)))
    except (ValueError, DogRegistration.DoesNotExist) as exc:
        raise TaskNotFound() from exc


def task_state(task_id: str | uuid.UUID) -> dict[str, Any]:
    """`{task_id, status, result}` of a dog registration's task.

    Read from django-celery-results' `TaskResult`, which the worker writes;
    while it holds no row yet (the task still waits in the queue) the status is
    PENDING. When the row is gone (expired after CELERY_RESULT_EXPIRES) or was
    never written (tasks run eagerly), the registration's own final state is
    reported. A success's `result` is the dog; a failure's, and a retry's
    (the failure it waits to retry), `{"error": <exception type>, "detail":
    <reason>}`; PENDING and STARTED have none.
    """
    registration = registration_get_by_task(task_id)
    task_id = str(registration.task_id)
    stored = TaskResult.objects.filter(task_id=task_id).first()
    if stored is not None and stored.status in TASK_STATES:
        return {"task_id": task_id, "status": stored.status, "result": _stored_result(stored)}
    if stored is not None:
        # REVOKED, or a custom state: the registration will not finish.
        return {"task_id": task_id, "status": "FAILURE", "result": _stored_result(stored)}
    if registration.status == DogRegistration.Status.SUCCEEDED:
        return {"task_id": task_id, "status": "SUCCESS", "result": registration.result}
    if registration.status == DogRegistration.Status.FAILED:
        return {"task_id": task_id, "status": "FAILURE", "result": registration.result}
    return {"task_id": task_id, "status": "PENDING", "result": None}


def _stored_result(stored: TaskResult) -> Any:
    try:
        value = json.loads(stored.result) if stored.result else None
    except ValueError:
        value = None
    if stored.status == "SUCCESS":
        return value
    if isinstance(value, dict) and "exc_type" in value:
        message = value.get("exc_message")
        if isinstance(message, (list, tuple)):
            message = " ".join(str(part) for part in message)
        return {"error": value["exc_type"], "detail": str(message or "")}
    # STARTED carries the worker's metadata (pid, hostname), not a result.
    return None


def stored_file_get(file_id: str | uuid.UUID) -> StoredFile:
    """The stored file with this id; StoredFileNotFound (404) otherwise, also for a malformed id."""
    try:
        return StoredFile.objects.get(pk=uuid.UUID(str(file_id)))
    except (ValueError, StoredFile.DoesNotExist) as exc:
        raise StoredFileNotFound() from exc
