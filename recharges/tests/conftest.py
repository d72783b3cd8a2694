"""Fixtures for the recharges' tests; users and clients come from tests/fixtures/."""

from decimal import Decimal

import pytest

from recharges.models import Company, Product


@pytest.fixture
def carriers(db) -> dict[str, Company]:
    """The specification's carriers (the data migration loads them; a transactional test's flush removes them)."""
    companies = {}
    for company_id, prefix in (("claro_11", "claro"), ("tim_11", "tim")):
        company, _ = Company.objects.get_or_create(company_id=company_id)
        for value in (10, 20):
            Product.objects.update_or_create(
                id=f"{prefix}_{value}", defaults={"company": company, "value": Decimal(value)}
            )
        companies[company_id] = company
    return companies


@pytest.fixture
def only_carriers(carriers) -> dict[str, Company]:
    """Exactly the specification's carriers, nothing else."""
    Company.objects.exclude(company_id__in=list(carriers)).delete()
    Product.objects.exclude(id__in=["claro_10", "claro_20", "tim_10", "tim_20"]).delete()
    return carriers
