"""The registration task's logic, run eagerly: retries, final states, nothing duplicated.

Against a real local dog.ceo stand-in answering normally, slowly, with 500s,
with a malformed body, and not at all. The same flows against a real worker
are in test_worker.py.
"""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings as django_settings
from werkzeug import Response

from config.celery import app
from core.tasks import longest_unacknowledged_seconds, worst_case_seconds
from dogs import services
from dogs.clients import DogCeoInvalidAnswer, dog_ceo_client
from dogs.models import Dog, DogRegistration
from dogs.tasks import register_dog_task
from dogs.tests.conftest import PICTURE_PATH, answers, dog_ceo_calls, picture_answer
from dogs.tests.factories import DogFactory
from tests.fixtures.settings import django_setup_in_subprocess

pytestmark = pytest.mark.django_db

RANDOM = "/api/breeds/image/random"


@pytest.fixture(autouse=True)
def _failures_as_results():
    """An eager task's failure is its result, also in the retries Celery runs as nested eager calls."""
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


def registration(name: str = "Lazy", **fields) -> DogRegistration:
    return DogRegistration.objects.create(name=name, **fields)


def run(registration: DogRegistration):
    """One delivery of the registration's task, eagerly; returns Celery's EagerResult."""
    return register_dog_task.apply((str(registration.pk),), task_id=str(registration.task_id))


def test_registration_creates_the_dog_with_dog_ceos_picture(dog_ceo_ok, user):
    pending = registration(is_adopted=True, owner=user)

    result = run(pending)

    assert result.status == "SUCCESS"
    dog = Dog.objects.get(name="Lazy")
    assert dog.picture == dog_ceo_ok.url_for(PICTURE_PATH)
    assert (dog.is_adopted, dog.owner, dog.registration) == (True, user, pending)
    assert result.result == {
        "id": dog.pk,
        "name": "Lazy",
        "picture": dog.picture,
        "is_adopted": True,
        "create_date": dog.create_date.isoformat().replace("+00:00", "Z"),
        "id_user": user.pk,
    }
    pending.refresh_from_db()
    assert (pending.status, pending.result) == ("succeeded", result.result)


def test_a_second_run_of_a_finished_registration_succeeds_with_the_same_dog(dog_ceo_ok):
    pending = registration()
    first = run(pending)

    second = run(pending)

    assert second.status == "SUCCESS"
    assert second.result == first.result
    assert Dog.objects.count() == 1
    assert dog_ceo_calls(dog_ceo_ok) == 1


def test_a_run_that_finds_the_dog_its_earlier_run_created_succeeds_with_it(dog_ceo_ok):
    # A worker that died after creating the dog but before recording the result
    # cannot happen (one transaction does both), but a dog carrying the
    # registration is recognised whatever the registration row says.
    pending = registration()
    dog = DogFactory(name="Lazy", registration=pending)

    result = run(pending)

    assert result.status == "SUCCESS"
    assert result.result["id"] == dog.pk
    assert Dog.objects.count() == 1


def test_a_name_taken_meanwhile_by_another_client_fails_the_registration_with_its_reason(dog_ceo_ok):
    pending = registration()
    DogFactory(name="Lazy")

    result = run(pending)

    assert result.status == "FAILURE"
    assert "Another dog took this name" in str(result.result)
    pending.refresh_from_db()
    assert pending.status == "failed"
    assert pending.result["error"] == "DogNameTakenMeanwhile"
    assert Dog.objects.count() == 1
    assert dog_ceo_calls(dog_ceo_ok) == 0


def test_a_name_taken_between_the_picture_and_the_insert_fails_without_a_second_dog(dog_ceo, monkeypatch):
    dog_ceo.expect_request(RANDOM).respond_with_json(picture_answer(dog_ceo))
    pending = registration()
    original = services.clients.random_picture_url

    def picture_then_someone_takes_the_name() -> str:
        url = original()
        DogFactory(name="Lazy")
        return url

    monkeypatch.setattr(services.clients, "random_picture_url", picture_then_someone_takes_the_name)

    result = run(pending)

    assert result.status == "FAILURE"
    assert result.result.__class__.__name__ == "DogNameTakenMeanwhile"
    assert list(Dog.objects.values_list("registration", flat=True)) == [None]


def test_500s_then_success_are_retried_and_create_one_dog(dog_ceo, max_retries):
    max_retries(3)
    dog_ceo.expect_request(RANDOM).respond_with_handler(
        answers(
            Response("boom", status=500),
            Response("boom", status=500),
            _json_response(picture_answer(dog_ceo)),
        )
    )
    pending = registration()

    result = run(pending)

    assert result.status == "SUCCESS"
    assert dog_ceo_calls(dog_ceo) == 3
    assert Dog.objects.filter(name="Lazy").count() == 1


