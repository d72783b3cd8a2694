import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from petshop import importer
from petshop.models import Pet


class Command(BaseCommand):
    help = (
        "Import pets from the pet shop's CSV file (header: petId,nome_pet,dono,raca,data_nascimento; UTF-8, "
        "comma-separated) or from its SQLite database.db (table `pets`); the kind is told by the file's content. "
        "Upserts by petId, so running it again updates and never duplicates. Rows are checked with the API's "
        "rules; each rejected row is reported with its line (row id for SQLite) and reason, and does not stop "
        "the good ones unless --strict. Bytes that are not UTF-8 reject the rows holding them. A file without "
        "the five columns, unreadable, or neither CSV nor SQLite, stops the import before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="pets.csv or database.db")
        parser.add_argument(
            "--strict", action="store_true", help="Write nothing when any row is rejected (and exit with an error)."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Import only when the register has no pets yet (used to load the sample data on first start).",
        )

    def handle(self, *args, file: Path, strict: bool, if_empty: bool, **options):
        """Run the import and print the rejected rows, then a one-line summary."""
        if if_empty and Pet.objects.exists():
            self.stdout.write("The register already has pets; nothing imported (--if-empty).")
            return
        try:
            source = importer.open_source(file)
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from exc

        # A progress bar only for a person watching; logs and pipes get the summary alone.
        with tqdm(
            total=source.total,
            unit=source.unit,
            unit_scale=True,
            desc=f"Reading {file.name}",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
        ) as progress:

            def on_progress(done: int) -> None:
                progress.update(done - progress.n)

            def on_reject(line: int, reason: str) -> None:
                message = f"{source.location} {line}: {reason}"
                if progress.disable:
                    self.stderr.write(message)
                else:
                    progress.write(message, file=sys.stderr)

            result = importer.import_pets(source, strict=strict, on_reject=on_reject, on_progress=on_progress)

        summary = (
            f"{file.name} ({source.kind}): {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.rejected} rejected."
        )
        if not result.written:
            raise CommandError(f"{summary} Nothing was written (--strict).")
        self.stdout.write(self.style.SUCCESS(summary) if not result.rejected else self.style.WARNING(summary))
