"""The dump carries the recharges' tables, and restores give them back identically.

With the databases' own tools (a full dump) and with `load_dump` (a data-only
dump into a migrated database). Money keeps its two decimals and the UUIDs and
times their exact values.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from recharges.models import Company, IdempotencyKey, Product, Recharge
from recharges.tests.factories import CompanyFactory, ProductFactory, RechargeFactory
from tests.test_dump import (
    current_rows,
    natively_restored,
    rows_of,
    trailer_of,
)
from users.tests.factories import UserFactory

# The restores run the databases' own command-line tools.

pytestmark = pytest.mark.django_db(transaction=True)

MODELS = [Company, Product, Recharge, IdempotencyKey]


@pytest.fixture
def recharge_rows() -> None:
    """Two companies, products with awkward values, recharges (one whose owner is gone) and a key."""
    buyer = UserFactory(email="buyer@example.org")
    claro = CompanyFactory(company_id="claro_11")
    CompanyFactory(company_id="empty-co")
    ten = ProductFactory(id="claro_10", company=claro, value=Decimal("10.00"))
    cents = ProductFactory(id="claro_cents", company=claro, value=Decimal("0.01"))
    ProductFactory(id="claro_max", company=claro, value=Decimal("99999999.99"))
    first = RechargeFactory(product=ten, owner=buyer)
    RechargeFactory(product=cents, owner=None, phone_number="5599912345678")
    Recharge.objects.filter(pk=first.pk).update(
        created_at=datetime.datetime(2019, 2, 1, 13, 0, 0, 123456, tzinfo=datetime.UTC)
    )
    IdempotencyKey.objects.create(owner=buyer, key="retry ' key; --", fingerprint="f" * 64, recharge=first)


def test_dump_counts_the_recharges_tables_in_foreign_key_order(recharge_rows, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())

    tables = trailer_of(dump)["tables"]

    assert (tables["recharges_company"], tables["recharges_product"]) == (2, 3)
    assert (tables["recharges_recharge"], tables["recharges_idempotencykey"]) == (2, 1)
    text = dump.read_text()
    order = [
        text.index(f'INSERT INTO "{table}"')
        for table in ("recharges_company", "recharges_product", "recharges_recharge", "recharges_idempotencykey")
    ]
    assert order == sorted(order)


def test_dump_restores_the_recharges_tables_identically_with_the_databases_tools(recharge_rows, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())

    with natively_restored(dump, tmp_path) as cursor:
        rows = rows_of(MODELS, cursor)

    assert rows == current_rows(MODELS)
    assert len(rows["recharges_recharge"]) == 2


def test_data_only_dump_loads_back_into_migrated_database(recharge_rows, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    expected = current_rows(MODELS)
    IdempotencyKey.objects.all().delete()
    Recharge.objects.all().delete()
    Product.objects.filter(id="claro_max").update(value=Decimal("1.00"))
    CompanyFactory(company_id="added_later")

    call_command("load_dump", str(dump), stdout=io.StringIO())

    assert current_rows(MODELS) == expected
    assert Product.objects.get(id="claro_max").value == Decimal("99999999.99")
    assert Recharge.objects.get(owner__isnull=True).value == Decimal("0.01")
