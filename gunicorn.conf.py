"""gunicorn settings: `gunicorn config.wsgi:application -c gunicorn.conf.py`.

Threaded workers (gthread): the worker's heartbeat runs apart from request
threads, so a long streamed response (the SQL dump) is not killed by `timeout`,
and one slow client does not block the whole worker.

The application is loaded once, in the master, before the workers are forked
(`preload_app`), so a worker that replaces a recycled one serves at once
instead of importing Django again (about 0.6 s of CPU on the development
machine). Loading opens no database or Redis connection and starts no thread
(Django and django-redis connect on first use, in each worker), so nothing is
shared across the fork. The price: `kill -HUP` restarts the workers from the
code the master loaded; deploying new code needs a restart of gunicorn itself
(as a new container does). Recycling every 2,000 requests without preloading
cost the pet route about a fifth of its throughput (bench/README.md, "Pets"),
whose benchmark runs this file as shipped.
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
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in ("1", "true", "yes", "on")
# Recycle workers now and then so a slow leak cannot grow without bound; rarely
# enough that the restarts cost nothing measurable, with jitter so that the
# workers do not all restart at once. 0 turns recycling off.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20_000))
max_requests_jitter = max_requests // 10
# One line per request on standard output, for the container's log collector;
# "" turns it off, a path writes it to a file.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Bounded request line and headers: oversized ones get 4xx from gunicorn itself.
limit_request_line = 8190
limit_request_fields = 100
