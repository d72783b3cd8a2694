"""Benchmarks of the dog register; bench/README.md records the results (bench/dogs/README.md has the method).

Everything runs as deployed: the service under `gunicorn config.wsgi:application
-c gunicorn.conf.py` with the shipped configuration and `config.settings.production`
with its defaults (throttling, logging, worker recycling, HTTPS redirect, health
checks), setting only what a deployment sets itself (`harness.deployment_env`,
plus `DOG_CEO_API_URL` pointing at a local stand-in), against PostgreSQL and
Redis; a raw WSGI application (raw_app.py) runs under the same command,
configuration and environment. A scratch database is migrated and seeded with
100,000 dogs owned by a few users, straight into the tables.

1. `GET /api/dogs/{name}`: the service against the raw application, wrk on
   loopback in short interleaved rounds (harness.compare_routes), for one hot
   dog (`Lazy` every time) and for names drawn uniformly from all the dogs.
   Targets: hot dog >= 50% of the raw application's requests/s, uniform names
   >= 33% (medians of the per-round ratios).
2. `POST /api/dogs/{name}` latency to the 202: fresh names (`{unique}`), the
   bearer tokens of many users taking turns so that no user nears the user
   throttle; no worker runs (the queue grows in Redis). wrk's latency
   percentiles per round; targets: p50 under 10 ms and p99 under 50 ms at 16
   connections (medians across rounds; the worst round is printed too). The
   raw application's registration (token check, one INSERT, one LPUSH) is
   loaded alongside for context.
3. End-to-end registrations per second: an instant dog.ceo stand-in
   (dog_ceo.py), the Redis broker and the worker as docker-compose.yml starts
   it (`celery -A config worker --loglevel=INFO --concurrency=2`, the same
   environment). Each round POSTs N fresh registrations over 16 keep-alive
   connections and times from the first POST until all N dogs are in the
   table. Target: 200 registrations/s or more (median of the rounds).

Run from the project root: `.venv/bin/python bench/dogs/bench.py --help`
(a smoke run: `--rounds 1 --seconds 1 --rows 2000 --e2e-rounds 1
--registrations 100`). Needs PostgreSQL (--pg), Redis (--redis, database 11 by
default: the broker's queue there is emptied before the worker starts), `psql`
and `wrk`. Every database it creates is dropped at the end. It runs the code
in the tree it is in: on a shared working tree, run it from an export of a
commit (`git archive`), or a recycled worker may load someone's half-edited file.
"""

import contextlib
import http.client
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg2
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness
from bench.harness import OUT, PROXY_HEADERS, ROOT, Application, Workload, manage, scratch_database, timed

DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
SERVICE = "service (as deployed)"
RAW = "raw WSGI + psycopg2"
HOT, UNIFORM, POST = "hot dog", "uniform names", "POST new name"
GET_TARGETS = {HOT: 0.50, UNIFORM: 0.33}
P50_TARGET_MS, P99_TARGET_MS = 10.0, 50.0
E2E_TARGET = 200.0
# The seed's example dog (CONTRACT.md, the OpenAPI example), the hot key.
HOT_DOG = "Lazy"
NAMES = ["Rex", "Luna", "Thor", "Mel", "Bob", "Nina", "Toby", "Lola", "Fred", "Bidu"]
BREEDS = ["papillon", "hound-afghan", "retriever-golden", "terrier-border", "poodle-standard", "beagle", "pug"]
# docker-compose.yml's worker command (the Procfile's adds -B, beat, for the embedded run).
WORKER_ARGUMENTS = ["-A", "config", "worker", "--loglevel=INFO", "--concurrency=2"]
THROTTLE_USER_RATE = 10_000  # per hour, the shipped THROTTLE_USER_RATE


