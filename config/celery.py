"""The Celery application, configured from Django settings (`CELERY_*`)."""

import logging.config
import os
from pathlib import Path

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

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


@setup_logging.connect
def configure_logging(**kwargs: object) -> None:
    """Configure a worker's logging from `settings.LOGGING`, so it logs like the web process.

    Any receiver of this signal also stops Celery from replacing the root
    logger's handlers with its own; levels come from `LOG_LEVEL`, not from the
    worker's `--loglevel`.
    """
    logging.config.dictConfig(settings.LOGGING)


app.autodiscover_tasks()
