"""Writes to the carriers' catalogue and purchases of recharges.

Every write runs in one transaction and every catalogue write invalidates the
cached `GET /CompanyProducts` once it commits. Deleting a company or product
that a recharge refers to is refused by the database (PROTECT) and answered 409.
A purchase with an `Idempotency-Key` is made at most once per caller and key,
enforced by a unique constraint, not by a read before the write.
"""

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from core.errors import Conflict, UnprocessableEntity
from recharges import selectors
from recharges.cache import catalogue_changed
from recharges.models import Company, IdempotencyKey, Product, Recharge
from recharges.selectors import CompanyNotFound

logger = logging.getLogger(__name__)


class CompanyExists(Conflict):
    default_code = "company_exists"
    default_detail = "A company with this company_id already exists."


class ProductTaken(Conflict):
    default_code = "product_exists"
    default_detail = "A product id in the body already belongs to another company."


class InUse(Conflict):
    default_code = "in_use"
    default_detail = "Recharges refer to this company or product, so it cannot be deleted."


class IdempotencyKeyReused(UnprocessableEntity):
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used with a different request body."


# --- Catalogue ------------------------------------------------------------------


def company_create(*, company_id: str, products: list[dict]) -> Company:
    """Create a company with its products; 409 when the company or a product id exists."""
    try:
        with transaction.atomic():
            company = Company(company_id=company_id)
            company.save(force_insert=True)
            _check_products_free(company_id, products)
            Product.objects.bulk_create(
                [Product(id=item["id"], company=company, value=item["value"]) for item in products]
            )
            catalogue_changed()
    except IntegrityError as exc:
        if Company.objects.filter(pk=company_id).exists():
            raise CompanyExists() from exc
        if Product.objects.filter(pk__in=[item["id"] for item in products]).exists():
            raise ProductTaken() from exc
        raise
    return selectors.company_get(company_id)


def company_replace(company_id: str, *, products: list[dict]) -> Company:
    """Make `products` the company's whole product list, atomically.

    Products in the list are created or get the new value, the company's
    other products are deleted; if one of those is referred to by a
    recharge, nothing changes and the answer is 409.
    """
    keep = [item["id"] for item in products]
    with transaction.atomic():
        company = _locked(company_id)
        try:
            with transaction.atomic():
                Product.objects.filter(company=company).exclude(pk__in=keep).delete()
                _check_references_now()
        except (ProtectedError, IntegrityError) as exc:
            raise InUse("Recharges refer to a product this list leaves out, so it cannot be deleted.") from exc
        _upsert_products(company, products)
        company.save(update_fields=["updated_at"])
        catalogue_changed()
    return selectors.company_get(company_id)


def company_update(company_id: str, *, products: list[dict] | None = None) -> Company:
    """Add the given products to the company or change their values; its other products stay."""
    with transaction.atomic():
        company = _locked(company_id)
        if products:
            _upsert_products(company, products)
        company.save(update_fields=["updated_at"])
        catalogue_changed()
    return selectors.company_get(company_id)


def company_delete(company_id: str) -> None:
    """Delete a company and its products; 409 when a recharge refers to it or to one of them."""
    try:
        with transaction.atomic():
            _locked(company_id).delete()
            _check_references_now()
            catalogue_changed()
    except (ProtectedError, IntegrityError) as exc:
        # IntegrityError: a purchase committed a reference after the ProtectedError check looked.
        raise InUse() from exc


def catalogue_admin_changed() -> None:
    """For the admin, which writes companies and products itself: invalidate the cached catalogue on commit."""
    catalogue_changed()


def _check_references_now() -> None:
    """Check this transaction's foreign keys now rather than at commit.

    Django creates PostgreSQL's foreign keys deferred, so a purchase and a
    deletion of its product that run at once would otherwise only clash when
    the later one commits, as an error no `except` in the service sees. Checked
    here, inside the service's savepoint, the clash is the API's 400 or 409.
    SQLite needs nothing: its write transactions take the lock when they begin
    (IMMEDIATE), so they never interleave.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Both in one round trip: a violation raises at the first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")


def _locked(company_id: str) -> Company:
    """The company's row, locked until the transaction ends, so two writes to one company queue up."""
    try:
        return Company.objects.select_for_update().get(pk=company_id)
    except Company.DoesNotExist as exc:
        raise CompanyNotFound() from exc


def _check_products_free(company_id: str, products: list[dict]) -> None:
    """409 when a product id in `products` already belongs to another company."""
    taken = list(
        Product.objects.filter(pk__in=[item["id"] for item in products])
        .exclude(company_id=company_id)
        .values_list("pk", flat=True)
    )
    if taken:
        raise ProductTaken(f"These product ids belong to another company: {', '.join(sorted(taken))}.")


def _upsert_products(company: Company, products: list[dict]) -> None:
    _check_products_free(company.company_id, products)
    existing = {product.id: product for product in Product.objects.select_for_update().filter(company=company)}
    for item in products:
        product = existing.get(item["id"])
        if product is None:
            try:
                with transaction.atomic():
                    Product.objects.create(id=item["id"], company=company, value=item["value"])
            except IntegrityError as exc:
                # Another company took the id since the check above.
                raise ProductTaken() from exc
        elif product.value != item["value"]:
            product.value = item["value"]
            product.save(update_fields=["value"])


