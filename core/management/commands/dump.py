"""`manage.py dump`: the whole database and its stored files as one SQL script."""

import contextlib
import sys
from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from tqdm import tqdm

from core.dump.dialects import DIALECTS
from core.dump.exceptions import DumpError
from core.dump.writer import DumpOptions, DumpWriter

_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def boolean(value: str) -> bool:
    """An argparse type for `--schema=false` and the like."""
    try:
        return _BOOLEANS[value.lower()]
    except KeyError:
        raise ArgumentTypeError(f"expected true or false, not {value!r}") from None


class Command(BaseCommand):
    """Streams `core.dump.writer.DumpWriter` to a file or standard output."""

    help = (
        "Write the whole database, stored files included, as one SQL script: the same bytes as "
        "GET /dump.sql. Restore it with `manage.py load_dump`, psql or sqlite3."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", metavar="FILE", help="Write to FILE instead of standard output.")
        parser.add_argument(
            "--schema",
            type=boolean,
            default=True,
            metavar="true|false",
            help="false: rows only, for a database that `manage.py migrate` created (default: true).",
        )
        parser.add_argument(
            "--dialect",
            choices=DIALECTS,
            help="SQL dialect of a data-only dump (default: the database's own).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database to dump (default: default).")

    def handle(self, *args, output, schema, dialect, database, **options):
        try:
            dump_options = DumpOptions.for_database(database, schema=schema, dialect=dialect)
        except DumpError as exc:
            raise CommandError(exc) from exc
        writer = DumpWriter(dump_options, using=database)
        # Progress goes to standard error, and only to a terminal, so that
        # scripts and pipes get the dump alone.
        progress = tqdm(desc="Dumping", unit="B", unit_scale=True, file=sys.stderr, disable=not sys.stderr.isatty())
        with contextlib.ExitStack() as stack:
            stack.callback(progress.close)
            target = stack.enter_context(open(output, "wb")) if output else sys.stdout.buffer
            try:
                for chunk in writer.stream():
                    target.write(chunk)
                    progress.update(len(chunk))
                    progress.set_postfix(rows=writer.rows, files=writer.files, refresh=False)
            except DumpError as exc:
                raise CommandError(f"{exc} The output is incomplete.") from exc
            target.flush()
        if output and options["verbosity"] >= 1:
            self.stdout.write(
                f"Wrote {output}: {writer.rows} rows in {len(writer.table_rows)} tables, "
                f"{writer.files} files, {writer.bytes} bytes."
            )
