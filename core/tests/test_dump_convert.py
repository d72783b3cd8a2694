"""Values moved between SQLite and PostgreSQL read back as the same Python values.

Each value is stored the way Django stores it in one database, read back raw,
converted and written as the other database's literal, stored there, and read
the way Django reads it. SQLite runs in memory; PostgreSQL is the test database
when the suite runs on PostgreSQL.
"""

import datetime
import sqlite3

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.dump.convert import value_converter
from core.dump.dialects import POSTGRESQL, SQLITE, get_dialect

# The tests write literals into SQL text: that is what they test.
# ruff: noqa: S608

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the suite on PostgreSQL")

with isolate_apps("core"):

    class Sample(models.Model):
        flag = models.BooleanField()
        moment = models.DateTimeField()
        day = models.DateField()
        clock = models.TimeField()
        amount = models.DecimalField(max_digits=12, decimal_places=4)
        span = models.DurationField()
        token = models.UUIDField()
        reference = models.ForeignKey("self", to_field="token", on_delete=models.CASCADE)

        class Meta:
            app_label = "core"

        def __str__(self) -> str:
            return str(self.token)


utc_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
)
# The values Django hands to the database for each field.
FIELD_VALUES = {
    "flag": st.booleans(),
    "moment": st.datetimes(
        min_value=datetime.datetime(2, 1, 1), max_value=datetime.datetime(9998, 12, 31), timezones=utc_offsets
    ),
    "day": st.dates(),
    "clock": st.times(),
    "amount": st.decimals(places=4, min_value=-(10**8) + 1, max_value=10**8 - 1),
    # SQLite stores microseconds in 64 bits.
    "span": st.timedeltas(min_value=datetime.timedelta(days=-(10**8)), max_value=datetime.timedelta(days=10**8)),
    "token": st.uuids(),
    "reference": st.uuids(),
}


def read_as_django(field: models.Field, raw, backend):
    column = field.get_col(Sample._meta.db_table)
    value = raw
    for converter in backend.ops.get_db_converters(column) + column.get_db_converters(backend):
        value = converter(value, column, backend)
    return value


@pytest.fixture(scope="module")
def postgresql_cursor(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        yield cursor


@pytest.mark.parametrize("name", FIELD_VALUES)
def test_value_moves_from_sqlite_to_postgresql_unchanged(postgresql_cursor, name):
    field = Sample._meta.get_field(name)
    sqlite, postgresql = get_dialect(SQLITE), get_dialect(POSTGRESQL)
    convert = value_converter(field, sqlite.connection, postgresql.connection)
    db_type = field.db_type(postgresql.connection)

    @settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    @given(value=FIELD_VALUES[name])
    def check(value):
        with sqlite3.connect(":memory:") as db:
            db.execute(f"CREATE TABLE sample (value {field.db_type(sqlite.connection)})")
            db.execute("INSERT INTO sample VALUES (?)", [field.get_db_prep_save(value, sqlite.connection)])
            (stored,) = db.execute("SELECT value FROM sample").fetchone()
        literal = postgresql.literal(convert(stored)).replace("%", "%%")
        postgresql_cursor.execute(f"SELECT ({literal})::{db_type}")
        (moved,) = postgresql_cursor.fetchone()
        assert read_as_django(field, moved, connection) == value

    check()


@pytest.mark.parametrize("name", FIELD_VALUES)
def test_value_moves_from_postgresql_to_sqlite_unchanged(postgresql_cursor, name):
    field = Sample._meta.get_field(name)
    sqlite, postgresql = get_dialect(SQLITE), get_dialect(POSTGRESQL)
    convert = value_converter(field, connection, sqlite.connection)
    db_type = field.db_type(postgresql.connection)

    @settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    @given(value=FIELD_VALUES[name])
    def check(value):
        postgresql_cursor.execute(f"SELECT (%s)::{db_type}", [field.get_db_prep_save(value, connection)])
        (stored,) = postgresql_cursor.fetchone()
        with sqlite3.connect(":memory:") as db:
            db.execute(f"CREATE TABLE sample (value {field.db_type(sqlite.connection)})")
            db.execute(f"INSERT INTO sample VALUES ({sqlite.literal(convert(stored))})")
            (moved,) = db.execute("SELECT value FROM sample").fetchone()
        assert read_as_django(field, moved, sqlite.connection) == value

    check()


def test_types_stored_alike_pass_through_unconverted():
    sqlite, postgresql = get_dialect(SQLITE), get_dialect(POSTGRESQL)

    for field in (models.JSONField(), models.BinaryField(), models.GenericIPAddressField(), models.CharField()):
        field.set_attributes_from_name("value")
        field.model = Sample
        assert value_converter(field, sqlite.connection, postgresql.connection) is None
