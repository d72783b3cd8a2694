"""The literal encoder against real databases: a literal stores what binding the value stores.

SQLite runs in memory with the standard library's driver; PostgreSQL runs in
the test database when the suite runs on PostgreSQL.
"""

# The tests write literals into SQL text: that is what they test.
# ruff: noqa: S608

import datetime
import decimal
import json
import math
import sqlite3

# Django's SQLite backend registers how the sqlite3 module binds decimals and dates.
import django.db.backends.sqlite3.base  # noqa: F401
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.dump.literals import (
    postgresql_literal,
    postgresql_quoted_on_one_line,
    postgresql_text_literal,
    sqlite_literal,
)

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the suite on PostgreSQL")

# Declared types covering SQLite's five affinities, as Django declares them.
SQLITE_TYPES = ["", "text", "varchar(100)", "integer", "bigint", "real", "decimal", "bool", "datetime", "BLOB"]

sqlite_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "Po"])),
    st.binary(),
    # Text that SQLite's numeric affinities turn into numbers.
    st.integers().map(str),
    st.floats(allow_nan=False).map(repr),
)


@pytest.fixture(scope="module")
def sqlite_db():
    db = sqlite3.connect(":memory:", isolation_level=None)
    for number, declared in enumerate(SQLITE_TYPES):
        db.execute(f"CREATE TABLE literal_{number} (value {declared})")
        db.execute(f"CREATE TABLE bound_{number} (value {declared})")
    yield db
    db.close()


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=sqlite_values)
def test_sqlite_literal_stores_what_binding_stores_for_every_affinity(sqlite_db, value):
    for number in range(len(SQLITE_TYPES)):
        sqlite_db.execute(f"DELETE FROM literal_{number}")
        sqlite_db.execute(f"DELETE FROM bound_{number}")
        sqlite_db.execute(f"INSERT INTO literal_{number} (value) VALUES ({sqlite_literal(value)})")
        sqlite_db.execute(f"INSERT INTO bound_{number} (value) VALUES (?)", [value])
        written = sqlite_db.execute(f"SELECT value, typeof(value), hex(value) FROM literal_{number}").fetchone()
        bound = sqlite_db.execute(f"SELECT value, typeof(value), hex(value) FROM bound_{number}").fetchone()
        assert written == bound, SQLITE_TYPES[number]


@given(value=st.one_of(st.text(), st.binary(), st.floats(), st.integers(min_value=-(2**63), max_value=2**63 - 1)))
def test_sqlite_literal_fits_on_one_line(value):
    assert "\n" not in sqlite_literal(value)
    assert "\r" not in sqlite_literal(value)


def test_sqlite_literal_rejects_integers_beyond_64_bits():
    with pytest.raises(ValueError, match="64-bit"):
        sqlite_literal(2**63)


def test_sqlite_literal_rejects_types_sqlite_cannot_store():
    with pytest.raises(TypeError, match="date"):
        sqlite_literal(datetime.date(2024, 1, 1))


# --- PostgreSQL ---------------------------------------------------------------

utc_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
)
nul_free_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\0"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | nul_free_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(nul_free_text, children, max_size=4),
    max_leaves=10,
).map(lambda value: json.dumps(value, ensure_ascii=False))

