"""The expired keys' clean-up task, run by a real Celery worker over the configured broker."""

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery import app
from recharges import services
from recharges.models import IdempotencyKey, Recharge
from recharges.tasks import purge_idempotency_keys_task
from recharges.tests.factories import RechargeFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("not_eager")
def test_worker_purges_expired_keys_and_a_second_run_finds_nothing(user):
    recharge = RechargeFactory(owner=user)
    IdempotencyKey.objects.create(owner=user, key="old", fingerprint="f" * 64, recharge=recharge)
    IdempotencyKey.objects.create(owner=user, key="new", fingerprint="f" * 64, recharge=recharge)
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=2))

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert purge_idempotency_keys_task.delay().get(timeout=60) == 1
        assert purge_idempotency_keys_task.delay().get(timeout=60) == 0

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    assert Recharge.objects.count() == 1
    assert services.idempotency_keys_purge() == 0
