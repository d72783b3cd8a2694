import re
import string

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError

from books import selectors, services
from books.models import Book, Page
from books.tests.factories import BookFactory, book_body

pytestmark = pytest.mark.django_db


def create(user, **changes) -> Book:
    return services.book_create(creator=user, **book_body(**changes))


def test_generated_codes_are_eight_letters_from_secrets(monkeypatch):
    drawn = []

    def choice(alphabet):
        drawn.append(alphabet)
        return "Q"

    monkeypatch.setattr(services.secrets, "choice", choice)

    assert services.generate_magic_code() == "QQQQQQQQ"
    assert drawn == [string.ascii_uppercase] * 8


def test_generated_codes_differ():
    codes = {services.generate_magic_code() for _ in range(200)}

    assert len(codes) == 200
    assert all(re.fullmatch("[A-Z]{8}", code) for code in codes)


def test_create_makes_the_book_with_its_pages(user):
    book = create(user, pages=3)

    assert re.fullmatch("[A-Z]{8}", book.magic_code)
    assert book.creator == user
    assert list(book.pages.order_by("number").values_list("number", "text")) == [
        (1, "Page 1 text."),
        (2, "Page 2 text."),
        (3, "Page 3 text."),
    ]


def test_create_retries_with_a_new_code_when_the_generated_one_is_taken(user, monkeypatch):
    taken = BookFactory(magic_code="TAKENONE")
    codes = iter(["TAKENONE", "FRESHONE"])
    monkeypatch.setattr(services, "generate_magic_code", lambda: next(codes))

    book = create(user)

    assert book.magic_code == "FRESHONE"
    assert Book.objects.count() == 2
    assert taken.pages.count() == 3
    assert book.pages.count() == 3


def test_create_gives_up_when_every_code_is_taken(user, monkeypatch):
    BookFactory(magic_code="TAKENONE")
    monkeypatch.setattr(services, "generate_magic_code", lambda: "TAKENONE")

    with pytest.raises(services.MagicCodeUnavailable):
        create(user)

    assert Book.objects.count() == 1


@pytest.mark.parametrize("numbers", [[], [1, 2, 3, 4, 5, 6, 7], [1, 1], [2, 3], [1, 3]])
def test_create_refuses_pages_not_numbered_one_to_n(user, numbers):
    pages = [{"number": number, "text": ""} for number in numbers]

    with pytest.raises(services.InvalidPages):
        services.book_create(creator=user, title="T", author="A", teacher="T", pages=pages)

    assert not Book.objects.exists()


def test_create_is_atomic_when_a_page_fails_to_be_written(user, monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("page refused")

    monkeypatch.setattr(Page.objects, "bulk_create", fail)

    with pytest.raises(IntegrityError):
        create(user)

    assert not Book.objects.exists()


def test_update_changes_fields_and_moves_updated_at(book):
    before = book.updated_at

    updated = services.book_update(book, title="New title")

    assert updated.title == "New title"
    assert updated.updated_at > before
    assert updated.pages.count() == 3


def test_replacing_pages_keeps_pictures_of_remaining_numbers_and_removes_the_others(
    book, illustrate, django_capture_on_commit_callbacks
):
    kept = illustrate(book.pages.get(number=1)).picture.name
    gone = illustrate(book.pages.get(number=3)).picture.name

    with django_capture_on_commit_callbacks(execute=True):
        services.book_update(book, pages=[{"number": 2, "text": "two"}, {"number": 1, "text": "one"}])

    assert list(book.pages.order_by("number").values_list("number", "text", "picture")) == [
        (1, "one", kept),
        (2, "two", ""),
    ]
    assert default_storage.exists(kept)
    assert not default_storage.exists(gone)


def test_delete_removes_the_book_its_pages_and_their_pictures_after_commit(
    book, illustrate, django_capture_on_commit_callbacks
):
    name = illustrate(book.pages.get(number=2)).picture.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.book_delete(book)
        assert default_storage.exists(name)  # until the deletion commits
    for callback in callbacks:
        callback()

    assert not Book.objects.exists()
    assert not Page.objects.exists()
    assert not default_storage.exists(name)


def test_replacing_a_picture_removes_the_earlier_file(book, illustrate, django_capture_on_commit_callbacks):
    page = book.pages.get(number=1)
    first = illustrate(page, "red").picture.name

    with django_capture_on_commit_callbacks(execute=True):
        second = illustrate(page, "green").picture.name

    assert first != second
    assert not default_storage.exists(first)
    assert default_storage.exists(second)
    assert second.startswith(f"books/{book.magic_code}/page-1/")


def test_a_picture_whose_database_write_fails_leaves_no_file(book, illustrate, monkeypatch, stored_files):
    def fail(*args, **kwargs):
        raise IntegrityError("refused")

    monkeypatch.setattr(services, "set_picture_fields", fail)

    with pytest.raises(IntegrityError):
        illustrate(book.pages.get(number=1))

    assert stored_files() == []


def test_page_picture_delete_removes_file_and_metadata(book, illustrate, django_capture_on_commit_callbacks):
    page = illustrate(book.pages.get(number=1))

    with django_capture_on_commit_callbacks(execute=True):
        services.page_picture_delete(page)

    page.refresh_from_db()
    assert (page.picture.name, page.picture_sha256, page.picture_bytes) == ("", "", None)


def test_lookup_is_case_insensitive(book):
    assert selectors.book_get(book.magic_code.lower()) == book
    assert selectors.book_get(book.magic_code.title()) == book


def test_lookup_of_an_unknown_code_is_not_found(book):
    with pytest.raises(selectors.BookNotFound):
        selectors.book_get("ZZZZZZZZ" if book.magic_code != "ZZZZZZZZ" else "YYYYYYYY")


def test_page_lookup_tells_unknown_book_from_unknown_page(book):
    with pytest.raises(selectors.PageNotFound):
        selectors.page_get(book.magic_code, 4)
    with pytest.raises(selectors.BookNotFound):
        selectors.page_get("ZZZZZZZZ" if book.magic_code != "ZZZZZZZZ" else "YYYYYYYY", 1)


def test_list_of_a_user_holds_only_their_books(book, other_user):
    BookFactory(creator=other_user)

    assert list(selectors.book_list_of(book.creator)) == [book]
