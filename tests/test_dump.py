"""The dump end to end: `manage.py dump`, restores with psql, sqlite3 and `load_dump`, refusals.

The dump reads through a connection of its own, so these tests commit their
data (transactional tests). Restores go into scratch databases: a SQLite file,
or a PostgreSQL database created and dropped with createdb and dropdb.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from core.dump.schema import columns, dumped_models
from petshop.models import Pet
from petshop.tests.factories import PetFactory
from users.models import User

# The tests read the databases with SQL of their own and restore dumps with the
# databases' own command-line tools.
# ruff: noqa: S603, S607, S608

pytestmark = pytest.mark.django_db(transaction=True)

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the suite on PostgreSQL")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="needs the suite on SQLite")
# The restore with SQLite's own shell needs its command-line program, which a
# machine with only Python may lack (Debian: apt-get install sqlite3).
needs_sqlite3_shell = pytest.mark.skipif(shutil.which("sqlite3") is None, reason="needs the sqlite3 command")

ROOT = Path(settings.BASE_DIR)
TRAILER = "-- dump-complete: "


# --- Data --------------------------------------------------------------------


def store_picture(pet: Pet, content: bytes) -> None:
    name = default_storage.save(f"pets/{pet.id}/{uuid.uuid4().hex}.png", ContentFile(content))
    Pet.objects.filter(pk=pet.pk).update(
        picture=name,
        picture_sha256=hashlib.sha256(content).hexdigest(),
        picture_width=1,
        picture_height=1,
        picture_bytes=len(content),
    )


@pytest.fixture
def stored_data(staff):
    """Rows in most of the installed apps' tables, and stored files of several sizes."""
    awkward = "Zoë 😀 O'Brien \\ back\nslash;\r\n\t--not a comment"
    user = User.objects.create_user(email="awkward@example.org", password="x", name=awkward, last_name="")
    group = Group.objects.create(name="Groomers")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_")[:5])
    user.groups.add(group)
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Group),
        object_id=str(group.pk),
        object_repr=awkward,
        action_flag=ADDITION,
        change_message=json.dumps([{"added": {}}]),
    )
    pets = [PetFactory(name="Rex"), PetFactory(name="Semi; 'colon'"), PetFactory(name="Bare")]
    # Across the 1 MiB chunk boundary, one small, one empty.
    store_picture(pets[0], os.urandom(2 * 1024 * 1024 + 12345))
    store_picture(pets[1], os.urandom(5000))
    store_picture(PetFactory(name="Empty"), b"")
    return {"user": user, "group": group, "pets": pets}


def stored_files() -> dict[str, bytes]:
    names = Pet.objects.exclude(picture="").values_list("picture", flat=True)
    return {name: default_storage.open(name).read() for name in names}


# --- Reading databases ---------------------------------------------------------


def select(model) -> str:
    names = ", ".join(f'"{field.column}"' for field in columns(model))
    order = ", ".join(f'"{field.column}"' for field in model._meta.pk_fields)
    return f'SELECT {names} FROM "{model._meta.db_table}" ORDER BY {order}'


def rows_of(models, cursor) -> dict[str, list[tuple]]:
    result = {}
    for model in models:
        cursor.execute(select(model))
        result[model._meta.db_table] = cursor.fetchall()
    return result


def sqlite_rows(database: str, models) -> dict[str, list[tuple]]:
    with closing(sqlite3.connect(database, uri=True)) as db:
        return rows_of(models, db.cursor())


def postgresql_params(dbname: str) -> dict:
    current = connection.settings_dict
    return {
        "dbname": dbname,
        "host": current["HOST"] or "127.0.0.1",
        "port": current["PORT"] or 5432,
        "user": current["USER"],
        "password": current["PASSWORD"],
    }


def postgresql_rows(dbname: str, models) -> dict[str, list[tuple]]:
    with closing(psycopg2.connect(**postgresql_params(dbname))) as db, db.cursor() as cursor:
        return rows_of(models, cursor)


def current_rows(models) -> dict[str, list[tuple]]:
    """The test database's rows, read as a plain driver returns them."""
    if connection.vendor == "sqlite":
        return sqlite_rows(connection.settings_dict["NAME"], models)
    return postgresql_rows(connection.settings_dict["NAME"], models)


def trailer_of(path: Path) -> dict:
    last = path.read_text().splitlines()[-1]
    assert last.startswith(TRAILER)
    return json.loads(last.removeprefix(TRAILER))


# --- Scratch databases and commands in a process of their own --------------------


def postgresql_env() -> dict[str, str]:
    params = postgresql_params("")
    return {
        **os.environ,
        "PGHOST": params["host"],
        "PGPORT": str(params["port"]),
        "PGUSER": params["user"],
        "PGPASSWORD": params["password"],
    }


