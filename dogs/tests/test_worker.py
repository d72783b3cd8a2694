"""Registrations against a real Celery worker and the configured broker (Redis in CI, the filesystem by default).

Celery's documentation calls eager mode an emulation: these tests run a real
worker (in a thread of this process, solo pool) that takes the message from
the broker, runs the task and writes its state to django-celery-results, where
`GET /api/tasks/{task_id}` reads it. The data is committed (transactional
tests) so the worker sees it. The files-service test serves the API on a live
server, so the second task posts the picture to our own `POST /api/files`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django_celery_results.models import TaskResult
from rest_framework.test import APIClient
from werkzeug import Response

from config.celery import app
from dogs.models import Dog, DogRegistration, StoredFile
from dogs.tests.conftest import PICTURE_BYTES, PICTURE_PATH, answers, dog_ceo_calls, picture_answer
from dogs.tests.factories import DogFactory

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("not_eager"),
]

RANDOM = "/api/breeds/image/random"
FINAL = ("SUCCESS", "FAILURE")


def worker():
    return start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10)


def poll(client: APIClient, status_url: str, until: Callable[[dict], bool], timeout: float = 60) -> dict[str, Any]:
    """GET the status URL until `until(state)` holds; the last state."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(status_url)
        assert response.status_code == 200
        state = response.json()
        if until(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def finished(state: dict) -> bool:
    return state["status"] in FINAL


def test_post_poll_and_read_the_dog(auth_client, user, dog_ceo_ok):
    with worker():
        accepted = auth_client.post("/api/dogs/Lazy", {"is_adopted": True}, format="json")
        assert accepted.status_code == 202
        state = poll(auth_client, accepted["Location"], finished)

    assert state["status"] == "SUCCESS"
    dog = auth_client.get("/api/dogs/Lazy").json()
    assert state["result"] == dog
    assert dog["picture"] == dog_ceo_ok.url_for(PICTURE_PATH)
    assert (dog["is_adopted"], dog["id_user"]) == (True, user.pk)
    stored = TaskResult.objects.get(task_id=accepted.json()["task_id"])
    assert (stored.status, stored.task_name) == ("SUCCESS", "dogs.register_dog_task")


def test_500s_then_success_are_retried_by_the_worker(auth_client, dog_ceo, max_retries):
    max_retries(3)
    dog_ceo.expect_request(RANDOM).respond_with_handler(
        answers(Response("boom", status=500), Response("boom", status=500), _json(picture_answer(dog_ceo)))
    )

    with worker():
        accepted = auth_client.post("/api/dogs/Lazy")
        seen = set()
        state = poll(auth_client, accepted["Location"], lambda state: seen.add(state["status"]) or finished(state))

    assert state["status"] == "SUCCESS"
    assert dog_ceo_calls(dog_ceo) == 3
    assert Dog.objects.filter(name="Lazy").count() == 1


def test_a_malformed_body_fails_the_task_at_once_with_its_reason(auth_client, dog_ceo, max_retries):
    max_retries(3)
    dog_ceo.expect_request(RANDOM).respond_with_data('{"message": ', content_type="application/json")

    with worker():
        accepted = auth_client.post("/api/dogs/Lazy")
        state = poll(auth_client, accepted["Location"], finished)

    assert state["status"] == "FAILURE"
    assert state["result"] == {"error": "DogCeoInvalidAnswer", "detail": "dog.ceo answered malformed JSON."}
    assert dog_ceo_calls(dog_ceo) == 1
    assert not Dog.objects.exists()
    assert DogRegistration.objects.get().status == "failed"


def test_an_unreachable_dog_ceo_fails_at_the_retry_limit_and_frees_the_name(
    auth_client, settings, closed_port, max_retries
):
    max_retries(1)
    settings.DOG_CEO_API_URL = f"http://127.0.0.1:{closed_port}/api"

    with worker():
        accepted = auth_client.post("/api/dogs/Lazy")
        state = poll(auth_client, accepted["Location"], finished)

    assert state["status"] == "FAILURE"
    assert state["result"]["error"] == "UpstreamConnectionError"
    assert not Dog.objects.exists()
    # The failed registration no longer holds the name.
    assert auth_client.post("/api/dogs/Lazy").status_code == 202


def test_a_duplicated_message_creates_one_dog_and_both_succeed(auth_client, dog_ceo_ok):
    from dogs.tasks import register_dog_task

    with worker():
        accepted = auth_client.post("/api/dogs/Lazy")
        first = poll(auth_client, accepted["Location"], finished)
        registration = DogRegistration.objects.get()
        # The same registration delivered again (a redelivery, a retried publish).
        again = register_dog_task.apply_async((str(registration.pk),))
        assert again.get(timeout=60) == first["result"]

    assert Dog.objects.count() == 1
    assert dog_ceo_calls(dog_ceo_ok) == 1


def test_a_name_taken_while_queued_fails_the_task_with_a_clear_reason(auth_client, dog_ceo_ok, settings):
    settings.DOGS_REGISTRATION_DELAY_SECONDS = 1
    accepted = auth_client.post("/api/dogs/Lazy")
    DogFactory(name="Lazy")  # another client's dog, e.g. through the admin

    with worker():
        state = poll(auth_client, accepted["Location"], finished)

    assert state["status"] == "FAILURE"
    assert state["result"]["error"] == "DogNameTakenMeanwhile"
    assert "Another dog took this name" in state["result"]["detail"]
    assert Dog.objects.count() == 1


def test_a_new_dogs_picture_is_posted_to_the_files_service(auth_client, user, dog_ceo_ok, live_server, settings):
    """FILES_SERVICE_URL points at our own POST /api/files: both sides speak the same protocol."""
    from rest_framework_simplejwt.tokens import RefreshToken

    settings.FILES_SERVICE_URL = f"{live_server.url}/api/files"
    settings.FILES_SERVICE_TOKEN = str(RefreshToken.for_user(user).access_token)

    with worker():
        accepted = auth_client.post("/api/dogs/Lazy")
        assert poll(auth_client, accepted["Location"], finished)["status"] == "SUCCESS"
        deadline = time.monotonic() + 60
        while Dog.objects.get().file_upload_status == "" and time.monotonic() < deadline:
            time.sleep(0.1)

    dog = Dog.objects.get()
    stored = StoredFile.objects.get()
    assert (dog.file_upload_status, dog.file_upload_detail) == ("sent", str(stored.pk))
    assert (stored.filename, stored.size, stored.content_type) == (
        "n02086910_6483.jpg",
        len(PICTURE_BYTES),
        "image/jpeg",
    )
    assert stored.uploaded_by == user
    assert APIClient().get(f"/api/files/{stored.pk}").getvalue() == PICTURE_BYTES


def test_a_files_service_that_refuses_the_picture_is_recorded_on_the_dog(
    auth_client, dog_ceo_ok, live_server, settings
):
    settings.FILES_SERVICE_URL = f"{live_server.url}/api/files"
    settings.FILES_SERVICE_TOKEN = ""  # our service wants a token: 401

    with worker():
        accepted = auth_client.post("/api/dogs/Lazy")
        assert poll(auth_client, accepted["Location"], finished)["status"] == "SUCCESS"
        deadline = time.monotonic() + 60
        while Dog.objects.get().file_upload_status == "" and time.monotonic() < deadline:
            time.sleep(0.1)

    dog = Dog.objects.get()
    assert (dog.file_upload_status, dog.file_upload_detail) == ("failed", "The files service answered HTTP 401.")
    assert not StoredFile.objects.exists()


def _json(body: dict) -> Response:
    import json

    return Response(json.dumps(body), content_type="application/json")
