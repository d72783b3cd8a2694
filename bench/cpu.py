"""CPU time per request of one route, in process: the Django application called as WSGI.

No server, no load generator: `time.process_time()` over many calls of the
service's WSGI application, best of three rounds, so that a change to the
request path can be weighed on a machine too noisy for throughput figures.
The database, cache and settings come from the environment, as for
`manage.py`; bench.py's figures use production settings with PostgreSQL and
Redis:

    DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=... \\
    NUM_PROXIES=1 DATABASE_URL=postgres://... REDIS_URL=redis://... \\
    .venv/bin/python bench/cpu.py /pet/b7681b0ee1bd455b81ecb4e46a2f4346
    .venv/bin/python bench/cpu.py '/PhoneRecharges?id=...' --header "Authorization: Bearer $TOKEN"

Each request comes through one proxy from another client address
(X-Forwarded-For, X-Forwarded-Proto: https), as in bench.py. `--paths FILE`
takes the paths from a file instead, one a line in turn (bench.py writes
bench/out/paths-uniform.txt and paths-zipf.txt from its seeded table: load
that table into the database first); with PET_CACHE_SECONDS=0 every request
then reads the database. A path may carry a query string; `--header` adds a
request header (repeatable), `--method` and `--body` send another method
with a body (`{unique}` in the body or a header becomes a fresh value per
request, as in clients.lua). `--profile` prints cProfile's top functions
after the timing.
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", help="the route to call, e.g. /pet/{petId}")
    parser.add_argument("--paths", type=Path, help="a file of routes to call in turn, one a line")
    parser.add_argument("--requests", type=int, default=3000, help="requests per round")
    parser.add_argument("--profile", action="store_true", help="also profile one round with cProfile")
    parser.add_argument("--header", action="append", default=[], help="a request header, 'Name: value'")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="", help="the request body (sent as application/json)")
    args = parser.parse_args()
    if (args.path is None) == (args.paths is None):
        parser.error("give a path or --paths, not both")
    paths = args.paths.read_text().split() if args.paths else [args.path]
    label = str(args.paths or args.path)

    from config.wsgi import application

    statuses = []
    headers = {}
    for header in args.header:
        name, value = header.split(":", 1)
        headers["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
    expected = "201" if args.method == "POST" else "200"

    def call(number: int) -> None:
        path, _, query = paths[number % len(paths)].partition("?")
        body = args.body.replace("{unique}", f"{number:012d}").encode()
        environ = {
            "REQUEST_METHOD": args.method,
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_ACCEPT": "*/*",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_FORWARDED_FOR": f"10.{number % 250}.{number // 250 % 250}.1",
            "HTTP_X_FORWARDED_PROTO": "https",
            **{name: value.replace("{unique}", f"{number:012d}") for name, value in headers.items()},
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        response = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(response)
        response.close()

    for number in range(300):  # warm-up: connections, caches, the first build
        call(number)
    if not statuses[-1].startswith(expected):
        raise SystemExit(f"{label} answered {statuses[-1]}")
    # Each round takes the next paths, so that a file of ids is not read twice.
    best = min(_round(call, args.requests, first=300 + number * args.requests) for number in range(3))
    if any(not status.startswith(expected) for status in statuses):
        raise SystemExit(f"{label}: some answers were not {expected}: {sorted(set(statuses))}")
    print(f"{label}: {best * 1000:.3f} ms of CPU per request (best of 3 rounds of {args.requests})")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(_round, call, args.requests, first=300 + 3 * args.requests)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


def _round(call, requests: int, first: int) -> float:
    started = time.process_time()
    for number in range(first, first + requests):
        call(number)
    return (time.process_time() - started) / requests


if __name__ == "__main__":
    main()
