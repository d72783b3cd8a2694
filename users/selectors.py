from django.db.models import QuerySet

from users.models import User


def user_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("id")
