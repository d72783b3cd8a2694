"""Who may change a book."""

from rest_framework import permissions


class IsCreatorOrStaffForChanges(permissions.BasePermission):
    """Anyone may read a book by its code; only its creator or staff may change it or its pictures.

    Another user gets 403, not 404: reads are public by code, so whoever has
    the code already knows that the book exists.
    """

    message = "Only the book's creator or staff may change it."

    def has_object_permission(self, request, view, book) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or book.creator_id == user.pk))
