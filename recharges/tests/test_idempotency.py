"""`Idempotency-Key` on `POST /PhoneRecharges`: replays, 422 on another body, scope, limits, expiry, clean-up."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from recharges.models import IdempotencyKey, Recharge
from recharges.tasks import purge_idempotency_keys_task

pytestmark = pytest.mark.django_db

REQUEST = {"company_id": "claro_11", "product_id": "claro_10", "phone_number": "5511999999999", "value": 10.00}


def post(client, body, key: str | None = None):
    data = body if isinstance(body, str) else json.dumps(body)
    extra = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post("/PhoneRecharges", data=data, content_type="application/json", **extra)


def test_retry_with_same_key_and_body_replays_first_response_and_buys_nothing(auth_client, carriers):
    first = post(auth_client, REQUEST, key="k-1")
    second = post(auth_client, REQUEST, key="k-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert second["Location"] == first["Location"]
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Recharge.objects.count() == 1


def test_same_value_written_differently_is_the_same_body(auth_client, carriers):
    first = post(
        auth_client,
        '{"company_id":"claro_11","product_id":"claro_10","phone_number":"5511999999999","value":10}',
        key="k",
    )
    second = post(auth_client, {**REQUEST, "value": 10.0}, key="k")

    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    "other_body",
    [
        {**REQUEST, "phone_number": "5521999999999"},
        {**REQUEST, "product_id": "claro_20", "value": 20},
        {**REQUEST, "value": "not a number"},
        [],
    ],
)
def test_same_key_with_different_body_is_422(auth_client, carriers, other_body):
    post(auth_client, REQUEST, key="k")

    response = post(auth_client, other_body, key="k")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "This Idempotency-Key was already used with a different request body.",
        "code": "idempotency_key_reused",
    }
    assert Recharge.objects.count() == 1


def test_keys_are_scoped_to_the_caller(auth_client, other_client, carriers):
    mine = post(auth_client, REQUEST, key="shared")
    theirs = post(other_client, REQUEST, key="shared")

    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]
    assert Recharge.objects.count() == 2


def test_without_key_every_post_buys(auth_client, carriers):
    post(auth_client, REQUEST)
    post(auth_client, REQUEST)

    assert Recharge.objects.count() == 2


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "chave-ç", "tab\tkey"])
def test_empty_too_long_or_non_ascii_key_is_400(auth_client, carriers, key):
    response = post(auth_client, REQUEST, key=key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Recharge.objects.exists()


def test_key_of_255_characters_is_accepted(auth_client, carriers):
    assert post(auth_client, REQUEST, key="x" * 255).status_code == 201
    assert post(auth_client, REQUEST, key="x" * 255)["Idempotent-Replayed"] == "true"


def test_failed_request_does_not_use_up_its_key(auth_client, carriers):
    assert post(auth_client, {**REQUEST, "value": 11}, key="k").status_code == 400
    assert not IdempotencyKey.objects.exists()

    response = post(auth_client, REQUEST, key="k")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_key_expires_after_24_hours(auth_client, carriers):
    first = post(auth_client, REQUEST, key="k")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))

    second = post(auth_client, REQUEST, key="k")

    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert second.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.get().recharge_id == Recharge.objects.get(pk=second.json()["id"]).pk


def test_key_within_24_hours_still_replays(auth_client, carriers):
    post(auth_client, REQUEST, key="k")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))

    assert post(auth_client, REQUEST, key="k")["Idempotent-Replayed"] == "true"


def test_purge_command_and_task_delete_only_expired_keys(auth_client, carriers):
    post(auth_client, REQUEST, key="old")
    post(auth_client, REQUEST, key="older")
    post(auth_client, REQUEST, key="fresh")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    out = io.StringIO()

    call_command("purge_idempotency_keys", stdout=out)

    assert out.getvalue() == "Deleted 1 expired idempotency keys.\n"
    IdempotencyKey.objects.filter(key="older").update(created_at=timezone.now() - timedelta(days=3))
    assert purge_idempotency_keys_task.delay().get() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    # Purchases are history: the recharges stay.
    assert Recharge.objects.count() == 3


def test_database_refuses_second_record_of_one_key_for_one_caller(user, carriers):
    from django.db import IntegrityError, transaction

    from recharges.tests.factories import RechargeFactory

    recharge = RechargeFactory(owner=user)
    IdempotencyKey.objects.create(owner=user, key="k", fingerprint="a" * 64, recharge=recharge)

    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyKey.objects.create(owner=user, key="k", fingerprint="a" * 64, recharge=recharge)
