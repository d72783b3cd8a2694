import io
import shutil
import sqlite3
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from petshop.importer import open_source
from petshop.models import Pet
from petshop.tests.factories import PetFactory

pytestmark = pytest.mark.django_db

SAMPLE_DATA = Path(settings.BASE_DIR) / "petshop" / "sample_data"
HEADER = "petId,nome_pet,dono,raca,data_nascimento\n"
DUKE = "b7681b0ee1bd455b81ecb4e46a2f4346"


def run(path: Path, *options: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_pets", str(path), *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, content: str | bytes, name: str = "pets.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def row(pet_id: str | None = None, name="Rex", owner="Ana", breed="Poodle", year="2018") -> str:
    return f"{pet_id or uuid.uuid4().hex},{name},{owner},{breed},{year}\n"


def test_sample_csv_loads_the_ten_pets():
    out, err = run(SAMPLE_DATA / "pets.csv")

    assert "pets.csv (CSV): 10 created, 0 updated, 0 unchanged, 0 rejected." in out
    assert err == ""
    duke = Pet.objects.get(pk=DUKE)
    assert (duke.name, duke.owner, duke.breed, duke.birth_year) == ("Duke", "Miguel", "Labrador Retriever", 2018)
    assert Pet.objects.get(name="Rocky").owner == "Júlia"


def test_sample_database_loads_the_same_ten_pets():
    out, _ = run(SAMPLE_DATA / "database.db")

    assert "database.db (SQLite database): 10 created" in out
    from_db = set(Pet.objects.values_list("id", "name", "owner", "breed", "birth_year"))
    Pet.objects.all().delete()
    run(SAMPLE_DATA / "pets.csv")
    assert set(Pet.objects.values_list("id", "name", "owner", "breed", "birth_year")) == from_db


def test_rerunning_is_idempotent_and_counts_unchanged_rows():
    run(SAMPLE_DATA / "pets.csv")
    before = dict(Pet.objects.values_list("id", "updated_at"))

    out, _ = run(SAMPLE_DATA / "database.db")

    assert "0 created, 0 updated, 10 unchanged, 0 rejected." in out
    assert Pet.objects.count() == 10
    assert dict(Pet.objects.values_list("id", "updated_at")) == before


def test_changed_rows_are_updated_and_pictures_kept(tmp_path):
    pet = PetFactory(
        id=uuid.UUID(DUKE),
        name="Old name",
        picture="pets/x/y.png",
        picture_sha256="0" * 64,
        picture_width=1,
        picture_height=1,
        picture_bytes=1,
    )
    path = write(tmp_path, HEADER + row(DUKE, name="Duke") + row())

    out, _ = run(path)

    assert "1 created, 1 updated, 0 unchanged, 0 rejected." in out
    pet.refresh_from_db()
    assert (pet.name, pet.picture.name) == ("Duke", "pets/x/y.png")
    assert pet.updated_at > pet.created_at


def test_sqlite_file_is_recognised_by_content_not_extension(tmp_path):
    path = tmp_path / "export.csv"
    shutil.copy(SAMPLE_DATA / "database.db", path)

    out, _ = run(path)

    assert "(SQLite database): 10 created" in out


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_still_load(tmp_path):
    future = timezone.now().year + 1
    lines = [
        row(name="Good"),
        row(year="1899"),
        row(year=str(future)),
        row(year="abc"),
        row(pet_id="not-an-id"),
        row(name=""),
        row(name="x" * 101),
        "only,three,fields\n",
        row(name="Also good"),
    ]
    path = write(tmp_path, HEADER + "".join(lines))

    out, err = run(path)

    assert "2 created, 0 updated, 0 unchanged, 7 rejected." in out
    reported = err.splitlines()
    assert reported[0] == "line 3: data_nascimento: Enter a year from 1900 to " + str(future - 1) + "."
    assert reported[1].startswith("line 4: data_nascimento: Enter a year from 1900")
    assert reported[2] == 'line 5: data_nascimento: Enter a year such as "2018".'
    assert reported[3].startswith("line 6: petId: Enter a pet id of 32 hexadecimal characters")
    assert reported[4] == "line 7: nome_pet: This field may not be blank."
    assert reported[5].startswith("line 8: nome_pet: Ensure this field has no more than 100 characters")
    assert reported[6] == "line 9: 3 field(s) where the header has 5"
    assert set(Pet.objects.values_list("name", flat=True)) == {"Good", "Also good"}


def test_one_row_reports_every_bad_column(tmp_path):
    path = write(tmp_path, HEADER + "zz,,Ana,,1850\n")

    _, err = run(path)

    assert err.strip() == (
        "line 2: petId: Enter a pet id of 32 hexadecimal characters (a UUID, with or without dashes).; "
        "nome_pet: This field may not be blank.; raca: This field may not be blank.; "
        f"data_nascimento: Enter a year from 1900 to {timezone.now().year}."
    )


def test_duplicate_ids_within_the_file_keep_the_first_and_reject_the_others(tmp_path):
    pet_id = uuid.uuid4().hex
    path = write(tmp_path, HEADER + row(pet_id, name="First") + row() + row(pet_id, name="Second") + row(pet_id))

    out, err = run(path)

    assert "2 created, 0 updated, 0 unchanged, 2 rejected." in out
    assert err.splitlines() == [
        f"line 4: duplicate petId {pet_id} (first on line 2)",
        f"line 5: duplicate petId {pet_id} (first on line 2)",
    ]
    assert Pet.objects.get(pk=pet_id).name == "First"


def test_duplicates_and_bad_rows_into_an_empty_register_are_each_reported_once(tmp_path):
    # On PostgreSQL an empty register is loaded by COPY first; a repeated id sends
    # the import through the staging table, which must not report rows twice.
    pet_id = uuid.uuid4().hex
    path = write(tmp_path, HEADER + row(pet_id) + row(year="1") + row(pet_id))

    out, err = run(path)

    assert "1 created, 0 updated, 0 unchanged, 2 rejected." in out
    assert len(err.splitlines()) == 2


def test_rows_that_are_not_utf8_are_rejected_and_the_rest_load(tmp_path):
    content = (HEADER + row(name="Rex")).encode() + row(owner="Júlia").encode("latin-1") + row(name="Max").encode()
    path = write(tmp_path, content)

    out, err = run(path)

    assert "2 created, 0 updated, 0 unchanged, 1 rejected." in out
    assert err.strip() == "line 3: dono: not valid UTF-8 (save the file as UTF-8)"


def test_a_header_that_is_not_utf8_stops_the_import(tmp_path):
    path = write(tmp_path, "petId,nome_pet,dono,raça,data_nascimento\n".encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        run(path)


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("petId,nome_pet,dono,data_nascimento\n", "raca"),
        ("id,name,owner,breed,year\n", "petId, nome_pet, dono, raca, data_nascimento"),
    ],
)
def test_missing_columns_stop_the_import_before_anything_is_written(tmp_path, header, missing):
    path = write(tmp_path, header + "b7681b0ee1bd455b81ecb4e46a2f4346,Duke,Miguel,2018\n")

    with pytest.raises(CommandError, match=f"missing column\\(s\\) {missing};"):
        run(path)

    assert not Pet.objects.exists()


