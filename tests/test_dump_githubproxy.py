"""The dump carries the GitHub proxy's two tables, and a restore gives them back identically."""

import datetime
import io

import pytest
from django.core.management import call_command

from githubproxy.models import Repository, User
from githubproxy.tests.factories import RepositoryFactory, UserFactory
from tests.test_dump import (
    current_rows,
    natively_restored,
    rows_of,
    trailer_of,
)

# The restores run the databases' own command-line tools.

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

    with natively_restored(dump, tmp_path) as cursor:
        rows = rows_of(MODELS, cursor)

    assert rows == current_rows(MODELS)
    assert len(rows["githubproxy_repository"]) == 3
