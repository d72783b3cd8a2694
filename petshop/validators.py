"""The rules for a pet's fields, in one place.

The API serializer, the admin and `import_pets` all clean values through these
functions; the model adds the database constraints that can express the same
rules. Each function takes what a client sent (a string, or a number for the
year) and returns the stored value or raises Django's ValidationError.
"""

import re

from django.core.exceptions import ValidationError
from django.utils import timezone

TEXT_MAX_LENGTH = 100
BIRTH_YEAR_MIN = 1900

_CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
# C0 and C1 control characters, and lone surrogates (which is how undecodable
# bytes of a non-UTF-8 file arrive, see petshop.importer).
_FORBIDDEN = _CONTROL_CHARACTERS + r"\ud800-\udfff"
# The text rule as a pattern for the OpenAPI document: whitespace around 1 to
# TEXT_MAX_LENGTH characters without a control character that start and end
# with something besides whitespace. Lone surrogates are not Unicode text, so a
# JSON Schema string cannot hold them anyway.
TEXT_PATTERN = (
    rf"^\s*[^\s{_CONTROL_CHARACTERS}]"
    rf"(?:[^{_CONTROL_CHARACTERS}]{{0,{TEXT_MAX_LENGTH - 2}}}[^\s{_CONTROL_CHARACTERS}])?\s*$"
)
# The whole rule for trimmed text in one match: the fast path for valid values.
_VALID_TEXT = re.compile(f"[^{_FORBIDDEN}]{{1,{TEXT_MAX_LENGTH}}}")
_PET_ID = re.compile(r"[0-9a-f]{32}")
_DASHED_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_YEAR = re.compile(r"[0-9]{1,4}")


def clean_pet_id(value: object) -> str:
    """32 lowercase hex characters; a dashed UUID or upper case is normalised to that."""
    if isinstance(value, str):
        candidate = value.strip().lower()
        if _PET_ID.fullmatch(candidate):
            return candidate
        if _DASHED_UUID.fullmatch(candidate):
            return candidate.replace("-", "")
    raise ValidationError(
        "Enter a pet id of 32 hexadecimal characters (a UUID, with or without dashes).", code="invalid_pet_id"
    )


def clean_text(value: object) -> str:
    """A name, owner or breed: trimmed, 1 to 100 characters, no control characters."""
    if not isinstance(value, str):
        raise ValidationError("Enter a text value.", code="invalid")
    text = value.strip()
    if _VALID_TEXT.fullmatch(text):
        return text
    if not text:
        raise ValidationError("This field may not be blank.", code="blank")
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            f"Ensure this field has no more than {TEXT_MAX_LENGTH} characters (it has {len(text)}).",
            code="max_length",
        )
    raise ValidationError("Control characters are not allowed.", code="control_characters")


def clean_birth_year(value: object, current_year: int | None = None) -> int:
    """A year from 1900 to the current year, given as `2018` or `"2018"`.

    A bulk caller passes `current_year` once instead of reading the clock per value.
    """
    # bool is an int subclass; `true` is not a year.
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, str) and _YEAR.fullmatch(stripped := value.strip()):
        year = int(stripped)
    else:
        raise ValidationError('Enter a year such as "2018".', code="invalid_year")
    current = current_year or timezone.now().year
    if not BIRTH_YEAR_MIN <= year <= current:
        raise ValidationError(f"Enter a year from {BIRTH_YEAR_MIN} to {current}.", code="year_out_of_range")
    return year
