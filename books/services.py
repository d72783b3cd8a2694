"""Writes to the book catalogue and its page pictures.

Every write runs in one transaction: a book is created, replaced or deleted
with all of its pages or not at all. Picture files live in the default storage
and are never left behind: a new file is removed again when its database write
fails, and a replaced or deleted file is removed only after the transaction
that stopped referring to it has committed. Every change to a book or its
pages drops its cached body (books.cache) once it has committed.
"""

import secrets
import string
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from books.cache import book_representations
from books.models import BOOKS_MAX_PAGES, MAGIC_CODE_LENGTH, Book, Page
from books.selectors import BookNotFound, PageNotFound
from core import images, storage
from core.errors import ServiceError
from core.pictures import PICTURE_FIELDS, set_picture_fields

if TYPE_CHECKING:
    from users.models import User

MAGIC_CODE_ALPHABET = string.ascii_uppercase
# With 26^8 (about 2 * 10^11) codes, a collision is rare even with millions of
# books; several in a row mean something else is wrong.
MAGIC_CODE_ATTEMPTS = 10
BOOK_FIELDS = ("title", "author", "teacher")


class InvalidPages(ServiceError):
    default_code = "invalid_pages"
    default_detail = f"A book has 1 to {BOOKS_MAX_PAGES} pages, numbered from 1 without gaps or repeats."


class MagicCodeUnavailable(ServiceError):
    """Every generated code was taken: practically impossible unless the generator is broken."""

    status_code = 503
    default_code = "magic_code_unavailable"
    default_detail = "No free magic code could be generated; try again."


def generate_magic_code() -> str:
    """8 letters A-Z from the operating system's cryptographic random source."""
    return "".join(secrets.choice(MAGIC_CODE_ALPHABET) for _ in range(MAGIC_CODE_LENGTH))


def check_pages(pages: list[Mapping[str, Any]]) -> None:
    """The pages' rule: 1 to BOOKS_MAX_PAGES pages, numbered 1..n in any order; InvalidPages (400) otherwise."""
    numbers = sorted(page["number"] for page in pages)
    if not 1 <= len(pages) <= BOOKS_MAX_PAGES or numbers != list(range(1, len(pages) + 1)):
        raise InvalidPages()


def book_create(
    *, creator: "User | None", title: str, author: str, teacher: str, pages: list[Mapping[str, Any]]
) -> Book:
    """Create a book with its pages under a fresh magic code, all or nothing.

    `pages` are `{"number", "text"}` mappings (see `check_pages`). A generated
    code that another book already has is replaced by a new one.
    """
    check_pages(pages)
    with transaction.atomic():
        book = Book(creator=creator, title=title, author=author, teacher=teacher)
        book_insert(book)
        Page.objects.bulk_create(Page(book=book, number=page["number"], text=page["text"]) for page in pages)
    return book


def book_insert(book: Book) -> Book:
    """Insert an unsaved book under a freshly generated magic code, retrying on a collision.

    Each attempt runs in a savepoint, so a taken code costs nothing but the
    attempt; any other integrity error is raised as it is.
    """
    for _attempt in range(MAGIC_CODE_ATTEMPTS):
        book.magic_code = generate_magic_code()
        try:
            with transaction.atomic():
                book.save(force_insert=True)
        except IntegrityError:
            book.pk = None
            if Book.objects.filter(magic_code=book.magic_code).exists():
                continue
            raise
        return book
    raise MagicCodeUnavailable()


def book_update(book: Book, *, pages: list[Mapping[str, Any]] | None = None, **changes: str) -> Book:
    """Change some of title, author and teacher and, when `pages` is given, replace the pages.

    Replacing keeps the picture of every page whose number remains (its text
    changes); the pictures of pages that go are removed from storage once the
    change has committed.
    """
    if pages is not None:
        check_pages(pages)
    with transaction.atomic():
        locked = _locked(book.pk)
        for field, value in changes.items():
            setattr(locked, field, value)
        # updated_at moves also when only the pages change.
        locked.save(update_fields=[*changes, "updated_at"])
        if pages is not None:
            _replace_pages(locked, pages)
        book_representations.invalidate_on_commit(locked.magic_code)
    return locked


