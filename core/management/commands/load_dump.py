"""`manage.py load_dump FILE`: restore a dump into the configured database and storage."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from tqdm import tqdm

from core.dump.exceptions import DumpError
from core.dump.loader import DumpLoader


class Command(BaseCommand):
    """Checks a dump, then loads it with `core.dump.loader.DumpLoader`."""

    help = (
        "Restore a dump written by `manage.py dump` or /dump.sql into the configured database and "
        "storage. The whole file is checked first (every statement must be one that a dump writes, for "
        "the installed models' tables; trailer, row and file counts, SHA-256 of every file): a "
        "truncated or altered dump changes nothing, and the refusal names the line. These checks prove "
        "that a dump is whole, not who wrote it, and a dump replaces the data wholesale, users and "
        "their password hashes included: load only dumps you trust. A dump with its schema needs an "
        "empty database; a data-only dump replaces the rows of a migrated one."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The dump file.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database to load into (default: default).")

    def handle(self, *args, file, database, **options):
        try:
            loader = DumpLoader(file, using=database)
            with self._progress("Checking", loader) as progress:
                loader.verify(progress.update)
            with self._progress("Loading", loader) as progress:

                def advance(size: int) -> None:
                    progress.update(size)
                    progress.set_postfix(rows=loader.rows, files=loader.files, refresh=False)

                summary = loader.load(advance)
        except (DumpError, OSError) as exc:
            raise CommandError(exc) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Loaded {file}: {summary.rows} rows in {len(summary.tables)} tables, {summary.files} files."
            )

    def _progress(self, description: str, loader: DumpLoader) -> tqdm:
        # Only on a terminal: logs and pipes get the summary line alone.
        return tqdm(
            desc=description,
            total=loader.reader.size,
            unit="B",
            unit_scale=True,
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
        )
