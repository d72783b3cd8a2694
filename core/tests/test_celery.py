"""Celery is wired to a real broker and the django-db result backend.

Runs a real worker thread against whatever broker the settings configure: the
filesystem transport by default, Redis when CELERY_BROKER_URL points at it.
"""

import pytest
from celery.contrib.testing.worker import start_worker
from django_celery_results.models import TaskResult

from config.celery import app


@app.task(name="core.tests.multiply")
def multiply(x: int, y: int) -> int:
    return x * y


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("not_eager")
def test_a_real_worker_consumes_from_the_broker_and_stores_the_result():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = multiply.delay(6, 7)
        assert result.get(timeout=30) == 42

    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "core.tests.multiply"
