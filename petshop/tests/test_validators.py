import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from petshop import validators


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