# --- Recharges ------------------------------------------------------------------


def recharge_purchase(*, owner, company_id: str, product_id: str, phone_number: str, value: Decimal) -> Recharge:
    """Buy a recharge of `product_id` from `company_id` for `phone_number`.

    The company and product must exist, the product must be the company's and
    `value` must be the product's value to the cent; each failure is a 400
    naming its field. The recharge records the value it was checked against;
    a price change committed meanwhile does not lock out or alter the purchase,
    and a product deleted meanwhile is the same 400 as an unknown one.
    """
    try:
        with transaction.atomic():
            return _purchase(owner, company_id, product_id, phone_number, value)
    except IntegrityError as exc:
        # The company or product went between the check and the insert (`_check_references_now`).
        if not Company.objects.filter(pk=company_id).exists():
            raise ValidationError({"company_id": ["No company has this company_id."]}) from exc
        raise ValidationError({"product_id": ["No product has this product_id."]}) from exc


def _purchase(owner, company_id: str, product_id: str, phone_number: str, value: Decimal) -> Recharge:
    # The product with its company in one query; the company alone only to explain a mismatch.
    product = _product(product_id)
    if product is None or product.company_id != company_id:
        _refuse_product(company_id, product_id, product)
    if value != product.value:
        raise ValidationError(
            {"value": [f"The value must be the product's value, {product.value}."]}, code="wrong_value"
        )
    recharge = Recharge(
        company=product.company, product=product, phone_number=phone_number, value=product.value, owner=owner
    )
    recharge.save(force_insert=True)
    _check_references_now()
    return recharge


def _product(product_id: str) -> Product | None:
    return Product.objects.select_related("company").filter(pk=product_id).first()


def _refuse_product(company_id: str, product_id: str, product: Product | None) -> NoReturn:
    """The 400 for a product that is not `company_id`'s: the company named first when it is unknown too."""
    if not Company.objects.filter(pk=company_id).exists():
        raise ValidationError({"company_id": ["No company has this company_id."]}, code="unknown_company")
    if product is None:
        raise ValidationError({"product_id": ["No product has this product_id."]}, code="unknown_product")
    raise ValidationError(
        {"product_id": [f"The product {product_id} is not sold by {company_id}."]}, code="wrong_company"
    )


@dataclass(frozen=True)
class Purchase:
    recharge: Recharge
    # True when the recharge is an earlier request's, answered again for the same Idempotency-Key.
    replayed: bool


def request_fingerprint(payload: Mapping) -> str:
    """SHA-256 of a request body in a canonical form, for comparing two requests with one key.

    Callers pass the normalised body when it is valid (so `10` and `10.00`
    are the same request) and the body as sent otherwise.
    """
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def recharge_purchase_once(*, owner, key: str, fingerprint: str, purchase: Callable[[], Recharge]) -> Purchase:
    """Run `purchase()` at most once for the caller's `key`; a repeat answers the first recharge.

    - A live key (younger than RECHARGES_IDEMPOTENCY_KEY_SECONDS) with the
      same fingerprint: the first request's recharge, `replayed`; with another
      fingerprint: 422 (IdempotencyKeyReused).
    - A new key: `purchase()` runs and the key is recorded with its recharge
      in the same transaction. A concurrent request with the same key blocks
      on the unique constraint when it records the key, until this one
      commits; its insert then fails, its transaction (its recharge included)
      rolls back, and it answers the committed recharge. If this one fails
      (400, a crash), nothing of it stays and the key is free for a corrected
      retry.
    - An expired row with the key is deleted in the same transaction.
    """
    found = selectors.idempotency_key_get(owner, key)
    if found is not None and not _expired(found):
        return _replay(found, fingerprint)
    try:
        with transaction.atomic():
            if found is not None:
                # Expired: the key is free again (unless a concurrent request has just renewed it).
                IdempotencyKey.objects.filter(pk=found.pk, created_at__lt=selectors.idempotency_key_cutoff()).delete()
            recharge = purchase()
            IdempotencyKey.objects.create(owner=owner, key=key, fingerprint=fingerprint, recharge=recharge)
    except IntegrityError:
        found = selectors.idempotency_key_get(owner, key)
        if found is None or _expired(found):
            raise
        return _replay(found, fingerprint)
    return Purchase(recharge, replayed=False)


def _expired(found: IdempotencyKey) -> bool:
    return found.created_at < selectors.idempotency_key_cutoff()


def _replay(found: IdempotencyKey, fingerprint: str) -> Purchase:
    if found.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Purchase(found.recharge, replayed=True)


def idempotency_keys_purge() -> int:
    """Delete the expired idempotency keys; returns how many went. Run periodically (beat, or the command)."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=selectors.idempotency_key_cutoff()).delete()
    if deleted:
        logger.info("Purged %d expired idempotency keys", deleted)
    return deleted
