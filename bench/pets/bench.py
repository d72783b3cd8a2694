"""Benchmarks of the pet register; bench/README.md ("Pets") records the results.

1. `GET /pet/{petId}` under gunicorn against PostgreSQL, in the same run: the
   service, the service with its representation cache off (for reference) and
   a minimal raw WSGI application (raw_app.py) reading the same rows of the
   same database, all with the shipped gunicorn.conf.py and production
   settings untouched (only what a deployment sets itself is set, see
   `deployment_env`), loaded by wrk on loopback in short interleaved rounds,
   for three distributions of ids: one hot pet, uniform over the table, Zipf.
   Prints requests/s and the per-round ratios to the raw application with
   their spread (targets: hot pet >= 50%, uniform ids >= 33%).
2. `manage.py import_pets` of a generated million-row CSV into an empty
   register, against `psql \\copy` of the same file into a table with the
   register's own schema (key, indexes and checks: the same work in the database), and
   for reference into a plain unindexed table. Prints the times and the ratios
   of speed (target: >= 50% of the \\copy into the register's table).

Run from the project root: `.venv/bin/python bench/pets/bench.py --help`.
Needs PostgreSQL (--pg), Redis for the service's cache and throttling
(--redis), `psql`, and `wrk`. Every database it creates is dropped at the end.
It runs the code in the tree it is in: on a shared working tree, run it from
an export of a commit (`git archive`), or a worker recycled mid-run may load
someone's half-edited file.
"""

