"""Benchmark of the recharge routes against a raw WSGI application; bench/README.md records the results.

Under gunicorn against PostgreSQL and Redis, in the same run: the service as
deployed (the shipped gunicorn.conf.py and config.settings.production
untouched, only what a deployment sets itself is set, see
`harness.deployment_env`) and a minimal raw WSGI application (raw_app.py)
giving the same status and JSON body from the same tables, loaded by wrk on
loopback in short interleaved rounds (bench/harness.py, the method of
bench/README.md, "Pets"), for four request files:

1. `POST /PhoneRecharges`, a fresh `Idempotency-Key` each time: a seeded
   product and a phone number of its area, as many users' bearer tokens in
   turn; the raw application inserts the same row (no idempotency key).
   Target: >= 40% of the raw application.
2. `GET /PhoneRecharges?id=`, hot key: one recharge every time, read by staff
   users in turn (a recharge is its owner's or staff's to read, and one owner
   may send 10,000 requests an hour). Target: >= 52%.
3. `GET /PhoneRecharges?id=`, uniform: ids drawn uniformly from the seeded
   recharges, each read by its owner. Target: >= 33%.
4. `GET /CompanyProducts`, anonymous: the service answers from its cache, the
   raw application from the database. No target; the figure is reported.

Prints requests/s and the per-round ratios to the raw application with their
spread, and whether the targets are met.

Run from the project root: `.venv/bin/python bench/recharges/bench.py --help`
(a full run: no arguments, about ten minutes). Needs PostgreSQL (--pg), Redis
(--redis, default database 12) and `wrk`. Every database it creates is dropped
at the end, and so are its Redis keys. It runs the code in the tree it is in:
on a shared working tree, run it from an export of a commit (`git archive`),
or a worker recycled mid-run may load someone's half-edited file.
"""

import base64
import contextlib
import http.client
import json
import math
import os
import random
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness
from bench.harness import ROOT, Application, Workload, manage, scratch_database, timed

DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
RAW = "raw WSGI + psycopg2"
SERVICE = "service (as deployed)"
APPLICATIONS = [(SERVICE, "config.wsgi:application"), (RAW, "bench.recharges.raw_app:application")]
BUY, HOT, UNIFORM, CATALOGUE = "POST, new key", "?id= hot key", "?id= uniform", "CompanyProducts"
TARGETS = {BUY: 0.40, HOT: 0.52, UNIFORM: 0.33}
PROBE = "/CompanyProducts"

# A handful of carriers, each in one area code (the id's last two digits), with a few
# products each, named as the specification's examples name them (claro_11 sells
# claro_10 for 10.00). Migration 0002 already has claro_10, claro_20, tim_10, tim_20.
CARRIERS = {"algar_34": "algar", "claro_11": "claro", "oi_21": "oi", "tim_11": "tim", "vivo_11": "vivo"}
VALUES = ("10.00", "15.00", "20.00", "30.00", "50.00")
PRODUCTS = [  # (company_id, product id, value)
    (company_id, f"{prefix}_{value.removesuffix('.00')}", value)
    for company_id, prefix in CARRIERS.items()
    for value in VALUES
]
USER_EMAILS, STAFF_EMAILS = "bench-user-", "bench-staff-"


def main() -> None:
    parser = harness.argument_parser(__doc__, redis=DEFAULT_REDIS)
    parser.add_argument("--rows", type=int, default=100_000, help="recharges seeded into the table")
    parser.add_argument("--users", type=int, default=200, help="ordinary users: the recharges' owners and buyers")
    parser.add_argument("--staff", type=int, default=50, help="staff users reading the hot recharge")
    parser.add_argument("--sequence-length", type=int, default=300_000, help="ids in the uniform request file")
    parser.add_argument("--purchases", type=int, default=20_000, help="distinct bodies in the POST request file")
    args = parser.parse_args()
    if args.rows < args.users:
        parser.error("--rows must be at least --users (every user owns recharges)")
    prefix = f"bench-recharges-{os.getpid()}"
    try:
        bench(args, prefix)
    finally:
        delete_redis_keys(args.redis, prefix)