@contextmanager
def scratch_postgresql_database():
    """An empty PostgreSQL database; yields its name and DATABASE_URL."""
    name = f"dump_scratch_{uuid.uuid4().hex[:12]}"
    subprocess.run(["createdb", name], env=postgresql_env(), check=True)
    params = postgresql_params(name)
    credentials = quote(params["user"]) + (f":{quote(params['password'])}" if params["password"] else "")
    try:
        yield name, f"postgres://{credentials}@{params['host']}:{params['port']}/{name}"
    finally:
        subprocess.run(["dropdb", "--force", name], env=postgresql_env(), check=True)


@contextmanager
def natively_restored(dump: Path, tmp_path: Path):
    """A cursor on a new database that the database's own tool restored `dump` into.

    `sqlite3 new.db < dump.sql` on SQLite (its foreign keys checked too; the
    test is skipped where the sqlite3 command is missing), `psql -v
    ON_ERROR_STOP=1 -f dump.sql` into an empty database on PostgreSQL: the
    restores the contract promises. Read rows with `rows_of(models, cursor)`.
    """
    if connection.vendor == "sqlite":
        if shutil.which("sqlite3") is None:
            pytest.skip("needs the sqlite3 command (Debian: apt-get install sqlite3)")
        restored = tmp_path / f"restored-{uuid.uuid4().hex[:8]}.sqlite3"
        with dump.open("rb") as script:
            subprocess.run(["sqlite3", str(restored)], stdin=script, capture_output=True, check=True)
        with closing(sqlite3.connect(restored)) as db:
            cursor = db.cursor()
            assert cursor.execute("PRAGMA foreign_key_check").fetchall() == []
            yield cursor
        return
    with scratch_postgresql_database() as (name, _url):
        subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", name, "-f", str(dump)],
            env=postgresql_env(),
            capture_output=True,
            check=True,
        )
        with closing(psycopg2.connect(**postgresql_params(name))) as db, db.cursor() as cursor:
            yield cursor


def installation_env(database_url: str, media: Path) -> dict[str, str]:
    """The environment of another installation of the project: its database and media folder."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
    }


def manage(*args: str, database_url: str, media: Path) -> subprocess.CompletedProcess:
    """`manage.py` of another installation, in a process of its own."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=installation_env(database_url, media),
        capture_output=True,
        text=True,
        check=True,
    )


def files_in(media: Path) -> dict[str, bytes]:
    return {str(path.relative_to(media)): path.read_bytes() for path in media.rglob("*") if path.is_file()}


# --- Restores with the databases' own tools ---------------------------------------


def assert_files_table_holds(rows: list[tuple], expected: dict[str, bytes]) -> None:
    assert {name: bytes(data) for name, _size, _sha256, data in rows} == expected
    for _name, size, sha256, data in rows:
        assert (size, sha256) == (len(data), hashlib.sha256(data).hexdigest())


@on_sqlite
@needs_sqlite3_shell
def test_sqlite_dump_restores_with_sqlite3_shell_identically(stored_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())
    restored = tmp_path / "new.db"

    with dump.open("rb") as script:
        shell = subprocess.run(["sqlite3", str(restored)], stdin=script, capture_output=True, check=True)

    assert shell.stderr == b""
    models = dumped_models(include_migrations=True)
    assert sqlite_rows(str(restored), models) == current_rows(models)
    with closing(sqlite3.connect(restored)) as db:
        files = db.execute('SELECT "name", "size", "sha256", "data" FROM "dump_files"').fetchall()
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert_files_table_holds(files, stored_files())


@on_postgresql
def test_postgresql_dump_restores_with_psql_into_empty_database_identically(stored_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())

    with scratch_postgresql_database() as (name, _url):
        subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", name, "-f", str(dump)],
            env=postgresql_env(),
            capture_output=True,
            check=True,
        )
        models = dumped_models(include_migrations=True)
        assert postgresql_rows(name, models) == current_rows(models)
        with closing(psycopg2.connect(**postgresql_params(name))) as db, db.cursor() as cursor:
            cursor.execute('SELECT "name", "size", "sha256", "data" FROM "dump_files"')
            files = cursor.fetchall()
    assert_files_table_holds(files, stored_files())


# --- load_dump -------------------------------------------------------------------


def test_load_dump_restores_full_dump_into_empty_database_and_storage(stored_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())
    media = tmp_path / "restored-media"
    models = dumped_models(include_migrations=True)

    if connection.vendor == "sqlite":
        restored = tmp_path / "restored.sqlite3"
        loaded = manage("load_dump", str(dump), database_url=f"sqlite:///{restored}", media=media)
        rows = sqlite_rows(str(restored), models)
    else:
        with scratch_postgresql_database() as (name, url):
            loaded = manage("load_dump", str(dump), database_url=url, media=media)
            rows = postgresql_rows(name, models)
            manage("migrate", "--check", database_url=url, media=media)

    assert loaded.stdout.startswith(f"Loaded {dump}: ")
    assert loaded.stderr == ""
    assert rows == current_rows(models)
    assert files_in(media) == stored_files()


