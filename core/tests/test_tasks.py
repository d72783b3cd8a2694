"""The task shape of core.tasks: named retries with backoff, late acks, queued on commit.

The worker tests run a real worker thread against the configured broker (the
filesystem transport by default, Redis when CELERY_BROKER_URL says so) and a
real local HTTP server standing in for an outside service. Core imports no
app, so the tasks under test are defined here, named `core.tests.<name>`.
"""

import copy
import logging
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import setup_logging
from django.conf import settings as django_settings
from django.db import transaction
from django_celery_results.models import TaskResult
from werkzeug import Request, Response

from config.celery import app, configure_logging
from core.errors import UpstreamError, UpstreamUnavailable
from core.http import TRANSIENT_ERRORS, HttpClient
from core.tasks import ReliableTask, longest_unacknowledged_seconds, reliable_task, worst_case_seconds
from tests.fixtures.settings import django_setup_in_subprocess

CALLS: list[int] = []


def _fetch(base_url: str) -> dict:
    # No in-request retries: the task's own retries are under test.
    with HttpClient(base_url, service="test", retries=0, backoff_factor=0) as client:
        return client.get("resource").json(dict)


# No wait between retries, so the tests stay fast; the policy is otherwise the default one.
@reliable_task(name="core.tests.fetch_resource_task", retry_backoff_max=0)
def fetch_resource_task(base_url: str) -> dict:
    """Fetch a JSON resource from a stand-in outside service."""
    return _fetch(base_url)


@reliable_task(name="core.tests.fetch_resource_twice_at_most_task", retry_backoff_max=0, max_retries=2)
def fetch_resource_twice_at_most_task(base_url: str) -> dict:
    """The same, giving up after two retries."""
    return _fetch(base_url)


@reliable_task(name="core.tests.record_call_task")
def record_call_task(value: int) -> int:
    """Remember that it ran, for the on-commit tests (eager)."""
    CALLS.append(value)
    return value


@pytest.fixture
def eager() -> Iterator[None]:
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    CALLS.clear()
    yield
    app.conf.task_always_eager = previous
    CALLS.clear()


def answers(*responses: Response):
    """A handler giving `responses` in turn, then the last one again."""
    remaining = list(responses)

    def handler(request: Request) -> Response:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return handler


def worker():
    return start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10)


# --- against a real worker -----------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("not_eager")
def test_a_transient_upstream_failure_is_retried_until_success(httpserver):
    httpserver.expect_request("/resource").respond_with_handler(
        answers(Response("busy", status=503), Response("busy", status=503), Response('{"ok": true}'))
    )

    with worker():
        result = fetch_resource_task.delay(httpserver.url_for("/"))
        assert result.get(timeout=60) == {"ok": True}

    assert len(httpserver.log) == 3
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "core.tests.fetch_resource_task"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("not_eager")
def test_an_upstream_500_fails_the_task_at_once_with_its_reason(httpserver):
    httpserver.expect_request("/resource").respond_with_data("boom", status=500)

    with worker():
        result = fetch_resource_task.delay(httpserver.url_for("/"))
        result.get(timeout=60, propagate=False)

    assert result.status == "FAILURE"
    assert isinstance(result.result, UpstreamError)
    assert "HTTP 500" in str(result.result)
    assert len(httpserver.log) == 1
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "FAILURE"
    assert "UpstreamError" in stored.result
    assert "HTTP 500" in stored.result


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("not_eager")
def test_a_task_that_keeps_meeting_transient_failures_fails_at_the_retry_limit(httpserver):
    httpserver.expect_request("/resource").respond_with_data("busy", status=503)

    with worker():
        result = fetch_resource_twice_at_most_task.delay(httpserver.url_for("/"))
        result.get(timeout=60, propagate=False)

    assert result.status == "FAILURE"
    assert isinstance(result.result, UpstreamUnavailable)
    # The first try and two retries.
    assert len(httpserver.log) == 3
    assert TaskResult.objects.get(task_id=result.id).status == "FAILURE"