def bench(args, cache_prefix: str) -> None:
    with scratch_database(args.pg, "recharges") as database_url:
        # CACHE_KEY_PREFIX is what a deployment sharing a Redis sets: this run's
        # throttle counters and cached catalogue start empty, as a new instance's.
        env = harness.deployment_env(database_url, args.redis, CACHE_KEY_PREFIX=cache_prefix)
        manage(env, "migrate", "--verbosity", "0")
        seeding = timed(lambda: seed(database_url, args))
        users, staff, owned = read_seed(database_url)
        tokens = Tokens(env)
        workloads = write_workloads(args, users, staff, owned, tokens)
        print_setup(args, database_url, seeding, cache_prefix, tokens)

        with contextlib.ExitStack() as servers:
            applications = harness.start_applications(
                servers, [(label, app, env) for label, app in APPLICATIONS], PROBE, baseline=RAW, target=SERVICE
            )
            check_same_answers(applications, workloads)
            runs = harness.compare_routes(
                applications, workloads, args.rounds, args.seconds, args.connections, after_round=tokens.after_round
            )

        harness.print_comparison(applications, workloads, runs)
        print_purchases(database_url, args.rows)
        for workload in workloads:
            if workload.headers is not None:
                workload.headers.unlink(missing_ok=True)  # bearer tokens: no use once the database is gone


# --- Seed ----------------------------------------------------------------------


def seed(database_url: str, args) -> None:
    """The catalogue, the users and `args.rows` recharges, straight into the app's tables (after migrate)."""
    with contextlib.closing(psycopg2.connect(database_url)) as connection:
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO recharges_company (company_id, created_at, updated_at)"
                " SELECT unnest(%s::text[]), now(), now() ON CONFLICT DO NOTHING",
                (list(CARRIERS),),
            )
            cursor.execute(
                "INSERT INTO recharges_product (id, company_id, value)"
                " SELECT * FROM unnest(%s::text[], %s::text[], %s::numeric[]) ON CONFLICT DO NOTHING",
                ([p[1] for p in PRODUCTS], [p[0] for p in PRODUCTS], [p[2] for p in PRODUCTS]),
            )
            # Unusable passwords ('!' and random characters, as Django writes them): the
            # benchmark gives each user a token itself (Tokens), so nobody logs in.
            for emails, count, is_staff in ((USER_EMAILS, args.users, False), (STAFF_EMAILS, args.staff, True)):
                cursor.execute(
                    "INSERT INTO users_user (password, is_superuser, email, name, last_name, is_staff, is_active,"
                    " date_joined) SELECT '!' || md5(random()::text), false, %s || g || '@example.com', 'Bench',"
                    " 'User ' || g, %s, true, now() FROM generate_series(1, %s) g",
                    (emails, is_staff, count),
                )
            # Recharge g belongs to ordinary user g mod users (so each owns rows / users of
            # them) and buys one product after another; the phone is of the carrier's area;
            # the recharges go back five minutes each from now.
            cursor.execute(
                """
                WITH product AS (
                    SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, company_id, value FROM recharges_product
                ), owner AS (
                    SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM users_user WHERE email LIKE %(users)s
                )
                INSERT INTO recharges_recharge (id, created_at, company_id, product_id, phone_number, value, owner_id)
                SELECT gen_random_uuid(), now() - g * interval '5 minutes', product.company_id, product.id,
                       '55' || right(product.company_id, 2) || '9'
                           || lpad(((g::bigint * 48271) %% 100000000)::text, 8, '0'),
                       product.value, owner.id
                FROM generate_series(0, %(rows)s - 1) g
                JOIN product ON product.n = (g / %(count)s) %% (SELECT count(*) FROM product)
                JOIN owner ON owner.n = g %% %(count)s
                """,
                {"users": USER_EMAILS + "%", "rows": args.rows, "count": args.users},
            )
        connection.autocommit = True
        with connection.cursor() as cursor:
            # Settled statistics and visibility map before the first round, for both applications alike.
            cursor.execute("VACUUM ANALYZE")


def read_seed(database_url: str) -> tuple[list[int], list[int], dict[int, list[str]]]:
    """The ordinary users' ids, the staff's ids, and each ordinary user's recharges (all in a stable order)."""
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        ids = {}
        for emails in (USER_EMAILS, STAFF_EMAILS):
            cursor.execute("SELECT id FROM users_user WHERE email LIKE %s ORDER BY id", (emails + "%",))
            ids[emails] = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT owner_id, id::text FROM recharges_recharge ORDER BY owner_id, id")
        owned = {user: [] for user in ids[USER_EMAILS]}
        for owner, recharge in cursor.fetchall():
            owned[owner].append(recharge)
    return ids[USER_EMAILS], ids[STAFF_EMAILS], owned


