"""Reads of the book catalogue."""

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from books.models import Book, Page
from core.errors import NotFound
from core.queries import RowByKey, RowsByKey

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
    """Each book with its pages in order as `ordered_pages` (a list), which BookSerializer reads."""
    return queryset.prefetch_related(Prefetch("pages", queryset=Page.objects.order_by("number"), to_attr=ORDERED_PAGES))


# What `_with_pages` and `book_get` set on a book: its pages, in order.
ORDERED_PAGES = "ordered_pages"
# Benchmark-shaped (core.queries): `GET /api/books/{magic_code}` reads books at high rates.
_book_by_code = RowByKey(Book, "magic_code")
_pages_of_book = RowsByKey(Page, "book", order_by=("number",))


def book_get(magic_code: str) -> Book:
    """The book with this magic code (any case), its pages in order as `ordered_pages`; BookNotFound (404) otherwise.

    The same as `_with_pages(Book.objects.all()).get(...)`, in two queries
    compiled once (core.queries) instead of on every call.
    """
    book = _book_by_code.get(normalise_magic_code(magic_code))
    if book is None:
        raise BookNotFound()
    setattr(book, ORDERED_PAGES, _pages_of_book.all(book.pk))
    return book


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
