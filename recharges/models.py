"""Carriers (companies), their recharge products, the recharges bought, and idempotency keys.

Money is a Decimal with two places everywhere, checked positive by the
database. A recharge keeps its own copy of the value it was bought for, and the
company and product it names cannot be deleted while it exists (PROTECT).
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length

from recharges.validators import CENT, ID_MAX_LENGTH, ID_PATTERN, PHONE_LENGTH, VALUE_DECIMAL_PLACES, VALUE_MAX_DIGITS

# The API's rules, for the admin's forms (the API checks them in recharges.validators).
_id_validator = RegexValidator(ID_PATTERN, "Lowercase letters, digits, '_' or '-', starting with a letter or digit.")


class Company(models.Model):
    """A carrier in one region, such as `claro_11` (Claro, area code 11)."""

    company_id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, validators=[_id_validator])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company_id"]
        verbose_name_plural = "companies"
        constraints = [
            models.CheckConstraint(condition=~models.Q(company_id=""), name="recharges_company_id_not_empty"),
        ]

    def __str__(self) -> str:
        return self.company_id


class Product(models.Model):
    """A recharge a company sells, such as `claro_10` for 10.00. Product ids are unique across companies."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, validators=[_id_validator])
    # Deleting a company deletes its products, unless a recharge refers to one (Recharge.product: PROTECT).
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="products")
    value = models.DecimalField(
        max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, validators=[MinValueValidator(CENT)]
    )

    class Meta:
        ordering = ["company_id", "value", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gt=0), name="recharges_product_value_positive"),
            models.CheckConstraint(condition=~models.Q(id=""), name="recharges_product_id_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.value})"


class Recharge(models.Model):
    """A phone recharge bought by a user: history, never changed once written."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="recharges")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="recharges")
    phone_number = models.CharField(max_length=PHONE_LENGTH)
    # The product's value when it was bought; the product's own may change later.
    value = models.DecimalField(max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES)
    # A deleted account keeps its purchases as history, with no owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="recharges"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # `GET /PhoneRecharges?phone_number=` for a caller, and for staff across callers.
            models.Index(fields=["owner", "phone_number", "created_at"], name="recharges_owner_phone_idx"),
            models.Index(fields=["phone_number", "created_at"], name="recharges_phone_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gt=0), name="recharges_recharge_value_positive"),
            # The full rule (55, an area code, 9) is recharges.validators'; a regex here would
            # not restore with SQLite's own shell, which has no REGEXP function.
            models.CheckConstraint(
                condition=models.Q(phone_number__startswith="55")
                & models.lookups.Exact(Length("phone_number"), PHONE_LENGTH),
                name="recharges_recharge_phone_e164_br",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} to {self.phone_number} ({self.id})"


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a caller sent with `POST /PhoneRecharges`, and the recharge it created.

    The unique constraint on (owner, key) is what makes two concurrent requests
    with one key create one recharge: the second one's insert of the key waits
    for the first's transaction and then fails, its own recharge rolls back with
    it, and it answers with the first's recharge. A key counts for RECHARGES_IDEMPOTENCY_KEY_SECONDS after
    `created_at` (older rows are ignored when read and purged periodically).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the request's normalised body: the same key with another body is 422.
    fingerprint = models.CharField(max_length=64)
    # Always set: a key is recorded with the recharge it bought, in the same transaction.
    # (Null was an earlier design's claim made before the purchase; the column still allows it.)
    recharge = models.ForeignKey(Recharge, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="recharges_idempotency_key_unique_per_owner"),
            models.CheckConstraint(condition=~models.Q(key=""), name="recharges_idempotency_key_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.owner_id})"
