"""Writes to users: sign-up, profile changes, deletion."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from core.errors import Conflict
from users.models import User


class EmailTaken(Conflict):
    default_code = "email_taken"
    default_detail = "A user with this e-mail address already exists."


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from exc


def _save(user: User) -> User:
    if User.objects.filter(email=user.email).exclude(pk=user.pk).exists():
        raise EmailTaken()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # A concurrent sign-up with the same address won the race.
        raise EmailTaken() from exc
    return user


def user_create(*, email: str, password: str, name: str = "", last_name: str = "") -> User:
    """Sign a user up; 409 when the e-mail address is taken (case-insensitively)."""
    user = User(email=User.objects.normalize_email(email), name=name, last_name=last_name)
    _validate_password(password, user)
    user.set_password(password)
    return _save(user)


def user_update(user: User, **changes) -> User:
    """Change a user's profile; a new password is validated and hashed."""
    password = changes.pop("password", None)
    if "email" in changes:
        changes["email"] = User.objects.normalize_email(changes["email"])
    for field, value in changes.items():
        setattr(user, field, value)
    if password is not None:
        _validate_password(password, user)
        user.set_password(password)
    return _save(user)


def user_delete(user: User) -> None:
    """Delete a user; what they owned is detached or removed by the owning apps' foreign keys."""
    user.delete()
