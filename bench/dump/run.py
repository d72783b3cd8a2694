"""Benchmark: the HTTP dump (gunicorn) against pg_dump --inserts and pg_dump (COPY).

For each scale (1 = 100,000 pets and 2,000 pictures of about 500 KB), the script
creates a PostgreSQL database, migrates it, generates the pets and pictures,
serves the project with gunicorn (its gunicorn.conf.py, one worker), then
measures, each read by this process as fast as it can and thrown away:

- GET /dump.sql (after one warm-up request): time, bytes, throughput, and the
  gunicorn worker's peak RSS (VmHWM); also the time and bytes until the stored
  files begin, which is the same work as pg_dump --inserts (the tables' rows as
  INSERT statements);
- pg_dump --inserts and pg_dump (plain format, COPY) of the same database.

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

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
PETS_PER_SCALE = 100_000
PICTURES_PER_SCALE = 2_000
PICTURE_BYTES = 500 * 1024
READ_BYTES = 1024 * 1024
FILES_MARKER = b'CREATE TABLE "dump_files"'

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


def http_dump(port: int, token: str) -> tuple[Measure, Measure]:
    """The whole dump, and the part before the stored files (the tables' rows)."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    rows_part: list[Measure] = []
    tail = b""
    started = time.perf_counter()

    def watch(chunk: bytes, total: int) -> None:
        nonlocal tail
        window = tail + chunk
        if not rows_part and FILES_MARKER in window:
            offset = total - len(window) + window.index(FILES_MARKER)
            rows_part.append(Measure(time.perf_counter() - started, offset))
        tail = chunk[-len(FILES_MARKER) :]

    client.request("GET", "/dump.sql", headers={"Authorization": f"Bearer {token}"})
    response = client.getresponse()
    if response.status != 200:
        raise RuntimeError(f"GET /dump.sql answered {response.status}")
    size = read_all(response, watch)
    whole = Measure(time.perf_counter() - started, size)
    return whole, rows_part[0]


def bench_scale(scale: int, postgres: str) -> dict:
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
    run(["psql", "-q", "-d", database, "-c", "VACUUM ANALYZE"], pg_env)

    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "gunicorn.conf.py"]
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
        print(f"scale {scale}: HTTP dump", file=sys.stderr)
        whole, rows = http_dump(port, token)
        peak_rss = kilobytes(worker, "VmHWM")
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=60)

    print(f"scale {scale}: pg_dump", file=sys.stderr)
    inserts = time_pg_dump(["--inserts", "-d", database], pg_env)
    copy = time_pg_dump(["-d", database], pg_env)
    return {
        "scale": scale,
        "pets": PETS_PER_SCALE * scale,
        "pictures": PICTURES_PER_SCALE * scale,
        "http": whole,
        "http_rows": rows,
        "pg_dump_inserts": inserts,
        "pg_dump_copy": copy,
        "worker_idle_rss_mb": idle_rss / 1024,
        "worker_peak_rss_mb": peak_rss / 1024,
    }


def report(results: list[dict]) -> None:
    for result in results:
        print(f"\n## Scale {result['scale']}: {result['pets']:,} pets, {result['pictures']:,} pictures\n")
        print("| dump | seconds | MB | MB/s |")
        print("|---|---:|---:|---:|")
        for label, key in [
            ("GET /dump.sql (whole)", "http"),
            ("GET /dump.sql (rows, before the files)", "http_rows"),
            ("pg_dump --inserts", "pg_dump_inserts"),
            ("pg_dump (COPY)", "pg_dump_copy"),
        ]:
            measure = result[key]
            print(f"| {label} | {measure.seconds:.2f} | {measure.bytes / 1e6:,.1f} | {measure.mb_per_second:,.1f} |")
        inserts = result["pg_dump_inserts"].mb_per_second
        print(
            f"\nThroughput against pg_dump --inserts: whole dump {result['http'].mb_per_second / inserts:.2f}x, "
            f"rows part {result['http_rows'].mb_per_second / inserts:.2f}x; "
            f"against COPY: {result['http'].mb_per_second / result['pg_dump_copy'].mb_per_second:.2f}x."
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="server URL, e.g. postgres://root@127.0.0.1:5432")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2])
    arguments = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = [bench_scale(scale, arguments.postgres) for scale in arguments.scales]
    report(results)
    serialisable = [
        {key: value.__dict__ if isinstance(value, Measure) else value for key, value in result.items()}
        for result in results
    ]
    (OUT / "results.json").write_text(json.dumps(serialisable, indent=2))


if __name__ == "__main__":
    main()
