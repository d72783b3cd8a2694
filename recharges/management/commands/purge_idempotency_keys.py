"""`manage.py purge_idempotency_keys`: delete the expired Idempotency-Key records now."""

from django.core.management.base import BaseCommand

from recharges import services


class Command(BaseCommand):
    help = (
        "Delete the Idempotency-Key records of POST /PhoneRecharges older than RECHARGES_IDEMPOTENCY_KEY_SECONDS"
        " (celery beat does this hourly; expired keys are ignored anyway)."
    )

    def handle(self, *args, **options) -> None:
        deleted = services.idempotency_keys_purge()
        self.stdout.write(f"Deleted {deleted} expired idempotency keys.")
