"""Benchmark of reading a book by its magic code; bench/README.md records the results.

`GET /api/books/{magic_code}` (a book of six pages) under gunicorn against
PostgreSQL, in the same run: the service as deployed and a minimal raw WSGI
application (raw_app.py) reading the same book and pages from the same tables
with the same two queries and answering the same JSON body, both with the
shipped gunicorn.conf.py and production settings untouched (only what a
deployment sets itself is set, see `harness.deployment_env`), loaded by wrk on
loopback in short interleaved rounds, for two distributions of codes: one hot
book every time, and codes drawn uniformly from every seeded book. Before the
load it checks that both answer the same status and the same bytes for the
same lookups (upper and lower case, trailing slash, an unknown code). Prints
requests/s and the per-round ratios to the raw application with their spread.

Targets: hot book >= 50% of the raw application, uniform codes >= 33%.

The scratch database is seeded straight into the app's tables after migrate:
100,000 books (unique magic codes of 8 letters A-Z, as books.services makes
them, from a seeded generator) of six pages each, pages 1, 3 and 5 with an
illustration (the picture fields filled as core.pictures records them; the
files themselves are not stored, since the route only names their URLs),
pages 2, 4 and 6 without. No outside service is involved, so there is no
stand-in.

Throttles run at their production rates (anon, books_lookup, books_unknown_code,
per client address): wrk sends a random X-Forwarded-For per request, so every
request is a new pupil, as a real population of readers behind one proxy
would look; every code asked for exists, so the unknown-code count never grows.

Run from the project root: `.venv/bin/python bench/books/bench.py --help`.
Needs PostgreSQL (--pg), Redis for the service's cache and throttling
(--redis, default database 14), `psql` and `wrk`. Every database it creates is
dropped at the end. It runs the code in the tree it is in: on a shared working
tree, run it from an export of a commit (`git archive`), or a worker recycled
mid-run may load someone's half-edited file.
"""

import contextlib
import csv
import http.client
import io
import json
import random
import string
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import harness
from bench.harness import OUT, ROOT, Application, Workload, manage, scratch_database

REDIS = "redis://127.0.0.1:6379/14"
PAGES_PER_BOOK = 6
ILLUSTRATED_PAGES = (1, 3, 5)
RAW = "raw WSGI + psycopg2"
SERVICE = "service (as deployed)"
APPLICATIONS = [
    (SERVICE, "config.wsgi:application", {}),
    # Every request misses the representation cache (books.cache): the ORM, serializer and renderer path.
    ("service, BOOKS_CACHE_SECONDS=0", "config.wsgi:application", {"BOOKS_CACHE_SECONDS": "0"}),
    (RAW, "bench.books.raw_app:application", {}),
]
HOT, UNIFORM = "hot book", "uniform codes"
TARGETS = {HOT: 0.50, UNIFORM: 0.33}

ADJECTIVES = ["Sleepy", "Brave", "Tiny", "Purple", "Lost", "Singing", "Grumpy", "Flying", "Secret", "Happy"]
CREATURES = ["Dragon", "Turtle", "Robot", "Owl", "Giraffe", "Pirate", "Cloud", "Mouse", "Whale", "Fox"]
ENDINGS = ["Who Lost Her Roar", "and the Moon", "Goes to School", "Finds a Friend", "Under the Bed", "at the Sea"]
AUTHORS = ["Maya", "Júlia", "Pedro", "Ester", "Lucas", "Alice", "Benjamim", "Noah", "Zoë", "Gabriel"]
TEACHERS = ["Ms. Oliveira", "Mr. Santos", "Ms. Müller", "Mr. Okafor", "Ms. Tanaka", "Mr. Dubois"]
SENTENCES = [
    "Once upon a time a dragon woke up without her roar.",
    "She looked for it under her bed, behind the door and in the garden.",
    "Her friend the owl said that a roar is never really lost.",
    "They walked all day across the green hills to the sea.",
    "At night the stars told them a story about being brave.",
    "And in the morning the roar was back, louder than ever.",
    "Everybody laughed and had pancakes with honey for breakfast.",
]


