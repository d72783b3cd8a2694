"""Cleaning the rows and writing them: the import as a whole (see the package docstring)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from psycopg2.errors import UniqueViolation

from petshop import validators
from petshop.cache import pet_representations
from petshop.importer.sources import COLUMNS, has_undecodable
from petshop.importer.staging import (
    COPY_CHUNK_CHARS,
    COPY_REGISTER,
    CopyStream,
    PostgresStaging,
    SqliteStaging,
    copy_text,
    lock_register,
)
from petshop.models import Pet

PROGRESS_EVERY_ROWS = 10_000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False


# Called with (line, reason) for each rejected row, as soon as it is found.
RejectCallback = Callable[[int, str], None]


def clean_row(values: list[str] | str, current_year: int) -> tuple[str, str, str, str, int] | str:
    """The row's stored values, or the reason it is rejected.

    `values` are the five columns in COLUMNS order, or already a reason when the
    source could not read the row.
    """
    if isinstance(values, str):
        return values
    pet_id, name, owner, breed, year = values
    try:
        return (
            validators.clean_pet_id(pet_id),
            validators.clean_text(name),
            validators.clean_text(owner),
            validators.clean_text(breed),
            validators.clean_birth_year(year, current_year),
        )
    except ValidationError:
        return _rejection_reason(values, current_year)


def _rejection_reason(values: list[str], current_year: int) -> str:
    """Every problem of a bad row, column by column (the slow path, for bad rows only)."""
    cleaners = (
        validators.clean_pet_id,
        validators.clean_text,
        validators.clean_text,
        validators.clean_text,
        lambda value: validators.clean_birth_year(value, current_year),
    )
    problems = []
    for column, cleaner, value in zip(COLUMNS, cleaners, values, strict=True):
        try:
            cleaner(value)
        except ValidationError as exc:
            if has_undecodable(value):
                problems.append(f"{column}: not valid UTF-8 (save the file as UTF-8)")
            else:
                problems.append(f"{column}: {' '.join(exc.messages)}")
    return "; ".join(problems)


def import_pets(source, *, strict: bool, on_reject: RejectCallback, on_progress=None) -> ImportResult:
    """Upsert every good row of `source` into the register, keyed by petId.

    Idempotent: a row equal to the stored pet changes nothing (not even
    `updated_at`); pictures are never touched. Every rejected row is passed to
    `on_reject` with its line and reason; with `strict`, one rejected row means
    nothing is written. `on_progress(done)` is called now and then while
    reading. Concurrent writes to the register wait while rows are written.

    On PostgreSQL an empty register (the first load of a whole register) is
    filled by COPY straight into its table, which overlaps reading the file
    with writing the table; otherwise, or when the file repeats an id, rows go
    through the staging table.
    """
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        # Rows change in bulk, bypassing the services' per-pet invalidation.
        transaction.on_commit(pet_representations.invalidate_all)
        if connection.vendor == "postgresql":
            lock_register(cursor)
            if not Pet.objects.exists():
                first_pass = _Pass(source, now.year, on_reject, on_progress)
                try:
                    with transaction.atomic():
                        return _copy_into_empty_register(cursor, first_pass, strict, now)
                except UniqueViolation:
                    # An id repeated within the file; its rejected rows were reported already.
                    return _upsert_through_staging(cursor, first_pass.again_quietly(), strict, now)
        return _upsert_through_staging(cursor, _Pass(source, now.year, on_reject, on_progress), strict, now)


class _Pass:
    """One read of the source: cleaned rows out, rejected rows counted and reported."""

    def __init__(self, source, current_year: int, on_reject: RejectCallback, on_progress, *, quiet=False):
        self.source = source
        self.current_year = current_year
        self.on_reject = on_reject
        self.on_progress = on_progress
        self.quiet = quiet
        self.result = ImportResult()

    def again_quietly(self) -> "_Pass":
        """A second read whose invalid rows are counted but not reported again."""
        return _Pass(self.source, self.current_year, self.on_reject, self.on_progress, quiet=True)

    def good_rows(self) -> Iterator[tuple]:
        """(line, id, name, owner, breed, birth_year) of each good row."""
        for count, (line, values) in enumerate(self.source.rows(), start=1):
            cleaned = clean_row(values, self.current_year)
            if isinstance(cleaned, str):
                self.result.rejected += 1
                if not self.quiet:
                    self.on_reject(line, cleaned)
            else:
                yield (line, *cleaned)
            if self.on_progress is not None and count % PROGRESS_EVERY_ROWS == 0:
                self.on_progress(self.source.progress())
        if self.on_progress is not None:
            self.on_progress(self.source.progress())

    def reject_duplicate(self, line: int, pet_id, first_line: int) -> None:
        self.result.rejected += 1
        # PostgreSQL returns the uuid dashed; the pet shop writes it without dashes.
        pet_id = str(pet_id).replace("-", "")
        self.on_reject(line, f"duplicate petId {pet_id} (first on {self.source.location} {first_line})")


def _copy_into_empty_register(cursor, rows: _Pass, strict: bool, now) -> ImportResult:
    # Empty picture and checksum, then created_at and updated_at.
    tail = f"\t\t\t{now.isoformat()}\t{now.isoformat()}\n"
    stream = CopyStream(
        f"{pet_id}\t{copy_text(name)}\t{copy_text(owner)}\t{copy_text(breed)}\t{year}{tail}"
        for _line, pet_id, name, owner, breed, year in rows.good_rows()
    )
    cursor.copy_expert(COPY_REGISTER, stream, COPY_CHUNK_CHARS)
    result = rows.result
    if strict and result.rejected:
        transaction.set_rollback(True)
        return result
    result.created = stream.rows
    result.written = True
    return result


def _upsert_through_staging(cursor, rows: _Pass, strict: bool, now) -> ImportResult:
    staging = PostgresStaging(cursor) if connection.vendor == "postgresql" else SqliteStaging(cursor)
    staged = staging.load(rows.good_rows())
    result = rows.result
    for line, pet_id, first_line in staging.remove_duplicates():
        rows.reject_duplicate(line, pet_id, first_line)
        staged -= 1
    if strict and result.rejected:
        # The staging tables go with the rollback.
        transaction.set_rollback(True)
        return result
    staging.lock_register()
    result.updated = staging.update_changed(now)
    result.created = staging.insert_new(now)
    result.unchanged = staged - result.created - result.updated
    result.written = True
    staging.drop()
    return result
