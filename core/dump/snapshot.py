"""One consistent, read-only view of a database, on a connection of its own.

A dump reads every table through one snapshot, so rows written meanwhile are
wholly in it or wholly out of it. The connection is its own (not the request's):
a streamed response outlives the view that returned it, and Django closes or
reuses the request's connection as it pleases. Closing the snapshot, also when
the client goes away mid-stream, ends the transaction and the connection.
"""

import itertools
import sqlite3
from collections.abc import Iterator
from typing import Any, Self

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from core.dump.dialects import POSTGRESQL, dialect_of

# Rows fetched per round trip: small enough to bound memory whatever the table
# size, large enough that round trips do not dominate.
FETCH_ROWS = 2000


class Snapshot:
    """A read-only transaction over database `using`, for `with` blocks.

    `connection` is a Django backend for the same database, for what depends on
    the dialect (name quoting, the schema editor, field conversions); rows come
    from `rows()`, as the driver returns them, without Django's converters.
    """

    def __init__(self, using: str = DEFAULT_DB_ALIAS):
        self.connection: BaseDatabaseWrapper = connections.create_connection(using)
        self.dialect = dialect_of(self.connection)
        self._raw: Any = None
        self._cursor_names = (f"dump_{number}" for number in itertools.count())

    def __enter__(self) -> Self:
        try:
            self._raw = self._begin_postgresql() if self.dialect == POSTGRESQL else self._begin_sqlite()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _begin_postgresql(self):
        # Django's own connection setup (time zone, role, jsonb read as text),
        # then a transaction of ours instead of autocommit.
        self.connection.ensure_connection()
        self.connection.set_autocommit(False)
        raw = self.connection.connection
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # Rows are read in PostgreSQL's text form: make it the same, and
            # exact, whatever the server's defaults (as pg_dump does).
            cursor.execute(
                "SET LOCAL DateStyle = ISO; SET LOCAL IntervalStyle = postgres; SET LOCAL TimeZone = 'UTC';"
                " SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = hex"
            )
            # The snapshot is taken by the transaction's first query.
            cursor.execute("SELECT 1")
        return raw

    def _begin_sqlite(self):
        # A plain sqlite3 connection: Django's registers converters for declared
        # types (bool, datetime, ...), and the dump wants the stored values.
        params = self.connection.get_connection_params()
        raw = sqlite3.connect(
            params["database"],
            uri=True,
            check_same_thread=False,
            isolation_level=None,
            timeout=params.get("timeout", 5),
        )
        raw.execute("BEGIN")
        # SQLite takes the snapshot at the transaction's first read; in WAL mode
        # it holds without blocking writers.
        raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return raw

    def rows(self, sql: str) -> Iterator[tuple]:
        """The rows of query `sql`, read FETCH_ROWS at a time."""
        for batch in self.batches(sql):
            yield from batch

    def batches(self, sql: str, size: int = FETCH_ROWS) -> Iterator[list[tuple]]:
        """The rows of query `sql` in lists of `size` rows (the last may be shorter, none is empty).

        On PostgreSQL through a server-side cursor, so the result set stays on
        the server; SQLite computes rows as they are fetched.
        """
        if self.dialect == POSTGRESQL:
            cursor = self._raw.cursor(name=next(self._cursor_names))
            cursor.itersize = size
        else:
            cursor = self._raw.cursor()
        try:
            cursor.execute(sql)
            while batch := cursor.fetchmany(size):
                yield batch
        finally:
            cursor.close()

    def close(self) -> None:
        """End the transaction and close the connection; safe to call twice."""
        raw, self._raw = self._raw, None
        try:
            if raw is not None and self.dialect != POSTGRESQL:
                raw.close()
            elif raw is not None and not raw.closed:
                # The backend below closes this same connection.
                raw.rollback()
        finally:
            self.connection.close()
