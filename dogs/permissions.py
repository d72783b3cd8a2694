from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from dogs.models import Dog


class IsOwnerOrStaff(BasePermission):
    """Only a dog's owner or staff may change or delete it (a dog without an owner: staff only).

    Someone else's dog answers 403, not 404: dogs are public reads, so whether
    one exists is no secret, and 403 tells the caller the truth.
    """

    message = "Only the dog's owner or staff may change or delete it."

    def has_object_permission(self, request: Request, view: Any, obj: Dog) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or obj.owner_id == user.pk))
