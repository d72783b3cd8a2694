"""What every HTTP benchmark of the service shares: the method of bench/README.md.

- The service runs as deployed: `gunicorn config.wsgi:application -c
  gunicorn.conf.py` with the shipped configuration untouched and
  `config.settings.production` with its defaults; only what a deployment sets
  itself is set (`deployment_env`). A raw WSGI application, the baseline, runs
  under the same command, configuration and environment.
- wrk (one thread, keep-alive connections, `clients.lua`) stands in for one
  TLS proxy in front of many clients (`NUM_PROXIES=1`), sending the lines of a
  file of requests in order, so every application reads the same rows in the
  same order.
- Short interleaved rounds (the order reversed every other round), at least
  16, after a warm-up; the figures are medians of the per-round ratios to the
  baseline, with their interquartile range and full range, since this machine
  swings by a factor of two within minutes.
- Every database it creates is dropped at the end.

Each app's `bench/<app>/bench.py` seeds its own scratch database, writes its
request files and names its applications; `compare_routes` does the rest.
"""

import argparse
import contextlib
import http.client
import itertools
import os
import random
import re
import runpy
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
CLIENTS_LUA = Path(__file__).with_name("clients.lua")
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"

# The benchmark stands in for one reverse proxy (clients.lua sets X-Forwarded-For
# and X-Forwarded-Proto), so the service is told of one proxy hop.
NUM_PROXIES = "1"
# What the proxy that clients.lua stands in for adds to a request.
PROXY_HEADERS = {"X-Forwarded-For": "10.0.0.1", "X-Forwarded-Proto": "https"}
# Variables a deployment sets for itself; anything else of the kind in the calling
# shell is dropped, so that the shipped defaults are what is measured.
CONFIGURATION_PREFIXES = (
    "DJANGO_",
    "GUNICORN_",
    "DATABASE_",
    "REDIS_",
    "CACHE_",
    "PET_CACHE",
    "THROTTLE_",
    "CELERY_",
    "DOG_CEO",
    "DOGS_",
    "FILES_SERVICE",
    "GITHUB_",
    "RECHARGES_",
    "BOOKS_",
    "JWT_",
    "UPLOAD_",
    "OUTBOUND_",
    "AWS_",
)
CONFIGURATION_NAMES = {
    "NUM_PROXIES",
    "LOG_LEVEL",
    "FORWARDED_ALLOW_IPS",
    "USE_S3",
    "MEDIA_ROOT",
    "MEDIA_URL",
    "STATIC_ROOT",
    "MAX_REQUEST_BODY_BYTES",
}


def argument_parser(doc: str, redis: str = DEFAULT_REDIS, rounds: int = 16, seconds: int = 4):
    """An app benchmark's command line: its docstring's first paragraph, and the arguments every benchmark takes."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    add_common_arguments(parser, rounds, seconds)
    parser.set_defaults(redis=redis)
    return parser


def add_common_arguments(parser, rounds: int = 16, seconds: int = 4) -> None:
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server URL")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis URL for the service's cache and broker")
    parser.add_argument("--seconds", type=int, default=seconds, help="load per application, request file and round")
    parser.add_argument("--rounds", type=int, default=rounds, help="interleaved rounds")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="also load the service with this setting changed (repeatable: one more application with all of"
        " them), for a trial measured in the same run; benchmarks that support it say so",
    )


def also_application(args) -> tuple[str, str, dict] | None:
    """The service with `--also`'s settings, as (label, WSGI application, environment), None without them."""
    if not args.also:
        return None
    settings = dict(item.split("=", 1) for item in args.also)
    return f"service, {' '.join(args.also)}", "config.wsgi:application", settings


def deployment_env(database_url: str, redis_url: str, **extra: str) -> dict:
    """The environment of a deployment: what it must set itself, everything else as shipped.

    gunicorn.conf.py and config.settings.production run with their defaults
    (worker recycling, access log on standard output, HTTPS redirect, throttle
    rates, connection health checks); only the secret key, the database and
    Redis URLs, the allowed hosts and the number of proxies in front are set,
    as a deployment sets them, plus `extra` (say, the base URL of a stand-in
    for an outside API, which a deployment also sets). The settings module is
    the container image's. `BENCH_RAW_DSN` is read by the raw applications only.
    """
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(CONFIGURATION_PREFIXES) and name not in CONFIGURATION_NAMES
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "NUM_PROXIES": NUM_PROXIES,
        "BENCH_RAW_DSN": database_url,
        **extra,
    }


