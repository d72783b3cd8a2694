"""Benchmark: the HTTP dump (gunicorn) against pg_dump --inserts and pg_dump (COPY).

For each scale (1 = 100,000 pets and 2,000 pictures of about 500 KB), the script
creates a PostgreSQL database, migrates it, generates the pets and pictures,
serves the project with gunicorn (its gunicorn.conf.py, one worker), then
measures, each read by this process as fast as it can and thrown away, each
several times (the median counts):

- GET /dump.sql (after one warm-up request): the time until the stored files
  begin, which is the same work as pg_dump --inserts (the tables' rows as
  INSERT statements), and the time until the end; and the gunicorn worker's
  peak RSS (VmHWM);
- pg_dump --inserts and pg_dump (plain format, COPY) of the same tables;
- the same two of the same tables plus the pictures, copied as bytea rows into
  a table of their own (`bench_pictures`, which the HTTP dump does not read):
  the same data as the whole HTTP dump.

Throughput is compared as time for the same data: rows per second for the
tables alone, seconds for tables and pictures.

Usage (from the project root; see bench/dump/README.md):

    .venv/bin/python bench/dump/run.py --postgres postgres://root@127.0.0.1:5432 --scales 1 2
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
PETS_PER_SCALE = 100_000
PICTURES_PER_SCALE = 2_000
PICTURE_BYTES = 500 * 1024
READ_BYTES = 1024 * 1024
FILES_MARKER = b'CREATE TABLE "dump_files"'
TRAILER_MARKER = b"\n-- dump-complete: "
# The pictures again, as rows: what pg_dump would carry if the database held them.
PICTURES_TABLE = "bench_pictures"

# Run inside the benchmark installation by `manage.py shell`: pets in bulk, a
# picture of random (incompressible) bytes for the first ones, a staff token.
GENERATE = """
import os, random
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework_simplejwt.tokens import AccessToken
from petshop.models import Pet
from users.models import User

pets, pictures, picture_bytes = {pets}, {pictures}, {picture_bytes}
random.seed(pets)
breeds = ["Poodle", "Beagle", "Golden Retriever", "Dachshund", "Vira-lata"]
Pet.objects.bulk_create(
    (
        Pet(name=f"Dog {{number}}", owner=f"Owner {{number % 5000}}", breed=random.choice(breeds),
            birth_year=random.randint(2005, 2024))
        for number in range(pets)
    ),
    batch_size=5000,
)
for pet in Pet.objects.order_by("pk")[:pictures]:
    content = os.urandom(picture_bytes + random.randint(-50_000, 50_000))
    name = default_storage.save(f"pets/{{pet.pk.hex}}/picture.png", ContentFile(content))
    Pet.objects.filter(pk=pet.pk).update(
        picture=name, picture_sha256="0" * 64, picture_width=800, picture_height=600, picture_bytes=len(content)
    )
