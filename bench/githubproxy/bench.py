"""Benchmark of the GitHub proxy's list, `GET /repositories/?username=U`; bench/README.md records the results.

1. `from_local=true` (the answer from this service's two tables) under
   gunicorn against PostgreSQL: the service as deployed (the shipped
   gunicorn.conf.py and production settings, only what a deployment sets
   itself, see `harness.deployment_env`) against a minimal raw WSGI
   application (raw_app.py) reading the same rows of the same tables with the
   same two queries and answering the same JSON, in short interleaved wrk
   rounds, for one hot user and for users drawn uniformly from the 10,000
   seeded ones. Targets: hot user >= 50% of the raw application, uniform
   users >= 33%.
2. `from_local=false` (every page from the GitHub API) for a user with 250
   repositories, against the tests' GitHub stand-in
   (githubproxy.tests.standin.FakeGitHub, in a thread of this process, set as
   the deployment's `GITHUB_API_URL`), warm: every answer is revalidated with
   its ETag and answered 304. Prints requests/s (the raw application relaying
   the stand-in in the same way, for context; no target) and the stand-in's
   requests, by status, for exactly 1,000 calls made one after another by a
   small client (and per completed call during the wrk rounds).

Run from the project root: `.venv/bin/python bench/githubproxy/bench.py --help`.
Needs PostgreSQL (--pg), Redis for the service's cache and throttling
(--redis, database 13 by default), `wrk`, and the development requirements
(pytest-httpserver, which the stand-in runs on). Every database it creates is
dropped at the end. It runs the code in the tree it is in: on a shared working
tree, run it from an export of a commit (`git archive`), or a worker recycled
mid-run may load someone's half-edited file.
"""

import collections
import contextlib
import csv
import datetime
import http.client
import io
import itertools
import json
import logging
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness
from bench.harness import OUT, Application, Workload, manage, scratch_database
from githubproxy.tests.standin import FakeGitHub

DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
RAW = "raw WSGI + psycopg2"
SERVICE = "service (as deployed)"
APPLICATIONS = [(SERVICE, "config.wsgi:application"), (RAW, "bench.githubproxy.raw_app:application")]
HOT, UNIFORM, PROXIED = "hot user", "uniform users", "proxied 250"
TARGETS = {HOT: 0.50, UNIFORM: 0.33}
# The stand-in's user for the proxied list (README's example login).
PROXIED_LOGIN = "mrdev"
LOGIN_PREFIXES = ["dev", "octo", "mr", "py", "ana", "joao", "the", "data", "Web", "Open"]
# Repository names, distinct in any case, so that up to this many per user are unique (owner, LOWER(name)).
REPOSITORY_NAMES = [
    "dotfiles", "website", "blog", "api", "cli", "docs", "notes", "scripts", "utils", "config",
    "Homepage", "awesome-list", "django-app", "react-ui", "ml.experiments", "advent_of_code",
    "terraform-infra", "ansible-roles", "vim-config", "Resume", "tutorials", "playground",
    "go-service", "rust-tools", "data-pipeline", "chat-bot", "game-of-life", "compiler",
    "shop-backend", "mobile-app", ".github", "k8s-manifests", "benchmarks", "wiki", "Papers",
    "sandbox", "template", "hello-world", "portfolio", "algorithms",
]  # fmt: skip
USER_COLUMNS = "id, github_id, login, created_at, updated_at"
REPOSITORY_COLUMNS = (
    "id, owner_id, github_id, name, full_name, html_url, visibility, private,"
    " created_at, updated_at, size, stars, watchers, saved_at"
)
EPOCH = datetime.datetime(2011, 1, 1, tzinfo=datetime.UTC)