def test_columns_in_another_order_with_extras_and_a_bom_are_read(tmp_path):
    content = "\ufeffraca,extra,data_nascimento,petId,dono,nome_pet\r\nPoodle,x,2018,{},Ana, Rex \r\n\r\n"
    dashed = str(uuid.uuid4()).upper()
    path = write(tmp_path, content.format(dashed))

    out, _ = run(path)

    assert "1 created" in out
    pet = Pet.objects.get()
    assert (pet.pet_id, pet.name, pet.breed) == (dashed.replace("-", "").lower(), "Rex", "Poodle")


def test_malformed_quoting_rejects_the_line_and_the_import_goes_on(tmp_path):
    path = write(tmp_path, HEADER + row(name='"Re"x') + row(name='"Max, the ""dog"""'))

    out, err = run(path)

    assert "1 created, 0 updated, 0 unchanged, 1 rejected." in out
    assert err.startswith("line 2: not valid CSV")
    assert Pet.objects.get().name == 'Max, the "dog"'


def test_strict_writes_nothing_when_any_row_is_rejected(tmp_path):
    path = write(tmp_path, HEADER + row() + row(year="1800"))

    with pytest.raises(CommandError, match=r"0 created, .* 1 rejected\. Nothing was written \(--strict\)"):
        run(path, "--strict")

    assert not Pet.objects.exists()


def test_strict_writes_nothing_when_an_id_is_repeated(tmp_path):
    pet_id = uuid.uuid4().hex
    path = write(tmp_path, HEADER + row(pet_id) + row(pet_id))

    with pytest.raises(CommandError, match="Nothing was written"):
        run(path, "--strict")

    assert not Pet.objects.exists()


def test_strict_writes_everything_when_every_row_is_good():
    out, _ = run(SAMPLE_DATA / "pets.csv", "--strict")

    assert "10 created" in out
    assert Pet.objects.count() == 10


def test_if_empty_loads_only_into_an_empty_register():
    first, _ = run(SAMPLE_DATA / "pets.csv", "--if-empty")
    Pet.objects.filter(name="Duke").delete()

    second, _ = run(SAMPLE_DATA / "pets.csv", "--if-empty")

    assert "10 created" in first
    assert "nothing imported" in second
    assert Pet.objects.count() == 9


