"""gunicorn settings: `gunicorn config.wsgi:application -c gunicorn.conf.py`.

Threaded workers (gthread): the worker's heartbeat runs apart from request
threads, so a long streamed response (the SQL dump) is not killed by `timeout`,
and one slow client does not block the whole worker.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
worker_class = "gthread"
# Few threads per process: Django's request handling is CPU-bound Python, and
# more threads than that only queue on the GIL (measured: 8 threads per worker
# served half the requests of 4 on two cores; see bench/README.md).
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Bounded request line and headers: oversized ones get 4xx from gunicorn itself.
limit_request_line = 8190
limit_request_fields = 100
