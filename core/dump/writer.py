"""Writing a dump: the whole database and its stored files as one SQL script.

The script, in order:

    -- dump: {"dialect": ..., "format": 2, "schema": ...}
    SET ...;                        PostgreSQL session settings
    BEGIN;
    CREATE TABLE ...;               with the schema; data-only dumps empty the tables instead
    INSERT INTO ... VALUES (...),   up to ROWS_PER_INSERT rows per statement,
    (...);                          one row per line, referenced tables first
    CREATE INDEX ...; ALTER TABLE ... ADD CONSTRAINT ...;   with the schema
    SELECT setval(...);             PostgreSQL identity sequences
    CREATE TABLE "dump_files" ...; INSERT ...; UPDATE ...;  the stored files
    COMMIT;
    -- dump-complete: {"files": ..., "tables": {...}}

The trailer's row and file counts let `load_dump` tell a whole dump from a
truncated one. Nothing in the script depends on the time it was written, so the
same data always gives the same bytes.
"""

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model

from core.dump import files
from core.dump.convert import value_converter
from core.dump.dialects import DIALECTS, POSTGRESQL, Dialect, dialect_of, get_dialect
from core.dump.exceptions import DumpError
from core.dump.literals import postgresql_quoted_on_one_line
from core.dump.schema import columns, dumped_models, schema_statements
from core.dump.snapshot import Snapshot
from core.storage import StoredFileMissing, open_chunks

logger = logging.getLogger(__name__)

# 2: INSERT statements of several rows; 1 wrote one row per statement.
FORMAT_VERSION = 2
HEADER_PREFIX = "-- dump: "
TRAILER_PREFIX = "-- dump-complete: "
BEGIN = "BEGIN;"
COMMIT = "COMMIT;"
# Statements are gathered into chunks of about this size: large enough to keep
# the per-chunk cost of the WSGI server low, small enough to start sending soon.
CHUNK_CHARS = 256 * 1024
# Rows per INSERT statement, and per round trip to the database. An INSERT of
# many rows costs less to write, to send and to restore than as many INSERTs of
# one row; both PostgreSQL and SQLite (3.8.8 and later, whatever the number of
# rows) read it.
ROWS_PER_INSERT = 1000
# A statement takes no more rows once it is this large (in characters), so that
# large rows make smaller statements: SQLite reads at most 1,000,000,000 bytes
# of SQL at once, and every reader of a dump holds one statement in memory.
INSERT_CHARS = 1024 * 1024
# Between the rows of an INSERT: each row starts a line of its own, and since no
# literal holds a line break, load_dump counts a statement's rows by its lines.
ROW_SEPARATOR = ",\n"


@dataclass(frozen=True)
class DumpOptions:
    """What a dump holds: the schema and the rows, or the rows only; and its dialect."""

    schema: bool
    dialect: str

    @classmethod
    def for_database(cls, using: str = DEFAULT_DB_ALIAS, *, schema: bool = True, dialect: str | None = None):
        """Options for dumping database `using`; `DumpError` when they contradict each other.

        The dialect defaults to the database's own. A dump with the schema is
        only written in that dialect: it recreates the tables as this database
        has them. Rows alone can be written for the other database, to load
        into one that `migrate` created.
        """
        source = dialect_of(connections[using])
        dialect = dialect or source
        if dialect not in DIALECTS:
            raise DumpError(f"Unknown dialect {dialect!r}; use one of {', '.join(DIALECTS)}.")
        if schema and dialect != source:
            raise DumpError(
                f"A dump with its schema is written in the database's own dialect ({source}); "
                f"ask for schema=false to get the rows only, in {dialect}."
            )
        return cls(schema=schema, dialect=dialect)


