"""Readers of the pet shop's two file formats, yielding numbered raw rows."""

import csv
import io
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

COLUMNS = ("petId", "nome_pet", "dono", "raca", "data_nascimento")
SQLITE_MAGIC = b"SQLite format 3\x00"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, wrong columns, not CSV or SQLite)."""


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
        if any(has_undecodable(column) for column in header):
            raise ImportFileError(f"{self.path} is not UTF-8 text (nor a SQLite database); save it as UTF-8.")
        missing = [column for column in COLUMNS if column not in header]
        if missing:
            raise ImportFileError(
                f"{self.path}: missing column(s) {', '.join(missing)}; the header must name {', '.join(COLUMNS)}."
            )
        return header


class SqliteSource:
    """The pet shop's `database.db`: a table `pets` with the CSV's columns. Lines are row ids.

    Each read opens its own read-only connection and closes it at the end, so
    the source can be read again (the import does, when the COPY into an empty
    register meets a repeated id).
    """

    kind = "SQLite database"
    location = "row"
    unit = "rows"

    def __init__(self, path: Path):
        self.path = path
        self._done = 0
        try:
            with closing(self._connect()) as connection:
                columns = {row[1] for row in connection.execute("PRAGMA table_info(pets)")}
                if not columns:
                    raise ImportFileError(f"{path} has no table 'pets'.")
                missing = [column for column in COLUMNS if column not in columns]
                if missing:
                    raise ImportFileError(f"{path}: table 'pets' lacks column(s) {', '.join(missing)}.")
                (self.total,) = connection.execute("SELECT count(*) FROM pets").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ImportFileError(f"{path} cannot be read as a SQLite database ({exc}).") from exc

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)

    def rows(self) -> Iterator[tuple[int, list[str] | str]]:
        self._done = 0
        with closing(self._connect()) as connection:
            cursor = connection.execute(
                'SELECT rowid, "petId", nome_pet, dono, raca, data_nascimento FROM pets ORDER BY rowid'
            )
            for rowid, *values in cursor:
                self._done += 1
                yield rowid, [_as_text(value) for value in values]

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


def has_undecodable(text: str) -> bool:
    # surrogateescape turns each byte that is not UTF-8 into a lone surrogate.
    return any("\udc80" <= character <= "\udcff" for character in text)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    return str(value)
