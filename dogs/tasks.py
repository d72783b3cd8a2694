"""The dogs app's Celery tasks: thin wrappers over dogs.services (the shape of core.tasks).

Both retry every upstream failure but an answer that will not change
(`DogCeoInvalidAnswer`, `FilesServiceInvalidAnswer`): network errors,
timeouts and 5xx, as the contract asks. core.http's `TRANSIENT_ERRORS` leaves
out a 500, and `HttpClient` raises it as a plain `UpstreamError` without its
status, so the tasks retry `UpstreamError` as a whole and name the answers not
to retry. When a task gives up, its reason is recorded (on the registration,
on the dog) before the failure reaches the result backend.
"""

from __future__ import annotations

from typing import Any

from celery import Task

from core.errors import UpstreamError
from core.tasks import reliable_task
from dogs import services
from dogs.clients import DogCeoInvalidAnswer, FilesServiceInvalidAnswer

RETRIED_ERRORS: tuple[type[Exception], ...] = (UpstreamError,)
NOT_RETRIED_ERRORS: tuple[type[Exception], ...] = (DogCeoInvalidAnswer, FilesServiceInvalidAnswer)


def _gives_up(task: Task, exc: BaseException) -> bool:
    """True when `exc` ends the task: not retried at all, or the retries are used up."""
    retried = isinstance(exc, RETRIED_ERRORS) and not isinstance(exc, NOT_RETRIED_ERRORS)
    return not retried or task.request.retries >= task.max_retries


@reliable_task(
    name="dogs.register_dog_task",
    bind=True,
    autoretry_for=RETRIED_ERRORS,
    dont_autoretry_for=NOT_RETRIED_ERRORS,
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
    dont_autoretry_for=NOT_RETRIED_ERRORS,
)
def send_dog_picture_task(self: Task, dog_id: int) -> dict[str, Any]:
    """Download a new dog's picture and post it to the files service (FILES_SERVICE_URL)."""
    try:
        return services.dog_picture_send(dog_id)
    except Exception as exc:
        if _gives_up(self, exc):
            services.dog_picture_send_failed(dog_id, exc)
        raise
