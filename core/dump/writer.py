"""Writing a dump: the whole database and its stored files as one SQL script.

The script, in order:

    -- dump: {"dialect": ..., "format": 1, "schema": ...}
    SET ...;                        PostgreSQL session settings
    BEGIN;
    CREATE TABLE ...;               with the schema; data-only dumps empty the tables instead
    INSERT INTO ... VALUES (...);   one row per line, referenced tables first
    CREATE INDEX ...; ALTER TABLE ... ADD CONSTRAINT ...;   with the schema
    SELECT setval(...);             PostgreSQL identity sequences
    CREATE TABLE "dump_files" ...; INSERT ...; UPDATE ...;  the stored files
    COMMIT;
    -- dump-complete: {"files": ..., "tables": {...}}

The trailer's row and file counts let `load_dump` tell a whole dump from a
truncated one. Nothing in the script depends on the time it was written, so the
same data always gives the same bytes.
"""

# Writing SQL text is this module's job: names are quoted and values written as literals.
# ruff: noqa: S608

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from core.dump import files
from core.dump.convert import value_converter
from core.dump.dialects import DIALECTS, POSTGRESQL, Dialect, dialect_of, get_dialect
from core.dump.exceptions import DumpError
from core.dump.literals import postgresql_text_literal
from core.dump.schema import columns, dumped_models, schema_statements
from core.dump.snapshot import Snapshot
from core.storage import StoredFileMissing, open_chunks

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
HEADER_PREFIX = "-- dump: "
TRAILER_PREFIX = "-- dump-complete: "
BEGIN = "BEGIN;"
COMMIT = "COMMIT;"
# Statements are gathered into chunks of about this size: large enough to keep
# the per-chunk cost of the WSGI server low, small enough to start sending soon.
CHUNK_CHARS = 256 * 1024


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

    def _statements(self, snapshot: Snapshot) -> Iterator[str]:
        """Every line after the header and before the trailer."""
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
            yield from _lines(f"DELETE FROM {dialect.quote_name(model._meta.db_table)};" for model in reversed(models))
        for model in models:
            yield from self._rows(snapshot, model)
        yield from _lines(deferred)
        yield from _lines(dialect.sequence_resets(models))
        yield from self._files(snapshot, models)
        yield f"{COMMIT}\n"

    def _rows(self, snapshot: Snapshot, model: type[Model]) -> Iterator[str]:
        table = model._meta.db_table
        fields = columns(model)
        source_name = snapshot.connection.ops.quote_name
        target_name = self.dialect.quote_name
        readers = [self._reader_for(field, snapshot) for field in fields]
        select = ", ".join(expression for expression, _literal in readers)
        values_of = _values_writer([literal for _expression, literal in readers])
        order = ", ".join(source_name(field.column) for field in model._meta.pk_fields)
        names = ", ".join(target_name(field.column) for field in fields)
        insert = f"INSERT INTO {target_name(table)} ({names}) VALUES ("
        count = 0
        try:
            # Ordered by primary key, so that the same data gives the same dump.
            for row in snapshot.rows(f"SELECT {select} FROM {source_name(table)} ORDER BY {order}"):
                yield f"{insert}{values_of(row)});\n"
                count += 1
                self.rows += 1
        except (TypeError, ValueError) as exc:
            raise DumpError(f"Cannot write row {count + 1} of {table}: {exc}") from exc
        self.table_rows[table] = count

    def _reader_for(self, field, snapshot: Snapshot) -> tuple[str, Callable[[Any], str]]:
        """What to select for `field`'s column, and how to write what comes back."""
        column = snapshot.connection.ops.quote_name(field.column)
        literal = self.dialect.literal
        if self.dialect.name == snapshot.dialect == POSTGRESQL:
            # PostgreSQL's text form of a value reads back exactly, whatever the
            # type (pg_dump writes it too); quoting it is all that is left, and
            # psycopg builds no Python objects on the way.
            return f"{column}::text", postgresql_text_literal
        if self.dialect.name == snapshot.dialect:
            return column, literal
        convert = value_converter(field, snapshot.connection, self.dialect.connection)
        if convert is None:
            return column, literal
        return column, lambda value: literal(convert(value))

    def _files(self, snapshot: Snapshot, models: list[type[Model]]) -> Iterator[str]:
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

    def _file(self, file_id: int, name: str, chunks: Iterator[bytes]) -> Iterator[str]:
        yield files.insert_statement(self.dialect, file_id, name) + "\n"
        digest = hashlib.sha256()
        size = 0
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            yield files.append_statement(self.dialect, file_id, chunk) + "\n"
        yield files.finish_statement(file_id, size, digest.hexdigest()) + "\n"


def _values_writer(literals: list[Callable[[Any], str]]) -> Callable[[tuple], str]:
    """A function writing a row's values with one literal function per column."""
    first = literals[0]
    if all(literal is first for literal in literals):
        # The common case, and the hot loop of a dump: map() is the fastest way.
        return lambda row: ", ".join(map(first, row))
    return lambda row: ", ".join([literal(value) for literal, value in zip(literals, row, strict=True)])


def _lines(statements: Iterable[str]) -> Iterator[str]:
    for statement in statements:
        yield f"{statement}\n"
