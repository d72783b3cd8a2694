import pytest
from django.db import DataError, IntegrityError, transaction

from books.models import BOOKS_MAX_PAGES, Book, Page
from books.tests.factories import BookFactory, PageFactory

pytestmark = pytest.mark.django_db


def test_magic_code_is_unique_by_constraint(book):
    with pytest.raises(IntegrityError), transaction.atomic():
        BookFactory(magic_code=book.magic_code)


@pytest.mark.parametrize("code", ["abcdefgh", "ABCDEFG", "ABCDEFGHI"])
def test_magic_code_must_be_eight_upper_case_characters(code):
    # PostgreSQL's varchar(8) refuses nine characters before the check constraint does.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        BookFactory(magic_code=code)


@pytest.mark.parametrize("field", ["title", "author", "teacher"])
@pytest.mark.parametrize("value", ["", " padded "])
def test_book_texts_are_trimmed_and_not_empty(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        BookFactory(**{field: value})


@pytest.mark.parametrize("number", [0, BOOKS_MAX_PAGES + 1])
def test_page_number_is_within_the_format(book, number):
    with pytest.raises(IntegrityError), transaction.atomic():
        PageFactory(book=book, number=number)


def test_page_number_is_unique_within_a_book_only(book):
    PageFactory(book=BookFactory(pages=0), number=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        PageFactory(book=book, number=1)


def test_a_picture_needs_all_of_its_metadata(book):
    with pytest.raises(IntegrityError), transaction.atomic():
        Page.objects.filter(book=book, number=1).update(picture="books/x.png")


def test_deleting_a_book_deletes_its_pages(book):
    Book.objects.filter(pk=book.pk).delete()

    assert not Page.objects.exists()


def test_a_book_outlives_its_creators_account(book):
    book.creator.delete()

    book.refresh_from_db()
    assert book.creator is None
