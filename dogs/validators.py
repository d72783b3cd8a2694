"""The dog name rules, shared by the API, the services and the admin (the database checks them too)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

#: The longest dog name.
NAME_MAX_LENGTH = 64
#: `GET /api/dogs/is_adopted` lists adopted dogs, so no dog may be called that.
RESERVED_NAMES = frozenset({"is_adopted"})

NAME_RULES = f"1 to {NAME_MAX_LENGTH} characters, no `/`, not `is_adopted`; compared exactly (case-sensitively)."
#: The path parameter's pattern in the OpenAPI document.
NAME_PATTERN = rf"^[^/\x00]{{1,{NAME_MAX_LENGTH}}}$"


def validate_dog_name(name: str) -> str:
    """Return `name` when it follows the rules, else raise Django's ValidationError."""
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise ValidationError(f"A dog's name has 1 to {NAME_MAX_LENGTH} characters.", code="invalid_name")
    if "/" in name:
        raise ValidationError("A dog's name cannot contain `/`.", code="invalid_name")
    if name in RESERVED_NAMES:
        raise ValidationError(f"`{name}` is reserved and cannot be a dog's name.", code="reserved_name")
    return name
