"""The statements load_dump accepts: those the dump's writer writes, for the models' tables, and nothing else.

Whole dumps (files included) are checked end to end in tests/test_dump.py; here
the checker meets each form, every literal the writer can write, and statements
that a dump never holds.
"""

# The tests write SQL statements: that is what they check.
# ruff: noqa: S608

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dump import files
from core.dump.dialects import POSTGRESQL, SQLITE, get_dialect
from core.dump.literals import postgresql_literal, postgresql_quoted_on_one_line, sqlite_literal
from core.dump.validation import StatementChecker, StatementRefused

DIALECTS = [POSTGRESQL, SQLITE]
LITERALS = {POSTGRESQL: postgresql_literal, SQLITE: sqlite_literal}
INSERT_GROUP = 'INSERT INTO "auth_group" ("id", "name") VALUES '

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.decimals(allow_nan=False),
    st.text(alphabet=st.characters(exclude_characters="\x00")),
    st.text(alphabet="'\\\n\r\t;-/*\"$ (),E"),
    st.binary(),
)


def checker(dialect: str, *, schema: bool) -> StatementChecker:
    return StatementChecker(dialect, schema=schema)


@pytest.mark.parametrize("dialect", DIALECTS)
# No deadline: CI's shared cores make an example's time meaningless; the checks are what count.
@settings(deadline=None)
@given(rows=st.lists(st.lists(values, min_size=1, max_size=4), min_size=1, max_size=4))
def test_inserts_of_every_literal_the_writer_writes_are_accepted(dialect, rows):
    literal = LITERALS[dialect]
    written = [f"({', '.join(map(literal, row))})" for row in rows]

    # As the writer writes them: one row per line.
    checker(dialect, schema=False).check(INSERT_GROUP + ",\n".join(written) + ";")


def quote_literal(text: str) -> str:
    """What PostgreSQL's quote_literal() returns, as the writer reads rows from PostgreSQL."""
    doubled = text.replace("'", "''").replace("\\", "\\\\")
    return f"E'{doubled}'" if "\\" in text else f"'{doubled}'"


@settings(deadline=None)
@given(texts=st.lists(st.none() | st.text(alphabet=st.characters(exclude_characters="\x00")), min_size=1))
def test_rows_quoted_by_postgresql_are_accepted(texts):
    row = postgresql_quoted_on_one_line("(" + ", ".join("NULL" if t is None else quote_literal(t) for t in texts) + ")")

    checker(POSTGRESQL, schema=True).check(f"{INSERT_GROUP}{row};")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("schema", [True, False])
def test_the_fixed_and_file_statements_are_accepted(dialect, schema):
    forms = checker(dialect, schema=schema)
    target = get_dialect(dialect)

    for statement in [*target.preamble, "BEGIN;", "COMMIT;", *files.table_statements(target)]:
        forms.check(statement)
    forms.check(files.insert_statement(target, 1, "pets/a'b; c.png"))
    forms.check(files.append_statement(target, 1, b"\x00\xff'; DROP").decode().rstrip("\n"))
    forms.check(files.finish_statement(1, 6, "0" * 64))


def test_a_data_only_dump_may_empty_the_models_tables_only():
    forms = checker(POSTGRESQL, schema=False)

    forms.check('DELETE FROM "users_user";')
    forms.check("SET CONSTRAINTS ALL DEFERRED;")
    with pytest.raises(StatementRefused, match="a table that no installed model has"):
        forms.check('DELETE FROM "pg_authid";')
    with pytest.raises(StatementRefused, match="not a statement that a dump writes"):
        forms.check('DELETE FROM "users_user" WHERE "id" = 1;')


def test_a_sequence_reset_names_one_known_table_and_column():
    forms = checker(POSTGRESQL, schema=True)
    reset = (
        "SELECT setval(pg_get_serial_sequence('\"{0}\"','id'), coalesce(max(\"id\"), 1), "
        'max("id") IS NOT null) FROM "{1}";'
    )

    forms.check(reset.format("auth_group", "auth_group"))
    with pytest.raises(StatementRefused, match="mixes tables"):
        forms.check(reset.format("auth_group", "users_user"))
    with pytest.raises(StatementRefused, match="no installed model has"):
        forms.check(reset.format("secrets", "secrets"))


@pytest.mark.parametrize("dialect", DIALECTS)
def test_schema_statements_of_the_models_are_accepted(dialect):
    forms = checker(dialect, schema=True)

    forms.check('CREATE TABLE "auth_group" ("id" integer NOT NULL PRIMARY KEY, "name" varchar(150) NOT NULL UNIQUE);')
    forms.check('CREATE INDEX "petshop_pet_upper_breed_idx" ON "petshop_pet" ((UPPER("breed")));')
    forms.check('CREATE UNIQUE INDEX "u" ON "auth_group_permissions" ("group_id", "permission_id");')
    forms.check(
        'ALTER TABLE "auth_permission" ADD CONSTRAINT "fk" FOREIGN KEY ("content_type_id") '
        'REFERENCES "django_content_type" ("id") DEFERRABLE INITIALLY DEFERRED;'
    )
    forms.check(
        'CREATE TABLE "petshop_pet" ("name" varchar(100) NOT NULL CHECK (("name" = (TRIM("name")) '
        "AND NOT (\"name\" = ''))));"
    )
    # A `name__contains` check constraint (dogs' names have no `/`), as each backend writes it.
    forms.check(
        'CREATE TABLE "dogs_dog" ("name" varchar(64) NOT NULL CHECK (NOT ("name"::text LIKE \'%/%\')));'
        if dialect == "postgresql"
        else 'CREATE TABLE "dogs_dog" ("name" varchar(64) NOT NULL CHECK (NOT ("name" LIKE \'%/%\' ESCAPE \'\\\')));'
    )


