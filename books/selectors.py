"""Reads of the book catalogue."""

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from books.models import Book, Page
from core.errors import NotFound

if TYPE_CHECKING:
    from users.models import User


class BookNotFound(NotFound):
    default_detail = "No book has this magic code."


class PageNotFound(NotFound):
    default_detail = "This book has no page with this number."


def normalise_magic_code(code: str) -> str:
    """Codes are stored upper case; a reader may type them in any case."""
    return code.strip().upper()


def _with_pages(queryset: QuerySet[Book]) -> QuerySet[Book]:
    return queryset.prefetch_related(Prefetch("pages", queryset=Page.objects.order_by("number")))


def book_get(magic_code: str) -> Book:
    """The book with this magic code (any case), its pages prefetched in order; BookNotFound (404) otherwise."""
    try:
        return _with_pages(Book.objects.all()).get(magic_code=normalise_magic_code(magic_code))
    except Book.DoesNotExist as exc:
        raise BookNotFound() from exc


def book_list_of(user: "User") -> QuerySet[Book]:
    """The books `user` created, oldest first, with their pages."""
    return _with_pages(Book.objects.filter(creator=user)).order_by("created_at", "id")


def page_get(magic_code: str, number: int) -> Page:
    """Page `number` of the book with this code (any case); BookNotFound or PageNotFound (404) otherwise."""
    page = (
        Page.objects.select_related("book")
        .filter(book__magic_code=normalise_magic_code(magic_code), number=number)
        .first()
    )
    if page is None:
        if not Book.objects.filter(magic_code=normalise_magic_code(magic_code)).exists():
            raise BookNotFound()
        raise PageNotFound()
    return page
