import logging

import pytest
from celery import Celery

from core import health

pytestmark = pytest.mark.django_db


def test_healthz_is_public(api_client):
    response = api_client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_dependency(api_client):
    response = api_client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"}


def test_readyz_names_an_unreachable_redis_cache(api_client, settings):
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
        }
    }

    response = api_client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "not_ready"
    assert "cache" in body["detail"]
    assert body["checks"]["cache"] == "unavailable"
    assert body["checks"]["database"] == "ok"


def test_readyz_names_an_unreachable_broker(api_client, monkeypatch):
    # Celery prefers the CELERY_BROKER_URL environment variable over its configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setattr(health, "celery_app", Celery(broker="redis://127.0.0.1:1/0"))

    response = api_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"


def test_readyz_keeps_the_failure_details_out_of_the_body_and_in_the_log(api_client, monkeypatch, caplog):
    def fail():
        raise ConnectionRefusedError("secret-host.internal:5432 refused the connection")

    monkeypatch.setitem(health.CHECKS, "database", fail)

    with caplog.at_level(logging.WARNING, logger="core.health"):
        response = api_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unavailable", "cache": "ok", "broker": "ok", "storage": "ok"}
    assert b"ConnectionRefusedError" not in response.content
    assert b"secret-host" not in response.content
    (record,) = [record for record in caplog.records if record.name == "core.health"]
    assert "database" in record.getMessage()
    assert "secret-host.internal:5432" in caplog.text
    assert record.exc_info[0] is ConnectionRefusedError
