import re

import pytest
from django.core.exceptions import ValidationError

from githubproxy import validators

VALID_LOGINS = ["a", "A1", "mr-dev", "a-b-c", "x" * 39, "0"]
INVALID_LOGINS = ["", "-a", "a-", "a--b", "x" * 40, "a b", "a_b", "a.b", "a/b", "a\n", "é", "a%2F"]
VALID_NAMES = ["a", ".a", "..a", "...", "a.b_c-d", "x" * 100, "-", "_", ".github"]
INVALID_NAMES = ["", ".", "..", "x" * 101, "a b", "a/b", "a?b", "a#b", "a%2F", "café", "a\n"]


@pytest.mark.parametrize("login", VALID_LOGINS)
def test_validate_login_accepts_githubs_logins(login):
    assert validators.validate_login(login) == login


@pytest.mark.parametrize("login", INVALID_LOGINS)
def test_validate_login_refuses_what_github_would_not_allow(login):
    with pytest.raises(ValidationError):
        validators.validate_login(login)


@pytest.mark.parametrize("name", VALID_NAMES)
def test_validate_repository_name_accepts_githubs_names(name):
    assert validators.validate_repository_name(name) == name


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_validate_repository_name_refuses_what_github_would_not_allow(name):
    with pytest.raises(ValidationError):
        validators.validate_repository_name(name)


@pytest.mark.parametrize(
    ("pattern", "limit", "valid", "invalid"),
    [
        (validators.LOGIN_PATTERN, validators.LOGIN_MAX_LENGTH, VALID_LOGINS, INVALID_LOGINS),
        (validators.REPOSITORY_NAME_PATTERN, validators.REPOSITORY_NAME_MAX_LENGTH, VALID_NAMES, INVALID_NAMES),
    ],
)
def test_documented_pattern_and_length_say_the_same_as_the_validators(pattern, limit, valid, invalid):
    def documented(value: str) -> bool:
        # As an OpenAPI client reads it: an ECMA regex search, plus maxLength.
        return bool(re.search(pattern.replace("$", r"\Z"), value)) and len(value) <= limit

    assert all(documented(value) for value in valid)
    assert not any(documented(value) for value in invalid)