def shipped_gunicorn_summary() -> str:
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return (
        f"gunicorn.conf.py as shipped: {conf['workers']} workers x {conf['threads']} threads,"
        f" preload_app={conf['preload_app']}, max_requests={conf['max_requests']} (+ up to"
        f" {conf['max_requests_jitter']}), access log {conf['accesslog']!r} (discarded by the benchmark)"
    )


def proxy_summary() -> str:
    return (
        f"NUM_PROXIES={NUM_PROXIES}: wrk stands in for one reverse proxy (X-Forwarded-For with one of many client"
        " addresses per request, X-Forwarded-Proto: https), so the anonymous throttle counts per client;"
        " a service reached directly must keep NUM_PROXIES=0 (README, 'Behind a proxy')"
    )


# --- Servers -----------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(app: str, env: dict, probe: str, probe_headers: dict | None = None) -> Iterator[str]:
    """`gunicorn APP -c gunicorn.conf.py`, bound by GUNICORN_BIND as a deployment binds it."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), app, "-c", "gunicorn.conf.py"]
    # The access log (standard output) is written as shipped and discarded here.
    server = subprocess.Popen(
        command, cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, stdout=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(base_url + probe, server, headers=probe_headers)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_ok(url: str, server: subprocess.Popen, timeout: float = 60, headers: dict | None = None) -> None:
    deadline = time.monotonic() + timeout
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"{server.args[0]} exited with {server.returncode}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            connection.request("GET", target, headers={**PROXY_HEADERS, **(headers or {})})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
            raise SystemExit(f"{url} answered {response.status}")
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout} s")


# --- Load --------------------------------------------------------------------


@dataclass
class Load:
    """What one wrk run measured."""

    rate: float
    completed: int
    latency_ms: dict[str, float] = field(default_factory=dict)  # "50", "99": milliseconds


def load_with_wrk(
    base_url: str,
    seconds: float,
    connections: int,
    requests: Path | None,
    start: int = 0,
    headers: Path | None = None,
    strict: bool = True,
) -> Load:
    """Requests per second, requests completed and latency percentiles, from keep-alive connections.

    The requests are the lines of the file `requests` in order from line
    `start` (clients.lua's format), with the extra headers of the file
    `headers`. Any answer outside 2xx/3xx aborts the run, and so does, if
    `strict`, a socket error (a connection refused or reset, an answer slower
    than 10 s).
    """
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    command = ["wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{seconds}s"]
    command += ["--timeout", "10s", "--latency", "--script", str(CLIENTS_LUA), base_url]
    command += ["--", str(requests or ""), str(start), str(headers or "")]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{base_url}: {errors[1]} responses were not 2xx or 3xx\n{output}")
    if strict and re.search(r"Socket errors", output):
        raise SystemExit(f"{base_url}: socket errors\n{output}")
    latency = {
        percentile: _milliseconds(value, unit)
        for percentile, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    }
    return Load(
        rate=float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        completed=int(re.search(r"(\d+) requests in", output)[1]),
        latency_ms=latency,
    )


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


@dataclass
class Workload:
    """One request file loaded in turn against every application (say, "hot key" or "uniform ids")."""

    name: str
    requests: Path
    headers: Path | None = None
    target: float | None = None  # the service's median ratio to the baseline it must reach
    # Where the next round starts in the file; each round continues where the
    # first application stopped, so that a cache never re-reads a stretch.
    offset: int = 0


@dataclass
class Application:
    label: str
    url: str
    is_baseline: bool = False
    has_target: bool = False


def start_applications(
    servers: contextlib.ExitStack,
    applications: Sequence[tuple[str, str, dict]],
    probe: str,
    baseline: str,
    target: str,
) -> list[Application]:
    """Start (label, WSGI app, environment) each under `gunicorn` in `servers`; `baseline` and `target` are labels."""
    return [
        Application(
            label,
            servers.enter_context(gunicorn(app, env, probe)),
            is_baseline=label == baseline,
            has_target=label == target,
        )
        for label, app, env in applications
    ]


def compare_routes(
    applications: Sequence[Application],
    workloads: Sequence[Workload],
    rounds: int,
    seconds: float,
    connections: int,
    after_round: Callable[[Workload, Application, Load], None] | None = None,
) -> dict[tuple[str, str], list[Load]]:
    """Load every application with every workload in short interleaved rounds; return the loads.

    After a 2 s warm-up per application and workload, each round loads them
    in turn for `seconds` each (the order reversed every other round), so that
    a slow spell of the (shared) machine hits every application alike; each
    round's ratio compares neighbours. Within a round all applications start
    at the same line of the workload's file; the next round continues where
    the first application of the list stopped. `after_round` sees each load
    (say, to count upstream requests or estimate cache hits).
    """
    runs = {(workload.name, application.label): [] for workload in workloads for application in applications}

    def round_of(workload: Workload, length: float, order: Sequence[Application], record: bool) -> None:
        advanced = 0
        for application in order:
            load = load_with_wrk(
                application.url,
                length,
                connections,
                workload.requests,
                workload.offset,
                workload.headers,
                strict=record,
            )
            if application is applications[0]:
                advanced = load.completed
            if record:
                runs[workload.name, application.label].append(load)
                if after_round:
                    after_round(workload, application, load)
        workload.offset += advanced

    for workload in workloads:  # warm-up: connections, the workers' first requests
        round_of(workload, 2, applications, record=False)
    for number in range(rounds):
        for workload in workloads:
            round_of(workload, seconds, applications if number % 2 == 0 else applications[::-1], record=True)
    return runs


def print_comparison(
    applications: Sequence[Application], workloads: Sequence[Workload], runs: dict[tuple[str, str], list[Load]]
) -> list[str]:
    """Print requests/s and the per-round ratios to the baseline; return the verdicts on the targets."""
    baseline = next(application for application in applications if application.is_baseline)
    width = max(len(application.label) for application in applications) + 2
    header = f"  {'requests':<14} {'application':<{width}} {'requests/s: median (min-max)':>30}"
    print(header + "   ratio to baseline per round")
    verdicts = []
    for workload in workloads:
        for application in applications:
            results = [load.rate for load in runs[workload.name, application.label]]
            rates = f"{statistics.median(results):,.0f} ({min(results):,.0f}-{max(results):,.0f})"
            line = f"  {workload.name:<14} {application.label:<{width}} {rates:>30}"
            if not application.is_baseline:
                raw = [load.rate for load in runs[workload.name, baseline.label]]
                median, low, high, least, most = spread([r / b for r, b in zip(results, raw, strict=True)])
                line += f"   median {median:.1%}, IQR {low:.0%}-{high:.0%}, range {least:.0%}-{most:.0%}"
                if application.has_target and workload.target is not None:
                    met = "met" if median >= workload.target else "NOT met"
                    verdicts.append(f"{workload.name} >= {workload.target:.0%} of baseline: {met} ({median:.1%})")
            print(line)
    if verdicts:
        print("  targets, medians of the per-round ratios: " + "; ".join(verdicts))
    return verdicts


def spread(values: Sequence[float]) -> tuple[float, float, float, float, float]:
    """Median, first and third quartiles, minimum and maximum."""
    median = statistics.median(values)
    quartiles = statistics.quantiles(values, n=4) if len(values) > 1 else [median] * 3
    return median, quartiles[0], quartiles[2], min(values), max(values)


# --- Request files -------------------------------------------------------------


def uniform_sequence(keys: Sequence[str], length: int, random_seed: int) -> list[str]:
    """`length` keys drawn uniformly, with replacement, from all of them."""
    return random.Random(random_seed).choices(keys, k=length)


def zipf_sequence(keys: Sequence[str], length: int, s: float, random_seed: int) -> list[str]:
    """`length` keys drawn with Zipf's law: the key of popularity rank r has weight 1 / r**s.

    The ranks are dealt to the keys in a random (seeded) order.
    """
    generator = random.Random(random_seed)
    ranked = list(keys)
    generator.shuffle(ranked)
    cumulative = list(itertools.accumulate(1 / rank**s for rank in range(1, len(ranked) + 1)))
    return generator.choices(ranked, cum_weights=cumulative, k=length)


def write_lines(name: str, lines: Sequence[str]) -> Path:
    """A request (or header) file in bench/out/, one line each."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


# --- Databases and processes -------------------------------------------------------


@contextlib.contextmanager
def scratch_database(server_url: str, purpose: str) -> Iterator[str]:
    name = f"bench_{purpose}_{os.getpid()}"
    admin = psycopg2.connect(f"{server_url}/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield f"{server_url}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def manage(env: dict, *arguments: str, stdin: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        input=stdin,
        text=True,
    )


def psql(database_url: str, command: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", database_url, "-c", command], check=True)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
