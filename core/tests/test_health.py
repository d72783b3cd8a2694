import json
import logging
import uuid

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from celery import Celery

from core import health
from tests.fixtures.storage import S3_REGION, s3_storage_settings

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
    # Not the current app: shared tasks of later tests would bind to it and find no broker.
    unreachable = Celery(broker="redis://127.0.0.1:1/0", set_as_current=False)
    monkeypatch.setattr(health, "celery_app", unreachable)

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


def test_readyz_accepts_an_s3_bucket_that_exists(api_client, s3_storage):
    response = api_client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage"] == "ok"


def test_readyz_names_a_missing_s3_bucket(api_client, moto_s3_endpoint, settings, caplog):
    settings.USE_S3 = True
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings("no-such-bucket", moto_s3_endpoint)}

    with caplog.at_level(logging.WARNING, logger="core.health"):
        response = api_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"
    assert "storage" in response.json()["detail"]
    (record,) = [record for record in caplog.records if record.name == "core.health"]
    assert record.exc_info[0] is ClientError
    assert "404" in caplog.text


@pytest.fixture
def s3_with_iam(moto_s3_endpoint, settings):
    """A bucket on the moto server with IAM authentication switched on, and a user allowed to use it.

    moto accepts any credentials until its authentication is enabled (the
    server's /moto-api/reset-auth, the server-mode form of
    INITIAL_NO_AUTH_ACTION_COUNT); then it checks each request's access key
    and signature against the IAM users it holds. Returns the user's credentials.
    """
    admin = {"endpoint_url": moto_s3_endpoint, "region_name": S3_REGION}
    admin_credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    iam = boto3.client("iam", **admin, **admin_credentials)
    user = f"readyz-{uuid.uuid4().hex[:12]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(
        UserName=user,
        PolicyName="s3",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    bucket = f"test-{uuid.uuid4().hex}"
    boto3.client("s3", **admin, **admin_credentials).create_bucket(Bucket=bucket)
    settings.USE_S3 = True
    requests.post(f"{moto_s3_endpoint}/moto-api/reset-auth", data=b"0", timeout=5).raise_for_status()
    try:
        yield bucket, {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    finally:
        requests.post(f"{moto_s3_endpoint}/moto-api/reset-auth", data=b"inf", timeout=5).raise_for_status()


def test_readyz_accepts_s3_credentials_the_store_knows(api_client, moto_s3_endpoint, settings, s3_with_iam):
    bucket, credentials = s3_with_iam
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(bucket, moto_s3_endpoint, **credentials)}

    response = api_client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage"] == "ok"


def test_readyz_names_s3_credentials_the_store_rejects(api_client, moto_s3_endpoint, settings, s3_with_iam):
    bucket, credentials = s3_with_iam
    wrong = {**credentials, "aws_secret_access_key": "wrong-" + credentials["aws_secret_access_key"]}
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(bucket, moto_s3_endpoint, **wrong)}

    response = api_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"


def test_readyz_names_an_s3_access_key_the_store_does_not_know(api_client, moto_s3_endpoint, settings, s3_with_iam):
    bucket, _ = s3_with_iam
    unknown = {"aws_access_key_id": "AKIAUNKNOWNUNKNOWN00", "aws_secret_access_key": "x" * 40}
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(bucket, moto_s3_endpoint, **unknown)}

    response = api_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"
