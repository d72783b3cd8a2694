"""The two SQL dialects a dump is written in.

A dialect knows how its database spells literals, names and binary data, and
which statements surround the rows. Its Django backend is instantiated without a
connection: the dump only borrows its name quoting, its sequence statements and
its fields' conversions, so a SQLite installation can write PostgreSQL.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache
from typing import Any

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.utils import load_backend

from core.dump.exceptions import DumpError
from core.dump.literals import postgresql_literal, sqlite_literal

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
DIALECTS = (POSTGRESQL, SQLITE)


class Dialect(ABC):
    """How one database reads a dump."""

    name: str
    engine: str
    literal: Callable[[Any], str]
    # The type of the files table's bytes and how a chunk is appended to them.
    blob_type: str
    empty_blob: str
    # Statements before BEGIN, and right after it in a data-only dump.
    preamble: tuple[str, ...] = ()
    data_only_preamble: tuple[str, ...] = ()

    @cached_property
    def connection(self) -> BaseDatabaseWrapper:
        """This dialect's Django backend, never connected."""
        settings_dict = connections.configure_settings({DEFAULT_DB_ALIAS: {"ENGINE": self.engine}})[DEFAULT_DB_ALIAS]
        return load_backend(self.engine).DatabaseWrapper(settings_dict, alias=f"dump-{self.name}")

    def quote_name(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    @abstractmethod
    def blob_append(self, column: str) -> tuple[str, str]:
        """An expression, the bytes of `column` followed by a chunk's: its text around the chunk's hex digits."""

    def sequence_resets(self, models: Iterable[type[Model]]) -> list[str]:
        """Statements that move identity sequences past the ids just written."""
        return self.connection.ops.sequence_reset_sql(no_style(), list(models))


class PostgreSQLDialect(Dialect):
    name = POSTGRESQL
    engine = "django.db.backends.postgresql"
    literal = staticmethod(postgresql_literal)
    blob_type = "bytea"
    empty_blob = "'\\x'::bytea"
    # The literals rely on the first two; psql starts from its own settings. The
    # third keeps psql from reporting that "dump_files" was not there to drop.
    preamble = (
        "SET client_encoding = 'UTF8';",
        "SET standard_conforming_strings = on;",
        "SET client_min_messages = warning;",
    )
    # Rows are deleted and written back table by table; Django's foreign keys are
    # deferrable, so they are checked once, at COMMIT.
    data_only_preamble = ("SET CONSTRAINTS ALL DEFERRED;",)

    def blob_append(self, column: str) -> tuple[str, str]:
        # As postgresql_literal() writes bytes.
        return f"{column} || '\\x", "'::bytea"


class SQLiteDialect(Dialect):
    name = SQLITE
    engine = "django.db.backends.sqlite3"
    literal = staticmethod(sqlite_literal)
    blob_type = "BLOB"
    empty_blob = "X''"

    def blob_append(self, column: str) -> tuple[str, str]:
        # SQLite's || concatenates as text; the cast makes the result a blob
        # again, byte for byte. X'...' as sqlite_literal() writes bytes.
        return f"CAST({column} || X'", "' AS BLOB)"


@lru_cache
def get_dialect(name: str) -> Dialect:
    """The dialect called `name` (one of DIALECTS)."""
    return {POSTGRESQL: PostgreSQLDialect, SQLITE: SQLiteDialect}[name]()


def dialect_of(connection: BaseDatabaseWrapper) -> str:
    """The dialect a database connection speaks; `DumpError` for other databases."""
    if connection.vendor not in DIALECTS:
        raise DumpError(f"Dumps support PostgreSQL and SQLite, not {connection.display_name}.")
    return connection.vendor
