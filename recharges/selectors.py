"""Reads of the carriers' catalogue and of the recharges bought."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core.errors import NotFound
from core.queries import RowByKey
from recharges.models import Company, IdempotencyKey, Product, Recharge


class CompanyNotFound(NotFound):
    default_code = "company_not_found"
    default_detail = "No company has this company_id."


class RechargeNotFound(NotFound):
    default_code = "recharge_not_found"
    default_detail = "No recharge of yours has this id."


def company_list() -> QuerySet[Company]:
    """Every company with its products (one query for each), ordered by company_id then value."""
    return Company.objects.prefetch_related(Prefetch("products", queryset=Product.objects.order_by("value", "id")))


def company_get(company_id: str) -> Company:
    """The company with its products; CompanyNotFound (404) otherwise."""
    try:
        return company_list().get(company_id=company_id)
    except Company.DoesNotExist as exc:
        raise CompanyNotFound() from exc


def catalogue() -> list[dict]:
    """The whole catalogue as `GET /CompanyProducts` answers it: companies with their products."""
    return [
        {
            "company_id": company.company_id,
            "products": [{"id": product.id, "value": product.value} for product in company.products.all()],
        }
        for company in company_list()
    ]


def recharge_list_for(user) -> QuerySet[Recharge]:
    """The recharges `user` may read: their own, or everyone's for staff."""
    recharges = Recharge.objects.all()
    return recharges if user.is_staff else recharges.filter(owner=user)


_recharge_by_id = RowByKey(Recharge)


def recharge_get_for(user, recharge_id: uuid.UUID) -> Recharge:
    """One recharge `user` may read; RechargeNotFound (404) also for someone else's.

    The rule of `recharge_list_for(user).get(pk=recharge_id)`, with the row read
    by a query compiled once (core.queries.RowByKey, shaped by the benchmark of
    `GET /PhoneRecharges?id=`, bench/README.md, "Recharges") and the owner
    compared here.
    """
    recharge = _recharge_by_id.get(recharge_id)
    if recharge is None or not (user.is_staff or recharge.owner_id == user.pk):
        raise RechargeNotFound()
    return recharge


def idempotency_key_cutoff():
    """Keys created before this moment have expired."""
    return timezone.now() - timedelta(seconds=settings.RECHARGES_IDEMPOTENCY_KEY_SECONDS)


def idempotency_key_get(owner, key: str) -> IdempotencyKey | None:
    """The caller's record of `key` with its recharge, live or expired (older than the cutoff); None without one."""
    return IdempotencyKey.objects.select_related("recharge").filter(owner=owner, key=key).first()