class DumpWriter:
    """Writes one dump; `stream()` yields it, the counters follow its progress."""

    def __init__(self, options: DumpOptions, *, using: str = DEFAULT_DB_ALIAS):
        self.options = options
        self.using = using
        self.dialect: Dialect = get_dialect(options.dialect)
        self.table_rows: dict[str, int] = {}
        self.rows = 0
        self.files = 0
        self.bytes = 0

    def stream(self) -> Iterator[bytes]:
        """The dump as UTF-8 chunks, read from one snapshot of the database.

        The snapshot is taken before the first chunk and released when the
        generator ends, including when it is closed early (a client that
        disconnects); memory stays bounded by a batch of rows or a file chunk.
        """
        with Snapshot(self.using) as snapshot:
            header = {"dialect": self.options.dialect, "format": FORMAT_VERSION, "schema": self.options.schema}
            # Alone, so that the first bytes leave before any table is read.
            yield self._count(f"{HEADER_PREFIX}{json.dumps(header, sort_keys=True)}\n".encode())
            pending: list[str] = []
            size = 0
            for statement in self._statements(snapshot):
                if isinstance(statement, bytes):
                    # A file's chunk, encoded already: it leaves as it is.
                    if pending:
                        yield self._count("".join(pending).encode())
                        pending, size = [], 0
                    yield self._count(statement)
                    continue
                pending.append(statement)
                size += len(statement)
                if size >= CHUNK_CHARS:
                    yield self._count("".join(pending).encode())
                    pending, size = [], 0
            trailer = {"files": self.files, "tables": self.table_rows}
            pending.append(f"{TRAILER_PREFIX}{json.dumps(trailer, sort_keys=True)}\n")
            yield self._count("".join(pending).encode())

    def _count(self, chunk: bytes) -> bytes:
        self.bytes += len(chunk)
        return chunk

    def _statements(self, snapshot: Snapshot) -> Iterator[str | bytes]:
        """Every line after the header and before the trailer; the files' chunks as bytes."""
        dialect = self.dialect
        models = dumped_models(include_migrations=self.options.schema)
        yield from _lines(dialect.preamble)
        yield f"{BEGIN}\n"
        if self.options.schema:
            tables, deferred = schema_statements(snapshot.connection, models)
            yield from _lines(tables)
        else:
            deferred = []
            yield from _lines(dialect.data_only_preamble)
            # What migrate wrote (content types, permissions, ...) gives way to
            # the dumped rows, which other rows refer to by id. Referencing
            # tables first, in case a foreign key is not deferrable.
            yield from _lines(f"DELETE FROM {dialect.quote_name(model._meta.db_table)};" for model in reversed(models))  # noqa: S608 - the models' tables, quoted by the dialect
        for model in models:
            yield from self._rows(snapshot, model)
        yield from _lines(deferred)
        yield from _lines(dialect.sequence_resets(models))
        yield from self._files(snapshot, models)
        yield f"{COMMIT}\n"

    def _rows(self, snapshot: Snapshot, model: type[Model]) -> Iterator[str]:
        table = model._meta.db_table
        fields = columns(model)
        target_name = self.dialect.quote_name
        names = ", ".join(target_name(field.column) for field in fields)
        insert = f"INSERT INTO {target_name(table)} ({names}) VALUES "  # noqa: S608 - the model's table and columns, quoted by the dialect
        # Ordered by primary key, so that the same data gives the same dump.
        source_name = snapshot.connection.ops.quote_name
        order = ", ".join(source_name(field.column) for field in model._meta.pk_fields)
        if self.dialect.name == snapshot.dialect == POSTGRESQL:
            batches = self._rows_quoted_by_postgresql(snapshot, table, fields, order)
        else:
            batches = self._rows_quoted_here(snapshot, table, fields, order)
        count = 0
        for rows in batches:
            yield from _inserts(insert, rows)
            count += len(rows)
            self.rows += len(rows)
        self.table_rows[table] = count

    def _rows_quoted_by_postgresql(
        self, snapshot: Snapshot, table: str, fields: list[Field], order: str
    ) -> Iterator[list[str]]:
        """Batches of rows written "(value, ...)" by PostgreSQL itself, from their text form.

        PostgreSQL's text form of a value reads back exactly, whatever the type
        (pg_dump writes it too), and quote_nullable() makes it the literal that
        `postgresql_text_literal` would write, control characters aside: the
        rare row holding one is mended here. Python only joins the rows; psycopg
        builds one string per row and no other Python object.
        """
        quote = snapshot.connection.ops.quote_name
        values = " || ', ' || ".join(f"quote_nullable({quote(field.column)}::text)" for field in fields)
        query = f"SELECT '(' || {values} || ')' FROM {quote(table)} ORDER BY {order}"  # noqa: S608 - the model's table and columns, quoted by the backend
        for batch in snapshot.batches(query, ROWS_PER_INSERT):
            rows = [row for (row,) in batch]
            # isprintable() is false for every control character (and for a
            # few other characters, which the mending leaves as they are).
            if not all(map(str.isprintable, rows)):
                rows = [row if row.isprintable() else postgresql_quoted_on_one_line(row) for row in rows]
            yield rows

    def _rows_quoted_here(self, snapshot: Snapshot, table: str, fields: list[Field], order: str) -> Iterator[list[str]]:
        """Batches of rows written "(value, ...)" from the values the driver reads, by this dialect's literals."""
        quote = snapshot.connection.ops.quote_name
        literals = [self._literal_for(field, snapshot) for field in fields]
        values_of = _values_writer(literals)
        select = ", ".join(quote(field.column) for field in fields)
        count = 0
        for batch in snapshot.batches(f"SELECT {select} FROM {quote(table)} ORDER BY {order}", ROWS_PER_INSERT):  # noqa: S608 - the model's table and columns, quoted by the backend
            rows = []
            try:
                for row in batch:
                    rows.append(f"({values_of(row)})")
            except (TypeError, ValueError) as exc:
                raise DumpError(f"Cannot write row {count + len(rows) + 1} of {table}: {exc}") from exc
            count += len(rows)
            yield rows

    def _literal_for(self, field: Field, snapshot: Snapshot) -> Callable[[Any], str]:
        """How to write the value that the driver reads from `field`'s column."""
        literal = self.dialect.literal
        if self.dialect.name == snapshot.dialect:
            return literal
        convert = value_converter(field, snapshot.connection, self.dialect.connection)
        if convert is None:
            return literal
        return lambda value: literal(convert(value))

    def _files(self, snapshot: Snapshot, models: list[type[Model]]) -> Iterator[str | bytes]:
        yield from _lines(files.table_statements(self.dialect))
        query = files.stored_names_query(snapshot.connection, models)
        if query is None:
            return
        for (name,) in snapshot.rows(query):
            try:
                chunks = open_chunks(name, files.CHUNK_BYTES)
            except StoredFileMissing:
                # One lost file must not cost the whole backup; the log and the
                # dump both say which one is missing.
                logger.warning("Stored file %s is missing; the dump goes on without it.", name)
                yield f"-- missing from storage: {json.dumps(name)}\n"
                continue
            self.files += 1
            with closing(chunks):
                yield from self._file(self.files, name, chunks)

    def _file(self, file_id: int, name: str, chunks: Iterator[bytes]) -> Iterator[str | bytes]:
        yield files.insert_statement(self.dialect, file_id, name) + "\n"
        digest = hashlib.sha256()
        size = 0
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            yield files.append_statement(self.dialect, file_id, chunk)
        yield files.finish_statement(file_id, size, digest.hexdigest()) + "\n"