def main() -> None:
    parser = harness.argument_parser(__doc__, redis=REDIS)
    parser.add_argument("--books", type=int, default=100_000, help="books seeded, of six pages each")
    parser.add_argument("--sequence-length", type=int, default=300_000, help="codes in the uniform sequence")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    with scratch_database(args.pg, "books_route") as database_url:
        env = harness.deployment_env(database_url, args.redis)
        manage(env, "migrate", "--verbosity", "0")
        seconds = harness.timed(lambda: seed(database_url, args.books, random_seed=1))
        codes = table_codes(database_url)
        page_rows = count_rows(database_url, "books_page")
        hot = codes[0]
        sequences = {HOT: [hot], UNIFORM: harness.uniform_sequence(codes, args.sequence_length, random_seed=3)}
        workloads = [
            Workload(name, write_paths(name, sequence), target=TARGETS[name]) for name, sequence in sequences.items()
        ]
        print_setup(args, env, len(codes), page_rows, seconds, hot)

        with contextlib.ExitStack() as servers:
            applications = harness.start_applications(
                servers,
                [(label, app, {**env, **extra}) for label, app, extra in APPLICATIONS],
                f"/api/books/{hot}",
                baseline=RAW,
                target=SERVICE,
            )
            check_same_answers(applications, hot, codes, random_seed=5)
            runs = harness.compare_routes(applications, workloads, args.rounds, args.seconds, args.connections)

        harness.print_comparison(applications, workloads, runs)


# --- Seed ----------------------------------------------------------------------


def seed(database_url: str, books: int, random_seed: int) -> None:
    """`books` books straight into books_book (COPY), six pages each into books_page (one INSERT ... SELECT).

    Codes are 8 letters A-Z like books.services.generate_magic_code's, unique,
    from a seeded generator instead of `secrets`, so that every run reads the
    same books. Titles, authors and teachers are trimmed and non-empty; the
    books have no creator (allowed: a book outlives its creator's account, and
    the route does not read it); created_at and updated_at are distinct
    timestamps with microseconds, as auto_now_add and auto_now write them.
    Pages 1, 3 and 5 have a picture (a stored name of storage.generated_name's
    form, a SHA-256, dimensions and size, as core.pictures requires all
    together), pages 2, 4 and 6 none.
    """
    generator = random.Random(random_seed)
    codes: set[str] = set()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    while len(codes) < books:
        code = "".join(generator.choices(string.ascii_uppercase, k=8))
        if code in codes:
            continue
        codes.add(code)
        created = start + timedelta(seconds=60 * len(codes), microseconds=generator.randrange(1_000_000))
        updated = created + timedelta(microseconds=generator.randrange(1, 3 * 86_400_000_000))
        title = f"The {generator.choice(ADJECTIVES)} {generator.choice(CREATURES)} {generator.choice(ENDINGS)}"
        author = f"{generator.choice(AUTHORS)}, {generator.randint(6, 11)}"
        writer.writerow([code, title, author, generator.choice(TEACHERS), created.isoformat(), updated.isoformat()])
    buffer.seek(0)
    sentences = "ARRAY[" + ", ".join("'" + sentence.replace("'", "''") + "'" for sentence in SENTENCES) + "]"
    illustrated = "n.n IN (" + ", ".join(str(number) for number in ILLUSTRATED_PAGES) + ")"
    with contextlib.closing(psycopg2.connect(database_url)) as connection:
        with connection, connection.cursor() as cursor:
            cursor.copy_expert(
                "COPY books_book (magic_code, title, author, teacher, created_at, updated_at)"
                " FROM STDIN WITH (FORMAT csv)",
                buffer,
            )
            cursor.execute(
                f"""
                INSERT INTO books_page
                    (book_id, number, text, picture, picture_sha256, picture_width, picture_height, picture_bytes)
                SELECT b.id, n.n,
                    ({sentences})[1 + (b.id + n.n) % {len(SENTENCES)}] || ' '
                        || ({sentences})[1 + (b.id * 7 + n.n) % {len(SENTENCES)}],
                    CASE WHEN {illustrated}
                        THEN 'books/' || b.magic_code || '/page-' || n.n || '/' || md5(b.id || '-' || n.n) || '.png'
                        ELSE '' END,
                    CASE WHEN {illustrated}
                        THEN encode(sha256(convert_to(b.id || '-' || n.n, 'UTF8')), 'hex') ELSE '' END,
                    CASE WHEN {illustrated} THEN 1024 END,
                    CASE WHEN {illustrated} THEN 768 END,
                    CASE WHEN {illustrated} THEN 150000 + (b.id * 7919 + n.n * 104729) % 350000 END
                FROM books_book b CROSS JOIN generate_series(1, {PAGES_PER_BOOK}) AS n(n)
                ORDER BY b.id, n.n
                """
            )
        # What autovacuum does to a deployed database: hint bits, visibility map, statistics.
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE books_book")
            cursor.execute("VACUUM ANALYZE books_page")