REFUSED_EVERYWHERE = [
    ('DROP TABLE "users_user";', "not a statement that a dump writes"),
    ('DROP TABLE IF EXISTS "users_user";', "not a statement that a dump writes"),
    ('UPDATE "users_user" SET "is_superuser" = TRUE;', "not a statement that a dump writes"),
    ('INSERT INTO "secrets" ("a") VALUES (1);', 'INSERT INTO "secrets", a table that no installed model has'),
    (f'{INSERT_GROUP}(1, (SELECT "password" FROM "users_user"));', "not literals only"),
    (f"{INSERT_GROUP}(1, pg_read_file('/etc/passwd'));", "not literals only"),
    (f"{INSERT_GROUP}(1, load_extension('evil'));", "not literals only"),
    (f"{INSERT_GROUP}(1, 'a') ON CONFLICT (\"id\") DO UPDATE SET \"name\" = 'b';", "not literals only"),
    (f"{INSERT_GROUP}(1, 'a') RETURNING \"id\";", "not literals only"),
    (f"{INSERT_GROUP}(1, 'a'), (2, 'b' /* ' */);", "not literals only"),
    (f"{INSERT_GROUP}(1, 'a' -- '\n);", "not literals only"),
    (f"{INSERT_GROUP}(1, $$a$$);", "not literals only"),
    ("COPY \"django_session\" FROM PROGRAM 'touch /tmp/pwned';", "not a statement that a dump writes"),
    ("CREATE FUNCTION evil() RETURNS integer AS 'SELECT 1' LANGUAGE sql;", "not a statement that a dump writes"),
    ("ATTACH DATABASE '/tmp/other.db' AS other;", "not a statement that a dump writes"),
    ("PRAGMA writable_schema = ON;", "not a statement that a dump writes"),
    ("SET session_replication_role = replica;", "not a statement that a dump writes"),
    ("SELECT 1;", "not a statement that a dump writes"),
    ('UPDATE "dump_files" SET "data" = pg_read_binary_file(\'/etc/passwd\') WHERE "id" = 1;', "not a statement"),
    ('UPDATE "dump_files" SET "size" = 1, "sha256" = (SELECT "password" FROM "users_user") WHERE "id" = 1;', "not"),
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("schema", [True, False])
@pytest.mark.parametrize(("statement", "reason"), REFUSED_EVERYWHERE)
def test_statements_a_dump_never_writes_are_refused(dialect, schema, statement, reason):
    with pytest.raises(StatementRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        checker(dialect, schema=schema).check(statement)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ('CREATE TABLE "secrets" ("id" integer);', "no installed model has"),
        ('CREATE INDEX "i" ON "secrets" ("id");', "no installed model has"),
        ('CREATE TABLE "auth_group" ("id" integer DEFAULT (pg_read_file(\'/etc/passwd\')));', "PG_READ_FILE|pg_read"),
        ('CREATE TABLE "auth_group" AS SELECT * FROM "users_user";', "not"),
        ('ALTER TABLE "auth_group" ADD CONSTRAINT "c" CHECK (TRUE), DROP COLUMN "name";', "DROP"),
        ('ALTER TABLE "auth_group" OWNER TO "evil";', "not a statement that a dump writes"),
        ('ALTER TABLE "auth_group" ADD CONSTRAINT "fk" FOREIGN KEY ("id") REFERENCES "secrets" ("id");', "secrets"),
        ('CREATE TABLE "auth_group" ("id" integer /* ; */);', "is not part of a statement"),
        ('CREATE TABLE "auth_group" ("id" integer) -- comment\n;', "is not part of a statement"),
        ('CREATE TABLE "auth_group" ("id" integer DEFAULT $$x$$);', "is not part of a statement"),
        ('CREATE TRIGGER "t" AFTER INSERT ON "auth_group" EXECUTE FUNCTION evil();', "not a statement"),
    ],
)
def test_schema_statements_beyond_the_writers_forms_are_refused(dialect, statement, reason):
    with pytest.raises(StatementRefused, match=reason):
        checker(dialect, schema=True).check(statement)


def test_schema_statements_are_refused_in_a_data_only_dump():
    with pytest.raises(StatementRefused, match="not a statement that a dump writes"):
        checker(SQLITE, schema=False).check('CREATE TABLE "auth_group" ("id" integer);')


def test_a_delete_is_refused_in_a_dump_with_its_schema():
    with pytest.raises(StatementRefused, match="not a statement that a dump writes"):
        checker(SQLITE, schema=True).check('DELETE FROM "auth_group";')


def test_escape_strings_are_postgresql_only():
    statement = f"{INSERT_GROUP}(1, E'a\\'b');"

    checker(POSTGRESQL, schema=False).check(statement)
    with pytest.raises(StatementRefused, match="not literals only"):
        checker(SQLITE, schema=False).check(statement)
