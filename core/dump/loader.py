"""Loading a dump into the configured database and storage.

A dump is checked whole before anything changes: every statement must be one
of the forms that the writer writes, for the installed models' tables
(`validation`); its trailer must be there, the rows and files it holds must
match the trailer's counts, and every file's bytes must match its SHA-256.
Only then do its statements run, in one transaction, each checked again as it
is read. The files go to storage instead of the `dump_files` table, which is
dropped at the end. The file is read as a stream, twice, and never held whole.

The checks prove that a dump is whole and made of a dump's statements, not who
wrote it, and a dump replaces every row, password hashes included: load only
dumps you trust.
"""

import hashlib
import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from core import caching
from core.dump import files
from core.dump.dialects import DIALECTS, POSTGRESQL, dialect_of
from core.dump.exceptions import DumpError, InvalidDumpError
from core.dump.statements import StatementSplitter
from core.dump.validation import StatementChecker, StatementRefused
from core.dump.writer import BEGIN, COMMIT, FORMAT_VERSION, HEADER_PREFIX, TRAILER_PREFIX

# Format 1 wrote one row per INSERT; format 2 writes several, and both write no
# literal with a line break in it, so every line of an INSERT after its first
# starts a row: "(...),".
READABLE_FORMATS = (1, FORMAT_VERSION)
_INSERT_ROWS = re.compile(r'^INSERT INTO "((?:[^"]|"")+)" ')
# Statements sent to PostgreSQL per round trip are gathered up to this size.
BATCH_CHARS = 1024 * 1024

Progress = Callable[[int], object]


@dataclass(frozen=True)
class DumpSummary:
    """What a checked dump holds."""

    dialect: str
    schema: bool
    tables: dict[str, int]
    files: int

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


