"""The recharges' periodic work."""

from core.tasks import reliable_task
from recharges import services


@reliable_task(name="recharges.purge_idempotency_keys_task")
def purge_idempotency_keys_task() -> int:
    """Delete the expired Idempotency-Key records (celery beat runs this hourly); safe to run twice."""
    return services.idempotency_keys_purge()