def main() -> None:
    parser = harness.argument_parser(__doc__, redis=DEFAULT_REDIS)
    parser.add_argument("--users", type=int, default=10_000, help="stored users for from_local=true")
    parser.add_argument("--max-repositories", type=int, default=30, help="each user has 1 to this many, uniformly")
    parser.add_argument("--hot-repositories", type=int, default=15, help="repositories of the hot user")
    parser.add_argument("--proxied-repositories", type=int, default=250, help="the stand-in user's repositories")
    parser.add_argument("--sequence-length", type=int, default=300_000, help="users in the uniform sequence")
    parser.add_argument("--calls", type=int, default=1_000, help="calls counted against the stand-in")
    parser.add_argument("--skip-local", action="store_true", help="no from_local=true workloads")
    parser.add_argument("--skip-proxied", action="store_true", help="no from_local=false workload")
    args = parser.parse_args()
    if args.skip_local and args.skip_proxied:
        parser.error("--skip-local and --skip-proxied leave nothing to measure")
    if args.max_repositories > len(REPOSITORY_NAMES) or not 1 <= args.hot_repositories <= args.max_repositories:
        parser.error(f"--max-repositories is at most {len(REPOSITORY_NAMES)}, --hot-repositories 1 to it")
    OUT.mkdir(parents=True, exist_ok=True)
    with scratch_database(args.pg, "githubproxy") as database_url, github_standin(args) as github:
        env = harness.deployment_env(database_url, args.redis, GITHUB_API_URL=github.base_url)
        manage(env, "migrate", "--verbosity", "0")
        stand_in_user = github.users[PROXIED_LOGIN]
        started = time.perf_counter()
        logins, repositories = seed(database_url, args, stand_in_user)
        seeded_in = time.perf_counter() - started
        workloads = []
        if not args.skip_local:
            uniform = harness.uniform_sequence(logins, args.sequence_length, random_seed=3)
            uniform_paths = write_paths(UNIFORM, [local_path(login) for login in uniform])
            workloads += [
                Workload(HOT, write_paths(HOT, [local_path(logins[0])]), target=TARGETS[HOT]),
                Workload(UNIFORM, uniform_paths, target=TARGETS[UNIFORM]),
            ]
        if not args.skip_proxied:
            workloads.append(Workload(PROXIED, write_paths(PROXIED, [proxied_path(PROXIED_LOGIN)])))
        print_setup(args, logins, repositories, seeded_in, github)

        upstream = collections.defaultdict(lambda: [0, collections.Counter()])  # label -> [calls, statuses]

        loads_seen = []

        def count_upstream(workload: Workload, application: Application, load: harness.Load) -> None:
            statuses = reset_counts(github)
            loads_seen.append(workload.name)
            # The first recorded load's counts also hold the warm-ups before it: left out.
            if workload.name == PROXIED and len(loads_seen) > 1:
                upstream[application.label][0] += load.completed
                upstream[application.label][1].update(statuses)

        with contextlib.ExitStack() as servers:
            probe = local_path(logins[0])
            also = harness.also_application(args)  # --also: a trial, say the cache off, in the same run
            listed = [(label, app, env) for label, app in APPLICATIONS]
            listed += [(also[0], also[1], {**env, **also[2]})] if also else []
            applications = harness.start_applications(servers, listed, probe, baseline=RAW, target=SERVICE)
            check_same_answers(applications, logins, args)
            runs = harness.compare_routes(
                applications, workloads, args.rounds, args.seconds, args.connections, after_round=count_upstream
            )
            counted = {}
            if not args.skip_proxied:
                path = proxied_path(PROXIED_LOGIN)
                for application in applications:
                    counted[application.label] = counted_calls(application.url, path, args, github)

        harness.print_comparison(applications, workloads, runs)
        print_upstream(args, upstream, counted)


# --- The stand-in for GitHub -----------------------------------------------------


@contextlib.contextmanager
def github_standin(args):
    """The tests' GitHub stand-in with one user of many repositories, served in a thread of this process.

    pytest-httpserver's threaded werkzeug server: a thread per connection, and
    `Connection: close` on every answer (werkzeug's server does no keep-alive),
    so each upstream request opens a new loopback connection, for the service
    and the raw application alike.
    """
    from pytest_httpserver import HTTPServer

    # werkzeug logs every request at INFO; the benchmark sends hundreds of thousands.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    github = FakeGitHub(server)
    for number in range(args.proxied_repositories):
        github.add_repository(PROXIED_LOGIN, f"repo-{number:03}")
    github.install()
    server.start()
    try:
        yield github
    finally:
        server.stop()


def reset_counts(github: FakeGitHub) -> collections.Counter:
    """The stand-in's answers by status since the last reset; forgets them (and the server's own log)."""
    answered, github.requests = github.requests, []
    github.httpserver.clear_log()
    if github.httpserver.handler_errors:
        raise SystemExit(f"the GitHub stand-in failed: {github.httpserver.handler_errors[0]!r}")
    return collections.Counter(status for _method, _path, _etag, status in answered)


