import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from petshop import selectors, services, validators
from petshop.converters import PetIdConverter
from petshop.filters import PetFilter
from petshop.models import Pet
from petshop.tests.factories import PetFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"name": " Rex"},
        {"owner": "Ana "},
        {"breed": ""},
        {"birth_year": 1899},
        {"picture": "pets/x.png"},
        {"picture_sha256": "0" * 64, "picture_width": 1, "picture_height": 1, "picture_bytes": 1},
    ],
)
def test_database_constraints_hold_when_the_validators_are_bypassed(changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        PetFactory(**changes)


def test_create_does_not_report_a_constraint_violation_as_a_taken_id():
    with pytest.raises(IntegrityError):
        services.pet_create(name=" untrimmed", owner="Ana", breed="Poodle", birth_year=2018)


def test_create_reports_a_taken_id_as_409():
    pet = PetFactory()

    with pytest.raises(services.PetIdTaken):
        services.pet_create(id=pet.id, name="Rex", owner="Ana", breed="Poodle", birth_year=2018)


def test_update_of_a_pet_deleted_meanwhile_is_404():
    pet = PetFactory()
    Pet.objects.filter(pk=pet.pk).delete()

    with pytest.raises(services.PetNotFound):
        services.pet_update(pet, name="Rex")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("b7681b0ee1bd455b81ecb4e46a2f4346", "b7681b0ee1bd455b81ecb4e46a2f4346"),
        ("B7681B0EE1BD455B81ECB4E46A2F4346", "b7681b0ee1bd455b81ecb4e46a2f4346"),
        (" b7681b0e-e1bd-455b-81ec-b4e46a2f4346 ", "b7681b0ee1bd455b81ecb4e46a2f4346"),
    ],
)
def test_pet_ids_are_normalised_to_32_lowercase_hex(value, expected):
    assert validators.clean_pet_id(value) == expected


@pytest.mark.parametrize(
    "value", ["", "b7681b0ee1bd455b81ecb4e46a2f434", "{b7681b0e-e1bd-455b-81ec-b4e46a2f4346}", 42, None]
)
def test_pet_ids_that_are_not_uuids_are_refused(value):
    with pytest.raises(ValidationError):
        validators.clean_pet_id(value)


@pytest.mark.parametrize(("value", "expected"), [("  Rex  ", "Rex"), ("Zoë 😀", "Zoë 😀"), ("x" * 100, "x" * 100)])
def test_text_is_trimmed_and_may_hold_any_printable_character(value, expected):
    assert validators.clean_text(value) == expected


@pytest.mark.parametrize("value", ["", " \t ", "x" * 101, "Re\x1bx", "Re\x85x", "\udcff", 7])
def test_text_that_is_empty_too_long_or_has_control_characters_is_refused(value):
    with pytest.raises(ValidationError):
        validators.clean_text(value)


def test_birth_year_accepts_strings_and_integers_up_to_the_current_year():
    year = timezone.now().year

    assert validators.clean_birth_year("1900") == 1900
    assert validators.clean_birth_year(year) == year
    assert validators.clean_birth_year(" 2018 ") == 2018
    with pytest.raises(ValidationError):
        validators.clean_birth_year(year + 1)
    with pytest.raises(ValidationError):
        validators.clean_birth_year("2018", current_year=2017)


def test_path_converter_gives_views_a_uuid_and_urls_the_hex_form():
    converter = PetIdConverter()
    value = converter.to_python("B7681B0E-E1BD-455B-81EC-B4E46A2F4346")

    assert value == uuid.UUID("b7681b0ee1bd455b81ecb4e46a2f4346")
    assert converter.to_url(value) == "b7681b0ee1bd455b81ecb4e46a2f4346"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the suite on PostgreSQL")
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ({}, "petshop_pet_created_id_idx"),
        ({"raca": "Beagle"}, "petshop_pet_upper_breed_idx"),
        ({"dono": "Ana"}, "petshop_pet_upper_owner_idx"),
    ],
    ids=["order", "breed", "owner"],
)
def test_the_list_queries_can_use_their_indexes(query, index):
    """The indexes match the SQL that `GET /pet` runs: its order, and its filters' UPPER() comparisons."""
    filtered = PetFilter(query, queryset=selectors.pet_list()).qs
    # A page in the list's order; for a filter, the rows it selects (what X-Total-Count counts).
    sql = filtered[200:300] if not query else filtered.order_by()
    with connection.cursor() as cursor:
        # A test table is small enough to scan and sort; ask whether the index can serve at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    assert index in sql.explain()
