"""`task_state`: what `GET /api/tasks/{task_id}` reports from django-celery-results' rows and the registration."""

from __future__ import annotations

import json
import uuid

import pytest
from django_celery_results.models import TaskResult

from dogs import selectors
from dogs.models import DogRegistration
from dogs.selectors import TaskNotFound

pytestmark = pytest.mark.django_db

FAILURE = {"exc_type": "UpstreamError", "exc_message": ["The dog.ceo service answered HTTP 500."], "exc_module": "x"}


@pytest.fixture
def registration() -> DogRegistration:
    return DogRegistration.objects.create(name="Lazy")


def stored(registration: DogRegistration, status: str, result: object) -> None:
    TaskResult.objects.create(task_id=str(registration.task_id), status=status, result=json.dumps(result))


@pytest.mark.parametrize(
    ("status", "result", "expected"),
    [
        ("STARTED", {"pid": 1, "hostname": "w@h"}, None),
        ("RETRY", FAILURE, {"error": "UpstreamError", "detail": "The dog.ceo service answered HTTP 500."}),
        ("FAILURE", FAILURE, {"error": "UpstreamError", "detail": "The dog.ceo service answered HTTP 500."}),
        ("SUCCESS", {"id": 1, "name": "Lazy"}, {"id": 1, "name": "Lazy"}),
        ("REVOKED", FAILURE, {"error": "UpstreamError", "detail": "The dog.ceo service answered HTTP 500."}),
    ],
)
def test_the_worker_written_row_is_reported(registration, status, result, expected):
    stored(registration, status, result)

    state = selectors.task_state(registration.task_id)

    assert state == {
        "task_id": str(registration.task_id),
        "status": "FAILURE" if status == "REVOKED" else status,
        "result": expected,
    }


def test_without_a_row_the_registration_says_pending_or_how_it_ended(registration):
    assert selectors.task_state(registration.task_id)["status"] == "PENDING"

    registration.status = DogRegistration.Status.SUCCEEDED
    registration.result = {"id": 1}
    registration.save()
    assert selectors.task_state(registration.task_id)["result"] == {"id": 1}


@pytest.mark.parametrize("task_id", [str(uuid.uuid4()), "nope", ""])
def test_an_id_that_is_no_registrations_task_is_not_found(task_id):
    with pytest.raises(TaskNotFound):
        selectors.task_state(task_id)