def _values_writer(literals: list[Callable[[Any], str]]) -> Callable[[tuple], str]:
    """A function writing a row's values with one literal function per column."""
    first = literals[0]
    if all(literal is first for literal in literals):
        # The common case, and the hot loop of a dump: map() is the fastest way.
        return lambda row: ", ".join(map(first, row))
    return lambda row: ", ".join([literal(value) for literal, value in zip(literals, row, strict=True)])


def _inserts(insert: str, rows: list[str]) -> Iterator[str]:
    """INSERT statements for `rows`, each "(value, ...)": one row per line, several rows per statement.

    All of them in one statement unless their text is longer than INSERT_CHARS;
    then each statement takes rows while its text stays that short, and at
    least one.
    """
    separator = len(ROW_SEPARATOR)
    if len(rows) <= 1 or sum(map(len, rows)) + separator * (len(rows) - 1) <= INSERT_CHARS:
        if rows:
            yield insert + ROW_SEPARATOR.join(rows) + ";\n"
        return
    start, size = 0, -separator
    for index, row in enumerate(rows):
        size += separator + len(row)
        if index > start and size > INSERT_CHARS:
            yield insert + ROW_SEPARATOR.join(rows[start:index]) + ";\n"
            start, size = index, len(row)
    yield insert + ROW_SEPARATOR.join(rows[start:]) + ";\n"


def _lines(statements: Iterable[str]) -> Iterator[str]:
    for statement in statements:
        yield f"{statement}\n"
