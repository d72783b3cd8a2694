"""Rows travel as INSERT statements of several rows, one row per line; load_dump counts them by line."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from core.dump import writer
from core.dump.loader import DumpLoader, DumpReader
from core.dump.writer import ROW_SEPARATOR, _inserts

pytestmark = pytest.mark.django_db(transaction=True)

INSERT = 'INSERT INTO "t" ("a") VALUES '


def groups_in_database() -> list[tuple]:
    return list(Group.objects.order_by("pk").values_list("pk", "name"))


def statements_of(path, table: str) -> list[str]:
    return [statement for statement in DumpReader(path).statements() if statement.startswith(f'INSERT INTO "{table}" ')]


@pytest.mark.parametrize(
    ("groups", "rows_per_statement"),
    [(0, []), (1, [1]), (3, [3]), (4, [3, 1]), (7, [3, 3, 1])],
    ids=["no rows", "one row", "one batch exactly", "one batch and one row", "two batches and one row"],
)
def test_rows_go_rows_per_insert_to_a_statement_and_load_back(groups, rows_per_statement, monkeypatch, tmp_path):
    monkeypatch.setattr(writer, "ROWS_PER_INSERT", 3)
    # Names that need quoting, escaping and a line of their own.
    Group.objects.bulk_create(Group(name=f"group {number}; 'x'\n\\ ({number}),") for number in range(groups))
    written = groups_in_database()
    dump = tmp_path / "dump.sql"

    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())

    statements = statements_of(dump, "auth_group")
    assert [statement.count("\n") + 1 for statement in statements] == rows_per_statement
    for statement in statements:
        lines = statement.split("\n")
        assert all(line.startswith("(") for line in lines[1:])
        assert all(line.endswith("),") for line in lines[:-1])
        assert lines[-1].endswith(");")
    assert DumpLoader(dump).verify().tables["auth_group"] == groups
    Group.objects.all().delete()
    Group.objects.create(name="Added after the dump")

    call_command("load_dump", str(dump), stdout=io.StringIO())

    assert groups_in_database() == written


def test_large_rows_make_statements_of_fewer_rows(monkeypatch, tmp_path):
    monkeypatch.setattr(writer, "INSERT_CHARS", 2500)
    Group.objects.bulk_create(Group(name=f"{number:03} " + "x" * 140) for number in range(40))
    written = groups_in_database()
    dump = tmp_path / "dump.sql"

    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())

    statements = statements_of(dump, "auth_group")
    assert len(statements) > 1
    assert sum(statement.count("\n") + 1 for statement in statements) == 40
    assert all(len(statement) < 2500 + 200 for statement in statements)
    Group.objects.all().delete()
    call_command("load_dump", str(dump), stdout=io.StringIO())
    assert groups_in_database() == written


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=60), max_size=30),
    limit=st.integers(min_value=1, max_value=200),
)
def test_inserts_cut_rows_by_size_keeping_their_order(sizes, limit):
    rows = [f"({number}{'x' * size})" for number, size in enumerate(sizes)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer, "INSERT_CHARS", limit)
        statements = list(_inserts(INSERT, rows))

    if not rows:
        assert statements == []
        return
    taken = [statement.removeprefix(INSERT).removesuffix(";\n").split(ROW_SEPARATOR) for statement in statements]
    assert all(statement.startswith(INSERT) and statement.endswith(";\n") for statement in statements)
    assert [row for rows_of_statement in taken for row in rows_of_statement] == rows
    cost = [len(ROW_SEPARATOR.join(rows_of_statement)) for rows_of_statement in taken]
    # Under the limit unless a row is alone; and no statement could have taken the next one's first row.
    for size, rows_of_statement in zip(cost, taken, strict=True):
        assert size <= limit or len(rows_of_statement) == 1
    for size, following in zip(cost[:-1], taken[1:], strict=True):
        assert size + len(ROW_SEPARATOR) + len(following[0]) > limit
    if len(ROW_SEPARATOR.join(rows)) <= limit:
        assert len(statements) == 1


def test_load_dump_reads_format_1_dumps_of_one_row_per_statement(monkeypatch, tmp_path):
    monkeypatch.setattr(writer, "ROWS_PER_INSERT", 2)
    Group.objects.bulk_create(Group(name=f"group {number}") for number in range(5))
    written = groups_in_database()
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    # As the first version wrote it: one row per INSERT.
    lines = dump.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace('"format": 2', '"format": 1')
    old = []
    prefix = ""
    for line in lines:
        if line.startswith("INSERT INTO ") and not line.startswith('INSERT INTO "dump_files"'):
            prefix, line = line.split(" VALUES ", 1)
            prefix += " VALUES "
        if line.startswith("("):
            old.append(f"{prefix}{line.rstrip().removesuffix(',').removesuffix(';')};\n")
        else:
            old.append(line)
    dump.write_text("".join(old))
    assert len(statements_of(dump, "auth_group")) == 5
    Group.objects.all().delete()

    call_command("load_dump", str(dump), stdout=io.StringIO())

    assert groups_in_database() == written
