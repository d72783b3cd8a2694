from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from recharges import validators


@pytest.mark.parametrize("value", [10, "10", Decimal("10"), Decimal("10.0"), Decimal("10.00"), Decimal("10.000")])
def test_value_equal_to_ten_to_the_cent_is_ten_with_two_places(value):
    cleaned = validators.clean_value(value)

    assert cleaned == Decimal("10.00")
    assert cleaned.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "value", [Decimal("10.001"), Decimal("0"), Decimal("-10"), 10.0, True, "ten", Decimal("NaN"), Decimal("1e9"), None]
)
def test_value_refuses_fractions_of_a_cent_non_positive_floats_and_non_numbers(value):
    with pytest.raises(ValidationError):
        validators.clean_value(value)


@pytest.mark.parametrize("number", ["5511999999999", "5521987654321", "5599912345678", "5561900000000"])
def test_phone_number_accepts_brazilian_mobiles(number):
    assert validators.clean_phone_number(number) == number


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("551199999999", "12 digits"),
        ("55119999999999", "14 digits"),
        ("5511899999999", "not a mobile: no 9 after the area code"),
        ("5520999999999", "20 is no area code"),
        ("5510999999999", "10 is no area code"),
        ("5523999999999", "23 is no area code"),
        ("5411999999999", "not Brazil"),
        ("+5511999999999", "a plus sign"),
        ("55 11 99999 9999", "spaces"),
        ("\uff15\uff1511999999999", "non-ASCII digits"),
        (5511999999999, "a number"),
    ],
)
def test_phone_number_refuses_anything_else(number, why):
    with pytest.raises(ValidationError):
        validators.clean_phone_number(number)


def test_area_codes_are_brazils_67():
    assert len(validators.AREA_CODES) == 67


@pytest.mark.parametrize("value", ["claro_11", "tim-21", "0800"])
def test_ids_accept_carrier_slugs(value):
    assert validators.clean_id(value, "company_id") == value


@pytest.mark.parametrize("value", ["", "Claro", "claro 11", "_x", "a" * 65, 11, None])
def test_ids_refuse_anything_else(value):
    with pytest.raises(ValidationError):
        validators.clean_id(value, "company_id")
