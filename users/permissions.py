from rest_framework.permissions import BasePermission


class IsSelfOrStaff(BasePermission):
    """Only the user themself or staff may change or delete a user."""

    message = "You may only change your own account."

    def has_object_permission(self, request, view, obj) -> bool:
        return bool(request.user and (request.user.is_staff or obj.pk == request.user.pk))
