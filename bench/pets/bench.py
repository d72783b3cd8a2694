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

import collections
import contextlib
import csv
import math
import random
import sys
import time
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness
from bench.harness import OUT, ROOT, Application, Workload, manage, psql, scratch_database, timed

SAMPLE_CSV = ROOT / "petshop" / "sample_data" / "pets.csv"
DUKE = "b7681b0ee1bd455b81ecb4e46a2f4346"
NAMES = ["Duke", "Jack", "Lola", "Luna", "Milo", "Bella", "Rocky", "Cooper", "Stella", "Charlie"]
OWNERS = ["Miguel", "Pedro", "Benjamim", "Gabriel", "Lucas", "Alice", "Júlia", "Ester", "Julio", "Nicholas"]
BREEDS = ["Labrador Retriever", "Beagle", "Rottweiler", "French Bulldog", "Bulldog", "Golden Retriever", "Poodle"]


def main() -> None:
    parser = harness.argument_parser(__doc__)
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


def bench_route(args) -> None:
    with scratch_database(args.pg, "pets_route") as database_url:
        env = harness.deployment_env(database_url, args.redis)
        manage(env, "migrate", "--verbosity", "0")
        seed = OUT / f"seed-{args.seed_rows}.csv"
        generate_csv(seed, args.seed_rows, random_seed=1)
        manage(env, "import_pets", str(seed))
        manage(env, "import_pets", str(SAMPLE_CSV))
        pet_ids = table_ids(database_url)
        sequences = {
            HOT: [DUKE],
            UNIFORM: harness.uniform_sequence(pet_ids, args.sequence_length, random_seed=3),
            ZIPF: harness.zipf_sequence(pet_ids, args.sequence_length, args.zipf_s, random_seed=4),
        }
        workloads = [
            Workload(name, write_paths(name, sequence), target=TARGETS.get(name))
            for name, sequence in sequences.items()
        ]
        print_route_setup(args, len(pet_ids), sequences[ZIPF])

        # For the cached service: when each request ran, to estimate its cache hits afterwards.
        service_rounds = {name: [] for name in sequences}

        def record_service_round(workload: Workload, application: Application, load: harness.Load) -> None:
            if application.label == SERVICE:
                started = time.monotonic() - args.seconds
                service_rounds[workload.name].append((started, args.seconds, workload.offset, load.completed))

        also = harness.also_application(args)
        route_applications = [*ROUTE_APPLICATIONS, also] if also else ROUTE_APPLICATIONS
        with contextlib.ExitStack() as servers:
            applications = harness.start_applications(
                servers,
                [(label, app, {**env, **extra_env}) for label, app, extra_env in route_applications],
                f"/pet/{DUKE}",
                baseline=RAW,
                target=SERVICE,
            )
            runs = harness.compare_routes(
                applications, workloads, args.rounds, args.seconds, args.connections, after_round=record_service_round
            )

        harness.print_comparison(applications, workloads, runs)
        for name, rounds in service_rounds.items():
            rate = estimated_hit_rate(sequences[name], rounds, PET_CACHE_SECONDS)
            print(f"  {name}: cache hits of {SERVICE}, estimated: {rate:.0%}")


# The shipped default of PET_CACHE_SECONDS, for the hit-rate estimate.
PET_CACHE_SECONDS = 300


def table_ids(database_url: str) -> list[str]:
    """Every pet's id in the seeded table, in a stable order."""
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT replace(id::text, '-', '') FROM petshop_pet ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def write_paths(name: str, sequence: list[str]) -> Path:
    return harness.write_lines(f"paths-{name.split()[0].lower()}.txt", [f"/pet/{pet_id}" for pet_id in sequence])


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
    print(
        f"GET /pet/{{petId}}: {pets:,} pets, {args.connections} connections, {args.rounds} interleaved rounds"
        f" of {args.seconds} s per application and distribution"
    )
    print(f"  {harness.shipped_gunicorn_summary()}")
    print(f"  {harness.proxy_summary()}")
    print(
        f"  ids: {HOT} = Duke every time; {UNIFORM} = uniform over the table; {ZIPF} = Zipf s={args.zipf_s}"
        f" ({top:.0%} of requests to the 100 most popular pets); fixed seeds, the same lines for every application"
    )


# --- import_pets ---------------------------------------------------------------


def bench_import(args) -> None:
    path = OUT / f"pets-{args.rows}.csv"
    generate_csv(path, args.rows, random_seed=2)
    with scratch_database(args.pg, "pets_import") as database_url:
        env = harness.deployment_env(database_url, args.redis)
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


if __name__ == "__main__":
    main()
