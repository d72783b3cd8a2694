"""Stored files inside a dump: the `dump_files` table.

Every file named by a FileField (ImageField included) of any model, read from
the default storage, travels as a row of `dump_files`: name, content type,
size, SHA-256 and bytes. The row is inserted with no bytes and each chunk of
the file is appended by a statement of its own, so no statement holds more than
one chunk, and neither the dump's writer nor `load_dump` holds more than one
chunk of a file in memory. Size and SHA-256 follow the last chunk; they
describe exactly the bytes sent.

A dump restored with psql or sqlite3 keeps the table (the files' bytes are
there to take); `load_dump` writes the files back into storage instead and
drops it.
"""

import binascii
import mimetypes
import re
from collections.abc import Iterable

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import FileField, Model

from core.dump.dialects import Dialect

FILES_TABLE = "dump_files"
CHUNK_BYTES = 1024 * 1024
# Both dialects quote names with double quotes.
_TABLE = f'"{FILES_TABLE}"'

# The statements below, as load_dump recognises them; a chunk is written
# '\x<hex>'::bytea or X'<hex>'.
INSERT_FILE = re.compile(rf"^INSERT INTO {_TABLE} \(.*?\) VALUES \((\d+), ")  # noqa: S608 - a pattern that reads the dump, not a query
APPEND_CHUNK = re.compile(rf"^UPDATE {_TABLE} SET \"data\" = .*?(?:'\\x|X')([0-9a-f]*)'.* WHERE \"id\" = (\d+);$")  # noqa: S608 - a pattern that reads the dump, not a query
FINISH_FILE = re.compile(
    rf"^UPDATE {_TABLE} SET \"size\" = (\d+), \"sha256\" = '([0-9a-f]{{64}})' WHERE \"id\" = (\d+);$"  # noqa: S608 - a pattern that reads the dump, not a query
)


def stored_names_query(connection: BaseDatabaseWrapper, models: Iterable[type[Model]]) -> str | None:
    """A query for the distinct file names that the models' file fields hold, sorted.

    None when no model has a file field.
    """
    quote = connection.ops.quote_name
    selects = [
        f"SELECT {quote(field.column)} AS name FROM {quote(model._meta.db_table)}"  # noqa: S608 - names from the models, quoted by the backend
        f" WHERE {quote(field.column)} IS NOT NULL AND {quote(field.column)} <> ''"
        for model in models
        for field in model._meta.local_concrete_fields
        if isinstance(field, FileField)
    ]
    if not selects:
        return None
    # UNION (not UNION ALL): a file that two rows name travels once.
    return " UNION ".join(selects) + " ORDER BY 1"


def table_statements(dialect: Dialect) -> list[str]:
    """Statements (re)creating the empty files table."""
    return [
        f"DROP TABLE IF EXISTS {_TABLE};",
        f'CREATE TABLE {_TABLE} ("id" integer NOT NULL PRIMARY KEY, "name" text NOT NULL UNIQUE,'
        f' "content_type" text NULL, "size" bigint NULL, "sha256" text NULL, "data" {dialect.blob_type} NOT NULL);',
    ]


def insert_statement(dialect: Dialect, file_id: int, name: str) -> str:
    """The statement starting file `file_id`: its name and content type, no bytes yet."""
    content_type, _encoding = mimetypes.guess_type(name)
    values = ", ".join([str(file_id), dialect.literal(name), dialect.literal(content_type), "NULL", "NULL"])
    return (
        f'INSERT INTO {_TABLE} ("id", "name", "content_type", "size", "sha256", "data")'  # noqa: S608 - values written by dialect.literal()
        f" VALUES ({values}, {dialect.empty_blob});"
    )


def append_statement(dialect: Dialect, file_id: int, chunk: bytes) -> bytes:
    """The line appending `chunk` to the bytes of file `file_id`, encoded.

    Built as bytes: the hex digits of the files are most of a dump, and this
    way they are written once and copied once.
    """
    before, after = dialect.blob_append('"data"')
    return b"".join(
        [
            f'UPDATE {_TABLE} SET "data" = {before}'.encode(),  # noqa: S608 - a constant table name; the chunk is hex digits
            binascii.hexlify(chunk),
            f'{after} WHERE "id" = {file_id};\n'.encode(),
        ]
    )


def finish_statement(file_id: int, size: int, sha256: str) -> str:
    """The statement recording the size and SHA-256 of file `file_id`'s bytes."""
    return f'UPDATE {_TABLE} SET "size" = {size}, "sha256" = \'{sha256}\' WHERE "id" = {file_id};'  # noqa: S608 - integers and a hex digest
