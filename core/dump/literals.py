"""SQL literals for the values a database driver hands back.

A literal stores exactly what the database would store had the value been bound
as a query parameter, so a row read with a plain cursor and written back through
its literals comes back identical. Every literal fits on one line (control
characters are escaped), which keeps each data statement of a dump on one line.
"""

import datetime
import decimal
import math
import re
import uuid
from collections.abc import Callable
from typing import Any

# --- PostgreSQL -------------------------------------------------------------

# Characters that a standard string literal cannot hold on one line, plus the
# backslash, which makes them need an escape string (E'...').
_PG_NEEDS_ESCAPES = re.compile(r"[\x00-\x1f\x7f\\]")
_PG_ESCAPED = re.compile(r"[\x00-\x1f\x7f\\']")
_PG_ESCAPES = {"\\": "\\\\", "'": "''", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _pg_escape(match: re.Match) -> str:
    char = match.group()
    return _PG_ESCAPES.get(char) or f"\\x{ord(char):02x}"


def _pg_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("PostgreSQL text cannot hold NUL characters")
    if _PG_NEEDS_ESCAPES.search(value):
        return "E'" + _PG_ESCAPED.sub(_pg_escape, value) + "'"
    return "'" + value.replace("'", "''") + "'"


def _pg_float(value: float) -> str:
    # Quoted, so that float8's own input parses it: exact for repr(), and the
    # only way to write NaN, the infinities and negative zero.
    if math.isnan(value):
        return "'NaN'"
    if math.isinf(value):
        return "'Infinity'" if value > 0 else "'-Infinity'"
    return f"'{value!r}'"


def _pg_decimal(value: decimal.Decimal) -> str:
    if value.is_nan():
        return "'NaN'"
    if value.is_infinite():
        return "'Infinity'" if value > 0 else "'-Infinity'"
    # Positional notation: numeric keeps the scale it is given, and "1E+3"
    # would be read with scale 0 as 1000 while "1.000" keeps three places.
    return format(value, "f")


def _pg_bytes(value: bytes | bytearray | memoryview) -> str:
    return f"'\\x{value.hex()}'::bytea"


def _pg_timedelta(value: datetime.timedelta) -> str:
    # timedelta normalises to days plus 0 <= seconds < 86400; interval keeps
    # days and time apart, and reads this back as the same timedelta.
    return f"'{value.days} days {value.seconds}.{value.microseconds:06d} seconds'"


_PG_LITERALS: dict[type, Callable[[Any], str]] = {
    type(None): lambda value: "NULL",
    bool: lambda value: "TRUE" if value else "FALSE",
    int: str,
    float: _pg_float,
    decimal.Decimal: _pg_decimal,
    str: _pg_text,
    bytes: _pg_bytes,
    bytearray: _pg_bytes,
    memoryview: _pg_bytes,
    # ISO 8601 with the offset when there is one: unambiguous whatever the
    # restoring session's DateStyle and TimeZone.
    datetime.datetime: lambda value: f"'{value.isoformat(sep=' ')}'",
    datetime.date: lambda value: f"'{value.isoformat()}'",
    datetime.time: lambda value: f"'{value.isoformat()}'",
    datetime.timedelta: _pg_timedelta,
    uuid.UUID: lambda value: f"'{value}'",
}


def postgresql_text_literal(text: str | None) -> str:
    """The literal of a value given in PostgreSQL's own text form; NULL for None."""
    return "NULL" if text is None else _pg_text(text)


# The literals that PostgreSQL's quote_literal() and quote_nullable() write: a
# standard string, or an escape string (E'...') when the text holds a backslash,
# which is then doubled; quotes are doubled in both.
_PG_QUOTED = re.compile(r"E?'[^']*(?:''[^']*)*'")
_PG_CONTROL = re.compile(r"[\x01-\x1f\x7f]")


def postgresql_quoted_on_one_line(sql: str) -> str:
    """`sql` with each literal that PostgreSQL's quote_literal() wrote in it as `postgresql_text_literal` writes it.

    The two differ only in control characters, which quote_literal() leaves as
    they are (a newline would break the literal across lines) and which are
    escaped here. `sql` holds nothing else but NULL and punctuation: the rows
    that PostgreSQL quotes for a dump.
    """
    return _PG_QUOTED.sub(_pg_quoted_on_one_line, sql)


def _pg_quoted_on_one_line(match: re.Match) -> str:
    literal = match.group()
    if not _PG_CONTROL.search(literal):
        return literal
    # An escape string's backslashes are doubled already; a standard string has none.
    body = literal[2:-1] if literal.startswith("E") else literal[1:-1]
    return "E'" + _PG_CONTROL.sub(_pg_escape, body) + "'"


def postgresql_literal(value: Any) -> str:
    """The PostgreSQL literal of a value as psycopg reads or binds it.

    Literals are untyped (except bytea), so PostgreSQL reads each one with the
    type of the column it goes into.
    """
    return _literal(_PG_LITERALS, value, "PostgreSQL")


# --- SQLite -----------------------------------------------------------------

# SQLite string literals have no escapes. A text holding a control character is
# written as its UTF-8 bytes cast to text: the sqlite3 shell reads its input
# line by line and would turn a CR LF inside a literal into LF.
_SQLITE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SQLITE_INT_RANGE = range(-(2**63), 2**63)


def _sqlite_text(value: str) -> str:
    if _SQLITE_CONTROL.search(value):
        return f"CAST(X'{value.encode().hex()}' AS TEXT)"
    return "'" + value.replace("'", "''") + "'"


def _sqlite_int(value: int) -> str:
    if value not in _SQLITE_INT_RANGE:
        raise ValueError(f"{value} does not fit SQLite's 64-bit integers")
    return str(value)


def _sqlite_float(value: float) -> str:
    if math.isnan(value):
        # What SQLite stores for a bound NaN.
        return "NULL"
    if math.isinf(value):
        # Out of range for a double, so SQLite reads it as an infinity (the
        # sqlite3 shell's .dump writes infinities this way).
        return "9e999" if value > 0 else "-9e999"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    # SQLite's decimal parser is not correctly rounded (3.40 misreads some
    # 17-digit values by one unit in the last place), but it reads integers
    # below 2**63 exactly and computes with IEEE doubles. So the value is
    # written as its binary form: an integer times a power of two, built from
    # exact factors, which is exact however large or small the value.
    mantissa, exponent = math.frexp(value)
    integer = int(mantissa * 2**53)
    exponent -= 53
    while integer % 2 == 0:
        integer //= 2
        exponent += 1
    if exponent >= 0 and abs(value) < 2**53:
        return f"{integer << exponent}.0"
    factors = [_SQLITE_TWO_POWER_62] * (abs(exponent) // 62) + [f"{2 ** (abs(exponent) % 62)}.0"]
    operator = " * " if exponent > 0 else " / "
    return f"({integer}{operator}{operator.join(factors)})"


_SQLITE_TWO_POWER_62 = f"{2**62}.0"


def _sqlite_bytes(value: bytes | bytearray | memoryview) -> str:
    return f"X'{value.hex()}'"


_SQLITE_LITERALS: dict[type, Callable[[Any], str]] = {
    type(None): lambda value: "NULL",
    bool: lambda value: "1" if value else "0",
    int: _sqlite_int,
    float: _sqlite_float,
    # As Django's sqlite3 adapter binds decimals: their text, which a column's
    # numeric affinity then turns into a number.
    decimal.Decimal: lambda value: _sqlite_text(str(value)),
    str: _sqlite_text,
    bytes: _sqlite_bytes,
    bytearray: _sqlite_bytes,
    memoryview: _sqlite_bytes,
}


def sqlite_literal(value: Any) -> str:
    """The SQLite literal of a value of one of SQLite's storage classes, or a decimal.

    Dates and UUIDs have no storage class of their own: Django turns them into
    text or numbers before they reach SQLite, and so does the dump.
    """
    return _literal(_SQLITE_LITERALS, value, "SQLite")


def _literal(literals: dict[type, Callable[[Any], str]], value: Any, dialect: str) -> str:
    encode = literals.get(type(value))
    if encode is None:
        # Subclasses (an IntEnum, a SafeString) are rare: look them up by their
        # base classes, most specific first, which the exact-type table cannot.
        kind = next((kind for kind in type(value).__mro__ if kind in literals), None)
        if kind is None:
            raise TypeError(f"cannot write a {type(value).__name__} as a {dialect} literal")
        encode = literals[kind]
    return encode(value)
