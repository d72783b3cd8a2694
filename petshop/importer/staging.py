"""The set-based half of the import: a temporary staging table and the upsert from it.

The register's table is petshop_pet (Pet._meta.db_table); the staging tables
are temporary, so concurrent imports on other connections do not see each
other's.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator

COPY_CHUNK_CHARS = 256 * 1024
SQLITE_BATCH_ROWS = 10_000

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


class Staging(ABC):
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

    @abstractmethod
    def load(self, rows: Iterable[tuple]) -> int:
        """Stage the rows (line, id, name, owner, breed, birth_year); returns their count."""

    def remove_duplicates(self) -> Iterator[tuple[int, str, int]]:
        """Unstage the rows whose id an earlier line already had; yields (line, id, first line)."""
        self.cursor.execute(FIND_DUPLICATES)
        self.cursor.execute(UNSTAGE_DUPLICATES)
        self.cursor.execute(SELECT_DUPLICATES)
        while batch := self.cursor.fetchmany(1000):
            yield from batch

    @abstractmethod
    def lock_register(self) -> None:
        """Keep concurrent writers out between the update and the insert (reads go on)."""

    def update_changed(self, now) -> int:
        self.cursor.execute(UPDATE_CHANGED, [now])
        return self.cursor.rowcount

    def insert_new(self, now) -> int:
        self.cursor.execute(INSERT_NEW, [now, now])
        return self.cursor.rowcount


class PostgresStaging(Staging):
    create_sql = CREATE_STAGING_POSTGRES

    def __init__(self, cursor):
        super().__init__(cursor)
        # Grouping a million ids by hash needs more than the default 4 MB.
        cursor.execute("SET LOCAL work_mem = '128MB'")

    def load(self, rows: Iterable[tuple]) -> int:
        stream = CopyStream(
            f"{line}\t{pet_id}\t{copy_text(name)}\t{copy_text(owner)}\t{copy_text(breed)}\t{year}\n"
            for line, pet_id, name, owner, breed, year in rows
        )
        self.cursor.copy_expert(COPY_STAGING, stream, COPY_CHUNK_CHARS)
        return stream.rows

    def lock_register(self) -> None:
        lock_register(self.cursor)


class SqliteStaging(Staging):
    create_sql = CREATE_STAGING_SQLITE

    def lock_register(self) -> None:
        # SQLite's write transaction (IMMEDIATE, see settings) already excludes other writers.
        return

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


def lock_register(cursor) -> None:
    # PostgreSQL: SHARE ROW EXCLUSIVE conflicts with every writer, and with itself,
    # but not with readers; it is held until the import's transaction ends.
    cursor.execute("LOCK TABLE petshop_pet IN SHARE ROW EXCLUSIVE MODE")


class CopyStream:
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


def copy_text(text: str) -> str:
    # Cleaned values hold no control characters, so of the characters COPY's
    # text format treats specially only the backslash can occur.
    return text.replace("\\", "\\\\") if "\\" in text else text