# --- queued on commit ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager")
def test_a_task_queued_in_a_rolled_back_transaction_is_never_sent():
    with transaction.atomic():
        record_call_task.delay_on_commit(1)
        transaction.set_rollback(True)

    assert CALLS == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager")
def test_a_task_queued_in_a_transaction_is_sent_after_the_commit():
    with transaction.atomic():
        record_call_task.delay_on_commit(2)
        assert CALLS == []

    assert CALLS == [2]


# --- the shape ---------------------------------------------------------------------


def test_reliable_tasks_ack_late_and_retry_only_transient_errors_with_backoff_and_jitter():
    task = record_call_task

    assert isinstance(task, ReliableTask)
    assert task.acks_late
    assert task.reject_on_worker_lost
    assert tuple(task.autoretry_for) == TRANSIENT_ERRORS
    assert UpstreamError not in TRANSIENT_ERRORS
    assert task.retry_backoff
    assert task.retry_jitter
    assert task.max_retries == django_settings.CELERY_TASK_MAX_RETRIES
    assert task.retry_backoff_max == django_settings.CELERY_TASK_RETRY_BACKOFF_MAX
    assert hasattr(task, "delay_on_commit")


def test_worst_case_adds_every_attempt_and_every_backoff():
    @reliable_task(name="core.tests.bounded_task", time_limit=10, max_retries=2, retry_backoff_max=5)
    def bounded_task() -> None:
        """Only its limits matter here."""

    assert worst_case_seconds(bounded_task) == 3 * 10 + 2 * 5
    assert longest_unacknowledged_seconds(bounded_task) == 5 + 2 * 10


# --- settings ------------------------------------------------------------------------


def test_celery_settings_hold_their_invariants():
    conf = app.conf
    visibility_timeout = conf.broker_transport_options["visibility_timeout"]

    assert 0 < conf.task_soft_time_limit < conf.task_time_limit < visibility_timeout
    # The default task's message outlives neither its countdown nor its run.
    assert longest_unacknowledged_seconds(record_call_task) < visibility_timeout
    for task in app.tasks.values():
        if isinstance(task, ReliableTask):
            assert longest_unacknowledged_seconds(task) < visibility_timeout, task.name
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_acks_late
    assert conf.task_reject_on_worker_lost
    assert conf.task_acks_on_failure_or_timeout
    assert conf.worker_cancel_long_running_tasks_on_connection_loss
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.result_expires > 0


def test_settings_refuse_a_soft_limit_not_below_the_hard_limit():
    completed = django_setup_in_subprocess(CELERY_TASK_TIME_LIMIT="60", CELERY_TASK_SOFT_TIME_LIMIT="60")

    assert completed.returncode != 0
    assert "CELERY_TASK_SOFT_TIME_LIMIT" in completed.stderr


# --- logging -------------------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """dictConfig replaces handlers and levels process-wide; put them back."""
    names = ["", "django.request"]
    saved = {}
    for name in names:
        logger = logging.getLogger(name)
        saved[name] = (logger.level, logger.propagate, list(logger.handlers))
    yield
    for name, (level, propagate, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.propagate = propagate
        logger.handlers[:] = handlers


@pytest.mark.usefixtures("restore_logging")
def test_a_worker_takes_its_logging_configuration_from_django_settings(settings):
    logging_config = copy.deepcopy(settings.LOGGING)
    logging_config["loggers"]["django.request"]["level"] = "CRITICAL"
    settings.LOGGING = logging_config
    request_logger = logging.getLogger("django.request")
    request_logger.setLevel(logging.NOTSET)
    request_logger.propagate = True
    request_logger.handlers.clear()

    # What a worker does at start-up (celery.app.log.Logging.setup_logging_subsystem);
    # with no receiver Celery would install its own root handlers instead.
    responses = setup_logging.send(sender=None, loglevel=logging.INFO, logfile=None, format="", colorize=False)

    assert configure_logging in [receiver for receiver, _ in responses]
    assert request_logger.level == logging.CRITICAL
    assert request_logger.propagate is False
    assert [type(handler) for handler in request_logger.handlers] == [logging.StreamHandler]