def test_500s_past_the_retry_limit_fail_the_registration_and_create_nothing(dog_ceo, max_retries):
    max_retries(2)
    dog_ceo.expect_request(RANDOM).respond_with_data("boom", status=500)
    pending = registration()

    result = run(pending)

    assert result.status == "FAILURE"
    assert "HTTP 500" in str(result.result)
    assert dog_ceo_calls(dog_ceo) == 3  # the first try and two retries
    assert not Dog.objects.exists()
    pending.refresh_from_db()
    assert pending.status == "failed"
    assert pending.detail == "The dog.ceo service answered HTTP 500."


def test_a_slow_dog_ceo_times_out_and_is_retried_until_it_answers_in_time(dog_ceo, slow_answers, max_retries, settings):
    max_retries(5)
    settings.OUTBOUND_READ_TIMEOUT = 0.3
    started = time.monotonic()

    def slow_for_a_second(request):
        if time.monotonic() - started < 1:
            slow_answers.wait(1)
        return _json_response(picture_answer(dog_ceo))

    dog_ceo.expect_request(RANDOM).respond_with_handler(slow_for_a_second)
    pending = registration()

    result = run(pending)

    assert result.status == "SUCCESS"
    assert dog_ceo_calls(dog_ceo) >= 2
    assert Dog.objects.count() == 1


def test_a_dog_ceo_that_stays_slow_fails_the_registration_at_the_limit(dog_ceo, slow_answers, max_retries, settings):
    max_retries(1)
    settings.OUTBOUND_READ_TIMEOUT = 0.2

    def slow(request):
        slow_answers.wait(0.5)
        return _json_response(picture_answer(dog_ceo))

    dog_ceo.expect_request(RANDOM).respond_with_handler(slow)
    pending = registration()

    result = run(pending)

    assert result.status == "FAILURE"
    assert result.result.__class__.__name__ == "UpstreamTimeout"
    assert not Dog.objects.exists()
    pending.refresh_from_db()
    assert pending.status == "failed"


def test_a_malformed_body_fails_at_once_without_retries(dog_ceo, max_retries):
    max_retries(3)
    dog_ceo.expect_request(RANDOM).respond_with_data("<html>oops</html>", content_type="text/html")
    pending = registration()

    result = run(pending)

    assert result.status == "FAILURE"
    assert isinstance(result.result, DogCeoInvalidAnswer)
    assert dog_ceo_calls(dog_ceo) == 1
    assert not Dog.objects.exists()
    pending.refresh_from_db()
    assert (pending.status, pending.result["error"]) == ("failed", "DogCeoInvalidAnswer")


def test_an_unreachable_dog_ceo_is_retried_then_fails(settings, closed_port, max_retries):
    max_retries(2)
    settings.DOG_CEO_API_URL = f"http://127.0.0.1:{closed_port}/api"
    pending = registration()

    result = run(pending)

    assert result.status == "FAILURE"
    assert result.result.__class__.__name__ == "UpstreamConnectionError"
    assert result.result.__class__ is not DogCeoInvalidAnswer
    assert not Dog.objects.exists()
    pending.refresh_from_db()
    assert pending.status == "failed"


def test_a_failed_registration_fails_the_same_way_when_run_again(dog_ceo, max_retries):
    max_retries(0)
    dog_ceo.expect_request(RANDOM).respond_with_data("boom", status=500)
    pending = registration()
    run(pending)
    dog_ceo.clear()
    dog_ceo.expect_request(RANDOM).respond_with_json(picture_answer(dog_ceo))

    again = run(pending)

    assert again.status == "FAILURE"
    assert not Dog.objects.exists()


def test_the_simulated_delay_is_slept_before_the_dog_is_created(dog_ceo_ok, settings, monkeypatch):
    settings.DOGS_REGISTRATION_DELAY_SECONDS = 2.5
    slept = []
    monkeypatch.setattr(services.time, "sleep", lambda seconds: slept.append((seconds, Dog.objects.count())))

    run(registration())

    assert slept == [(2.5, 0)]
    assert Dog.objects.count() == 1


def test_an_unknown_registration_fails_cleanly():
    result = register_dog_task.apply((str(uuid.uuid4()),))

    assert result.status == "FAILURE"
    assert result.result.__class__.__name__ == "RegistrationNotFound"


def test_the_task_limits_leave_room_for_the_delay_and_dog_ceos_worst_case():
    client = dog_ceo_client()
    one_attempt = django_settings.DOGS_REGISTRATION_DELAY_SECONDS + client.worst_case_seconds

    assert one_attempt < django_settings.CELERY_TASK_SOFT_TIME_LIMIT
    visibility_timeout = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert longest_unacknowledged_seconds(register_dog_task) < visibility_timeout
    assert worst_case_seconds(register_dog_task) > 0


def _json_response(body: dict) -> Response:
    import json

    return Response(json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("delay", ["-1", "240"])
def test_settings_refuse_a_delay_that_does_not_fit_the_tasks_soft_time_limit(delay):
    completed = django_setup_in_subprocess(
        CELERY_TASK_SOFT_TIME_LIMIT="240", CELERY_TASK_TIME_LIMIT="300", DOGS_REGISTRATION_DELAY_SECONDS=delay
    )

    assert completed.returncode != 0
    assert "DOGS_REGISTRATION_DELAY_SECONDS" in completed.stderr
