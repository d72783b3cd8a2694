"""Services: the idempotent purchase's race paths, and the catalogue writes' atomicity."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from config.celery import app as celery_app
from recharges import selectors, services
from recharges.models import IdempotencyKey, Product, Recharge

pytestmark = pytest.mark.django_db

PURCHASE = {"company_id": "claro_11", "product_id": "claro_10", "phone_number": "5511999999999", "value": Decimal("10")}


def buy(user):
    return lambda: services.recharge_purchase(owner=user, **PURCHASE)


def test_purchase_once_replays_a_key_committed_between_its_lookup_and_its_insert(user, carriers, monkeypatch):
    """The race the unique constraint settles: the lookup saw nothing, the insert then collides."""
    first = services.recharge_purchase_once(owner=user, key="k", fingerprint="f", purchase=buy(user))
    real_get = selectors.idempotency_key_get
    calls = []

    def lookup_that_misses_first(owner, key):
        calls.append(key)
        return None if len(calls) == 1 else real_get(owner, key)

    monkeypatch.setattr(selectors, "idempotency_key_get", lookup_that_misses_first)

    second = services.recharge_purchase_once(owner=user, key="k", fingerprint="f", purchase=buy(user))

    assert second == services.Purchase(first.recharge, replayed=True)
    assert calls == ["k", "k"]
    assert Recharge.objects.count() == 1


def test_purchase_once_that_fails_leaves_no_claim_and_no_recharge(user, carriers):
    def failing():
        services.recharge_purchase(owner=user, **PURCHASE)
        raise ValidationError({"value": ["no"]})

    with pytest.raises(ValidationError):
        services.recharge_purchase_once(owner=user, key="k", fingerprint="f", purchase=failing)

    assert not IdempotencyKey.objects.exists()
    assert not Recharge.objects.exists()


def test_purchase_records_the_products_value_and_the_buyer(user, carriers):
    recharge = services.recharge_purchase(owner=user, **PURCHASE)

    recharge.refresh_from_db()
    assert (recharge.value, recharge.owner, recharge.company_id) == (Decimal("10.00"), user, "claro_11")


def test_fingerprint_is_the_same_for_equal_normalised_bodies():
    one = services.request_fingerprint({**PURCHASE, "value": Decimal("10.00")})
    other = services.request_fingerprint(
        {"value": Decimal("10.00"), **{k: v for k, v in PURCHASE.items() if k != "value"}}
    )

    assert one == other
    assert one != services.request_fingerprint({**PURCHASE, "phone_number": "5521999999999"})


def test_replace_keeps_nothing_half_done_when_a_left_out_product_is_in_use(user, carriers):
    services.recharge_purchase(owner=user, **PURCHASE)

    with pytest.raises(services.InUse):
        services.company_replace("claro_11", products=[{"id": "claro_50", "value": Decimal("50")}])

    assert set(Product.objects.filter(company_id="claro_11").values_list("id", flat=True)) == {"claro_10", "claro_20"}


def test_key_clean_up_is_scheduled_hourly_and_registered():
    entry = settings.CELERY_BEAT_SCHEDULE["recharges-purge-idempotency-keys"]

    assert entry == {"task": "recharges.purge_idempotency_keys_task", "schedule": 3600.0}
    celery_app.loader.import_default_modules()
    assert "recharges.purge_idempotency_keys_task" in celery_app.tasks


@pytest.mark.django_db(transaction=True)
def test_product_deleted_between_check_and_insert_is_a_400_not_a_failed_commit(user, carriers, monkeypatch):
    """What a concurrent deletion looks like to a purchase: the product it read is gone when it inserts."""
    ghost = Product(id="ghost_10", company=carriers["claro_11"], value=Decimal("10.00"))
    monkeypatch.setattr(services, "_product", lambda product_id: ghost)

    with pytest.raises(ValidationError) as raised:
        services.recharge_purchase(owner=user, **{**PURCHASE, "product_id": "ghost_10"})

    assert raised.value.message_dict == {"product_id": ["No product has this product_id."]}
    assert not Recharge.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's deferred foreign keys; SQLite never interleaves"
)
def test_product_deleted_during_a_keyed_purchase_is_a_400_and_frees_the_key(user, carriers, monkeypatch):
    """Inside the key's transaction the purchase is a savepoint: its foreign keys are checked there, not at commit."""
    ghost = Product(id="ghost_10", company=carriers["claro_11"], value=Decimal("10.00"))
    monkeypatch.setattr(services, "_product", lambda product_id: ghost)
    purchase = {**PURCHASE, "product_id": "ghost_10"}

    with pytest.raises(ValidationError):
        services.recharge_purchase_once(
            owner=user, key="k", fingerprint="f", purchase=lambda: services.recharge_purchase(owner=user, **purchase)
        )

    assert not Recharge.objects.exists()
    assert not IdempotencyKey.objects.exists()
