"""The dogs app's Celery tasks: thin wrappers over dogs.services (the shape of core.tasks).

Both retry network errors, timeouts and every 5xx, as the contract asks:
core.http's `TRANSIENT_ERRORS` (connection errors, timeouts, 502/503/504)
and `UpstreamServerError` (any other 5xx, such as a 500). An answer that will
not change (`DogCeoInvalidAnswer`, `FilesServiceInvalidAnswer`: a malformed
body, another status, a picture URL on a host not allowed) and any other
upstream failure (a body over the size limit, a redirect elsewhere) fail at
once. When a task gives up, its reason is recorded (on the registration, on
the dog) before the failure reaches the result backend.
"""

from __future__ import annotations

from typing import Any

from celery import Task

from core.http import TRANSIENT_ERRORS, UpstreamServerError
from core.tasks import reliable_task
from dogs import services

RETRIED_ERRORS: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, UpstreamServerError)


def _gives_up(task: Task, exc: BaseException) -> bool:
    """True when `exc` ends the task: not retried at all, or the retries are used up."""
    return not isinstance(exc, RETRIED_ERRORS) or task.request.retries >= task.max_retries


@reliable_task(
    name="dogs.register_dog_task",
    bind=True,
    autoretry_for=RETRIED_ERRORS,
)
def register_dog_task(self: Task, registration_id: str) -> dict[str, Any]:
    """Fetch a picture URL from dog.ceo and create the registration's dog; returns the dog."""
    try:
        return services.dog_registration_run(registration_id)
    except Exception as exc:
        if _gives_up(self, exc):
            services.dog_registration_fail(registration_id, exc)
        raise


@reliable_task(
    name="dogs.send_dog_picture_task",
    bind=True,
    autoretry_for=RETRIED_ERRORS,
)
def send_dog_picture_task(self: Task, dog_id: int) -> dict[str, Any]:
    """Download a new dog's picture and post it to the files service (FILES_SERVICE_URL)."""
    try:
        return services.dog_picture_send(dog_id)
    except Exception as exc:
        if _gives_up(self, exc):
            services.dog_picture_send_failed(dog_id, exc)
        raise
