"""A worker killed while a registration sleeps in its simulated delay: a new worker creates the dog, once.

Runs on Redis only (skipped otherwise). The task is acknowledged late, so the
killed worker's message stays unacknowledged in Redis, which hands it out
again once the visibility timeout has passed; the new worker takes it and
creates the dog. kombu's filesystem transport (the embedded default) has no
such redelivery: a message its killed worker had taken is lost (README,
"Dogs"), which is why anything beyond one machine should use Redis or RabbitMQ.

The workers are real `celery -A config worker --pool=prefork -c 1` processes
with this test's database, broker and stand-in; each runs in a process group
of its own, killed as a whole with SIGKILL (the pool process included, as a
machine losing power or the OOM killer would).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from django_celery_results.models import TaskResult

from dogs.models import Dog
from dogs.tests.conftest import dog_ceo_calls, origin_of

ROOT = Path(__file__).resolve().parents[2]
DELAY_SECONDS = 3
# A worker sweeps Redis for messages unacknowledged longer than the visibility
# timeout when it starts, then every 100 s (kombu's `unacked_restore_interval`
# times `unacked_restore_throttle`). The test starts the new worker once the
# killed worker's message is past a short timeout, so the first sweep hands it
# out; the timeout stays longer than DELAY_SECONDS plus a fetch, so the new
# worker's own run is not handed out again while it lasts.
VISIBILITY_TIMEOUT_SECONDS = 6

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")),
        reason="needs the Redis broker (CELERY_BROKER_URL=redis://...): the filesystem broker loses the message",
    ),
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("not_eager"),
]


def database_url() -> str:
    """The test database (not the one settings name outside tests), for the worker processes."""
    current = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{current['NAME']}"
    credentials = quote(current["USER"] or "") + (f":{quote(current['PASSWORD'])}" if current["PASSWORD"] else "")
    return f"postgres://{credentials}@{current['HOST'] or '127.0.0.1'}:{current['PORT'] or 5432}/{current['NAME']}"


def worker_env(stand_in_origin: str, api_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        "DOG_CEO_API_URL": api_url,
        "DOG_CEO_ALLOWED_PICTURE_HOSTS": f"images.dog.ceo,{stand_in_origin}",
        "DOGS_REGISTRATION_DELAY_SECONDS": str(DELAY_SECONDS),
        "FILES_SERVICE_URL": "",
    }


def start_worker(name: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "-c", "1"]
    command += ["-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own command line
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def kill_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return


def stop(process: subprocess.Popen) -> None:
    kill_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill_group(process, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout} s; worker log:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.1)


@pytest.fixture
def clean_broker():
    """No message of this test outlives it, acknowledged or not."""
    yield
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("celery", "unacked", "unacked_index")


@pytest.mark.usefixtures("clean_broker")
def test_a_worker_killed_in_the_delay_is_replaced_and_the_dog_is_created_once(auth_client, dog_ceo_ok, tmp_path):
    env = worker_env(origin_of(dog_ceo_ok), dog_ceo_ok.url_for("/api"))
    log = tmp_path / "workers.log"
    accepted = auth_client.post("/api/dogs/Lazy")
    assert accepted.status_code == 202
    task_id = accepted.json()["task_id"]

    first = start_worker("first", env, log)
    try:
        wait_for(
            lambda: TaskResult.objects.filter(task_id=task_id, status="STARTED").exists(),
            60,
            "the first worker did not start the task",
            log,
        )
        kill_group(first, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        kill_group(first, signal.SIGKILL)
    killed_at = time.monotonic()
    assert not Dog.objects.exists()
    assert dog_ceo_calls(dog_ceo_ok) == 0
    time.sleep(max(0.0, VISIBILITY_TIMEOUT_SECONDS + 1 - (time.monotonic() - killed_at)))

    second = start_worker("second", env, log)
    try:
        wait_for(
            lambda: TaskResult.objects.filter(task_id=task_id, status="SUCCESS").exists(),
            90,
            "the second worker did not finish the redelivered task",
            log,
        )
        state = auth_client.get(accepted["Location"]).json()
    finally:
        stop(second)

    assert state["status"] == "SUCCESS"
    assert Dog.objects.count() == 1
    assert state["result"] == auth_client.get("/api/dogs/Lazy").json()
    assert dog_ceo_calls(dog_ceo_ok) == 1