def _replace_pages(book: Book, pages: list[Mapping[str, Any]]) -> None:
    existing = {page.number: page for page in Page.objects.select_for_update().filter(book=book)}
    wanted = {page["number"]: page["text"] for page in pages}
    gone = [page for number, page in existing.items() if number not in wanted]
    for page in gone:
        storage.delete_on_commit(page.picture.name)
    Page.objects.filter(pk__in=[page.pk for page in gone]).delete()
    for number, text in wanted.items():
        page = existing.get(number)
        if page is None:
            Page.objects.create(book=book, number=number, text=text)
        elif page.text != text:
            page.text = text
            page.save(update_fields=["text"])


def book_delete(book: Book) -> None:
    """Delete a book with its pages; their pictures go once the deletion has committed."""
    book_delete_many([book.pk])


def book_delete_many(book_ids: Iterable[int]) -> int:
    """Delete several books (the admin's bulk action) with their pages and pictures; returns the book count."""
    with transaction.atomic():
        # Locked first, so that a picture upload running now finishes before or waits and finds no page.
        locked = list(Book.objects.select_for_update().filter(pk__in=list(book_ids)).values_list("pk", "magic_code"))
        ids = [pk for pk, _code in locked]
        pages = Page.objects.select_for_update().filter(book__in=ids)
        pictures = [name for name in pages.values_list("picture", flat=True) if name]
        for _pk, code in locked:
            book_representations.invalidate_on_commit(code)
        deleted = Book.objects.filter(pk__in=ids).delete()[1].get(Book._meta.label, 0)
        for name in pictures:
            storage.delete_on_commit(name)
    return deleted


def page_picture_upload(page: Page, upload) -> Page:
    """Validate an uploaded file as an image and make it the page's picture.

    `upload` is any file-like object (a multipart file or the raw request
    body), read with the configured size limit; 413/415/400 as `core.images` says.
    """
    image = images.normalise_image(images.read_upload(upload))
    return page_picture_replace(page, image)


def page_picture_replace(page: Page, image: images.NormalisedImage) -> Page:
    """Store a normalised PNG as the page's picture, replacing any earlier one.

    The new file is removed again when this transaction fails. Django has no
    rollback hook, so a caller's enclosing transaction that rolls back later
    leaves the new file behind: the API calls this outside any transaction.
    """
    prefix = f"books/{page.book.magic_code}/page-{page.number}"
    name = storage.save_bytes(storage.generated_name(prefix, "png"), image.content)
    try:
        with transaction.atomic():
            locked = _locked_page(page.pk)
            storage.delete_on_commit(locked.picture.name)
            set_picture_fields(locked, name, image)
            locked.save(update_fields=list(PICTURE_FIELDS))
            _touch(locked)
    except BaseException:
        # The row was never updated, so nothing refers to the new file.
        storage.delete_quietly(name)
        raise
    return locked


def page_picture_delete(page: Page) -> Page:
    """Remove the page's picture; deleting a picture that is not there is a no-op."""
    with transaction.atomic():
        locked = _locked_page(page.pk)
        if locked.picture:
            storage.delete_on_commit(locked.picture.name)
            set_picture_fields(locked, "", None)
            locked.save(update_fields=list(PICTURE_FIELDS))
            _touch(locked)
    return locked


def _touch(page: Page) -> None:
    # A page's picture is part of the book: its updated_at moves, its cached body goes.
    Book.objects.filter(pk=page.book_id).update(updated_at=timezone.now())
    book_representations.invalidate_on_commit(page.book.magic_code)


def _locked(book_id: int) -> Book:
    """The book's current row, locked until the transaction ends."""
    try:
        return Book.objects.select_for_update().get(pk=book_id)
    except Book.DoesNotExist as exc:
        raise BookNotFound() from exc


def _locked_page(page_id: int) -> Page:
    """The page's current row (with its book), locked until the transaction ends (two picture writes queue up)."""
    try:
        return Page.objects.select_for_update().select_related("book").get(pk=page_id)
    except Page.DoesNotExist as exc:
        raise PageNotFound() from exc