def test_a_header_only_file_imports_nothing(tmp_path):
    out, _ = run(write(tmp_path, HEADER))

    assert "0 created, 0 updated, 0 unchanged, 0 rejected." in out


@pytest.mark.parametrize(("content", "message"), [("", "is empty"), (None, "cannot be read")])
def test_an_empty_or_missing_file_is_a_clear_error(tmp_path, content, message):
    path = write(tmp_path, content) if content is not None else tmp_path / "missing.csv"

    with pytest.raises(CommandError, match=message):
        run(path)


def make_database(tmp_path: Path, create: str, rows: list[tuple]) -> Path:
    path = tmp_path / "database.db"
    with sqlite3.connect(path) as database:
        database.execute(create)
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            database.executemany(f"INSERT INTO pets VALUES ({marks})", rows)  # noqa: S608 - test data
    return path


def test_database_rows_with_integer_years_nulls_and_blobs_are_checked(tmp_path):
    create = "CREATE TABLE pets (petId TEXT, nome_pet TEXT, dono TEXT, raca TEXT, data_nascimento INTEGER)"
    good = (uuid.uuid4().hex, "Rex", "Ana", "Poodle", 2018)
    path = make_database(
        tmp_path,
        create,
        [good, (uuid.uuid4().hex, None, "Ana", "Poodle", 2018), (uuid.uuid4().hex, b"\xff", "Ana", "Poodle", 2018)],
    )

    out, err = run(path)

    assert "1 created, 0 updated, 0 unchanged, 2 rejected." in out
    assert err.splitlines() == [
        "row 2: nome_pet: This field may not be blank.",
        "row 3: nome_pet: not valid UTF-8 (save the file as UTF-8)",
    ]
    assert Pet.objects.get().birth_year == 2018


def test_a_database_repeating_an_id_into_an_empty_register_keeps_the_first(tmp_path):
    # On PostgreSQL the COPY into the empty register fails on the repeated id and
    # the import reads the database a second time, through the staging table.
    create = "CREATE TABLE pets (petId TEXT, nome_pet TEXT, dono TEXT, raca TEXT, data_nascimento INTEGER)"
    pet_id = uuid.uuid4().hex
    rows = [(pet_id, "First", "Ana", "Poodle", 2018), (uuid.uuid4().hex, "Rex", "Ana", "Poodle", 2018)]
    path = make_database(tmp_path, create, [*rows, (pet_id, "Second", "Ana", "Poodle", 2018)])

    out, err = run(path)

    assert "2 created, 0 updated, 0 unchanged, 1 rejected." in out
    assert err.splitlines() == [f"row 3: duplicate petId {pet_id} (first on row 1)"]
    assert Pet.objects.get(pk=pet_id).name == "First"


def test_a_database_source_can_be_read_more_than_once(tmp_path):
    create = "CREATE TABLE pets (petId TEXT, nome_pet TEXT, dono TEXT, raca TEXT, data_nascimento INTEGER)"
    path = make_database(tmp_path, create, [(uuid.uuid4().hex, "Rex", "Ana", "Poodle", 2018)])
    source = open_source(path)

    first, second = list(source.rows()), list(source.rows())

    assert first == second
    assert len(first) == 1


@pytest.mark.parametrize(
    ("create", "message"),
    [
        ("CREATE TABLE dogs (petId TEXT)", "has no table 'pets'"),
        ("CREATE TABLE pets (petId TEXT, nome_pet TEXT, dono TEXT, raca TEXT)", "lacks column(s) data_nascimento"),
    ],
)
def test_a_database_without_the_pets_table_or_columns_is_a_clear_error(tmp_path, create, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(make_database(tmp_path, create, []))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def drew_progress_bar(err: str, name: str, unit: str) -> bool:
    # What tqdm draws for this command: its description and a rate in the source's unit.
    return f"Reading {name}" in err and f"{unit}/s" in err


@pytest.mark.parametrize(("name", "unit"), [("pets.csv", "B"), ("database.db", "rows")])
def test_no_progress_bar_when_output_is_not_a_terminal(monkeypatch, name, unit):
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)

    run(SAMPLE_DATA / name)

    assert not drew_progress_bar(stderr.getvalue(), name, unit)


@pytest.mark.parametrize(("name", "unit"), [("pets.csv", "B"), ("database.db", "rows")])
def test_a_progress_bar_is_drawn_on_a_terminal(monkeypatch, name, unit):
    stderr = Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)

    run(SAMPLE_DATA / name)

    assert drew_progress_bar(stderr.getvalue(), name, unit)
