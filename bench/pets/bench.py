"""Benchmarks of the pet register; bench/README.md ("Pets") records the results.

1. `GET /pet/{petId}` under gunicorn against PostgreSQL, in the same run: the
   service, then a minimal raw WSGI application (raw_app.py) reading the same
   row of the same database, both with the project's gunicorn.conf.py and the
   same environment, both loaded by the same bounded load generator on
   loopback, in short interleaved rounds; the service also with its representation
   cache off, for reference. Prints requests/s and the ratios (target: the
   service as deployed >= 40% of the raw application).
2. `manage.py import_pets` of a generated million-row CSV into an empty
   register, against `psql \\copy` of the same file into a table with the
   register's own schema (key, indexes and checks: the same work in the database), and
   for reference into a plain unindexed table. Prints the times and the ratios
   of speed (target: >= 50% of the \\copy into the register's table).

Run from the project root: `.venv/bin/python bench/pets/bench.py --help`.
Needs PostgreSQL (--pg), Redis for the service's cache and throttling
(--redis), `psql`, and `wrk` (a small threaded Python client is used when wrk
is missing; it saturates sooner, so the figures are then lower for both).
Every database it creates is dropped at the end.
"""

import argparse
import contextlib
import csv
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
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
    parser.add_argument("--seconds", type=int, default=5, help="load per application and round (after a warm-up)")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds of the route benchmark")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--seed-rows", type=int, default=100_000, help="pets in the database for the route")
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


def bench_route(args) -> None:
    with scratch_database(args.pg, "route") as database_url:
        env = service_env(database_url, args.redis)
        manage(env, "migrate", "--verbosity", "0")
        seed = OUT / f"seed-{args.seed_rows}.csv"
        generate_csv(seed, args.seed_rows, random_seed=1)
        manage(env, "import_pets", str(seed))
        manage(env, "import_pets", str(SAMPLE_CSV))
        path = f"/pet/{DUKE}"
        runs = {label: [] for label, _, _ in ROUTE_APPLICATIONS}
        with contextlib.ExitStack() as servers:
            urls = {
                label: servers.enter_context(gunicorn(app, {**env, **extra_env}, port=free_port(), probe=path)) + path
                for label, app, extra_env in ROUTE_APPLICATIONS
            }
            for url in urls.values():
                load(url, seconds=2, connections=args.connections)  # warm-up
            # Short interleaved rounds, so that a slow spell of the (shared) machine
            # hits every application alike; each round's ratio compares neighbours.
            for _ in range(args.rounds):
                for label, url in urls.items():
                    runs[label].append(load(url, seconds=args.seconds, connections=args.connections))
        print(
            f"GET /pet/{{petId}} ({args.seed_rows:,} pets, {args.connections} connections,"
            f" {args.rounds} interleaved rounds of {args.seconds} s)"
        )
        for label, results in runs.items():
            line = f"  {label:<34} median {statistics.median(results):7,.0f} requests/s"
            if label != RAW:
                ratios = sorted(result / raw for result, raw in zip(results, runs[RAW], strict=True))
                spread = f"{ratios[0]:.0%}-{ratios[-1]:.0%}"
                line += f", ratio to raw per round: median {statistics.median(ratios):.0%} ({spread})"
            print(line)
        print(f"  target: the service (as deployed) >= 40% of {RAW}")


RAW = "raw WSGI + psycopg2"
ROUTE_APPLICATIONS = [
    ("service (as deployed)", "config.wsgi:application", {}),
    # Every request misses the representation cache: the ORM, serializer and renderer path.
    ("service with PET_CACHE_SECONDS=0", "config.wsgi:application", {"PET_CACHE_SECONDS": "0"}),
    (RAW, "bench.pets.raw_app:application", {}),
]


def service_env(database_url: str, redis_url: str) -> dict:
    """The same environment for both applications: production settings, quiet logs, no worker recycling."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # Throttling stays on with its production rates; the load comes from many
        # client addresses (clients.lua), which the service reads behind one proxy hop.
        "NUM_PROXIES": "1",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESSLOG": "/dev/null",
        "GUNICORN_LOGLEVEL": "warning",
        "GUNICORN_MAX_REQUESTS": "0",
        "BENCH_RAW_DSN": database_url,
    }


@contextlib.contextmanager
def gunicorn(app: str, env: dict, port: int, probe: str):
    command = [str(Path(sys.executable).with_name("gunicorn")), app, "-c", "gunicorn.conf.py"]
    server = subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env)
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
            connection.request("GET", parts.path)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
            raise SystemExit(f"{url} answered {response.status}")
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def load(url: str, seconds: int, connections: int) -> float:
    """Requests per second over `seconds`, from `connections` keep-alive connections."""
    if shutil.which("wrk"):
        return load_with_wrk(url, seconds, connections)
    return load_with_threads(url, seconds, connections)


def load_with_wrk(url: str, seconds: int, connections: int) -> float:
    output = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--script",
            str(Path(__file__).with_name("clients.lua")),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors[1]} responses were not 200\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])


def load_with_threads(url: str, seconds: int, connections: int) -> float:
    parts = urlsplit(url)
    deadline = time.monotonic() + seconds
    counts = [0] * connections

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < deadline:
            address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
            connection.request("GET", parts.path, headers={"X-Forwarded-For": address})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{url} answered {response.status}")
            counts[index] += 1

    threads = [threading.Thread(target=client, args=(index,)) for index in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


# --- import_pets ---------------------------------------------------------------


def bench_import(args) -> None:
    path = OUT / f"pets-{args.rows}.csv"
    generate_csv(path, args.rows, random_seed=2)
    with scratch_database(args.pg, "import") as database_url:
        env = service_env(database_url, args.redis)
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