staff = User.objects.create_user(email="bench@example.org", password=None, is_staff=True)
print(AccessToken.for_user(staff))
"""


@dataclass
class Measure:
    seconds: float
    bytes: int

    @property
    def mb_per_second(self) -> float:
        return self.bytes / self.seconds / 1e6


def median(measures: list[Measure]) -> Measure:
    """The run of median time (the lower one of an even count)."""
    return sorted(measures, key=lambda measure: measure.seconds)[(len(measures) - 1) // 2]


def run(command: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, check=True, **kwargs)


def read_all(stream, on_chunk=None) -> int:
    total = 0
    while chunk := stream.read(READ_BYTES):
        total += len(chunk)
        if on_chunk:
            on_chunk(chunk, total)
    return total


def time_pg_dump(arguments: list[str], env: dict[str, str]) -> Measure:
    started = time.perf_counter()
    process = subprocess.Popen(["pg_dump", *arguments], env=env, stdout=subprocess.PIPE)
    size = read_all(process.stdout)
    if process.wait() != 0:
        raise RuntimeError(f"pg_dump {' '.join(arguments)} failed")
    return Measure(time.perf_counter() - started, size)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def kilobytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def http_dump(port: int, token: str) -> tuple[Measure, Measure, int]:
    """The whole dump, the part before the stored files (the tables' rows), and the rows its trailer counts."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    rows_part: list[Measure] = []
    last = [b"", b""]
    started = time.perf_counter()

    def watch(chunk: bytes, total: int) -> None:
        # Cheap once the files have begun: this process shares the CPUs with gunicorn.
        if not rows_part:
            window = last[1][-len(FILES_MARKER) :] + chunk
            if FILES_MARKER in window:
                offset = total - len(window) + window.index(FILES_MARKER)
                rows_part.append(Measure(time.perf_counter() - started, offset))
        last[0], last[1] = last[1], chunk

    client.request("GET", "/dump.sql", headers={"Authorization": f"Bearer {token}"})
    response = client.getresponse()
    if response.status != 200:
        raise RuntimeError(f"GET /dump.sql answered {response.status}")
    size = read_all(response, watch)
    whole = Measure(time.perf_counter() - started, size)
    end = last[0] + last[1]
    trailer = json.loads(end[end.rindex(TRAILER_MARKER) + len(TRAILER_MARKER) :])
    return whole, rows_part[0], sum(trailer["tables"].values())


def copy_pictures_into_table(dsn: str, media: Path) -> None:
    """Every stored picture as a bytea row of PICTURES_TABLE."""
    with psycopg2.connect(dsn) as db, db.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {PICTURES_TABLE} (name text PRIMARY KEY, data bytea NOT NULL)")
        # Random bytes do not compress: do not try.
        cursor.execute(f"ALTER TABLE {PICTURES_TABLE} ALTER data SET STORAGE EXTERNAL")
        for path in sorted(media.rglob("*")):
            if path.is_file():
                cursor.execute(
                    f"INSERT INTO {PICTURES_TABLE} VALUES (%s, %s)",
                    [str(path.relative_to(media)), path.read_bytes()],
                )
    db.close()


def bench_scale(scale: int, postgres: str, repeat: int) -> dict:
    server = urlsplit(postgres)
    database = f"bench_dump_{scale}"
    pg_env = {
        **os.environ,
        "PGHOST": server.hostname or "127.0.0.1",
        "PGPORT": str(server.port or 5432),
        "PGUSER": server.username or "postgres",
        "PGPASSWORD": server.password or "",
    }
    media = OUT / f"media-{scale}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"{postgres.rstrip('/')}/{database}",
        "MEDIA_ROOT": str(media),
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESSLOG": str(OUT / f"gunicorn-{scale}.log"),
    }
    run(["dropdb", "--if-exists", "--force", database], pg_env)
    run(["createdb", database], pg_env)
    shutil.rmtree(media, ignore_errors=True)
    manage = [sys.executable, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v", "0"], env)
    script = GENERATE.format(
        pets=PETS_PER_SCALE * scale, pictures=PICTURES_PER_SCALE * scale, picture_bytes=PICTURE_BYTES
    )
    print(f"scale {scale}: generating data", file=sys.stderr)
    token = run([*manage, "shell", "-c", script], env, capture_output=True, text=True).stdout.split()[-1]
    copy_pictures_into_table(env["DATABASE_URL"], media)
    run(["psql", "-q", "-d", database, "-c", "VACUUM ANALYZE"], pg_env)

    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "gunicorn.conf.py"]
    tables_only = [f"--exclude-table={PICTURES_TABLE}"]
    runs: dict[str, list[Measure]] = {
        key: []
        for key in (
            "http",
            "http_rows",
            "pg_dump_inserts",
            "pg_dump_copy",
            "pg_dump_inserts_pictures",
            "pg_dump_copy_pictures",
        )
    }
    with (OUT / f"gunicorn-{scale}.err").open("wb") as log:
        gunicorn = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    try:
        worker = worker_pid(gunicorn.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        # The worker's first request imports the views; pg_dump has no such start.
        warm_up = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        warm_up.request("GET", "/healthz")
        warm_up.getresponse().read()
        idle_rss = kilobytes(worker, "VmRSS")
        # Interleaved, so that a busy moment of the shared machine falls on all of them alike.
        for number in range(repeat):
            print(f"scale {scale}: run {number + 1} of {repeat}", file=sys.stderr)
            whole, rows_part, rows = http_dump(port, token)
            runs["http"].append(whole)
            runs["http_rows"].append(rows_part)
            runs["pg_dump_inserts"].append(time_pg_dump(["--inserts", *tables_only, "-d", database], pg_env))
            runs["pg_dump_copy"].append(time_pg_dump([*tables_only, "-d", database], pg_env))
            runs["pg_dump_inserts_pictures"].append(time_pg_dump(["--inserts", "-d", database], pg_env))
            runs["pg_dump_copy_pictures"].append(time_pg_dump(["-d", database], pg_env))
        peak_rss = kilobytes(worker, "VmHWM")
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=60)

    return {
        "scale": scale,
        "pets": PETS_PER_SCALE * scale,
        "pictures": PICTURES_PER_SCALE * scale,
        "rows": rows,
        **{key: median(measures) for key, measures in runs.items()},
        "runs": runs,
        "worker_idle_rss_mb": idle_rss / 1024,
        "worker_peak_rss_mb": peak_rss / 1024,
    }


