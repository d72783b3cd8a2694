"""Bulk import of the pet shop's register from its CSV file or its SQLite database.

Rows are read as a stream, cleaned one by one with the same rules as the API
(`petshop.validators`), and the good ones are loaded into a temporary staging
table: through COPY on PostgreSQL, through batched executemany on SQLite.
Duplicate ids within the file are then found in SQL, and the register is
upserted from the staging table with two set-based statements. Memory stays
flat whatever the size of the file; a million rows take seconds.
"""

import csv
import io
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from psycopg2.errors import UniqueViolation

from petshop import validators
from petshop.models import Pet

COLUMNS = ("petId", "nome_pet", "dono", "raca", "data_nascimento")
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_BATCH_ROWS = 10_000
PROGRESS_EVERY_ROWS = 10_000
COPY_CHUNK_CHARS = 256 * 1024

_CLEANERS = (
    validators.clean_pet_id,
    validators.clean_text,
    validators.clean_text,
    validators.clean_text,
    validators.clean_birth_year,
)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, wrong columns, not CSV or SQLite)."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False


# Called with (line, reason) for each rejected row, as soon as it is found.
RejectCallback = Callable[[int, str], None]


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read through it (for the progress bar)."""

    def __init__(self, raw):
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._raw.readinto(buffer)
        self.bytes_read += count
        return count


class CsvSource:
    """The pet shop's CSV: a header naming at least the five columns, in any order.

    Undecodable bytes (a file not saved as UTF-8) do not stop the import: the
    rows holding them are rejected with a clear reason, like any bad row.
    """

    kind = "CSV"
    location = "line"

    def __init__(self, path: Path):
        self.path = path
        self.total = path.stat().st_size
        self.unit = "B"
        self._counter = None
        # The header is checked now, so that a wrong file stops the import before it starts.
        with self._reader() as (_, reader):
            self.header = self._header(reader)

    @contextmanager
    def _reader(self):
        with self.path.open("rb") as raw:
            counter = _CountingReader(raw)
            text = io.TextIOWrapper(
                io.BufferedReader(counter), encoding="utf-8-sig", errors="surrogateescape", newline=""
            )
            yield counter, csv.reader(text, strict=True)

    def rows(self) -> Iterator[tuple[int, list[str] | str]]:
        width = len(self.header)
        # The pet shop's own files have exactly these columns, in this order.
        positions = None if tuple(self.header) == COLUMNS else [self.header.index(column) for column in COLUMNS]
        with self._reader() as (self._counter, reader):
            next(reader)
            line = reader.line_num + 1
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield line, f"not valid CSV ({exc})"
                else:
                    if len(row) == width:
                        yield line, row if positions is None else [row[position] for position in positions]
                    elif row:  # blank lines are skipped
                        yield line, f"{len(row)} field(s) where the header has {width}"
                line = reader.line_num + 1

    def progress(self) -> int:
        return self._counter.bytes_read if self._counter else 0

    def _header(self, reader) -> list[str]:
        try:
            header = [column.strip() for column in next(reader)]
        except StopIteration:
            raise ImportFileError(f"{self.path} is empty.") from None
        except csv.Error as exc:
            raise ImportFileError(f"{self.path}: the header line is not valid CSV ({exc}).") from exc
        if any(_has_undecodable(column) for column in header):
            raise ImportFileError(f"{self.path} is not UTF-8 text (nor a SQLite database); save it as UTF-8.")
        missing = [column for column in COLUMNS if column not in header]
        if missing:
            raise ImportFileError(
                f"{self.path}: missing column(s) {', '.join(missing)}; the header must name {', '.join(COLUMNS)}."
            )
        return header


class SqliteSource:
    """The pet shop's `database.db`: a table `pets` with the CSV's columns. Lines are row ids."""

    kind = "SQLite database"
    location = "row"
    unit = "rows"

    def __init__(self, path: Path):
        self.path = path
        self._done = 0
        try:
            self._connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            columns = {row[1] for row in self._connection.execute("PRAGMA table_info(pets)")}
            if not columns:
                raise ImportFileError(f"{path} has no table 'pets'.")
            missing = [column for column in COLUMNS if column not in columns]
            if missing:
                raise ImportFileError(f"{path}: table 'pets' lacks column(s) {', '.join(missing)}.")
            (self.total,) = self._connection.execute("SELECT count(*) FROM pets").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ImportFileError(f"{path} cannot be read as a SQLite database ({exc}).") from exc

    def rows(self) -> Iterator[tuple[int, list[str] | str]]:
        try:
            cursor = self._connection.execute(
                'SELECT rowid, "petId", nome_pet, dono, raca, data_nascimento FROM pets ORDER BY rowid'
            )
            for rowid, *values in cursor:
                self._done += 1
                yield rowid, [_as_text(value) for value in values]
        finally:
            self._connection.close()

    def progress(self) -> int:
        return self._done


def open_source(path: Path) -> CsvSource | SqliteSource:
    """The right reader for `path`, told apart by content rather than by extension."""
    try:
        with path.open("rb") as file:
            magic = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise ImportFileError(f"{path} cannot be read ({exc.strerror}).") from exc
    return SqliteSource(path) if magic == SQLITE_MAGIC else CsvSource(path)


def clean_row(values: list[str] | str, current_year: int) -> tuple[str, str, str, str, int] | str:
    """The row's stored values, or the reason it is rejected.

    `values` are the five columns in COLUMNS order, or already a reason when the
    source could not read the row.
    """
    if isinstance(values, str):
        return values
    pet_id, name, owner, breed, year = values
    try:
        return (
            validators.clean_pet_id(pet_id),
            validators.clean_text(name),
            validators.clean_text(owner),
            validators.clean_text(breed),
            validators.clean_birth_year(year, current_year),
        )
    except ValidationError:
        return _rejection_reason(values, current_year)


def _rejection_reason(values: list[str], current_year: int) -> str:
    """Every problem of a bad row, column by column (the slow path, for bad rows only)."""
    cleaners = (*_CLEANERS[:-1], lambda value: validators.clean_birth_year(value, current_year))
    problems = []
    for column, cleaner, value in zip(COLUMNS, cleaners, values, strict=True):
        try:
            cleaner(value)
        except ValidationError as exc:
            if _has_undecodable(value):
                problems.append(f"{column}: not valid UTF-8 (save the file as UTF-8)")
            else:
                problems.append(f"{column}: {' '.join(exc.messages)}")
    return "; ".join(problems)


def import_pets(source, *, strict: bool, on_reject: RejectCallback, on_progress=None) -> ImportResult:
    """Upsert every good row of `source` into the register, keyed by petId.

    Idempotent: a row equal to the stored pet changes nothing (not even
    `updated_at`); pictures are never touched. Every rejected row is passed to
    `on_reject` with its line and reason; with `strict`, one rejected row means
    nothing is written. `on_progress(done)` is called now and then while
    reading. Concurrent writes to the register wait while rows are written.

    On PostgreSQL an empty register (the first load of a whole register) is
    filled by COPY straight into its table, which overlaps reading the file
    with writing the table; otherwise, or when the file repeats an id, rows go
    through the staging table.
    """
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _lock_register(cursor)
            if not Pet.objects.exists():
                first_pass = _Pass(source, now.year, on_reject, on_progress)
                try:
                    with transaction.atomic():
                        return _copy_into_empty_register(cursor, first_pass, strict, now)
                except UniqueViolation:
                    # An id repeated within the file; its rejected rows were reported already.
                    return _upsert_through_staging(cursor, first_pass.again_quietly(), strict, now)
        return _upsert_through_staging(cursor, _Pass(source, now.year, on_reject, on_progress), strict, now)


class _Pass:
    """One read of the source: cleaned rows out, rejected rows counted and reported."""

    def __init__(self, source, current_year: int, on_reject: RejectCallback, on_progress, *, quiet=False):
        self.source = source
        self.current_year = current_year
        self.on_reject = on_reject
        self.on_progress = on_progress
        self.quiet = quiet
        self.result = ImportResult()

    def again_quietly(self) -> "_Pass":
        """A second read whose invalid rows are counted but not reported again."""
        return _Pass(self.source, self.current_year, self.on_reject, self.on_progress, quiet=True)

    def good_rows(self) -> Iterator[tuple]:
        """(line, id, name, owner, breed, birth_year) of each good row."""
        for count, (line, values) in enumerate(self.source.rows(), start=1):
            cleaned = clean_row(values, self.current_year)
            if isinstance(cleaned, str):
                self.result.rejected += 1
                if not self.quiet:
                    self.on_reject(line, cleaned)
            else:
                yield (line, *cleaned)
            if self.on_progress is not None and count % PROGRESS_EVERY_ROWS == 0:
                self.on_progress(self.source.progress())
        if self.on_progress is not None:
            self.on_progress(self.source.progress())

    def reject_duplicate(self, line: int, pet_id, first_line: int) -> None:
        self.result.rejected += 1
        # PostgreSQL returns the uuid dashed; the pet shop writes it without dashes.
        pet_id = str(pet_id).replace("-", "")
        self.on_reject(line, f"duplicate petId {pet_id} (first on {self.source.location} {first_line})")


def _copy_into_empty_register(cursor, rows: _Pass, strict: bool, now) -> ImportResult:
    # Empty picture and checksum, then created_at and updated_at.
    tail = f"\t\t\t{now.isoformat()}\t{now.isoformat()}\n"
    stream = _CopyStream(
        f"{pet_id}\t{_copy_text(name)}\t{_copy_text(owner)}\t{_copy_text(breed)}\t{year}{tail}"
        for _line, pet_id, name, owner, breed, year in rows.good_rows()
    )
    cursor.copy_expert(COPY_REGISTER, stream, COPY_CHUNK_CHARS)
    result = rows.result
    if strict and result.rejected:
        transaction.set_rollback(True)
        return result
    result.created = stream.rows
    result.written = True
    return result


def _upsert_through_staging(cursor, rows: _Pass, strict: bool, now) -> ImportResult:
    staging = _PostgresStaging(cursor) if connection.vendor == "postgresql" else _SqliteStaging(cursor)
    staged = staging.load(rows.good_rows())
    result = rows.result
    for line, pet_id, first_line in staging.remove_duplicates():
        rows.reject_duplicate(line, pet_id, first_line)
        staged -= 1
    if strict and result.rejected:
        # The staging tables go with the rollback.
        transaction.set_rollback(True)
        return result
    staging.lock_register()
    result.updated = staging.update_changed(now)
    result.created = staging.insert_new(now)
    result.unchanged = staged - result.created - result.updated
    result.written = True
    staging.drop()
    return result


# The set-based part of the import. The register's table is petshop_pet
# (Pet._meta.db_table); the staging tables are temporary, so concurrent imports
# on other connections do not see each other's.
# The id column has the register's own type: uuid on PostgreSQL, 32 hex characters on SQLite.
CREATE_STAGING_POSTGRES = (
    "CREATE TEMPORARY TABLE petshop_pet_import (line bigint NOT NULL, id uuid NOT NULL, "
    "name varchar(100) NOT NULL, owner varchar(100) NOT NULL, breed varchar(100) NOT NULL, "
    "birth_year integer NOT NULL)"
)
CREATE_STAGING_SQLITE = (
    "CREATE TEMPORARY TABLE petshop_pet_import (line bigint NOT NULL, id char(32) NOT NULL, "
    "name varchar(100) NOT NULL, owner varchar(100) NOT NULL, breed varchar(100) NOT NULL, "
    "birth_year integer NOT NULL)"
)
DROP_STAGING = ("DROP TABLE IF EXISTS petshop_pet_import_duplicates", "DROP TABLE IF EXISTS petshop_pet_import")
INSERT_STAGING = (
    "INSERT INTO petshop_pet_import (line, id, name, owner, breed, birth_year) VALUES (%s, %s, %s, %s, %s, %s)"
)
COPY_STAGING = "COPY petshop_pet_import (line, id, name, owner, breed, birth_year) FROM STDIN"
COPY_REGISTER = (
    "COPY petshop_pet (id, name, owner, breed, birth_year, picture, picture_sha256, created_at, updated_at) FROM STDIN"
)
FIND_DUPLICATES = (
    "CREATE TEMPORARY TABLE petshop_pet_import_duplicates AS "
    "SELECT s.line, s.id, f.first_line FROM petshop_pet_import s JOIN ("
    "SELECT id, MIN(line) AS first_line FROM petshop_pet_import GROUP BY id HAVING COUNT(*) > 1"
    ") f ON f.id = s.id WHERE s.line > f.first_line"
)
UNSTAGE_DUPLICATES = "DELETE FROM petshop_pet_import WHERE line IN (SELECT line FROM petshop_pet_import_duplicates)"
SELECT_DUPLICATES = "SELECT line, id, first_line FROM petshop_pet_import_duplicates ORDER BY line"
UPDATE_CHANGED = (
    "UPDATE petshop_pet SET name = s.name, owner = s.owner, breed = s.breed, birth_year = s.birth_year, "
    "updated_at = %s FROM petshop_pet_import s WHERE petshop_pet.id = s.id AND ("
    "petshop_pet.name <> s.name OR petshop_pet.owner <> s.owner OR petshop_pet.breed <> s.breed "
    "OR petshop_pet.birth_year <> s.birth_year)"
)
# Sorted by id, new keys reach the primary key index in order: on a large
# import that halves the cost of the insert.
INSERT_NEW = (
    "INSERT INTO petshop_pet (id, name, owner, breed, birth_year, picture, picture_sha256, created_at, updated_at) "
    "SELECT s.id, s.name, s.owner, s.breed, s.birth_year, '', '', %s, %s FROM petshop_pet_import s "
    "WHERE NOT EXISTS (SELECT 1 FROM petshop_pet p WHERE p.id = s.id) ORDER BY s.id"
)


class _Staging:
    """A temporary table holding the cleaned rows, and the set-based upsert from it."""

    create_sql = ""

    def __init__(self, cursor):
        self.cursor = cursor
        self.drop()
        cursor.execute(self.create_sql)

    def drop(self) -> None:
        # SQLite keeps temporary tables until the connection closes; a failed
        # import rolls their creation back on both databases.
        for statement in DROP_STAGING:
            self.cursor.execute(statement)

    def load(self, rows: Iterable[tuple]) -> int:
        """Stage the rows (line, id, name, owner, breed, birth_year); returns their count."""
        raise NotImplementedError

    def remove_duplicates(self) -> Iterator[tuple[int, str, int]]:
        """Unstage the rows whose id an earlier line already had; yields (line, id, first line)."""
        self.cursor.execute(FIND_DUPLICATES)
        self.cursor.execute(UNSTAGE_DUPLICATES)
        self.cursor.execute(SELECT_DUPLICATES)
        while batch := self.cursor.fetchmany(1000):
            yield from batch

    def lock_register(self) -> None:
        """Keep concurrent writers out between the update and the insert (reads go on)."""

    def update_changed(self, now) -> int:
        self.cursor.execute(UPDATE_CHANGED, [now])
        return self.cursor.rowcount

    def insert_new(self, now) -> int:
        self.cursor.execute(INSERT_NEW, [now, now])
        return self.cursor.rowcount


class _PostgresStaging(_Staging):
    create_sql = CREATE_STAGING_POSTGRES

    def __init__(self, cursor):
        super().__init__(cursor)
        # Grouping a million ids by hash needs more than the default 4 MB.
        cursor.execute("SET LOCAL work_mem = '128MB'")

    def load(self, rows: Iterable[tuple]) -> int:
        stream = _CopyStream(
            f"{line}\t{pet_id}\t{_copy_text(name)}\t{_copy_text(owner)}\t{_copy_text(breed)}\t{year}\n"
            for line, pet_id, name, owner, breed, year in rows
        )
        self.cursor.copy_expert(COPY_STAGING, stream, COPY_CHUNK_CHARS)
        return stream.rows

    def lock_register(self) -> None:
        _lock_register(self.cursor)


class _SqliteStaging(_Staging):
    # SQLite's write transaction (IMMEDIATE, see settings) already excludes other writers.
    create_sql = CREATE_STAGING_SQLITE

    def load(self, rows: Iterable[tuple]) -> int:
        count = 0
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == SQLITE_BATCH_ROWS:
                self.cursor.executemany(INSERT_STAGING, batch)
                count += len(batch)
                batch = []
        if batch:
            self.cursor.executemany(INSERT_STAGING, batch)
            count += len(batch)
        return count


def _lock_register(cursor) -> None:
    # PostgreSQL: SHARE ROW EXCLUSIVE conflicts with every writer, and with itself,
    # but not with readers; it is held until the import's transaction ends.
    cursor.execute("LOCK TABLE petshop_pet IN SHARE ROW EXCLUSIVE MODE")


class _CopyStream:
    """A read()-able view of lines in COPY's text format, for copy_expert."""

    def __init__(self, lines: Iterable[str]):
        self._lines = iter(lines)
        self._pending = ""
        self.rows = 0

    def read(self, size: int = -1) -> str:
        parts = [self._pending]
        length = len(self._pending)
        for text in self._lines:
            parts.append(text)
            length += len(text)
            self.rows += 1
            if 0 <= size <= length:
                break
        data = "".join(parts)
        if size < 0:
            self._pending = ""
            return data
        self._pending = data[size:]
        return data[:size]


def _copy_text(text: str) -> str:
    # Cleaned values hold no control characters, so of the characters COPY's
    # text format treats specially only the backslash can occur.
    return text.replace("\\", "\\\\") if "\\" in text else text


def _has_undecodable(text: str) -> bool:
    # surrogateescape turns each byte that is not UTF-8 into a lone surrogate.
    return any("\udc80" <= character <= "\udcff" for character in text)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    return str(value)
