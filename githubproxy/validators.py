"""GitHub's own rules for the names the proxy sends upstream.

Checked before any outbound call, so nothing a client sends can change the host
or the path the proxy calls: a login or repository name that passes holds no
`/`, `?`, `#`, `%` or whitespace, and is not `.` or `..`.
"""

import re

from django.core.exceptions import ValidationError

# The patterns are also the OpenAPI document's, so they avoid lookarounds
# (which schema-driven generators do not all support) and leave the length to
# the *_MAX_LENGTH limits.

#: Letters, digits and single hyphens, neither first nor last; at most 39 characters.
LOGIN_PATTERN = r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$"
LOGIN_MAX_LENGTH = 39
#: Letters, digits, `.`, `_` and `-`, not `.` or `..`; at most 100 characters.
REPOSITORY_NAME_PATTERN = r"^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*|\.\.[A-Za-z0-9._-]+)$"
REPOSITORY_NAME_MAX_LENGTH = 100

_LOGIN = re.compile(LOGIN_PATTERN)
_REPOSITORY_NAME = re.compile(REPOSITORY_NAME_PATTERN)


def validate_login(value: str) -> str:
    """The GitHub login as given; ValidationError when GitHub could not have one like it."""
    # fullmatch, not match: `$` also matches before a final newline.
    if not isinstance(value, str) or len(value) > LOGIN_MAX_LENGTH or not _LOGIN.fullmatch(value):
        raise ValidationError(
            "A GitHub username has 1 to 39 letters, digits or single hyphens, and neither starts nor ends"
            " with a hyphen.",
            code="invalid_username",
        )
    return value


def validate_repository_name(value: str) -> str:
    """The repository name as given; ValidationError when GitHub could not have one like it."""
    if not isinstance(value, str) or len(value) > REPOSITORY_NAME_MAX_LENGTH or not _REPOSITORY_NAME.fullmatch(value):
        raise ValidationError(
            "A repository name has 1 to 100 letters, digits, '.', '_' or '-', and is not '.' or '..'.",
            code="invalid_repository_name",
        )
    return value