# --- Tokens --------------------------------------------------------------------

# Issued as `POST /api/token/` issues them (TokenObtainPairSerializer: a refresh
# token's access token), by the service's own code under the deployment's settings.
MINT = """
from rest_framework_simplejwt.tokens import RefreshToken
from users.models import User
for user in User.objects.filter(email__startswith="bench-").order_by("id"):
    print("token", user.pk, RefreshToken.for_user(user).access_token)
"""


class Tokens:
    """An access token per seeded user, issued again (header files rewritten) at half their lifetime.

    The header files are read by wrk when each load starts, so a run longer than
    a token's lifetime (JWT_ACCESS_MINUTES, 30 as shipped) never sends an
    expired one.
    """

    def __init__(self, env: dict):
        self.env = env
        self.files: dict[Path, tuple[list[int], tuple[str, ...]]] = {}  # header file -> its users, other lines
        self.mint()

    def mint(self) -> None:
        command = [sys.executable, "manage.py", "shell", "-c", MINT]
        output = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, check=True).stdout
        issued = (line.split() for line in output.splitlines() if line.startswith("token "))
        self.by_user = {int(user): token for _, user, token in issued}
        claims = next(iter(self.by_user.values())).split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
        self.lifetime = claims["exp"] - claims["iat"]
        self.minted = time.monotonic()
        for path in self.files:
            self._write(path)

    def header_file(self, name: str, users: list[int], extra: tuple[str, ...] = ()) -> Path:
        """A headers file: the users' bearer tokens in this order (one a request, in turn), then `extra` lines."""
        path = harness.OUT / name
        self.files[path] = (users, extra)
        self._write(path)
        return path

    def _write(self, path: Path) -> None:
        users, extra = self.files[path]
        harness.write_lines(path.name, [f"Authorization: Bearer {self.by_user[user]}" for user in users] + list(extra))

    def after_round(self, workload: Workload, application: Application, load: harness.Load) -> None:
        if time.monotonic() - self.minted > self.lifetime / 2:
            self.mint()


# --- Request files ---------------------------------------------------------------


