"""Reads of the GitHub proxy's local tables."""

from django.db.models import QuerySet
from django.db.models.functions import Lower

from core.errors import NotFound
from githubproxy.models import Repository, User


class UserNotStored(NotFound):
    default_code = "user_not_stored"
    default_detail = "No GitHub user with this username is stored locally."


def user_get_by_login(login: str) -> User:
    """The stored user whose login is `login` in any case; UserNotStored (404) otherwise."""
    # Compared as LOWER(login), the expression the unique index is built on.
    user = User.objects.alias(login_lower=Lower("login")).filter(login_lower=login.lower()).first()
    if user is None:
        raise UserNotStored()
    return user


def repository_list_for(user: User) -> QuerySet[Repository]:
    """The user's stored repositories, by name in any case (the unique index's order)."""
    return Repository.objects.filter(owner=user).order_by(Lower("name"), "github_id")
