"""What the raw WSGI baselines (bench/<app>/raw_app.py) share: a connection per thread, a JSON answer.

A baseline is the least a WSGI application can do to give the service's
answer: no framework, no middleware, no auth or throttling unless the
benchmark says otherwise. These two helpers are that least.
"""

import json
import os
import threading

import psycopg2

_local = threading.local()


def connection(**options):
    """This thread's PostgreSQL connection to `BENCH_RAW_DSN` (kept open, autocommit); `options` go to connect()."""
    current = getattr(_local, "connection", None)
    if current is None:
        current = _local.connection = psycopg2.connect(os.environ["BENCH_RAW_DSN"], **options)
        current.autocommit = True
    return current


def thread_local() -> threading.local:
    """Per-thread state for a baseline's other clients (Redis, an upstream connection)."""
    return _local


def respond(start_response, status: str, body: dict | list | str, headers: list | None = None) -> list[bytes]:
    """`body` as JSON (a str is taken as JSON already written), as DRF's JSONRenderer writes it.

    Compact, UTF-8, with U+2028 and U+2029 escaped.
    """
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    content = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(content))), *(headers or [])]
    )
    return [content]
