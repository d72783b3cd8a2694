"""Which statements `load_dump` runs: only the forms that the dump's writer writes.

The trailer and the files' SHA-256 prove that a dump is whole, not who wrote
it, and `load_dump` runs the dump with the rights of the project's database
user. So before it changes anything it reads every statement and refuses the
dump at the first one that the writer (writer.py, schema.py, files.py,
dialects.py) does not write, for tables that the installed models name:

- the dialect's session settings, BEGIN and COMMIT, the files table's own
  statements, each exactly as written;
- INSERT INTO a model's table (or the files table) whose values are literals
  only: no expression, no function, no subquery;
- DELETE FROM a model's table, in a data-only dump;
- CREATE TABLE, CREATE [UNIQUE] INDEX and ALTER TABLE ... ADD CONSTRAINT on a
  model's table, in a dump with its schema, made of the words Django's schema
  editor writes (column types, constraints, a few pure functions);
- PostgreSQL's sequence resets, and the appends and checksums of stored files,
  each in the writer's exact form.

The patterns read literals as the databases do: a quote doubled inside a
string never ends it (possessive quantifiers, so that no other reading is
tried), comments are refused wherever they are, and nothing else but these
tokens may appear. A dump is still data that is trusted: it replaces rows
wholesale, password hashes included.
"""

import re

from core.dump import files
from core.dump.dialects import POSTGRESQL, SQLITE, get_dialect
from core.dump.schema import dumped_models
from core.dump.writer import BEGIN, COMMIT

_NAME = r'"(?:[^"]|"")++"'
# A table's name inside a string literal: pg_get_serial_sequence('"table"', ...).
_NAME_IN_STRING = r'"(?:[^"\']|"")++"'

# One literal of a row, as literals.py (and PostgreSQL's quote_nullable()) writes them.
_LITERALS = {
    POSTGRESQL: (
        r"(?>NULL|TRUE|FALSE|-?\d++(?:\.\d++)?+"
        r"|'(?:[^']|'')*+'(?:::bytea)?+"
        r"|E'(?:[^'\\]|\\[\s\S]|'')*+')"
    ),
    SQLITE: (
        r"(?>NULL|-?9e999|-?\d++(?:\.\d++)?+"
        r"|'(?:[^']|'')*+'"
        r"|X'[0-9a-f]*+'"
        r"|CAST\(X'[0-9a-f]*+' AS TEXT\)"
        r"|\(-?\d++(?: [*/] \d++\.0)++\))"
    ),
}
_INSERT = re.compile(rf"INSERT INTO ({_NAME}) \({_NAME}(?:, {_NAME})*+\) VALUES ")  # noqa: S608 - a pattern that reads SQL, not a query
_DELETE = re.compile(rf"DELETE FROM ({_NAME});")  # noqa: S608 - a pattern that reads SQL, not a query
_SEQUENCE_RESET = re.compile(
    rf"SELECT setval\(pg_get_serial_sequence\('({_NAME_IN_STRING})','(\w++)'\), "  # noqa: S608 - a pattern that reads SQL, not a query
    rf'coalesce\(max\("(\w++)"\), 1\), max\("(\w++)"\) IS NOT null\) FROM ({_NAME});'
)
_FINISH_FILE = re.compile(
    rf'UPDATE "{files.FILES_TABLE}" SET "size" = \d++, "sha256" = \'[0-9a-f]{{64}}\' WHERE "id" = \d++;'  # noqa: S608 - a pattern that reads SQL, not a query
)
_SCHEMA = re.compile(
    rf"CREATE TABLE (?P<table>{_NAME}) (?=\()"
    rf"|CREATE (?:UNIQUE )?INDEX {_NAME} ON (?P<indexed>{_NAME}) "
    rf"|ALTER TABLE (?P<altered>{_NAME}) ADD CONSTRAINT {_NAME} "
)

# The tokens of a schema statement after its first words. Comments ("--",
# "/*") and dollar quotes match none of them, so they are refused.
_SCHEMA_TOKEN_PATTERNS = {
    "space": r"[ \t\r\n]++",
    "name": _NAME,
    "string": r"'(?:[^']|'')*+'",
    "number": r"\d++(?:\.\d++)?+(?![\w.])",
    "word": r"[A-Za-z_]\w*+",
    "symbol": r"<>|!=|<=|>=|\|\||[(),=<>+*]|-(?!-)|/(?!\*)",
}
_SCHEMA_TOKENS = {
    SQLITE: re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _SCHEMA_TOKEN_PATTERNS.items())),
    POSTGRESQL: re.compile(
        "|".join(
            f"(?P<{kind}>{pattern})"
            for kind, pattern in {
                "estring": r"[eE]'(?:[^'\\]|\\[\s\S]|'')*+'",
                **_SCHEMA_TOKEN_PATTERNS,
                "symbol": r"::|" + _SCHEMA_TOKEN_PATTERNS["symbol"],
            }.items()
        )
    ),
}
# The words of the column definitions, constraints and indexes that Django's
# schema editor writes; the column types come from the backends' own tables
# (_column_type_words). No word that starts, ends or alters another statement.
_SCHEMA_WORDS = frozenset(
    word
    for words in (
        # columns and constraints
        "NOT NULL PRIMARY KEY UNIQUE CHECK CONSTRAINT FOREIGN REFERENCES DEFERRABLE INITIALLY DEFERRED IMMEDIATE",
        "GENERATED ALWAYS BY DEFAULT AS IDENTITY STORED VIRTUAL AUTOINCREMENT VARCHAR CHAR TEXT COLLATE",
        # conditions
        "AND OR IS IN BETWEEN TRUE FALSE LIKE ILIKE ESCAPE",
        # indexes
        "ASC DESC NULLS FIRST LAST INCLUDE WHERE USING BTREE HASH GIST GIN BRIN VARCHAR_PATTERN_OPS TEXT_PATTERN_OPS",
        # pure functions of a row's own values
        "UPPER LOWER TRIM LTRIM RTRIM LENGTH CHAR_LENGTH JSON_VALID COALESCE ABS",
    )
    for word in words.split()
)


