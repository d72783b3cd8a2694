"""The dump carries books, their pages and the pages' pictures, and restores them.

Transactional tests, as in tests/test_dump.py (the dump reads through a
connection of its own), whose helpers read the databases. A full dump is
restored with psql or sqlite3 into an empty database (the pictures then wait
in `dump_files`); a data-only dump is loaded with `load_dump` into the
migrated database, which writes the pictures back into storage.
"""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from books import services
from books.models import Book, Page
from books.tests.factories import BookFactory
from core import images
from tests.fixtures.images import png_bytes
from tests.test_dump import (
    current_rows,
    natively_restored,
    needs_sqlite3_shell,
    rows_of,
)

# The restores run the databases' own command-line tools.

pytestmark = pytest.mark.django_db(transaction=True)

BOOK_MODELS = [Book, Page]


def illustrate(page: Page, colour: str) -> Page:
    image = images.normalise_image(png_bytes(Image.new("RGB", (12, 9), colour)))
    return services.page_picture_replace(page, image)


def stored_pictures() -> dict[str, bytes]:
    names = Page.objects.exclude(picture="").values_list("picture", flat=True)
    return {name: default_storage.open(name).read() for name in names}


@pytest.fixture
def books(user):
    """Two books of several pages, three pictures among them, and awkward text."""
    first = BookFactory(creator=user, title="Zoë's 'dragon'; --not a comment", pages=3)
    second = BookFactory(creator=None, pages=6)
    illustrate(first.pages.get(number=1), "red")
    illustrate(first.pages.get(number=3), "green")
    illustrate(second.pages.get(number=6), "blue")
    Page.objects.filter(book=second, number=2).update(text="Línea 1\nLine 2\t\\ back slash")
    return first, second


def dump_files_table(rows: list[tuple]) -> dict[str, bytes]:
    return {name: bytes(data) for name, data in rows}


@needs_sqlite3_shell
def test_full_dump_restores_books_pages_and_pictures_with_the_databases_own_tools(books, tmp_path):
    dump = tmp_path / "dump.sql"
    call_command("dump", output=str(dump), stdout=io.StringIO())
    files_query = 'SELECT "name", "data" FROM "dump_files" ORDER BY "name"'

    with natively_restored(dump, tmp_path) as cursor:
        rows = rows_of(BOOK_MODELS, cursor)
        cursor.execute(files_query)
        files = cursor.fetchall()

    assert rows == current_rows(BOOK_MODELS)
    assert (len(rows["books_book"]), len(rows["books_page"])) == (2, 9)
    assert dump_files_table(files) == stored_pictures()
    assert len(files) == 3


@pytest.mark.usefixtures("any_storage")
def test_data_only_dump_brings_deleted_books_and_their_pictures_back(books, tmp_path, api_client):
    first, second = books
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    expected_rows, expected_files = current_rows(BOOK_MODELS), stored_pictures()
    # Deleted through the service: the rows go, and their pictures after the commit.
    services.book_delete(first)
    services.book_update(second, title="Changed after the dump")
    assert stored_pictures().keys() < expected_files.keys()

    call_command("load_dump", str(dump), stdout=io.StringIO())

    assert current_rows(BOOK_MODELS) == expected_rows
    assert stored_pictures() == expected_files
    # The restored book answers by its code, with its pictures.
    response = api_client.get(f"/api/books/{first.magic_code.lower()}")
    assert response.status_code == 200
    picture = api_client.get(response.json()["pages"][0]["picture_url"].removeprefix("http://testserver"))
    assert b"".join(picture.streaming_content) == expected_files[first.pages.get(number=1).picture.name]
