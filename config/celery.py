"""The Celery application, configured from Django settings (`CELERY_*`)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _ensure_filesystem_broker_folders() -> None:
    """Create the folders of kombu's filesystem transport, which expects them to exist."""
    options = app.conf.broker_transport_options or {}
    if not str(app.conf.broker_url or "").startswith("filesystem://"):
        return
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_broker(sender: Celery, **kwargs) -> None:
    _ensure_filesystem_broker_folders()


app.autodiscover_tasks()