@pytest.mark.usefixtures("any_storage")
def test_load_dump_replaces_rows_of_migrated_database_with_data_only_dump(stored_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    models = dumped_models(include_migrations=False)
    expected_rows, expected_files = current_rows(models), stored_files()
    # What happens to a database between dump and load: rows that migrate
    # writes anew, changed and deleted rows, lost files.
    Permission.objects.all().delete()
    ContentType.objects.all().delete()
    ContentType.objects.get_for_model(Pet)
    User.objects.filter(pk=stored_data["user"].pk).update(name="changed")
    stored_data["pets"][1].delete()
    default_storage.delete(Pet.objects.get(pk=stored_data["pets"][0].pk).picture.name)
    Group.objects.create(name="Added after the dump")

    call_command("load_dump", str(dump), stdout=io.StringIO())

    assert current_rows(models) == expected_rows
    assert stored_files() == expected_files
    assert "dump_files" not in connection.introspection.table_names()
    # Identity sequences were moved past the loaded ids.
    assert Group.objects.create(name="New").pk > stored_data["group"].pk


def test_load_dump_refuses_truncated_dump_and_changes_nothing(stored_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    content = dump.read_bytes()
    dump.write_bytes(content[: len(content) * 2 // 3])
    Pet.objects.filter(name="Rex").delete()
    models = dumped_models(include_migrations=False)
    before = current_rows(models), stored_files()

    with pytest.raises(CommandError, match="does not end with its dump-complete trailer: it is truncated"):
        call_command("load_dump", str(dump))

    assert (current_rows(models), stored_files()) == before


def test_load_dump_refuses_stored_file_whose_bytes_do_not_match_its_sha256(stored_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    lines = dump.read_text().splitlines(keepends=True)
    number = next(index for index, line in enumerate(lines) if line.startswith('UPDATE "dump_files" SET "data"'))
    # One hex digit changed: still valid SQL, other bytes.
    position = lines[number].index("'", lines[number].index('data" ||')) + 10
    digit = lines[number][position]
    lines[number] = lines[number][:position] + ("0" if digit != "0" else "1") + lines[number][position + 1 :]
    dump.write_text("".join(lines))
    Pet.objects.filter(name="Rex").delete()
    models = dumped_models(include_migrations=False)
    before = current_rows(models), stored_files()

    with pytest.raises(CommandError, match=r"stored file #\d does not match its size and SHA-256"):
        call_command("load_dump", str(dump))

    assert (current_rows(models), stored_files()) == before


def test_load_dump_refuses_dump_whose_rows_differ_from_trailer_counts(stored_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    lines = dump.read_text().splitlines(keepends=True)
    # The last row of a two-row INSERT taken out; the SQL stays valid.
    number = next(index for index, line in enumerate(lines) if "awkward@example.org" in line)
    assert lines[number - 1].startswith('INSERT INTO "users_user" ')
    assert (lines[number - 1][-3:], lines[number][-3:]) == ("),\n", ");\n")
    lines[number - 1] = lines[number - 1].removesuffix(",\n") + ";\n"
    del lines[number]
    dump.write_text("".join(lines))

    with pytest.raises(CommandError, match="holds 1 rows of users_user, its trailer says 2"):
        call_command("load_dump", str(dump))


def test_load_dump_refuses_full_dump_into_database_that_has_tables(stored_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())

    with pytest.raises(CommandError, match="already has table auth_group: a dump with its schema loads into an empty"):
        call_command("load_dump", str(dump))


def test_load_dump_refuses_dump_written_for_the_other_database(stored_data, tmp_path):
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", f"--dialect={other}", output=str(dump), stdout=io.StringIO())

    with pytest.raises(CommandError, match=f"This dump is written for {other}; the database is {connection.vendor}"):
        call_command("load_dump", str(dump))


def test_load_dump_refuses_file_that_is_not_a_dump(tmp_path):
    path = tmp_path / "notes.sql"
    path.write_text("SELECT 1;\n")

    with pytest.raises(CommandError, match="is not a dump of format 1 or 2"):
        call_command("load_dump", str(path))


@contextmanager
def table_of_another_application():
    """A table in the same database that no model names, holding one row."""
    with connection.cursor() as cursor:
        cursor.execute('CREATE TABLE "outside_notes" ("note" varchar(100))')
        cursor.execute('INSERT INTO "outside_notes" ("note") VALUES (\'kept\')')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute('DROP TABLE IF EXISTS "outside_notes"')


def outside_notes() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute('SELECT "note" FROM "outside_notes"')
        return cursor.fetchall()


def after_begin(line: str):
    """An edit putting `line` right after the dump's BEGIN; returns the new lines and the line's number."""

    def edit(lines: list[str]) -> int:
        number = lines.index("BEGIN;\n") + 1
        lines.insert(number, line)
        return number + 1

    return edit


def after_first_insert(text: str):
    """An edit appending `text` to the line that ends the dump's first INSERT."""

    def edit(lines: list[str]) -> int:
        first = next(index for index, line in enumerate(lines) if line.startswith("INSERT INTO "))
        end = next(index for index in range(first, len(lines)) if lines[index].endswith(");\n"))
        lines[end] = lines[end].removesuffix("\n") + text + "\n"
        return end + 1

    return edit


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (after_begin('DROP TABLE "django_session";\n'), "'DROP TABLE \"django_session\";' is not a statement"),
        (after_begin('DELETE FROM "outside_notes";\n'), 'DELETE FROM "outside_notes", a table that no installed'),
        (
            after_begin('INSERT INTO "outside_notes" ("note") VALUES (\'added\');\n'),
            'INSERT INTO "outside_notes", a table that no installed model has',
        ),
        (
            after_first_insert(' UPDATE "users_user" SET "is_superuser" = TRUE;'),
            '\'UPDATE "users_user" SET "is_superuser" = TRUE;\' is not a statement',
        ),
        (after_begin("COPY \"outside_notes\" FROM PROGRAM 'touch /tmp/pwned';\n"), ".COPY .* is not a statement"),
        (
            after_begin("CREATE FUNCTION evil() RETURNS integer AS 'SELECT 1' LANGUAGE sql;\n"),
            ".CREATE FUNCTION .* is not a statement",
        ),
    ],
    ids=["drop-table", "delete-other-table", "insert-unknown-table", "hidden-after-insert", "copy-program", "function"],
)
def test_load_dump_refuses_statements_a_dump_does_not_write_and_changes_nothing(stored_data, tmp_path, edit, reason):
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    lines = dump.read_text().splitlines(keepends=True)
    number = edit(lines)
    dump.write_text("".join(lines))
    Pet.objects.filter(name="Rex").delete()
    models = dumped_models(include_migrations=False)

    with table_of_another_application():
        before = current_rows(models), stored_files(), outside_notes()

        with pytest.raises(CommandError, match=f"{dump}, line {number}: {reason}"):
            call_command("load_dump", str(dump))

        assert (current_rows(models), stored_files(), outside_notes()) == before
        assert "django_session" in connection.introspection.table_names()


def test_load_dump_says_it_is_for_dumps_you_trust(capsys):
    with pytest.raises(SystemExit):
        call_command("load_dump", "--help")

    assert "load only dumps you trust" in " ".join(capsys.readouterr().out.split())


# --- manage.py dump ----------------------------------------------------------------


def test_dump_command_writes_the_bytes_of_the_http_endpoint(stored_data, staff_client, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())

    response = staff_client.get("/dump.sql")

    assert b"".join(response.streaming_content) == dump.read_bytes()


def test_dump_trailer_counts_every_table_and_stored_file(stored_data, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())

    trailer = trailer_of(dump)
    models = dumped_models(include_migrations=True)
    assert trailer["tables"] == {table: len(rows) for table, rows in current_rows(models).items()}
    assert trailer["files"] == len(stored_files()) == 3


def test_dump_goes_on_without_a_stored_file_that_is_missing_and_says_so(stored_data, tmp_path):
    lost = Pet.objects.get(pk=stored_data["pets"][1].pk).picture.name
    default_storage.delete(lost)
    dump = tmp_path / "dump.sql"

    call_command("dump", output=str(dump), stdout=io.StringIO())

    assert f"-- missing from storage: {json.dumps(lost)}\n" in dump.read_text()
    assert trailer_of(dump)["files"] == 2


def test_dump_command_is_quiet_when_output_is_not_a_terminal(stored_data, tmp_path):
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("dump", output=str(tmp_path / "dump.sql"), stdout=stdout, stderr=stderr)

    assert stderr.getvalue() == ""
    assert stdout.getvalue().startswith(f"Wrote {tmp_path / 'dump.sql'}: ")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_dump_command_shows_rows_and_bytes_on_a_terminal(stored_data, tmp_path, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    call_command("dump", output=str(tmp_path / "dump.sql"), stdout=io.StringIO())

    assert "Dumping" in terminal.getvalue()
    assert "rows=" in terminal.getvalue()
    assert "MB" in terminal.getvalue()


def test_dump_command_rejects_schema_in_other_dialect():
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"

    with pytest.raises(CommandError, match="ask for schema=false"):
        call_command("dump", f"--dialect={other}")
