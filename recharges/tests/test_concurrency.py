"""Real concurrent `POST /PhoneRecharges` requests: threads, each with its own database connection.

Each thread sends its request through the whole stack (middleware, DRF,
services) with Django's test client, all released at once by a barrier. The
unique constraint on (owner, key) makes one of 50 requests with one key buy,
and the other 49 wait for it and replay its recharge. Transactional: the
threads see only committed rows.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from recharges.models import IdempotencyKey, Recharge

REQUEST = {"company_id": "claro_11", "product_id": "claro_10", "phone_number": "5511999999999", "value": 10.00}
THREADS = 50

# On both databases: PostgreSQL's concurrent inserts of one key wait on the unique
# index; SQLite's writers queue on its write lock (IMMEDIATE transactions).
pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(user, keys: list[str]) -> list:
    token = str(RefreshToken.for_user(user).access_token)
    barrier = threading.Barrier(len(keys))

    def send(key: str):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY=key)
        try:
            barrier.wait(timeout=30)
            return client.post("/PhoneRecharges", data=json.dumps(REQUEST), content_type="application/json")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(send, keys))


def test_fifty_concurrent_posts_with_one_key_buy_exactly_one_recharge(user, carriers):
    responses = run_concurrently(user, ["same-key"] * THREADS)

    assert [response.status_code for response in responses] == [201] * THREADS
    assert Recharge.objects.count() == 1
    assert {response.json()["id"] for response in responses} == {str(Recharge.objects.get().id)}
    assert sum(response.get("Idempotent-Replayed") == "true" for response in responses) == THREADS - 1
    assert IdempotencyKey.objects.count() == 1


def test_fifty_concurrent_posts_with_different_keys_buy_fifty_recharges(user, carriers):
    responses = run_concurrently(user, [f"key-{number}" for number in range(THREADS)])

    assert [response.status_code for response in responses] == [201] * THREADS
    assert Recharge.objects.count() == THREADS
    assert len({response.json()["id"] for response in responses}) == THREADS
    assert not any(response.get("Idempotent-Replayed") for response in responses)