# PostgreSQL type -> values psycopg reads from (and binds to) it.
POSTGRESQL_CASES = {
    "text": nul_free_text,
    "varchar(100)": nul_free_text.map(lambda text: text[:100]),
    "bigint": st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "numeric": st.decimals(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([decimal.Decimal("NaN"), decimal.Decimal("Infinity"), decimal.Decimal("-Infinity")]),
    "numeric(12, 4)": st.decimals(places=4, min_value=-(10**8) + 1, max_value=10**8 - 1),
    "double precision": st.floats(),
    "boolean": st.booleans(),
    "timestamp with time zone": st.datetimes(
        min_value=datetime.datetime(2, 1, 1), max_value=datetime.datetime(9998, 12, 31), timezones=utc_offsets
    ),
    "timestamp": st.datetimes(),
    "date": st.dates(),
    "time": st.times(),
    "interval": st.timedeltas(min_value=datetime.timedelta(days=-(10**6)), max_value=datetime.timedelta(days=10**6)),
    "uuid": st.uuids(),
    "bytea": st.binary(),
    "jsonb": json_values,
}


@pytest.fixture(scope="module")
def postgresql_cursor(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        yield cursor


@on_postgresql
@pytest.mark.parametrize("column_type", POSTGRESQL_CASES)
def test_postgresql_literal_stores_what_binding_stores(postgresql_cursor, column_type):
    @settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    @given(value=POSTGRESQL_CASES[column_type])
    def check(value):
        literal = postgresql_literal(value)
        assert "\n" not in literal
        literal = literal.replace("%", "%%")  # beside a bound parameter
        # An untyped literal takes the type it is cast or assigned to.
        postgresql_cursor.execute(
            f"SELECT ({literal})::{column_type} IS NOT DISTINCT FROM (%s)::{column_type}, ({literal})::{column_type}",
            [value],
        )
        same, stored = postgresql_cursor.fetchone()
        if isinstance(value, decimal.Decimal) and value.is_infinite():
            # psycopg2 binds numeric infinities as NaN (PostgreSQL < 14 had none).
            assert stored == value
        else:
            assert same
        if isinstance(value, float) and value == 0:
            # Equal to 0.0 in SQL; the sign must survive too.
            assert math.copysign(1, stored) == math.copysign(1, value)
        # Same-dialect dumps read PostgreSQL's text form and quote it.
        postgresql_cursor.execute(f"SELECT (%s)::{column_type}::text", [value])
        (text,) = postgresql_cursor.fetchone()
        postgresql_cursor.execute(f"SELECT ({postgresql_text_literal(text)})::{column_type}::text")
        assert postgresql_cursor.fetchone() == (text,)
        # Or PostgreSQL quotes it, and the dump mends its control characters.
        postgresql_cursor.execute(f"SELECT quote_nullable((%s)::{column_type}::text)", [value])
        (quoted,) = postgresql_cursor.fetchone()
        assert postgresql_quoted_on_one_line(quoted) == postgresql_text_literal(text)

    check()


def quote_literal(text: str) -> str:
    """What PostgreSQL's quote_literal() returns (src/backend/utils/adt/quote.c)."""
    doubled = text.replace("'", "''").replace("\\", "\\\\")
    return f"E'{doubled}'" if "\\" in text else f"'{doubled}'"


@given(texts=st.lists(st.none() | nul_free_text | st.text(alphabet="\\'\n\r\t\x7f\x1b,() ENUL"), max_size=5))
def test_postgresql_quoted_row_on_one_line_holds_the_literals_of_its_values(texts):
    quoted = "(" + ", ".join("NULL" if text is None else quote_literal(text) for text in texts) + ")"

    on_one_line = postgresql_quoted_on_one_line(quoted)

    assert on_one_line == "(" + ", ".join(map(postgresql_text_literal, texts)) + ")"
    assert not [character for character in on_one_line if character < " " or character == "\x7f"]


def test_postgresql_quoted_on_one_line_escapes_control_characters_only():
    assert postgresql_quoted_on_one_line("('a\nb', E'c\\\\d\te', 'f''g', NULL, '\xa0')") == (
        "(E'a\\nb', E'c\\\\d\\te', 'f''g', NULL, '\xa0')"
    )


def test_postgresql_literal_rejects_nul_characters():
    with pytest.raises(ValueError, match="NUL"):
        postgresql_literal("a\0b")


def test_postgresql_literal_writes_decimals_with_their_scale():
    assert postgresql_literal(decimal.Decimal("1E+3")) == "1000"
    assert postgresql_literal(decimal.Decimal("1.500")) == "1.500"
