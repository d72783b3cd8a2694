"""The baseline for the dog routes: the least a WSGI application can do to answer them.

- `GET /api/dogs/{name}` reads the same row from the same PostgreSQL table
  with psycopg2 (one connection per thread, kept open, autocommit) and answers
  the same JSON body as the service (`id`, `name`, `picture`, `is_adopted`,
  `create_date` in ISO 8601 UTC with `Z`, `id_user`), with nothing else: no
  framework, no middleware, no throttling, no validation beyond the path
  pattern; 404 for an unknown name.
- `POST /api/dogs/{name}` (the registration's 202, for the latency benchmark's
  ratio) does what a 202 promises and nothing more: it checks the bearer
  token (an HS256 JWT of the service's secret key, an access token that has
  not expired, as simplejwt issues them), the name rules (1 to 64 characters,
  no `/`, not `is_adopted`) and the optional JSON body (`is_adopted`), then in
  one autocommitted statement reads the user (active), refuses a name a dog
  has or a pending registration holds, and inserts the registration row
  (durable, so `GET /api/tasks/{task_id}` could find it), and LPUSHes a small
  JSON message naming the task and the registration to a Redis list of its
  own (`RAW_QUEUE`, which no worker reads). It answers the same 202 body and
  `Location` as the service. No Celery message protocol, no `id_user` in the
  body (the benchmark sends none).

Reads `BENCH_RAW_DSN` (PostgreSQL), `REDIS_URL` and `DJANGO_SECRET_KEY` (what
the service signs its tokens with).
"""

import json
import os
import re
import uuid
from datetime import UTC

import jwt
import redis

from bench import raw

GET_PATH = re.compile(r"/api/dogs/([^/]+)/?")
QUERY = "SELECT id, name, picture, is_adopted, create_date, id_user FROM dogs_dog WHERE name = %s"
# The service's dogs.services.registration_in_flight_seconds() with the shipped
# limits: (8 retries + 1) x 300 s + 8 x 60 s of backoff, no simulated delay.
IN_FLIGHT_SECONDS = 3180
REGISTER = """
INSERT INTO dogs_dogregistration
    (id, task_id, name, is_adopted, owner_id, requested_by_id, status, result, detail, created_at, finished_at)
SELECT %(id)s, %(task_id)s, %(name)s, %(is_adopted)s, u.id, u.id, 'pending', NULL, '', now(), NULL
FROM users_user u
WHERE u.id = %(user_id)s AND u.is_active
  AND NOT EXISTS (SELECT 1 FROM dogs_dog WHERE name = %(name)s)
  AND NOT EXISTS (
    SELECT 1 FROM dogs_dogregistration
    WHERE name = %(name)s AND status = 'pending' AND created_at >= now() - %(in_flight)s * interval '1 second'
  )
RETURNING task_id
"""
RAW_QUEUE = "bench:dogs:raw-registrations"
RESERVED_NAMES = {"is_adopted"}
_local = raw.thread_local()


def _redis():
    client = getattr(_local, "redis", None)
    if client is None:
        client = _local.redis = redis.Redis.from_url(os.environ["REDIS_URL"])
    return client


def application(environ, start_response):
    match = GET_PATH.fullmatch(environ["PATH_INFO"])
    if match is None:
        return raw.respond(start_response, "404 Not Found", {"detail": "Not found.", "code": "not_found"})
    name = match[1].encode("latin-1").decode("utf-8")
    if environ["REQUEST_METHOD"] == "POST":
        return _register(environ, start_response, name)
    with raw.connection().cursor() as cursor:
        cursor.execute(QUERY, (name,))
        row = cursor.fetchone()
    if row is None:
        return raw.respond(start_response, "404 Not Found", {"detail": "No dog has this name.", "code": "not_found"})
    dog_id, name, picture, is_adopted, create_date, owner_id = row
    created = create_date.astimezone(UTC).isoformat()
    if created.endswith("+00:00"):
        created = created[:-6] + "Z"
    return raw.respond(
        start_response,
        "200 OK",
        {
            "id": dog_id,
            "name": name,
            "picture": picture,
            "is_adopted": is_adopted,
            "create_date": created,
            "id_user": owner_id,
        },
    )


def _register(environ, start_response, name: str):
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    try:
        if not authorization.startswith("Bearer "):
            raise jwt.InvalidTokenError
        claims = jwt.decode(authorization[7:], os.environ["DJANGO_SECRET_KEY"], algorithms=["HS256"])
        if claims.get("token_type") != "access":
            raise jwt.InvalidTokenError
        user_id = int(claims["user_id"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        return raw.respond(start_response, "401 Unauthorized", {"detail": "Invalid token.", "code": "token_not_valid"})
    if not 1 <= len(name) <= 64 or "/" in name or name in RESERVED_NAMES:
        return raw.respond(start_response, "400 Bad Request", {"detail": "Invalid name.", "code": "invalid"})
    is_adopted = False
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        try:
            body = json.loads(environ["wsgi.input"].read(length))
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("is_adopted", False), bool):
            return raw.respond(start_response, "400 Bad Request", {"detail": "Invalid body.", "code": "invalid"})
        is_adopted = body.get("is_adopted", False)
    registration_id, task_id = str(uuid.uuid4()), str(uuid.uuid4())
    with raw.connection().cursor() as cursor:
        cursor.execute(
            REGISTER,
            {
                "id": registration_id,
                "task_id": task_id,
                "name": name,
                "is_adopted": is_adopted,
                "user_id": user_id,
                "in_flight": IN_FLIGHT_SECONDS,
            },
        )
        accepted = cursor.fetchone()
    if accepted is None:
        return raw.respond(start_response, "409 Conflict", {"detail": "Name taken.", "code": "dog_exists"})
    message = {"task": "dogs.register_dog_task", "id": task_id, "args": [registration_id]}
    _redis().lpush(RAW_QUEUE, json.dumps(message, separators=(",", ":")))
    status_url = f"/api/tasks/{task_id}"
    body = {"task_id": task_id, "status": "PENDING", "status_url": status_url}
    return raw.respond(start_response, "202 Accepted", body, [("Location", status_url)])