class OwnerAlignedWorkload(Workload):
    """A workload whose lines must be sent with the headers file's tokens in step.

    clients.lua takes the request lines from the round's start line and the
    headers from the first, both one a request. Line j of the file is a
    recharge of user j mod `period` and token j mod `period` is that user's,
    the file's length is a multiple of `period`, and every round starts at a
    multiple of `period` (the offset is rounded up, skipping fewer than
    `period` lines): so each request carries its recharge's owner's token.
    """

    period = 1

    @property
    def offset(self) -> int:
        return self._offset

    @offset.setter
    def offset(self, value: int) -> None:
        self._offset = -(-value // self.period) * self.period


def write_workloads(args, users: list[int], staff: list[int], owned: dict[int, list[str]], tokens: Tokens):
    generator = random.Random(5)
    purchases = []
    for _ in range(args.purchases):
        company_id, product_id, value = generator.choice(PRODUCTS)
        phone = f"55{company_id[-2:]}9{generator.randrange(10**8):08d}"
        # The value as the specification's example 2.1 writes it: a JSON number with two decimals.
        body = f'{{"company_id":"{company_id}","product_id":"{product_id}","phone_number":"{phone}","value":{value}}}'
        purchases.append(f"POST /PhoneRecharges {body}")
    buy = Workload(
        BUY,
        harness.write_lines("recharges-buy.txt", purchases),
        tokens.header_file("recharges-headers-buy.txt", users, ("Idempotency-Key: {unique}",)),
        target=TARGETS[BUY],
    )

    hot_id = owned[users[0]][0]
    hot = Workload(
        HOT,
        harness.write_lines("recharges-hot.txt", [f"/PhoneRecharges?id={hot_id}"]),
        tokens.header_file("recharges-headers-hot.txt", staff),
        target=TARGETS[HOT],
    )

    # Each user owns the same number of recharges, so drawing line j uniformly from
    # user j mod users's recharges draws every recharge of the table equally often.
    per_user = math.ceil(args.sequence_length / len(users))
    draws = [harness.uniform_sequence(owned[user], per_user, random_seed=3 + k) for k, user in enumerate(users)]
    sequence = [draws[j % len(users)][j // len(users)] for j in range(per_user * len(users))]
    uniform = OwnerAlignedWorkload(
        UNIFORM,
        harness.write_lines("recharges-uniform.txt", [f"/PhoneRecharges?id={rid}" for rid in sequence]),
        tokens.header_file("recharges-headers-uniform.txt", users),
        target=TARGETS[UNIFORM],
    )
    uniform.period = len(users)

    catalogue = Workload(CATALOGUE, harness.write_lines("recharges-catalogue.txt", ["/CompanyProducts"]))
    return [buy, hot, uniform, catalogue]


def check_same_answers(applications: list[Application], workloads: list[Workload]) -> None:
    """The first request of each file, sent to every application: the same status and body, or the run stops.

    Byte for byte, except the id and the time of a recharge just bought.
    """
    for workload in workloads:
        line = workload.requests.read_text().splitlines()[0]
        method, path, body = ("GET", line, None) if line.startswith("/") else [*line.split(" ", 2), None][:3]
        headers = {**harness.PROXY_HEADERS, "Content-Type": "application/json"}
        for header in workload.headers.read_text().splitlines() if workload.headers else []:
            name, value = header.split(": ", 1)
            headers.setdefault(name, value.replace("{unique}", uuid.uuid4().hex))
        answers = {}
        for application in applications:
            parts = urlsplit(application.url)
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            connection.close()
            if method == "POST":
                text = re.sub(r'"id":"[0-9a-f-]{36}","created_at":"[0-9T:.-]+Z"', '"id":ID,"created_at":TIME', text)
            answers[application.label] = (response.status, text)
        if len(set(answers.values())) != 1:
            raise SystemExit(f"{workload.name}: the applications answer differently: {answers}")
    print("  answers checked: the same status and body from every application for each request file's first line")


# --- Output --------------------------------------------------------------------


def print_setup(args, database_url: str, seeding: float, cache_prefix: str, tokens: Tokens) -> None:
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        counts = {}
        for table in ("recharges_company", "recharges_product", "recharges_recharge", "users_user"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    print(
        f"recharges: {args.connections} connections, {args.rounds} interleaved rounds of {args.seconds} s"
        " per application and request file"
    )
    print(f"  {harness.shipped_gunicorn_summary()}")
    print(f"  {harness.proxy_summary()}")
    print(
        f"  seeded in {seeding:.1f} s (after migrate): {counts['recharges_company']} companies,"
        f" {counts['recharges_product']} products, {counts['recharges_recharge']:,} recharges,"
        f" {args.users} users owning {args.rows // args.users:,} recharges each, {args.staff} staff users"
    )
    print(
        f"  authentication: one access token per user ({tokens.lifetime // 60} min, issued by the service's"
        " simplejwt, reissued at half their lifetime); requests with a token take the users' tokens in turn,"
        " since each user may send THROTTLE_USER_RATE (10000/hour as shipped)"
    )
    print(
        f"  {BUY}: {args.purchases:,} bodies (a product of the catalogue, uniformly, and a phone of its area), a"
        f" fresh Idempotency-Key each, as {args.users} users in turn; the raw application inserts the same row"
    )
    print(
        f"  {HOT}: one recharge every time, read by {args.staff} staff users in turn (one owner alone may read it"
        " 10,000 times an hour)"
    )
    print(
        f"  {UNIFORM}: {args.sequence_length:,} ids drawn uniformly from the {args.rows:,} seeded recharges"
        f" (fixed seeds), each read by its owner ({args.users} users in turn)"
    )
    print(f"  {CATALOGUE}: anonymous; the service's cached catalogue against the raw application's query")
    print(
        f"  stand-ins: none (no outside API); CACHE_KEY_PREFIX={cache_prefix} (throttle counters and cache"
        " start empty, deleted at the end)"
    )


def print_purchases(database_url: str, seeded: int) -> None:
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM recharges_recharge), (SELECT count(*) FROM recharges_idempotencykey)"
        )
        recharges, keys = cursor.fetchone()
    print(
        f"  {BUY}: recharges bought, warm-up included: {keys:,} by the service (one idempotency key each),"
        f" {recharges - seeded - keys:,} by the raw application"
    )


def delete_redis_keys(redis_url: str, prefix: str) -> None:
    with contextlib.suppress(redis.RedisError):
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])


if __name__ == "__main__":
    main()
