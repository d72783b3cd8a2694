"""`GET /api/books/{magic_code}` is served from a cache: every kind of write must show in the next read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from books.tests.factories import BookFactory, book_body

# Writes invalidate on commit, so the tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def read(client, code: str) -> dict:
    response = client.get(f"/api/books/{code}")
    assert response.status_code == 200, response.content
    return response.json()


def test_second_read_is_served_without_a_query_and_is_identical(api_client):
    book = BookFactory()
    first = api_client.get(f"/api/books/{book.magic_code.lower()}")
    with CaptureQueriesContext(connection) as queries:
        second = api_client.get(f"/api/books/{book.magic_code}")
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"


def test_api_writes_show_in_the_next_read(auth_client, api_client, user, png, picture_storage):
    book = BookFactory(creator=user)
    code = book.magic_code
    read(api_client, code)

    assert auth_client.patch(f"/api/books/{code}", {"title": "Moon"}, format="json").status_code == 200
    assert read(api_client, code)["title"] == "Moon"

    assert auth_client.put(f"/api/books/{code}", book_body(pages=2), format="json").status_code == 200
    assert [page["number"] for page in read(api_client, code)["pages"]] == [1, 2]

    upload = auth_client.generic("POST", f"/api/books/{code}/pages/2/picture", png, content_type="image/png")
    assert upload.status_code == 201, upload.content
    assert read(api_client, code)["pages"][1]["picture_url"]

    assert auth_client.delete(f"/api/books/{code}/pages/2/picture").status_code == 204
    assert read(api_client, code)["pages"][1]["picture_url"] is None

    assert auth_client.delete(f"/api/books/{code}").status_code == 204
    assert api_client.get(f"/api/books/{code}").status_code == 404


def test_an_admin_change_shows_in_the_next_read(admin_browser, api_client):
    book = BookFactory(title="Dragon")
    read(api_client, book.magic_code)
    pages = list(book.pages.order_by("number"))
    data = {
        "title": "Moon",
        "author": book.author,
        "teacher": book.teacher,
        "creator": str(book.creator_id or ""),
        "pages-TOTAL_FORMS": str(len(pages)),
        "pages-INITIAL_FORMS": str(len(pages)),
        "pages-MIN_NUM_FORMS": "0",
        "pages-MAX_NUM_FORMS": "6",
    }
    for index, page in enumerate(pages):
        data |= {
            f"pages-{index}-id": str(page.pk),
            f"pages-{index}-book": str(book.pk),
            f"pages-{index}-number": str(page.number),
            f"pages-{index}-text": f"Changed {page.number}",
        }

    response = admin_browser.post(f"/admin/books/book/{book.pk}/change/", data)

    assert response.status_code == 302
    body = read(api_client, book.magic_code)
    assert body["title"] == "Moon"
    assert body["pages"][0]["text"] == "Changed 1"


def test_an_admin_bulk_delete_shows_in_the_next_read(admin_browser, api_client):
    book = BookFactory()
    read(api_client, book.magic_code)
    response = admin_browser.post(
        "/admin/books/book/", {"action": "delete_selected", "_selected_action": [book.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert api_client.get(f"/api/books/{book.magic_code}").status_code == 404


def test_zero_seconds_turns_the_cache_off(api_client, settings):
    settings.BOOKS_CACHE_SECONDS = 0
    book = BookFactory()
    read(api_client, book.magic_code)
    with CaptureQueriesContext(connection) as queries:
        read(api_client, book.magic_code)
    assert len(queries) > 0


def test_unknown_codes_still_count_against_the_unknown_code_limit(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "books_unknown_code": "2/hour"},
    }
    book = BookFactory()
    assert [api_client.get("/api/books/ZZZZZZZZ").status_code for _ in range(2)] == [404, 404]
    refused = api_client.get(f"/api/books/{book.magic_code}")
    assert refused.status_code == 429
    assert "Retry-After" in refused