def main() -> None:
    parser = harness.argument_parser(__doc__, redis=DEFAULT_REDIS)
    parser.add_argument("--rows", type=int, default=100_000, help="dogs seeded in the database")
    parser.add_argument("--owners", type=int, default=10, help="users owning the seeded dogs")
    parser.add_argument("--posters", type=int, default=100, help="users whose tokens the POSTs take in turn")
    parser.add_argument("--sequence-length", type=int, default=300_000, help="names in the uniform sequence")
    parser.add_argument(
        "--post-connections",
        type=int,
        help="connections for the POST latency benchmark (default --connections; the targets are for 16)",
    )
    parser.add_argument("--e2e-rounds", type=int, default=5, help="end-to-end rounds")
    parser.add_argument("--registrations", type=int, default=2_000, help="registrations per end-to-end round")
    parser.add_argument("--skip-get", action="store_true")
    parser.add_argument("--skip-post", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    args.post_connections = args.post_connections or args.connections
    OUT.mkdir(parents=True, exist_ok=True)

    with dog_ceo_standin() as dog_ceo, scratch_database(args.pg, "dogs") as database_url:
        # What a deployment sets for itself: where its dog.ceo is. The stand-in
        # answers picture URLs on images.dog.ceo, which the shipped
        # DOG_CEO_ALLOWED_PICTURE_HOSTS allows; FILES_SERVICE_URL stays unset.
        env = harness.deployment_env(database_url, args.redis, DOG_CEO_API_URL=f"{dog_ceo}/api")
        manage(env, "migrate", "--verbosity", "0")
        seconds = timed(lambda: seed(database_url, args))
        names = dog_names(database_url)
        print(
            f"dogs: {len(names):,} dogs (owned by {args.owners} users, one in ten by nobody) and {args.posters}"
            f" posting users seeded straight into the tables in {seconds:.1f} s; hot dog {HOT_DOG!r}"
        )
        print(f"  {harness.shipped_gunicorn_summary()}")
        print(f"  {harness.proxy_summary()}")
        print(f"  stand-in: dog.ceo at {dog_ceo}/api (dog_ceo.py, instant); Redis {args.redis} (cache and broker)")
        with contextlib.ExitStack() as servers:
            # The service's queue grows by every registration of the latency benchmark: emptied however the run ends.
            servers.callback(clear_broker, args.redis)
            probe = f"/api/dogs/{HOT_DOG}"
            applications = harness.start_applications(
                servers,
                [(SERVICE, "config.wsgi:application", env), (RAW, "bench.dogs.raw_app:application", env)],
                probe,
                baseline=RAW,
                target=SERVICE,
            )
            check_same_reads(applications, [HOT_DOG, *random.Random(5).sample(names, min(20, len(names)))])
            if not args.skip_get:
                bench_get(args, applications, names)
            if not args.skip_post:
                bench_post(args, env, database_url, applications)
            if not args.skip_e2e:
                bench_e2e(args, env, database_url, applications[0].url, dog_ceo)


# --- Seed --------------------------------------------------------------------

USER_COLUMNS = "password, last_login, is_superuser, email, name, last_name, is_staff, is_active, date_joined"
DOG_COLUMNS = "name, picture, is_adopted, create_date, id_user, registration_id, file_upload_status, file_upload_detail"


def seed(database_url: str, args) -> None:
    """Users and dogs straight into the tables, as the models have them (after migrate).

    Users: unusable passwords (`!`, tokens are minted for them), lower-case
    unique e-mails, active. Dogs: unique names `Rex-1`, `Luna-2`, ..., dog.ceo
    picture URLs, one in four adopted, creation times a year apart with
    microseconds, owned by the owners in turn and one in ten by nobody; no
    registration; the files-service fields at their defaults. Plus `Lazy`, the
    contract's example dog. `args.rows` dogs in all.
    """
    names = "(ARRAY[" + ", ".join(f"'{name}'" for name in NAMES) + "])"
    breeds = "(ARRAY[" + ", ".join(f"'{breed}'" for breed in BREEDS) + "])"
    users = (
        f"INSERT INTO users_user ({USER_COLUMNS}) SELECT '!', NULL, false, 'bench-{{kind}}-' || i || '@example.org',"
        " initcap('{kind}'), i::text, false, true, now() FROM generate_series(1, %s) AS i"
    )
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute(users.format(kind="owner"), (args.owners,))
        cursor.execute(users.format(kind="poster"), (args.posters,))
        cursor.execute(
            f"INSERT INTO dogs_dog ({DOG_COLUMNS}) SELECT %s, 'https://images.dog.ceo/breeds/papillon/n02086910_6483.jpg',"
            " true, '2020-02-20 20:58:55.164954+00', min(id), NULL, '', '' FROM users_user",
            (HOT_DOG,),
        )
        cursor.execute(
            f"""
            WITH owners AS (SELECT array_agg(id ORDER BY id) AS ids FROM users_user WHERE email LIKE 'bench-owner-%%')
            INSERT INTO dogs_dog ({DOG_COLUMNS})
            SELECT {names}[1 + mod(i, {len(NAMES)})] || '-' || i,
                   'https://images.dog.ceo/breeds/' || {breeds}[1 + mod(i, {len(BREEDS)})]
                       || '/n0208' || lpad(mod(i * 7919, 1000000)::text, 6, '0') || '_' || i || '.jpg',
                   mod(i, 4) = 0,
                   timestamptz '2025-01-01 00:00:00+00' + i * interval '311.123457 seconds',
                   CASE WHEN mod(i, 10) = 0 THEN NULL ELSE ids[1 + mod(i, array_length(ids, 1))] END,
                   NULL, '', ''
            FROM generate_series(1, %s) AS i, owners
            """,
            (args.rows - 1,),
        )
        connection.commit()
        connection.autocommit = True
        cursor.execute("ANALYZE users_user; ANALYZE dogs_dog")


def dog_names(database_url: str) -> list[str]:
    """Every dog's name, in a stable order."""
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT name FROM dogs_dog ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def mint_tokens(env: dict) -> list[str]:
    """An access token per posting user, from simplejwt's own API in `manage.py shell` (the service's key)."""
    code = (
        "from rest_framework_simplejwt.tokens import AccessToken\n"
        "from users.models import User\n"
        "for user in User.objects.filter(email__startswith='bench-poster-').order_by('id'):\n"
        "    print(AccessToken.for_user(user))\n"
    )
    command = [sys.executable, "manage.py", "shell", "-c", code]
    output = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    return [line for line in output.split() if line.count(".") == 2]


# --- Requests outside wrk ------------------------------------------------------


def request(base_url: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    """One request through the proxy wrk stands in for: (status, headers, body)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers={**PROXY_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def check_same_reads(applications: list[Application], names: list[str]) -> None:
    """The raw application answers exactly the service's body for these dogs (else the comparison is void)."""
    for name in names:
        path = f"/api/dogs/{quote(name, safe='')}"
        answers = {application.label: request(application.url, "GET", path) for application in applications}
        (service_status, _, service_body), (raw_status, _, raw_body) = answers[SERVICE], answers[RAW]
        if (service_status, service_body) != (raw_status, raw_body):
            raise SystemExit(
                f"GET {path}: the service answered {service_status} {service_body!r},"
                f" the raw application {raw_status} {raw_body!r}"
            )
    print(f"  checked: the raw application's GET body is byte for byte the service's, for {len(names)} dogs")


# --- 1. GET /api/dogs/{name} ---------------------------------------------------


def bench_get(args, applications: list[Application], names: list[str]) -> None:
    sequences = {HOT: [HOT_DOG], UNIFORM: harness.uniform_sequence(names, args.sequence_length, random_seed=3)}
    workloads = [
        Workload(
            name,
            harness.write_lines(
                f"dogs-paths-{name.split()[0]}.txt", [f"/api/dogs/{quote(dog, safe='')}" for dog in sequence]
            ),
            target=GET_TARGETS[name],
        )
        for name, sequence in sequences.items()
    ]
    print()
    print(
        f"GET /api/dogs/{{name}}: {args.connections} connections, {args.rounds} interleaved rounds of {args.seconds} s"
        f" per application and workload; {HOT} = {HOT_DOG!r} every time; {UNIFORM} = {args.sequence_length:,}"
        f" draws with replacement from all {len(names):,} dogs (fixed seed), the same lines for both applications"
    )
    runs = harness.compare_routes(applications, workloads, args.rounds, args.seconds, args.connections)
    harness.print_comparison(applications, workloads, runs)


# --- 2. POST /api/dogs/{name}: latency to the 202 -----------------------------------


def bench_post(args, env: dict, database_url: str, applications: list[Application]) -> None:
    tokens = mint_tokens(env)
    if len(tokens) != args.posters:
        raise SystemExit(f"minted {len(tokens)} tokens for {args.posters} posting users")
    headers = harness.write_lines("dogs-post-headers.txt", [f"Authorization: Bearer {token}" for token in tokens])
    # Fresh names every request (`{unique}`: 16 hex digits), half of them with the optional body.
    requests = harness.write_lines(
        "dogs-post-requests.txt", ["POST /api/dogs/reg-{unique}", 'POST /api/dogs/reg-{unique} {"is_adopted": true}']
    )
    check_same_registration(applications, tokens[0])
    workload = Workload(POST, requests, headers=headers)
    print()
    print(
        f"POST /api/dogs/{{name}} (202, no worker running: the queue grows in Redis): {args.post_connections}"
        " connections,"
        f" {args.rounds} interleaved rounds of {args.seconds} s; a fresh name per request, half with the body"
        f' {{"is_adopted": true}}; the access tokens of {len(tokens)} users in turn, request by request'
    )
    runs = harness.compare_routes(applications, [workload], args.rounds, args.seconds, args.post_connections)
    harness.print_comparison(applications, [workload], runs)
    print_latency(args, applications, workload, runs)
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(max(n), 0) FROM"
            " (SELECT count(*) AS n FROM dogs_dogregistration GROUP BY requested_by_id) AS per_user"
        )
        _, most = cursor.fetchone()
    print(
        f"  throttle: at most {most:,} registrations by one user (both applications, warm-ups included) against"
        f" the shipped user rate of {THROTTLE_USER_RATE:,}/hour; the service's queue now holds them (emptied before"
        " the end-to-end benchmark)"
    )


def check_same_registration(applications: list[Application], token: str) -> None:
    """Both applications answer a registration with 202, the same keys and `Location` = `status_url`."""
    shapes = {}
    for application in applications:
        name = f"check-{application.label.split()[0]}-{random.getrandbits(32):08x}"
        status, headers, body = request(
            application.url, "POST", f"/api/dogs/{name}", headers={"Authorization": f"Bearer {token}"}
        )
        answer = json.loads(body) if status == 202 else {}
        if status != 202 or headers.get("Location") != answer.get("status_url"):
            raise SystemExit(f"{application.label}: POST /api/dogs/{name} answered {status} {headers} {body!r}")
        shapes[application.label] = (list(answer), answer["status"])
    if shapes[SERVICE] != shapes[RAW]:
        raise SystemExit(f"the 202 bodies differ: {shapes}")


def print_latency(args, applications: list[Application], workload: Workload, runs: dict) -> None:
    connections = args.post_connections
    print(f"  latency per round (wrk, {connections} connections): median across rounds (worst round)")
    verdicts = []
    for application in applications:
        loads = runs[workload.name, application.label]
        p50 = [load.latency_ms["50"] for load in loads]
        p99 = [load.latency_ms["99"] for load in loads]
        rate = statistics.median(load.rate for load in loads)
        print(
            f"  {application.label:<24} p50 {statistics.median(p50):6.1f} ms ({max(p50):6.1f}),"
            f"  p99 {statistics.median(p99):6.1f} ms ({max(p99):6.1f});"
            f"  {connections} connections / {rate:,.0f} req/s = {1000 * connections / rate:.1f} ms mean (Little's law)"
        )
        if application.has_target:
            for label, values, target in (("p50", p50, P50_TARGET_MS), ("p99", p99, P99_TARGET_MS)):
                met = "met" if statistics.median(values) < target else "NOT met"
                verdicts.append(
                    f"{label} < {target:.0f} ms: {met} (median {statistics.median(values):.1f} ms,"
                    f" worst round {max(values):.1f} ms)"
                )
    print("  targets, the service's medians across rounds: " + "; ".join(verdicts))


# --- 3. End to end: POST to the dog in the table -----------------------------------


def bench_e2e(args, env: dict, database_url: str, service_url: str, dog_ceo: str) -> None:
    tokens = mint_tokens(env)
    # The queue still holds the registrations of the latency benchmark (no
    # worker ran), whose messages must not be counted or worked here.
    clear_broker(args.redis)
    log = OUT / "dogs-worker.log"
    print()
    print(
        f"end to end, POST /api/dogs/{{name}} until the dog is in the table: {args.e2e_rounds} rounds of"
        f" {args.registrations:,} fresh registrations over {args.connections} keep-alive connections (Python"
        f" threads, each request with its own X-Forwarded-For and the next of {len(tokens)} users' tokens);"
        f" worker `celery {' '.join(WORKER_ARGUMENTS)}` (docker-compose.yml's), the same environment, log in {log};"
        " DOGS_REGISTRATION_DELAY_SECONDS at its default 0; FILES_SERVICE_URL unset"
    )
    served_before = standin_count(dog_ceo)
    results = []
    with contextlib.closing(psycopg2.connect(database_url)) as connection, celery_worker(env, log):
        connection.autocommit = True
        # Warm-up: the worker's start and first tasks, not timed.
        e2e_round(connection, service_url, tokens, "warm", min(64, args.registrations), args.connections, 120)
        for number in range(args.e2e_rounds):
            deadline = max(120.0, args.registrations / 10)
            result = e2e_round(
                connection, service_url, tokens, f"e2e{number}", args.registrations, args.connections, deadline
            )
            results.append(result)
            posted, done = result
            print(
                f"  round {number + 1}: {args.registrations:,} POSTs answered in {posted:.2f} s"
                f" ({args.registrations / posted:,.0f}/s); all dogs in the table after {done:.2f} s:"
                f" {args.registrations / done:,.0f} registrations/s"
            )
    rates = [args.registrations / done for _, done in results]
    served = standin_count(dog_ceo) - served_before
    total = args.registrations * args.e2e_rounds + min(64, args.registrations)
    print(f"  dog.ceo stand-in calls: {served:,} for {total:,} registrations (warm-up included)")
    median = statistics.median(rates)
    met = "met" if median >= E2E_TARGET else "NOT met"
    print(
        f"  registrations/s: median {median:,.0f} (range {min(rates):,.0f}-{max(rates):,.0f});"
        f" target >= {E2E_TARGET:.0f}/s: {met}"
    )


def e2e_round(
    connection, service_url: str, tokens: list[str], prefix: str, count: int, connections: int, deadline: float
) -> tuple[float, float]:
    """POST `count` registrations; seconds until the last 202 and until the last dog is in the table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM dogs_dog")
        (last_dog,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM dogs_dogregistration WHERE status = 'failed'")
        (failed_before,) = cursor.fetchone()
    tag = f"{prefix}-{random.getrandbits(32):08x}"
    numbers = iter(range(count))
    lock = threading.Lock()
    errors: list[str] = []
    answered: list[float] = []
    started = time.perf_counter()

    def post() -> None:
        parts = urlsplit(service_url)
        client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        generator = random.Random()
        try:
            while not errors:
                with lock:
                    number = next(numbers, None)
                if number is None:
                    break
                address = f"10.{generator.randrange(256)}.{generator.randrange(256)}.{generator.randrange(1, 255)}"
                client.request(
                    "POST",
                    f"/api/dogs/{tag}-{number}",
                    headers={
                        "X-Forwarded-For": address,
                        "X-Forwarded-Proto": "https",
                        "Authorization": f"Bearer {tokens[number % len(tokens)]}",
                    },
                )
                response = client.getresponse()
                body = response.read()
                if response.status != 202:
                    errors.append(f"POST /api/dogs/{tag}-{number}: {response.status} {body[:300]!r}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"POST: {exc!r}")
        finally:
            client.close()
            with lock:
                answered.append(time.perf_counter())

    threads = [threading.Thread(target=post) for _ in range(connections)]
    for thread in threads:
        thread.start()
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT count(*) FROM dogs_dog WHERE id > %s", (last_dog,))
            (created,) = cursor.fetchone()
            done = time.perf_counter()
            if created >= count:
                break
            cursor.execute("SELECT count(*) FROM dogs_dogregistration WHERE status = 'failed'")
            (failed,) = cursor.fetchone()
            if errors or failed > failed_before or done - started > deadline:
                errors.append("")
                for thread in threads:
                    thread.join()
                cursor.execute("SELECT detail FROM dogs_dogregistration WHERE status = 'failed' LIMIT 3")
                details = [row[0] for row in cursor.fetchall()]
                raise SystemExit(
                    f"end-to-end round {prefix}: {created} of {count} dogs after {done - started:.1f} s;"
                    f" {failed - failed_before} registrations failed {details}; {[e for e in errors if e][:3]}"
                )
            time.sleep(0.02)
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(errors[0])
    return max(answered) - started, done - started


@contextlib.contextmanager
def celery_worker(env: dict, log: Path) -> Iterator[subprocess.Popen]:
    command = [str(Path(sys.executable).with_name("celery")), *WORKER_ARGUMENTS]
    with log.open("w") as output:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield worker
        finally:
            worker.terminate()  # SIGTERM: Celery's warm shutdown, which ends its pool processes
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


@contextlib.contextmanager
def dog_ceo_standin() -> Iterator[str]:
    """dog_ceo.py on a free port, in its own process; yields its base URL."""
    port = harness.free_port()
    server = subprocess.Popen([sys.executable, str(Path(__file__).with_name("dog_ceo.py")), str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                standin_count(url)
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the dog.ceo stand-in did not start")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def standin_count(url: str) -> int:
    _, _, body = request(url, "GET", "/count")
    return json.loads(body)["count"]


def clear_broker(redis_url: str) -> None:
    """Empty the broker's queue (and the raw application's list) in the benchmark's Redis database."""
    from bench.dogs.raw_app import RAW_QUEUE

    with contextlib.closing(redis.Redis.from_url(redis_url)) as client:
        keys = [b"celery", b"unacked", b"unacked_index", RAW_QUEUE.encode()]
        keys += list(client.scan_iter(match="celery\x06\x16*"))
        client.delete(*keys)


if __name__ == "__main__":
    main()