def report(results: list[dict]) -> None:
    for result in results:
        rows = result["rows"]
        print(
            f"\n## Scale {result['scale']}: {result['pets']:,} pets, {result['pictures']:,} pictures "
            f"({rows:,} rows in all tables), median of {len(result['runs']['http'])} runs\n"
        )
        print("| dump | seconds | rows/s | MB | MB/s |")
        print("|---|---:|---:|---:|---:|")
        for label, key in [
            ("GET /dump.sql, rows (before the files)", "http_rows"),
            ("pg_dump --inserts, tables", "pg_dump_inserts"),
            ("pg_dump (COPY), tables", "pg_dump_copy"),
            ("GET /dump.sql, whole", "http"),
            ("pg_dump --inserts, tables + pictures as bytea", "pg_dump_inserts_pictures"),
            ("pg_dump (COPY), tables + pictures as bytea", "pg_dump_copy_pictures"),
        ]:
            measure = result[key]
            print(
                f"| {label} | {measure.seconds:.2f} | {rows / measure.seconds:,.0f} | "
                f"{measure.bytes / 1e6:,.1f} | {measure.mb_per_second:,.1f} |"
            )

        def ratio(ours: str, theirs: str, result: dict = result) -> str:
            return f"{result[theirs].seconds / result[ours].seconds:.0%}"

        print(
            "\nThroughput (time for the same data) against pg_dump --inserts: "
            f"rows {ratio('http_rows', 'pg_dump_inserts')}, whole dump {ratio('http', 'pg_dump_inserts_pictures')}; "
            f"against COPY: rows {ratio('http_rows', 'pg_dump_copy')}, "
            f"whole dump {ratio('http', 'pg_dump_copy_pictures')}."
        )
        print(
            f"gunicorn worker RSS: {result['worker_idle_rss_mb']:.1f} MB idle, "
            f"{result['worker_peak_rss_mb']:.1f} MB peak (VmHWM)."
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = last["worker_peak_rss_mb"] / first["worker_peak_rss_mb"] - 1
        print(
            f"\nPeak RSS from scale {first['scale']} to {last['scale']}: "
            f"{first['worker_peak_rss_mb']:.1f} MB -> {last['worker_peak_rss_mb']:.1f} MB ({growth:+.1%})."
        )


def serialisable(value):
    if isinstance(value, Measure):
        return value.__dict__
    if isinstance(value, dict):
        return {key: serialisable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [serialisable(item) for item in value]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="server URL, e.g. postgres://root@127.0.0.1:5432")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each dump per scale (the median counts)")
    arguments = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = [bench_scale(scale, arguments.postgres, arguments.repeat) for scale in arguments.scales]
    report(results)
    (OUT / "results.json").write_text(json.dumps(serialisable(results), indent=2))


if __name__ == "__main__":
    main()
