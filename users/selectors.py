from django.db.models import QuerySet

from core.errors import NotFound
from users.models import User


def user_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("id")


class UserNotFound(NotFound):
    default_detail = "No user has this id."


def user_get(user_id: int) -> User:
    """The active user with this id; UserNotFound (404) otherwise."""
    try:
        return user_list().get(pk=user_id)
    except User.DoesNotExist as exc:
        raise UserNotFound() from exc