def wait_until_quiet(github: FakeGitHub, quiet: float = 1.0, timeout: float = 60) -> None:
    """Until the stand-in has had no request for `quiet` seconds: calls still in flight when wrk stopped."""
    deadline = time.monotonic() + timeout
    answered = -1
    while len(github.requests) != answered:
        if time.monotonic() > deadline:
            raise SystemExit(f"the GitHub stand-in is still being called {timeout} s after the load stopped")
        answered = len(github.requests)
        time.sleep(quiet)


def counted_calls(base_url: str, path: str, args, github: FakeGitHub) -> dict:
    """Exactly `args.calls` calls of `path` (warm), four at a time; the stand-in's answers to them by status."""
    parts = urlsplit(base_url)
    local = threading.local()

    def call(number: int) -> int:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        # A client address of its own per call, as wrk sends: the anonymous throttle counts per client.
        address = f"10.250.{number // 250}.{number % 250 + 1}"
        headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
        except (http.client.HTTPException, OSError):  # the server closed an idle keep-alive connection
            connection.close()
            connection = local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
        response.read()
        return response.status

    wait_until_quiet(github)
    reset_counts(github)
    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        statuses = collections.Counter(pool.map(call, range(args.calls)))
    elapsed = time.perf_counter() - started
    if set(statuses) != {200}:
        raise SystemExit(f"{base_url}{path}: answers {dict(statuses)} to {args.calls} calls")
    return {"seconds": elapsed, "upstream": reset_counts(github)}


# --- Seed ----------------------------------------------------------------------


