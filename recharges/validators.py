"""The recharge domain's input rules, shared by the serializers, the services and the admin.

Each rule raises Django's `ValidationError` with a sentence a client can act
on; the callers name the field it belongs to.
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

# Company and product ids are the carrier's own slugs, such as `claro_11` and `claro_10`.
ID_MAX_LENGTH = 64
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_ID_RE = re.compile(ID_PATTERN)

# Money: two decimal places, at most 99,999,999.99.
VALUE_MAX_DIGITS = 10
VALUE_DECIMAL_PLACES = 2
CENT = Decimal("0.01")
VALUE_MAX = Decimal("99999999.99")

# Anatel's two-digit area codes (DDD) in use in Brazil.
AREA_CODES = frozenset(
    {
        *range(11, 20),
        21, 22, 24, 27, 28,
        31, 32, 33, 34, 35, 37, 38,
        *range(41, 50),
        51, 53, 54, 55,
        *range(61, 70),
        71, 73, 74, 75, 77, 79,
        *range(81, 90),
        *range(91, 100),
    }
)  # fmt: skip
# E.164 digits without the `+`: country code 55, the area code, then a mobile's nine digits (9 first).
PHONE_PATTERN = r"^55(" + "|".join(str(code) for code in sorted(AREA_CODES)) + r")9[0-9]{8}$"
_PHONE_SHAPE_RE = re.compile(r"^55[0-9]{2}9[0-9]{8}$")
PHONE_LENGTH = 13


def clean_id(value: object, what: str) -> str:
    """A company or product id: 1-64 lowercase letters, digits, `_` or `-`, starting with a letter or digit."""
    if not isinstance(value, str):
        raise ValidationError(f"The {what} must be a string.", code="invalid")
    if not _ID_RE.fullmatch(value):
        raise ValidationError(
            f"The {what} must be 1 to {ID_MAX_LENGTH} lowercase letters, digits, '_' or '-'"
            " starting with a letter or digit, such as 'claro_11'.",
            code="invalid",
        )
    return value


def clean_value(value: object) -> Decimal:
    """A positive amount of money exact to the cent, as a Decimal with two places.

    JSON numbers reach this as Decimals (recharges.parsers), so `10`, `10.0`
    and `10.00` are all `Decimal("10.00")` and `10.001` is refused rather than
    rounded. Numeric strings are accepted too; booleans and floats are not.
    """
    if isinstance(value, bool | float):
        raise ValidationError("The value must be a JSON number written in decimal, such as 10.00.", code="invalid")
    if isinstance(value, int | str):
        try:
            value = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError("The value must be a number, such as 10.00.", code="invalid") from None
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError("The value must be a number, such as 10.00.", code="invalid")
    if value <= 0:
        raise ValidationError("The value must be greater than zero.", code="min_value")
    if value > VALUE_MAX:
        raise ValidationError(f"The value must be at most {VALUE_MAX}.", code="max_value")
    exact = value.quantize(CENT)
    if exact != value:
        raise ValidationError("The value must be exact to the cent (at most two decimal places).", code="invalid")
    return exact


def clean_phone_number(value: object) -> str:
    """A Brazilian mobile number in E.164 digits: `55`, a valid area code, `9` and eight digits (13 digits)."""
    if not isinstance(value, str):
        raise ValidationError("The phone number must be a string of digits, such as '5511999999999'.", code="invalid")
    if not _PHONE_SHAPE_RE.fullmatch(value):
        raise ValidationError(
            "The phone number must be a Brazilian mobile in E.164 digits without '+': 55, the two-digit area"
            " code, then nine digits starting with 9 (13 digits, such as '5511999999999').",
            code="invalid",
        )
    if int(value[2:4]) not in AREA_CODES:
        raise ValidationError(f"{value[2:4]} is not a Brazilian area code.", code="invalid_area_code")
    return value