class StatementRefused(Exception):
    """A statement that a dump's writer does not write; the message says what it is."""


class StatementChecker:
    """Accepts the statements that a dump of `dialect` (with or without its schema) holds."""

    def __init__(self, dialect: str, *, schema: bool):
        self.dialect = get_dialect(dialect)
        self.schema = schema
        self.tables = frozenset(model._meta.db_table for model in dumped_models(include_migrations=True))
        fixed = [*self.dialect.preamble, BEGIN, COMMIT, *files.table_statements(self.dialect)]
        if not schema:
            fixed += self.dialect.data_only_preamble
        self.fixed = frozenset(fixed)
        row = rf"\({_LITERALS[dialect]}(?:, {_LITERALS[dialect]})*+\)"
        self.rows = re.compile(rf"{row}(?:,\r?\n{row})*+;")
        before, after = self.dialect.blob_append('"data"')
        self.append_chunk = re.compile(
            re.escape(f'UPDATE "{files.FILES_TABLE}" SET "data" = {before}')  # noqa: S608 - a pattern that reads SQL, not a query
            + "[0-9a-f]*+"
            + re.escape(f'{after} WHERE "id" = ')
            + r"\d++;"
        )
        self.schema_words = _SCHEMA_WORDS | _column_type_words()

    def check(self, statement: str) -> None:
        """Return if `statement` is one that a dump writes; `StatementRefused` otherwise."""
        if statement in self.fixed or self.append_chunk.fullmatch(statement) or _FINISH_FILE.fullmatch(statement):
            return
        if match := _INSERT.match(statement):
            self._known_table(match[1], "INSERT INTO", files_table=True)
            if not self.rows.fullmatch(statement, match.end()):
                raise StatementRefused(f"an INSERT INTO {match[1]} whose values are not literals only")  # noqa: S608 - an error message, not a query
            return
        if (match := _DELETE.fullmatch(statement)) and not self.schema:
            self._known_table(match[1], "DELETE FROM")
            return
        if self.dialect.name == POSTGRESQL and (match := _SEQUENCE_RESET.fullmatch(statement)):
            table, column, *others, table_again = match.groups()
            if table != table_again or any(other != column for other in others):
                raise StatementRefused("a sequence reset that mixes tables or columns")
            self._known_table(table, "a sequence reset of")
            return
        if self.schema and (match := _SCHEMA.match(statement)):
            self._known_table(match["table"] or match["indexed"] or match["altered"], match[0].split('"')[0].strip())
            self._check_schema_tokens(statement, match.end())
            return
        raise StatementRefused(f"{_preview(statement)} is not a statement that a dump writes")

    def _known_table(self, quoted: str, action: str, *, files_table: bool = False) -> None:
        table = quoted[1:-1].replace('""', '"')
        if table not in self.tables and not (files_table and table == files.FILES_TABLE):
            raise StatementRefused(f"{action} {quoted}, a table that no installed model has")

    def _check_schema_tokens(self, statement: str, start: int) -> None:
        tokens = _SCHEMA_TOKENS[self.dialect.name]
        end = len(statement) - 1
        if not statement.endswith(";"):
            raise StatementRefused(f"{_preview(statement)} does not end with a semicolon")
        position, previous = start, ""
        while position < end:
            token = tokens.match(statement, position, end)
            if token is None:
                raise StatementRefused(
                    f"{_preview(statement[position:])} is not part of a statement that a dump writes"
                )
            kind, text = token.lastgroup, token.group()
            position = token.end()
            if kind == "space":
                continue
            if kind == "word" and text.upper() not in self.schema_words:
                raise StatementRefused(f"{text} in {_preview(statement)} is not a word that a dump writes")
            if previous == "REFERENCES":
                if kind != "name":
                    raise StatementRefused(f"REFERENCES without a table in {_preview(statement)}")
                self._known_table(text, "REFERENCES")
            previous = text.upper()


def _column_type_words() -> frozenset[str]:
    """The words of every column type and column check of both backends (integer, timestamp, ...)."""
    words = set()
    for name in (POSTGRESQL, SQLITE):
        backend = get_dialect(name).connection
        for table in (backend.data_types, backend.data_types_suffix, backend.data_type_check_constraints):
            for definition in table.values():
                if isinstance(definition, str):
                    words.update(re.findall(r"[A-Za-z_]\w*", re.sub(r"%\(\w+\)s", "", definition)))
    return frozenset(word.upper() for word in words)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 80 else text[:77] + "...")