class DumpReader:
    """A dump file read statement by statement; its header is read on creation."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        with self.path.open("rb") as file:
            first_line = file.readline(64 * 1024).decode("utf-8", errors="replace")
        self.header = _parse_comment(first_line, HEADER_PREFIX)
        if (
            self.header is None
            or self.header.get("format") not in READABLE_FORMATS
            or self.header.get("dialect") not in DIALECTS
            or not isinstance(self.header.get("schema"), bool)
        ):
            formats = " or ".join(map(str, READABLE_FORMATS))
            raise InvalidDumpError(f"{self.path} is not a dump of format {formats}, says its first line.")
        self.trailer: dict | None = None
        # The line on which the statement last yielded by statements() starts.
        self.line = 0

    @property
    def dialect(self) -> str:
        return self.header["dialect"]

    def statements(self, progress: Progress | None = None) -> Iterator[str]:
        """Every statement in order; the trailer, when the file ends with it, lands in `trailer`."""
        splitter = StatementSplitter(backslash_escapes=self.dialect == POSTGRESQL)
        self.trailer = None
        with self.path.open("rb") as file:
            for number, raw in enumerate(file, start=1):
                if progress:
                    progress(len(raw))
                if self.trailer is not None:
                    raise InvalidDumpError(f"{self.path} goes on after its trailer (line {number}).")
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InvalidDumpError(f"{self.path} is not UTF-8 text (line {number}).") from exc
                if not splitter.pending:
                    if line.startswith("--"):
                        if line.startswith(TRAILER_PREFIX):
                            self.trailer = _parse_comment(line, TRAILER_PREFIX)
                            if not _is_trailer(self.trailer):
                                raise InvalidDumpError(f"{self.path} has an unreadable trailer (line {number}).")
                        continue
                    start = number
                for statement in splitter.feed(line):
                    self.line = start
                    yield statement
                    # A second statement on the same line starts on it.
                    start = number


class DumpLoader:
    """Checks a dump file and loads it into database `using` and the default storage."""

    def __init__(self, path: str | Path, *, using: str = DEFAULT_DB_ALIAS):
        self.reader = DumpReader(path)
        self.checker = StatementChecker(self.reader.dialect, schema=self.reader.header["schema"])
        self.connection: BaseDatabaseWrapper = connections[using]
        self.summary: DumpSummary | None = None
        self.rows = 0
        self.files = 0
        target = dialect_of(self.connection)
        if self.reader.dialect != target:
            raise DumpError(f"This dump is written for {self.reader.dialect}; the database is {target}.")

    def verify(self, progress: Progress | None = None) -> DumpSummary:
        """Read the whole dump and check it against its trailer, changing nothing.

        `InvalidDumpError` when a statement is not one that a dump writes (with
        its line), when the trailer is missing (a truncated file), when the rows
        or files in the file differ from its counts, or when a file's bytes
        differ from its SHA-256.
        """
        path = self.reader.path
        rows: Counter[str] = Counter()
        checked_files = 0
        digest = hashlib.sha256()
        size = 0
        for statement in self.reader.statements(progress):
            self._check(statement)
            if match := files.APPEND_CHUNK.match(statement):
                chunk = bytes.fromhex(match[1])
                digest.update(chunk)
                size += len(chunk)
            elif match := files.FINISH_FILE.match(statement):
                if int(match[1]) != size or match[2] != digest.hexdigest():
                    raise InvalidDumpError(f"{path}: stored file #{match[3]} does not match its size and SHA-256.")
                checked_files += 1
            elif files.INSERT_FILE.match(statement):
                digest, size = hashlib.sha256(), 0
            elif match := _INSERT_ROWS.match(statement):
                rows[match[1].replace('""', '"')] += _row_count(statement)
        trailer = self.reader.trailer
        if trailer is None:
            raise InvalidDumpError(f"{path} does not end with its dump-complete trailer: it is truncated.")
        expected = {table: count for table, count in trailer["tables"].items() if count}
        if dict(rows) != expected:
            table = min(table for table in rows.keys() | expected.keys() if rows[table] != expected.get(table, 0))
            raise InvalidDumpError(
                f"{path} holds {rows[table]} rows of {table}, its trailer says {expected.get(table, 0)}."
            )
        if checked_files != trailer["files"]:
            raise InvalidDumpError(f"{path} holds {checked_files} files, its trailer says {trailer['files']}.")
        self.summary = DumpSummary(
            dialect=self.reader.dialect,
            schema=self.reader.header["schema"],
            tables=trailer["tables"],
            files=checked_files,
        )
        return self.summary

    def load(self, progress: Progress | None = None) -> DumpSummary:
        """Load the dump (checked first, if `verify()` has not been called) in one transaction.

        A dump with its schema needs a database without its tables; a data-only
        dump needs one that `migrate` created, whose rows it replaces.
        """
        summary = self.summary or self.verify()
        self._check_database(summary)
        with transaction.atomic(using=self.connection.alias):
            # Every row may change: no value cached from the old ones may be used.
            transaction.on_commit(caching.invalidate_everything, using=self.connection.alias)
            # The driver's own cursor: Django's would log every statement, file
            # chunks included, when DEBUG is on.
            runner = _StatementRunner(self.connection.connection.cursor(), batch=self.connection.vendor == POSTGRESQL)
            restorer = _FileRestorer(runner)
            if self.connection.vendor == POSTGRESQL:
                # The checks read string literals as standard ones, whatever the server's default.
                runner.execute("SET LOCAL standard_conforming_strings = on;")
            for statement in self.reader.statements(progress):
                # Checked again: the file may have changed since verify().
                self._check(statement)
                if match := files.APPEND_CHUNK.match(statement):
                    restorer.append(bytes.fromhex(match[1]))
                elif statement not in (BEGIN, COMMIT):
                    runner.execute(statement)
                    if match := files.FINISH_FILE.match(statement):
                        restorer.save(int(match[3]), match[2])
                        self.files += 1
                    elif _INSERT_ROWS.match(statement) and not files.INSERT_FILE.match(statement):
                        self.rows += _row_count(statement)
            if self.reader.trailer is None:
                raise InvalidDumpError(f"{self.reader.path} changed while it was loaded: its trailer is gone.")
            runner.execute(f'DROP TABLE "{files.FILES_TABLE}";')
            runner.flush()
        return summary

    def _check(self, statement: str) -> None:
        try:
            self.checker.check(statement)
        except StatementRefused as exc:
            raise InvalidDumpError(
                f"{self.reader.path}, line {self.reader.line}: {exc}; load_dump runs only the statements "
                "that a dump writes."
            ) from exc

    def _check_database(self, summary: DumpSummary) -> None:
        existing = set(self.connection.introspection.table_names())
        if summary.schema:
            present = sorted(existing & summary.tables.keys())
            if present:
                raise DumpError(
                    f"The database already has table {present[0]}: a dump with its schema loads into an empty "
                    "database. Load a data-only dump (schema=false) into a migrated one."
                )
        else:
            missing = sorted(summary.tables.keys() - existing)
            if missing:
                raise DumpError(
                    f"The database has no table {missing[0]}: a data-only dump loads into a database that "
                    "`manage.py migrate` created."
                )


class _StatementRunner:
    """Runs statements, several per round trip when `batch` (PostgreSQL takes many at once)."""

    def __init__(self, cursor, *, batch: bool):
        self.cursor = cursor
        self.batch = batch
        self._pending: list[str] = []
        self._size = 0

    def execute(self, statement: str) -> None:
        if not self.batch:
            self.cursor.execute(statement)
            return
        self._pending.append(statement)
        self._size += len(statement)
        if self._size >= BATCH_CHARS:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.cursor.execute("\n".join(self._pending))
            self._pending, self._size = [], 0

    def fetch_value(self, query: str):
        self.flush()
        self.cursor.execute(query)
        return self.cursor.fetchone()[0]


class _FileRestorer:
    """Gathers a stored file's chunks in a temporary file and saves it to storage."""

    def __init__(self, runner: _StatementRunner):
        self.runner = runner
        self._new_file()

    def _new_file(self) -> None:
        # In memory up to a few chunks, on disk beyond; save() closes it.
        self._file = tempfile.SpooledTemporaryFile(max_size=4 * files.CHUNK_BYTES)  # noqa: SIM115
        self._digest = hashlib.sha256()

    def append(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self._digest.update(chunk)

    def save(self, file_id: int, sha256: str) -> None:
        """Save the file gathered so far, which `dump_files` row `file_id` names."""
        try:
            if self._digest.hexdigest() != sha256:
                raise InvalidDumpError(f"Stored file #{file_id} changed while the dump was loaded.")
            name = self.runner.fetch_value(f'SELECT "name" FROM "{files.FILES_TABLE}" WHERE "id" = {file_id}')  # noqa: S608 - a constant table name and an integer id
            # Storage would save a file of the same name under a new name.
            if default_storage.exists(name):
                default_storage.delete(name)
            self._file.seek(0)
            saved = default_storage.save(name, File(self._file, name=name))
            if saved != name:
                raise DumpError(f"Storage saved {name} as {saved}.")
        finally:
            self._file.close()
            self._new_file()


def _row_count(insert: str) -> int:
    """The rows of an INSERT statement of a dump: one on its first line and one per line after it."""
    return insert.count("\n(") + 1


def _parse_comment(line: str, prefix: str) -> dict | None:
    if not line.startswith(prefix) or not line.endswith("\n"):
        return None
    try:
        value = json.loads(line[len(prefix) :])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _is_trailer(trailer: dict | None) -> bool:
    return (
        trailer is not None
        and isinstance(trailer.get("files"), int)
        and isinstance(trailer.get("tables"), dict)
        and all(isinstance(count, int) for count in trailer["tables"].values())
    )
