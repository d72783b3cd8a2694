"""Cutting SQL text into statements, line by line."""

import re
from collections.abc import Iterator

# What matters outside quotes: the start of a quoted text or name, a comment,
# a statement's end. E'...' is PostgreSQL's string with backslash escapes.
_OUTSIDE_PLAIN = re.compile(r"""['";]|--""")
_OUTSIDE_ESCAPES = re.compile(r"""(?<![\w$])[eE]'|['";]|--""")
_ESCAPE_OR_QUOTE = re.compile(r"[\\']")


class StatementSplitter:
    """Cuts SQL, fed one line at a time, into statements.

    It knows just enough SQL to find the semicolons that end statements: those
    outside string literals, quoted names and comments. Dumps write one row per
    line, so an INSERT of several rows spans lines; so may a schema statement (a
    default holding a newline); and a literal may hold a semicolon.
    """

    def __init__(self, *, backslash_escapes: bool):
        self._outside = _OUTSIDE_ESCAPES if backslash_escapes else _OUTSIDE_PLAIN
        self._parts: list[str] = []
        # None outside quotes; otherwise the quote being read: ', " or E (E'...').
        self._quote: str | None = None

    @property
    def pending(self) -> bool:
        """Whether a statement has begun and not ended."""
        return bool(self._parts)

    def feed(self, line: str) -> Iterator[str]:
        """The statements that `line` completes, without surrounding blanks."""
        start = position = 0
        end = len(line)
        while position < end:
            if self._quote is None:
                match = self._outside.search(line, position)
                if match is None:
                    break
                found = match.group()
                position = match.end()
                if found == ";":
                    statement = "".join([*self._parts, line[start:position]]).strip()
                    self._parts = []
                    start = position
                    if statement != ";":
                        yield statement
                elif found == "--":
                    # The rest of the line is a comment.
                    end = match.start()
                    break
                else:
                    self._quote = "E" if len(found) == 2 else found
            else:
                position = self._after_quote(line, position)
        rest = line[start:end]
        if self._parts or rest.strip():
            self._parts.append(rest)

    def _after_quote(self, line: str, position: int) -> int:
        """Where reading resumes after the quoted text open at `position` (the line's end if it goes on)."""
        if self._quote == "E":
            match = _ESCAPE_OR_QUOTE.search(line, position)
            index = match.start() if match else -1
            if index >= 0 and match.group() == "\\":
                return index + 2
        else:
            index = line.find(self._quote, position)
        if index < 0:
            return len(line)
        closing = "'" if self._quote == "E" else self._quote
        if line.startswith(closing, index + 1):
            # A doubled quote stands for itself.
            return index + 2
        self._quote = None
        return index + 1