def table_codes(database_url: str) -> list[str]:
    """Every book's magic code, in the order of their ids (the first is the hot book)."""
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT magic_code FROM books_book ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def count_rows(database_url: str, table: str) -> int:
    with contextlib.closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def write_paths(name: str, codes: list[str]) -> Path:
    # Named after the app: bench/out/ is shared with the other benchmarks.
    return harness.write_lines(f"books-paths-{name.split()[0].lower()}.txt", [f"/api/books/{code}" for code in codes])


# --- Checks and output ---------------------------------------------------------


def check_same_answers(applications: list[Application], hot: str, codes: list[str], random_seed: int) -> None:
    """Both applications answer the same status, Content-Type and bytes for the same lookups; abort otherwise.

    The same Host for both, so that the picture URLs compare; a client address
    of its own per request (TEST-NET, apart from wrk's 10/8), so that the check
    throttles no client the load will send.
    """
    generator = random.Random(random_seed)
    sample = generator.sample(codes, min(3, len(codes)))
    known = set(codes)
    drawn = ("".join(generator.choices(string.ascii_uppercase, k=8)) for _ in range(100))
    unknown = next(code for code in drawn if code not in known)
    paths = [f"/api/books/{hot}", f"/api/books/{hot.lower()}", f"/api/books/{hot}/"]
    paths += [f"/api/books/{code}" for code in sample]
    paths += [f"/api/books/{sample[0][:4].lower()}{sample[0][4:]}", f"/api/books/{unknown}"]
    answers = {}
    for number, path in enumerate(paths, start=1):
        headers = {"Host": "127.0.0.1", "X-Forwarded-For": f"192.0.2.{number}", "X-Forwarded-Proto": "https"}
        answers[path] = [fetch(application.url, path, headers) for application in applications]
        first, *others = answers[path]
        for application, other in zip(applications[1:], others, strict=True):
            if other != first:
                raise SystemExit(
                    f"GET {path}: {applications[0].label} and {application.label} answer differently:\n"
                    f"  {first!r}\n  {other!r}"
                )
    status, _content_type, body = answers[paths[0]][0]
    pages = json.loads(body)["pages"]
    with_pictures = sum(page["picture_url"] is not None for page in pages)
    print(
        f"  same answers (status, Content-Type, bytes) from every application for {len(paths)} lookups: the hot"
        " code in upper and lower case and with a trailing slash, three other codes, one in mixed case, one"
        f" unknown code (404); the hot book: {status}, {len(body):,} bytes, {len(pages)} pages in order,"
        f" {with_pictures} with a picture URL ({pages[0]['picture_url']})"
    )


def fetch(base_url: str, path: str, headers: dict) -> tuple[int, str, bytes]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def shipped_throttle_rates(env: dict) -> dict:
    """The throttle rates and NUM_PROXIES that config.settings.production resolves in this environment."""
    code = (
        "import json, django; django.setup(); from django.conf import settings;"
        " print(json.dumps({**settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'],"
        " 'NUM_PROXIES': settings.REST_FRAMEWORK['NUM_PROXIES']}))"
    )
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def print_setup(args, env: dict, books: int, page_rows: int, seconds: float, hot: str) -> None:
    rates = shipped_throttle_rates(env)
    print(
        f"GET /api/books/{{magic_code}}: {books:,} books, {page_rows:,} pages, {args.connections} connections,"
        f" {args.rounds} interleaved rounds of {args.seconds} s per application and distribution"
    )
    print(
        f"  seeded straight into books_book (COPY) and books_page (INSERT ... SELECT generate_series) in"
        f" {seconds:.1f} s: unique codes of 8 letters A-Z, {PAGES_PER_BOOK} pages a book, pages"
        f" {', '.join(map(str, ILLUSTRATED_PAGES))} illustrated (picture fields set, files not stored: the route"
        " only names their URLs), the others without; no creator; no stand-ins (no outside service)"
    )
    print(f"  {harness.shipped_gunicorn_summary()}")
    print(f"  {harness.proxy_summary()}")
    print(
        f"  throttles at their production rates: anon {rates['anon']}, books_lookup {rates['books_lookup']},"
        f" books_unknown_code {rates['books_unknown_code']}, per client address; every request has a random"
        " X-Forwarded-For among 16.6 million addresses, so every request is a new pupil, as a real population"
        " of readers behind one proxy looks (no address comes near a limit), and every code exists, so the"
        " unknown-code count never grows"
    )
    print(
        f"  codes: {HOT} = {hot} every time (the service's cache, books.cache, answers all but"
        f" the first read); {UNIFORM} = {args.sequence_length:,} draws with replacement from all {books:,} books;"
        " fixed seeds, upper case as printed, the same lines for every application"
    )


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"  ({time.monotonic() - started:.0f} s in all)")