def seed(database_url: str, args, stand_in_user: dict) -> tuple[list[str], int]:
    """`args.users` users with 1 to `args.max_repositories` repositories each (uniform, seeded), by COPY.

    The first user (the hot one) has `args.hot_repositories`. The stand-in's
    user is stored too, without repositories, as after an earlier proxied
    listing (which stores the user, not the repositories). Returns the users'
    logins (the stand-in's excluded) and the number of repositories.
    """
    generator = random.Random(1)
    now = datetime.datetime.now(datetime.UTC).isoformat()
    users, repositories, logins = io.StringIO(), io.StringIO(), []
    user_rows, repository_rows = csv.writer(users), csv.writer(repositories)
    repository_ids = itertools.count(1)
    for user_id in range(1, args.users + 1):
        login = f"{LOGIN_PREFIXES[user_id % len(LOGIN_PREFIXES)]}-{user_id:05d}"
        logins.append(login)
        user_rows.writerow([user_id, 1_000_000 + user_id, login, now, now])
        count = args.hot_repositories if user_id == 1 else generator.randint(1, args.max_repositories)
        for name in generator.sample(REPOSITORY_NAMES, count):
            repository_id = next(repository_ids)
            created = EPOCH + datetime.timedelta(seconds=generator.randrange(14 * 365 * 86400))
            updated = created + datetime.timedelta(seconds=generator.randrange(2 * 365 * 86400))
            private = generator.random() < 0.03
            stars = int(generator.expovariate(1 / 25))
            full_name = f"{login}/{name}"
            repository_rows.writerow(
                [
                    repository_id,
                    user_id,
                    50_000_000 + repository_id,
                    name,
                    full_name,
                    f"https://github.com/{full_name}",
                    "private" if private else "public",
                    private,
                    created.isoformat(),
                    updated.isoformat(),
                    int(generator.expovariate(1 / 4000)),
                    stars,
                    min(stars, int(generator.expovariate(1 / 3))),
                    now,
                ]
            )
    user_rows.writerow([args.users + 1, stand_in_user["id"], stand_in_user["login"], now, now])
    users.seek(0)
    repositories.seek(0)
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection, connection.cursor() as cursor:
        for table, columns, rows in (
            ("githubproxy_user", USER_COLUMNS, users),
            ("githubproxy_repository", REPOSITORY_COLUMNS, repositories),
        ):
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", rows)
        # The ids were given: the sequences go on after them, as after inserts.
        for table in ("githubproxy_user", "githubproxy_repository"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("SELECT count(*) FROM githubproxy_repository")
        count = cursor.fetchone()[0]
    with contextlib.closing(psycopg2.connect(database_url)) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            # As autovacuum would after such a load: the planner's statistics of the new rows.
            cursor.execute("ANALYZE githubproxy_user, githubproxy_repository")
    return logins, count


# --- Requests ------------------------------------------------------------------


def local_path(login: str) -> str:
    return f"/repositories/?username={login}&from_local=true"


def proxied_path(login: str) -> str:
    return f"/repositories/?username={login}&from_local=false"


def write_paths(name: str, paths: list[str]) -> Path:
    return harness.write_lines(f"githubproxy-{name.split()[0].lower()}.txt", paths)


def check_same_answers(applications: list[Application], logins: list[str], args) -> None:
    """The service and the raw application answer the same JSON (the hot user, 20 uniform ones, the proxied)."""
    paths = [local_path(login) for login in [logins[0], *random.Random(7).sample(logins, min(20, len(logins)))]]
    if args.skip_local:
        paths = []
    if not args.skip_proxied:
        paths.append(proxied_path(PROXIED_LOGIN))
    for number, path in enumerate(paths):
        answers = []
        for application in applications:
            parts = urlsplit(application.url)
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            headers = {"X-Forwarded-For": f"10.251.0.{number + 1}", "X-Forwarded-Proto": "https"}
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            answers.append((response.status, json.loads(response.read())))
            connection.close()
        if answers[0][0] != 200 or any(answer != answers[0] for answer in answers):
            raise SystemExit(f"{path}: the applications answer differently: {answers}")
    print(f"  answers checked: the same status and JSON from every application for {len(paths)} paths")


# --- Output ----------------------------------------------------------------------


def print_setup(args, logins: list[str], repositories: int, seeded_in: float, github: FakeGitHub) -> None:
    users = len(logins)
    print(
        f"GET /repositories/?username=U: {args.connections} connections, {args.rounds} interleaved rounds"
        f" of {args.seconds} s per application and workload"
    )
    print(f"  {harness.shipped_gunicorn_summary()}")
    print(f"  {harness.proxy_summary()}")
    print(
        f"  seeded by COPY in {seeded_in:.1f} s: {users:,} users with 1-{args.max_repositories} repositories each"
        f" (uniform, seeded), {repositories:,} repositories; plus the stand-in's user {PROXIED_LOGIN!r}"
        " (no stored repositories)"
    )
    if not args.skip_local:
        print(
            f"  {HOT}: {local_path(logins[0])!r} ({args.hot_repositories} repositories) every time;"
            f" {UNIFORM}: {args.sequence_length:,} draws with replacement from all {users:,} users"
            " (fixed seed, the same lines for every application); the whole list in one answer (the route's"
            " answer is one object, not a paginated array)"
        )
    if not args.skip_proxied:
        print(
            f"  {PROXIED}: {proxied_path(PROXIED_LOGIN)!r}, {args.proxied_repositories} repositories, against"
            f" githubproxy.tests.standin.FakeGitHub at GITHUB_API_URL={github.base_url} (a thread of this"
            " process): /users/U and every page of /users/U/repos?per_page=100 with ETags, 304 to If-None-Match,"
            " Link pagination, rate-limit headers; the raw application relays it the same way (for context)"
        )
    print(f"  Redis {args.redis} (the service's cache: throttle counters and GitHub's answers with their ETags)")


def print_upstream(args, upstream: dict, counted: dict) -> None:
    for label, (calls, statuses) in upstream.items():
        total = sum(statuses.values())
        if calls:
            print(
                f"  {PROXIED}, {label}: during the wrk rounds the stand-in answered {total:,} requests"
                f" ({format_statuses(statuses)}) for {calls:,} completed calls, {total / calls:.2f} a call"
                " (warm-ups left out; calls in flight at each round's end make this approximate)"
            )
    for label, result in counted.items():
        statuses = result["upstream"]
        total = sum(statuses.values())
        print(
            f"  {PROXIED}, {label}: {args.calls:,} calls, 4 at a time, in {result['seconds']:.1f} s: the stand-in"
            f" answered {total:,} requests ({format_statuses(statuses)}),"
            f" {total * 1000 / args.calls:,.0f} per 1,000 calls, {statuses[200] * 1000 / args.calls:,.0f} of them 200"
        )


def format_statuses(statuses: collections.Counter) -> str:
    return ", ".join(f"{count:,} x {status}" for status, count in sorted(statuses.items())) or "none"


if __name__ == "__main__":
    main()
