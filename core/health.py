"""Liveness and readiness probes.

`/healthz` says the process answers. `/readyz` checks every dependency a
request may touch (database, cache, broker, storage) and names the failing one;
being public, it says only "unavailable" and logs the exception.
"""

import logging
import os
import uuid

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from storages.backends.s3 import S3Storage

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    # The Redis cache ignores connection errors (so an outage degrades rather
    # than breaks requests); a value that does not come back reveals the outage.
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise ConnectionError("the cache did not return the value just written")
    cache.delete(key)


def check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


def check_storage() -> None:
    if isinstance(default_storage, S3Storage):
        # HEAD on the bucket itself: a missing bucket, credentials the store
        # rejects or an unreachable endpoint raise. (exists() on a key would
        # read a missing bucket's 404 as "no such file" and pass.)
        default_storage.bucket.meta.client.head_bucket(Bucket=default_storage.bucket_name)
        return
    default_storage.exists(f"readyz-{uuid.uuid4().hex}")
    location = getattr(default_storage, "location", None)
    if location:
        os.makedirs(location, exist_ok=True)
        if not os.access(location, os.W_OK):
            raise PermissionError(f"{location} is not writable")


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}

_status_serializer = inline_serializer("Health", {"status": serializers.CharField()})
_ready_serializer = inline_serializer(
    "Readiness",
    {
        "status": serializers.CharField(),
        "checks": serializers.DictField(child=serializers.CharField()),
    },
)


class HealthView(APIView):
    """The process is alive and serving requests."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(tags=["ops"], responses={200: _status_serializer}, auth=[])
    def get(self, request):
        return Response({"status": "ok"})


class ReadinessView(APIView):
    """Every dependency is reachable; 503 names the ones that are not."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(tags=["ops"], responses={200: _ready_serializer, 503: _ready_serializer}, auth=[])
    def get(self, request):
        results = {}
        for name, check in CHECKS.items():
            try:
                check()
            except Exception:
                # Any failure means "not ready". The probe is public: the body
                # names the part, the log keeps the exception.
                logger.warning("readiness check %s failed", name, exc_info=True)
                results[name] = "unavailable"
            else:
                results[name] = "ok"
        failing = [name for name, result in results.items() if result != "ok"]
        if failing:
            return Response(
                {
                    "detail": f"Not ready: {', '.join(failing)} unavailable.",
                    "code": "not_ready",
                    "status": "unavailable",
                    "checks": results,
                },
                status=503,
            )
        return Response({"status": "ok", "checks": results})
