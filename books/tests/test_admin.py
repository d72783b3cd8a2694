import pytest
from django.core.files.storage import default_storage

from books.models import Book
from books.tests.factories import BookFactory

pytestmark = pytest.mark.django_db


def inline_management(total: int, initial: int) -> dict:
    return {
        "pages-TOTAL_FORMS": str(total),
        "pages-INITIAL_FORMS": str(initial),
        "pages-MIN_NUM_FORMS": "0",
        "pages-MAX_NUM_FORMS": "6",
    }


def test_changelist_searches_code_title_and_teacher(admin_browser):
    dragon = BookFactory(title="Dragon", teacher="Ms. Oliveira")
    BookFactory(title="Moon", teacher="Mr. Santos")

    by_code = admin_browser.get(f"/admin/books/book/?q={dragon.magic_code.lower()}")
    by_teacher = admin_browser.get("/admin/books/book/?q=santos")

    assert by_code.status_code == 200
    assert "Dragon" in by_code.text
    assert "Moon" not in by_code.text
    assert "Moon" in by_teacher.text


def test_change_form_shows_pages_inline_with_picture_thumbnails(admin_browser, book, illustrate):
    illustrate(book.pages.get(number=2))

    response = admin_browser.get(f"/admin/books/book/{book.pk}/change/")

    assert response.status_code == 200
    assert f'src="/api/books/{book.magic_code}/pages/2/picture.png"' in response.text
    assert response.text.count('name="pages-') > 0


def test_add_form_creates_a_book_with_a_generated_code_and_pages(admin_browser):
    data = {
        "title": "Dragon",
        "author": "Maya",
        "teacher": "Ms. Oliveira",
        "creator": "",
        **inline_management(2, 0),
        "pages-0-number": "1",
        "pages-0-text": "One",
        "pages-1-number": "2",
        "pages-1-text": "Two",
    }

    response = admin_browser.post("/admin/books/book/add/", data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    book = Book.objects.get()
    assert len(book.magic_code) == 8
    assert book.magic_code.isupper()
    assert book.creator.email == "root@example.org"
    assert list(book.pages.values_list("number", "text")) == [(1, "One"), (2, "Two")]


def test_deleting_a_page_inline_removes_its_picture(
    admin_browser, book, illustrate, django_capture_on_commit_callbacks
):
    name = illustrate(book.pages.get(number=3)).picture.name
    pages = list(book.pages.order_by("number"))
    data = {
        "title": book.title,
        "author": book.author,
        "teacher": book.teacher,
        "creator": str(book.creator_id),
        **inline_management(3, 3),
    }
    for index, page in enumerate(pages):
        data |= {
            f"pages-{index}-id": str(page.pk),
            f"pages-{index}-book": str(book.pk),
            f"pages-{index}-number": str(page.number),
            f"pages-{index}-text": page.text,
        }
    data["pages-2-DELETE"] = "on"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(f"/admin/books/book/{book.pk}/change/", data)

    assert response.status_code == 302
    assert list(book.pages.values_list("number", flat=True)) == [1, 2]
    assert not default_storage.exists(name)


def test_deleting_a_book_removes_its_pictures(admin_browser, book, illustrate, django_capture_on_commit_callbacks):
    name = illustrate(book.pages.get(number=1)).picture.name

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(f"/admin/books/book/{book.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Book.objects.exists()
    assert not default_storage.exists(name)


def test_bulk_delete_removes_the_books_pictures(admin_browser, book, illustrate, django_capture_on_commit_callbacks):
    name = illustrate(book.pages.get(number=1)).picture.name
    other = BookFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(
            "/admin/books/book/",
            {"action": "delete_selected", "_selected_action": [book.pk, other.pk], "post": "yes"},
        )

    assert response.status_code == 302
    assert not Book.objects.exists()
    assert not default_storage.exists(name)
