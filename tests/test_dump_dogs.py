"""The dump carries the dogs app: dogs, a user's dogs, registrations and the files service's stored files.

A data-only dump loaded with `load_dump` into a database that `migrate`
created, with empty storage, gives back the same rows and the same file
bytes (a user's dogs keep their owner), and the restored service answers
`GET /api/files/{id}` with them. (The full dumps' restores are tests/test_dump.py's.)
"""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from core.dump.schema import columns, dumped_models
from dogs import services
from dogs.models import Dog, DogRegistration, StoredFile
from dogs.tests.factories import DogFactory
from tests.test_dump import ROOT, current_rows, files_in, installation_env, manage, postgresql_rows, sqlite_rows
from tests.test_dump import scratch_postgresql_database as scratch_postgresql
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dogs_data() -> dict:
    owner = UserFactory(email="owner@example.org")
    registration = DogRegistration.objects.create(
        name="Lazy", owner=owner, requested_by=owner, status=DogRegistration.Status.SUCCEEDED, result={"id": 1}
    )
    lazy = DogFactory(name="Lazy", owner=owner, is_adopted=True, registration=registration)
    rex = DogFactory(name="Rex 'the'; -- dog", owner=owner)
    DogFactory(name="Stray", owner=None)
    upload = ContentFile(b"\x00\x01 any bytes \xff" * 5000, name="notes.pdf")
    stored = services.stored_file_create(upload, uploaded_by=owner)
    return {"owner": owner, "dogs": [lazy, rex], "file": stored}


def restored_api_get(database_url: str, media, path: str) -> tuple[int, bytes]:
    """A GET answered by the restored installation (another process, its own database and media)."""
    script = (
        "import django, sys; django.setup()\n"
        "from django.test import Client\n"
        f"response = Client().get({path!r})\n"
        "body = b''.join(response.streaming_content) if response.streaming else response.content\n"
        "sys.stdout.write(str(response.status_code) + '\\n'); sys.stdout.flush()\n"
        "sys.stdout.buffer.write(body)\n"
    )
    env = installation_env(database_url, media)
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, check=True
    )
    status, _, body = completed.stdout.partition(b"\n")
    return int(status), body


def test_load_dump_restores_dogs_a_users_dogs_and_stored_files(dogs_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    media = tmp_path / "restored-media"
    models = [Dog, DogRegistration, StoredFile, *dumped_models(include_migrations=False)]
    stored = dogs_data["file"]
    owner = dogs_data["owner"]

    def restore_and_check(url: str) -> None:
        manage("migrate", "--noinput", database_url=url, media=media)
        manage("load_dump", str(dump), database_url=url, media=media)
        # The restored service reads them back through the API.
        status, body = restored_api_get(url, media, f"/api/files/{stored.pk}")
        assert (status, body) == (200, stored.file.open("rb").read())

    if connection.vendor == "sqlite":
        restored = tmp_path / "restored.sqlite3"
        url = f"sqlite:///{restored}"
        restore_and_check(url)
        rows = sqlite_rows(str(restored), models)
    else:
        with scratch_postgresql() as (name, url):
            restore_and_check(url)
            rows = postgresql_rows(name, models)

    assert rows == current_rows(models)
    assert len(rows[Dog._meta.db_table]) == 3
    assert len(rows[StoredFile._meta.db_table]) == 1
    assert files_in(media) == {stored.file.name: stored.file.open("rb").read()}
    owner_column = [field.column for field in columns(Dog)].index("id_user")
    assert sorted(row[owner_column] for row in rows[Dog._meta.db_table] if row[owner_column]) == [owner.pk] * 2
    assert len(rows[DogRegistration._meta.db_table]) == 1
