"""A dump that lasts longer than gunicorn's worker timeout still completes.

gunicorn kills a worker whose heartbeat stops for `timeout` seconds. A sync
worker beats only between requests, so a long download would be cut off; the
project's threaded (gthread) workers beat while request threads stream. The
test serves a scratch installation with the project's gunicorn.conf.py, a 2 s
timeout and a client that reads for several times longer.
"""

import http.client
import json
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings

from core.dump.writer import TRAILER_PREFIX
from tests.test_dump import installation_env, manage

# The test runs gunicorn in a process of its own.
# ruff: noqa: S603

TIMEOUT_SECONDS = 2

# Run in the scratch installation: a staff user and a pet whose picture makes the
# dump about 24 MB; prints the staff user's token.
INSTALLATION = """
import os
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework_simplejwt.tokens import RefreshToken
from petshop.models import Pet
from users.models import User

staff = User.objects.create_user(email="staff@example.org", password="x", is_staff=True)
content = os.urandom(12 * 1024 * 1024)
pet = Pet.objects.create(name="Rex", owner="Ana", breed="Lab", birth_year=2018)
name = default_storage.save(f"pets/{pet.id}/picture.png", ContentFile(content))
Pet.objects.filter(pk=pet.pk).update(
    picture=name, picture_sha256="0" * 64, picture_width=1, picture_height=1, picture_bytes=len(content)
)
print(RefreshToken.for_user(staff).access_token)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not start listening")


def test_dump_streams_past_gunicorn_worker_timeout_to_a_slow_client(tmp_path):
    installation = {"database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}", "media": tmp_path / "media"}
    manage("migrate", "--noinput", **installation)
    token = manage("shell", "-c", INSTALLATION, **installation).stdout.split()[-1]
    port = free_port()
    log = tmp_path / "gunicorn.log"
    command = [
        *(sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "gunicorn.conf.py"),
        *("--workers", "1", "--timeout", str(TIMEOUT_SECONDS), "--bind", f"127.0.0.1:{port}"),
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=installation_env(**installation), stdout=output, stderr=output
        )
    try:
        wait_until_serving(port, server)
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        client.request("GET", "/dump.sql", headers={"Authorization": f"Bearer {token}"})
        response = client.getresponse()
        started = time.monotonic()
        chunks = []
        while chunk := response.read(256 * 1024):
            chunks.append(chunk)
            time.sleep(0.06)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert response.status == 200, log.read_text()
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert elapsed > 2 * TIMEOUT_SECONDS
    last_line = b"".join(chunks).decode().splitlines()[-1]
    assert last_line.startswith(TRAILER_PREFIX), log.read_text()
    assert json.loads(last_line.removeprefix(TRAILER_PREFIX))["files"] == 1
    assert "WORKER TIMEOUT" not in log.read_text()
