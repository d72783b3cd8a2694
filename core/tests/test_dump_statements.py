"""Cutting a dump's text back into the statements that were written."""

# The tests write literals into SQL text: that is what they test.
# ruff: noqa: S608

from hypothesis import given
from hypothesis import strategies as st

from core.dump.literals import postgresql_literal, sqlite_literal
from core.dump.loader import _row_count
from core.dump.statements import StatementSplitter
from core.dump.writer import ROW_SEPARATOR


def split(text: str, *, backslash_escapes: bool) -> tuple[list[str], bool]:
    splitter = StatementSplitter(backslash_escapes=backslash_escapes)
    statements = [statement for line in text.splitlines(keepends=True) for statement in splitter.feed(line)]
    return statements, splitter.pending


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\0")),
    st.text(alphabet=";'\"\\-\n\r E"),
    st.binary(),
)


@given(rows=st.lists(st.lists(values, min_size=1, max_size=4), max_size=6), postgresql=st.booleans())
def test_splitter_returns_every_statement_of_written_literals_whole(rows, postgresql):
    literal = postgresql_literal if postgresql else sqlite_literal
    statements = [f'INSERT INTO "t;"" --" VALUES ({", ".join(map(literal, row))});' for row in rows]

    assert split("\n".join(statements) + "\n", backslash_escapes=postgresql) == (statements, False)


@given(rows=st.lists(st.lists(values, min_size=1, max_size=4), min_size=1, max_size=6), postgresql=st.booleans())
def test_splitter_returns_insert_of_several_rows_whole_and_loader_counts_its_rows(rows, postgresql):
    literal = postgresql_literal if postgresql else sqlite_literal
    lines = [f"({', '.join(map(literal, row))})" for row in rows]
    statement = 'INSERT INTO "t" ("a") VALUES ' + ROW_SEPARATOR.join(lines) + ";"

    assert split(f"{statement}\nSELECT 1;\n", backslash_escapes=postgresql) == ([statement, "SELECT 1;"], False)
    assert _row_count(statement) == len(rows)


@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\0")), postgresql=st.booleans())
def test_splitter_joins_statement_whose_standard_string_spans_lines(text, postgresql):
    # Schema statements may quote a default or a check with a newline in it.
    statement = "CREATE TABLE t (a text DEFAULT '" + text.replace("'", "''") + "');"

    assert split(f"{statement}\nSELECT 1;\n", backslash_escapes=False) == ([statement, "SELECT 1;"], False)


def test_splitter_reads_backslashes_as_escapes_only_in_postgresql_escape_strings():
    text = "SELECT 'a\\'; SELECT E'b\\';c'; SELECT e'\\\\';\n"

    statements, pending = split(text, backslash_escapes=True)

    assert statements == ["SELECT 'a\\';", "SELECT E'b\\';c';", "SELECT e'\\\\';"]
    assert not pending


def test_splitter_drops_comments_between_and_after_statements():
    text = "-- header; with a semicolon\nSELECT 1; -- note; again\n-- trailer\n"

    assert split(text, backslash_escapes=True) == (["SELECT 1;"], False)


def test_splitter_reports_statement_left_open_at_the_end():
    statements, pending = split("SELECT 1;\nINSERT INTO t VALUES ('a;\n", backslash_escapes=False)

    assert statements == ["SELECT 1;"]
    assert pending
