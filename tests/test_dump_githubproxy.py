"""The dump carries the GitHub proxy's two tables, and a restore gives them back identically."""

import datetime
import io
import shutil
import sqlite3
import subprocess
from contextlib import closing

import pytest
from django.core.management import call_command
from django.db import connection

from githubproxy.models import Repository, User
from githubproxy.tests.factories import RepositoryFactory, UserFactory
from tests.test_dump import (
    current_rows,
    postgresql_env,
    postgresql_rows,
    scratch_postgresql_database,
    sqlite_rows,
    trailer_of,
)

# The restores run the databases' own command-line tools.
# ruff: noqa: S603, S607

pytestmark = pytest.mark.django_db(transaction=True)

MODELS = [User, Repository]


@pytest.fixture
def github_rows() -> None:
    """Two users, each with a `dotfiles`, and repositories of every visibility and awkward values."""
    ana = UserFactory(login="Ana-Dev", github_id=2**40)
    bia = UserFactory(login="bia", github_id=7)
    RepositoryFactory(owner=ana, name="dotfiles", github_id=2**53 + 1, size=2**40, stars=2**31 - 1)
    RepositoryFactory(owner=bia, name="dotfiles", visibility="private", private=True, watchers=0)
    RepositoryFactory(
        owner=bia,
        name="..it's.a-repo_",
        visibility="internal",
        private=True,
        created_at=datetime.datetime(2008, 2, 29, 23, 59, 59, 123456, tzinfo=datetime.UTC),
    )


def test_dump_counts_the_github_proxy_tables(github_rows, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())

    tables = trailer_of(dump)["tables"]

    assert tables["githubproxy_user"] == 2
    assert tables["githubproxy_repository"] == 3
    # The users are written before the repositories that refer to them.
    text = dump.read_text()
    assert text.index('INSERT INTO "githubproxy_user"') < text.index('INSERT INTO "githubproxy_repository"')


def test_dump_restores_the_github_proxy_tables_identically(github_rows, tmp_path):
    """With the databases' own tools, as the contract restores a dump."""
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())

    if connection.vendor == "sqlite":
        if shutil.which("sqlite3") is None:
            pytest.skip("needs the sqlite3 command (Debian: apt-get install sqlite3)")
        restored = tmp_path / "restored.sqlite3"
        with dump.open("rb") as script:
            subprocess.run(["sqlite3", str(restored)], stdin=script, capture_output=True, check=True)
        with closing(sqlite3.connect(restored)) as db:
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = sqlite_rows(str(restored), MODELS)
    else:
        with scratch_postgresql_database() as (name, _url):
            subprocess.run(
                ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", name, "-f", str(dump)],
                env=postgresql_env(),
                capture_output=True,
                check=True,
            )
            rows = postgresql_rows(name, MODELS)

    assert rows == current_rows(MODELS)
    assert len(rows["githubproxy_repository"]) == 3