import argparse
import collections
import contextlib
import csv
import http.client
import itertools
import math
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
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
SAMPLE_CSV = ROOT / "petshop" / "sample_data" / "pets.csv"
DUKE = "b7681b0ee1bd455b81ecb4e46a2f4346"
NAMES = ["Duke", "Jack", "Lola", "Luna", "Milo", "Bella", "Rocky", "Cooper", "Stella", "Charlie"]
OWNERS = ["Miguel", "Pedro", "Benjamim", "Gabriel", "Lucas", "Alice", "Júlia", "Ester", "Julio", "Nicholas"]
BREEDS = ["Labrador Retriever", "Beagle", "Rottweiler", "French Bulldog", "Bulldog", "Golden Retriever", "Poodle"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15", help="Redis URL for the service's cache")
    parser.add_argument("--seconds", type=int, default=4, help="load per application, distribution and round")
    parser.add_argument("--rounds", type=int, default=16, help="interleaved rounds of the route benchmark")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--seed-rows", type=int, default=100_000, help="pets in the database for the route")
    parser.add_argument("--zipf-s", type=float, default=1.0, help="exponent of the skewed distribution of ids")
    parser.add_argument("--sequence-length", type=int, default=300_000, help="ids per generated sequence")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated CSV for the import")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.skip_http:
        bench_route(args)
    if not args.skip_import:
        bench_import(args)


# --- GET /pet/{petId} --------------------------------------------------------

RAW = "raw WSGI + psycopg2"
SERVICE = "service (as deployed)"
ROUTE_APPLICATIONS = [
    (SERVICE, "config.wsgi:application", {}),
    # Every request misses the representation cache: the ORM, serializer and renderer path.
    ("service, PET_CACHE_SECONDS=0", "config.wsgi:application", {"PET_CACHE_SECONDS": "0"}),
    (RAW, "bench.pets.raw_app:application", {}),
]
HOT, UNIFORM, ZIPF = "hot pet", "uniform ids", "Zipf ids"
TARGETS = {HOT: 0.50, UNIFORM: 0.33}
# The benchmark stands in for one reverse proxy (clients.lua sets X-Forwarded-For
# and X-Forwarded-Proto), so the service is told of one proxy hop.
NUM_PROXIES = "1"
# Variables a deployment sets for itself; anything else of the kind in the calling
# shell is dropped, so that the shipped defaults are what is measured.
CONFIGURATION_PREFIXES = ("DJANGO_", "GUNICORN_", "DATABASE_", "REDIS_", "CACHE_", "PET_CACHE", "THROTTLE_", "CELERY_")
CONFIGURATION_NAMES = {"NUM_PROXIES", "LOG_LEVEL", "FORWARDED_ALLOW_IPS", "USE_S3", "MEDIA_ROOT"}


def bench_route(args) -> None:
    with scratch_database(args.pg, "route") as database_url:
        env = deployment_env(database_url, args.redis)
        manage(env, "migrate", "--verbosity", "0")
        seed = OUT / f"seed-{args.seed_rows}.csv"
        generate_csv(seed, args.seed_rows, random_seed=1)
        manage(env, "import_pets", str(seed))
        manage(env, "import_pets", str(SAMPLE_CSV))
        pet_ids = table_ids(database_url)
        sequences = {
            HOT: [DUKE],
            UNIFORM: uniform_sequence(pet_ids, args.sequence_length, random_seed=3),
            ZIPF: zipf_sequence(pet_ids, args.sequence_length, args.zipf_s, random_seed=4),
        }
        files = {name: write_paths(name, sequence) for name, sequence in sequences.items()}
        print_route_setup(args, len(pet_ids), sequences[ZIPF])

        # Per distribution: where the next round starts in its sequence (all
        # applications start at the same line), and, for the cached service, when
        # each request ran (to estimate its cache hits afterwards).
        offsets = dict.fromkeys(sequences, 0)
        service_rounds = {name: [] for name in sequences}
        runs = {(name, label): [] for name in sequences for label, _, _ in ROUTE_APPLICATIONS}
        with contextlib.ExitStack() as servers:
            urls = {}
            for label, app, extra_env in ROUTE_APPLICATIONS:
                urls[label] = servers.enter_context(gunicorn(app, {**env, **extra_env}, f"/pet/{DUKE}"))

            def round_of(name: str, seconds: float, order: list[str], record: bool) -> None:
                counts = {}
                for label in order:
                    started = time.monotonic()
                    rate, counts[label] = load_with_wrk(
                        urls[label], seconds, args.connections, files[name], offsets[name], strict=record
                    )
                    if label == SERVICE:
                        service_rounds[name].append((started, seconds, offsets[name], counts[label]))
                    if record:
                        runs[name, label].append(rate)
                # The cached service reads its sequence without gaps or repeats from
                # round to round; the other two start at the same line as it.
                offsets[name] += counts[SERVICE]

            labels = [label for label, _, _ in ROUTE_APPLICATIONS]
            for name in sequences:  # warm-up: connections, the workers' first requests
                round_of(name, 2, labels, record=False)
            # Short interleaved rounds, so that a slow spell of the (shared) machine
            # hits every application alike; each round's ratio compares neighbours,
            # and the order alternates so that no application always goes first.
            for number in range(args.rounds):
                for name in sequences:
                    round_of(name, args.seconds, labels if number % 2 == 0 else labels[::-1], record=True)

        hit_rates = {
            name: estimated_hit_rate(sequences[name], rounds, PET_CACHE_SECONDS)
            for name, rounds in service_rounds.items()
        }
        print_route_results(args, runs, hit_rates)


def deployment_env(database_url: str, redis_url: str) -> dict:
    """The environment of a deployment: what it must set itself, everything else as shipped.

    gunicorn.conf.py and config.settings.production run with their defaults
    (worker recycling, access log on standard output, HTTPS redirect, throttle
    rates, connection health checks); only the secret key, the database and
    Redis URLs, the allowed hosts and the number of proxies in front are set,
    as a deployment sets them. The settings module is the container image's.
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
        # Read by raw_app.py only.
        "BENCH_RAW_DSN": database_url,
    }


# The shipped default of PET_CACHE_SECONDS, for the hit-rate estimate.
PET_CACHE_SECONDS = 300


def table_ids(database_url: str) -> list[str]:
    """Every pet's id in the seeded table, in a stable order."""
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT replace(id::text, '-', '') FROM petshop_pet ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def uniform_sequence(pet_ids: list[str], length: int, random_seed: int) -> list[str]:
    """`length` ids drawn uniformly, with replacement, from the whole table."""
    return random.Random(random_seed).choices(pet_ids, k=length)


def zipf_sequence(pet_ids: list[str], length: int, s: float, random_seed: int) -> list[str]:
    """`length` ids drawn with Zipf's law: the pet of popularity rank r has weight 1 / r**s.

    The ranks are dealt to the pets in a random (seeded) order.
    """
    generator = random.Random(random_seed)
    ranked = list(pet_ids)
    generator.shuffle(ranked)
    cumulative = list(itertools.accumulate(1 / rank**s for rank in range(1, len(ranked) + 1)))
    return generator.choices(ranked, cum_weights=cumulative, k=length)


def write_paths(name: str, sequence: list[str]) -> Path:
    path = OUT / f"paths-{name.split()[0].lower()}.txt"
    path.write_text("".join(f"/pet/{pet_id}\n" for pet_id in sequence))
    return path


def estimated_hit_rate(sequence: list[str], rounds: list[tuple], timeout: float) -> float:
    """The share of the cached service's requests that found the pet in its cache, estimated.

    Replays what it read (each round's lines of the sequence, spread evenly over
    the round's seconds): a request hits when the same pet was stored less than
    `timeout` seconds before; a miss stores it. Ignores the requests in flight at
    each round's end.
    """
    stored = {}
    hits = requests = 0
    for started, seconds, offset, count in rounds:
        for index in range(count):
            moment = started + seconds * index / count
            pet_id = sequence[(offset + index) % len(sequence)]
            if moment - stored.get(pet_id, -math.inf) < timeout:
                hits += 1
            else:
                stored[pet_id] = moment
        requests += count
    return hits / requests if requests else 0.0


def print_route_setup(args, pets: int, zipf: list[str]) -> None:
    counts = collections.Counter(zipf)
    top = sum(count for _, count in counts.most_common(100)) / len(zipf)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    print(
        f"GET /pet/{{petId}}: {pets:,} pets, {args.connections} connections, {args.rounds} interleaved rounds"
        f" of {args.seconds} s per application and distribution"
    )
    print(
        f"  gunicorn.conf.py as shipped: {conf['workers']} workers x {conf['threads']} threads,"
        f" preload_app={conf['preload_app']}, max_requests={conf['max_requests']} (+ up to"
        f" {conf['max_requests_jitter']}), access log {conf['accesslog']!r} (discarded by the benchmark)"
    )
    print(
        f"  NUM_PROXIES={NUM_PROXIES}: wrk stands in for one reverse proxy (X-Forwarded-For with one of many client"
        " addresses per request, X-Forwarded-Proto: https), so the anonymous throttle counts per client;"
        " a service reached directly must keep NUM_PROXIES=0 (README, 'Behind a proxy')"
    )
    print(
        f"  ids: {HOT} = Duke every time; {UNIFORM} = uniform over the table; {ZIPF} = Zipf s={args.zipf_s}"
        f" ({top:.0%} of requests to the 100 most popular pets); fixed seeds, the same lines for every application"
    )


def print_route_results(args, runs: dict, hit_rates: dict) -> None:
    print(f"  {'ids':<12} {'application':<30} {'requests/s: median (min-max)':>30}   ratio to raw per round")
    verdicts = []
    for name, hit_rate in hit_rates.items():
        for label, _, _ in ROUTE_APPLICATIONS:
            results = runs[name, label]
            rates = f"{statistics.median(results):,.0f} ({min(results):,.0f}-{max(results):,.0f})"
            line = f"  {name:<12} {label:<30} {rates:>30}"
            if label != RAW:
                ratios = [result / raw for result, raw in zip(results, runs[name, RAW], strict=True)]
                median = statistics.median(ratios)
                quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [median] * 3
                line += (
                    f"   median {median:.1%}, IQR {quartiles[0]:.0%}-{quartiles[2]:.0%},"
                    f" range {min(ratios):.0%}-{max(ratios):.0%}"
                )
                if label == SERVICE and name in TARGETS:
                    met = "met" if median >= TARGETS[name] else "NOT met"
                    verdicts.append(f"{name} >= {TARGETS[name]:.0%} of raw: {met} ({median:.1%})")
            print(line)
        print(f"  {'':<12} (cache hits of {SERVICE}, estimated: {hit_rate:.0%})")
    print("  targets, medians of the per-round ratios: " + "; ".join(verdicts))


@contextlib.contextmanager
def gunicorn(app: str, env: dict, probe: str):
    """`gunicorn APP -c gunicorn.conf.py`, bound by GUNICORN_BIND as a deployment binds it."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), app, "-c", "gunicorn.conf.py"]
    # The access log (standard output) is written as shipped and discarded here.
    server = subprocess.Popen(
        command, cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, stdout=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(base_url + probe, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_ok(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    parts = urlsplit(url)
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            connection.request("GET", parts.path, headers=PROXY_HEADERS)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
            raise SystemExit(f"{url} answered {response.status}")
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout} s")


# What the proxy that clients.lua stands in for adds to a request.
PROXY_HEADERS = {"X-Forwarded-For": "10.0.0.1", "X-Forwarded-Proto": "https"}


def load_with_wrk(
    base_url: str, seconds: float, connections: int, paths: Path, start: int, strict: bool = True
) -> tuple[float, int]:
    """Requests per second and requests completed, from `connections` keep-alive connections.

    The requests take the paths of the file `paths` in order from line `start`.
    Any answer but 200 aborts the run, and so does, if `strict`, a socket error
    (a connection refused or reset, an answer slower than 10 s).
    """
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    output = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--script",
            str(Path(__file__).with_name("clients.lua")),
            base_url,
            "--",
            str(paths),
            str(start),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{base_url}: {errors[1]} responses were not 200\n{output}")
    if strict and re.search(r"Socket errors", output):
        raise SystemExit(f"{base_url}: socket errors\n{output}")
    completed = int(re.search(r"(\d+) requests in", output)[1])
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]), completed


# --- import_pets ---------------------------------------------------------------


def bench_import(args) -> None:
    path = OUT / f"pets-{args.rows}.csv"
    generate_csv(path, args.rows, random_seed=2)
    with scratch_database(args.pg, "import") as database_url:
        env = deployment_env(database_url, args.redis)
        manage(env, "migrate", "--verbosity", "0")
        psql(database_url, "CHECKPOINT")
        first = timed(lambda: manage(env, "import_pets", str(path)))
        psql(database_url, "CHECKPOINT")
        again = timed(lambda: manage(env, "import_pets", str(path)))

        psql(database_url, "CREATE TABLE bench_plain (a text, b text, c text, d text, e text)")
        psql(database_url, "CHECKPOINT")
        plain = timed(lambda: psql(database_url, f"\\copy bench_plain FROM '{path}' WITH (FORMAT csv, HEADER true)"))

        psql(
            database_url,
            "CREATE TABLE bench_register (LIKE petshop_pet INCLUDING ALL); "
            "ALTER TABLE bench_register ALTER picture SET DEFAULT '', ALTER picture_sha256 SET DEFAULT '', "
            "ALTER created_at SET DEFAULT now(), ALTER updated_at SET DEFAULT now()",
        )
        psql(database_url, "CHECKPOINT")
        register = timed(
            lambda: psql(
                database_url,
                f"\\copy bench_register (id, name, owner, breed, birth_year) FROM '{path}' "
                "WITH (FORMAT csv, HEADER true)",
            )
        )
    print(f"import of {args.rows:,} generated CSV rows into PostgreSQL")
    print(f"  manage.py import_pets, empty register:          {first:6.2f} s")
    print(f"  manage.py import_pets again (all unchanged):     {again:6.2f} s")
    print(f"  psql \\copy into a plain table (5 text columns): {plain:6.2f} s")
    print(f"  psql \\copy into a copy of the register's table: {register:6.2f} s")
    # The target compares like with like: \copy into a table with the register's
    # own key, indexes and checks does the same work in the database as the import; the
    # unindexed table shows what the key and the indexes cost.
    print(f"  import speed vs \\copy into the register's table: {register / first:6.0%}   (target >= 50%)")
    print(f"  import speed vs \\copy into the plain table:      {plain / first:6.0%}")


def generate_csv(path: Path, rows: int, random_seed: int) -> None:
    """`rows` pets with random (practically unique) ids, in the pet shop's format."""
    if path.exists():
        return
    generator = random.Random(random_seed)
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["petId", "nome_pet", "dono", "raca", "data_nascimento"])
        for _ in range(rows):
            writer.writerow(
                [
                    f"{generator.getrandbits(128):032x}",
                    generator.choice(NAMES),
                    generator.choice(OWNERS),
                    generator.choice(BREEDS),
                    generator.randint(2000, 2024),
                ]
            )
    partial.rename(path)


# --- Plumbing --------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(server_url: str, purpose: str):
    name = f"bench_pets_{purpose}_{os.getpid()}"
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


def manage(env: dict, *arguments: str) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def psql(database_url: str, command: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", database_url, "-c", command], check=True)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
