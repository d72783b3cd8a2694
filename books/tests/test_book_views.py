import pytest
from django.core.files.storage import default_storage

from books import services
from books.models import Book, Page
from books.tests.factories import BookFactory, book_body

pytestmark = pytest.mark.django_db


def unknown_code(book: Book) -> str:
    return "ZZZZZZZZ" if book.magic_code != "ZZZZZZZZ" else "YYYYYYYY"


# --- Create -------------------------------------------------------------------


def test_create_answers_201_with_the_book_its_code_and_location(auth_client, user):
    response = auth_client.post("/api/books", book_body(pages=3), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    code = body["magic_code"]
    assert response["Location"] == f"/api/books/{code}"
    assert body["title"] == "The Dragon Who Lost Her Roar"
    assert [page["number"] for page in body["pages"]] == [1, 2, 3]
    assert all(page["picture_url"] is None for page in body["pages"])
    assert "creator" not in body
    assert Book.objects.get(magic_code=code).creator == user


def test_create_accepts_pages_in_any_order_and_trims_texts(auth_client):
    body = book_body(title="  Spaced  ", pages=0)
    body["pages"] = [{"number": 2, "text": " two "}, {"number": 1, "text": "one"}]

    response = auth_client.post("/api/books/", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["title"] == "Spaced"
    assert response.json()["pages"] == [
        {"number": 1, "text": "one", "picture_url": None},
        {"number": 2, "text": "two", "picture_url": None},
    ]


@pytest.mark.parametrize(
    "pages",
    [
        [],
        [{"number": n, "text": "x"} for n in range(1, 8)],
        [{"number": 1, "text": "x"}, {"number": 1, "text": "y"}],
        [{"number": 1, "text": "x"}, {"number": 3, "text": "y"}],
        [{"number": 1, "text": "x"}, {"number": 2, "text": "y" * 5001}],
        [{"number": 1, "text": "x"}, {"number": "2", "text": "y"}],
        [{"number": 1, "text": "x"}, {"number": 2}],
    ],
    ids=["none", "seven", "repeated", "gap", "text-too-long", "number-as-text", "no-text"],
)
def test_create_with_a_bad_page_is_400_and_creates_nothing(auth_client, pages):
    response = auth_client.post("/api/books", book_body(pages=0) | {"pages": pages}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    # The list as a whole (`pages`) or one page's field (`pages[1].text`).
    assert all(field.startswith("pages") for field in response.json()["errors"])
    assert not Book.objects.exists()
    assert not Page.objects.exists()


def test_a_bad_pages_errors_are_named_by_the_page_and_field(auth_client):
    pages = [{"number": 1, "text": "x"}, {"number": 9}]

    response = auth_client.post("/api/books", book_body(pages=0) | {"pages": pages}, format="json")

    assert response.json()["errors"] == {
        "pages[1].number": ["Ensure this value is less than or equal to 6."],
        "pages[1].text": ["This field is required."],
    }


@pytest.mark.parametrize("field", ["title", "author", "teacher"])
def test_create_needs_title_author_and_teacher(auth_client, field):
    body = book_body()
    del body[field]

    response = auth_client.post("/api/books", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_create_answers_503_and_creates_nothing_when_no_free_code_is_found(auth_client, book, monkeypatch):
    monkeypatch.setattr(services, "generate_magic_code", lambda: book.magic_code)

    response = auth_client.post("/api/books", book_body(), format="json")

    assert response.status_code == 503
    assert response.json()["code"] == "magic_code_unavailable"
    assert Book.objects.count() == 1


def test_create_needs_a_token(api_client):
    response = api_client.post("/api/books", book_body(), format="json")

    assert response.status_code == 401
    assert not Book.objects.exists()


# --- Read ---------------------------------------------------------------------


@pytest.mark.parametrize("spelling", [str.upper, str.lower, str.title])
def test_read_by_code_in_any_case_is_public(api_client, book, spelling):
    response = api_client.get(f"/api/books/{spelling(book.magic_code)}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["magic_code"] == book.magic_code
    assert [page["number"] for page in body["pages"]] == [1, 2, 3]


def test_read_shows_picture_urls_of_illustrated_pages(api_client, book, illustrate):
    illustrate(book.pages.get(number=2))

    pages = api_client.get(f"/api/books/{book.magic_code}").json()["pages"]

    assert [page["picture_url"] for page in pages] == [
        None,
        f"http://testserver/api/books/{book.magic_code}/pages/2/picture.png",
        None,
    ]


def test_read_of_an_unknown_code_is_404(api_client, book):
    response = api_client.get(f"/api/books/{unknown_code(book)}")

    assert response.status_code == 404
    assert response.json() == {"detail": "No book has this magic code.", "code": "not_found"}


@pytest.mark.parametrize("code", ["ABC", "ABCDEFGHI", "ABCD1234", "ABCDEFG%C3%A9"])
def test_read_of_a_malformed_code_is_404(api_client, code):
    response = api_client.get(f"/api/books/{code}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_lookups_are_throttled_per_client_with_retry_after(api_client, auth_client, book, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "books_lookup": "3/minute"},
    }
    paths = [f"/api/books/{book.magic_code}", f"/api/books/{unknown_code(book)}", f"/api/books/{book.magic_code}"]

    statuses = [api_client.get(path).status_code for path in paths]
    throttled = api_client.get(f"/api/books/{book.magic_code}/pages/1/picture.png")

    assert statuses == [200, 404, 200]
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert 1 <= int(throttled["Retry-After"]) <= 60
    # Another client has a counter of its own.
    assert auth_client.get(f"/api/books/{book.magic_code}").status_code == 200


def rates(settings, **changes) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **changes},
    }


def test_too_many_unknown_codes_shut_a_client_out_of_every_code(api_client, auth_client, book, settings):
    rates(settings, books_unknown_code="2/hour")
    unknown = unknown_code(book)

    statuses = [api_client.get(f"/api/books/{unknown}").status_code for _ in range(2)]
    shut_out = api_client.get(f"/api/books/{book.magic_code}")
    picture = api_client.get(f"/api/books/{book.magic_code}/pages/1/picture.png")

    assert statuses == [404, 404]
    assert shut_out.status_code == picture.status_code == 429
    assert 1 <= int(shut_out["Retry-After"]) <= 3600
    # Another client has a count of its own.
    assert auth_client.get(f"/api/books/{book.magic_code}").status_code == 200


def test_known_codes_and_missing_pages_do_not_count_as_unknown_codes(api_client, book, settings):
    rates(settings, books_unknown_code="1/hour")

    statuses = [api_client.get(f"/api/books/{book.magic_code}").status_code for _ in range(3)]
    statuses += [api_client.get(f"/api/books/{book.magic_code}/pages/{n}/picture.png").status_code for n in (1, 5)]
    statuses.append(api_client.get(f"/api/books/{book.magic_code}").status_code)

    assert statuses == [200, 200, 200, 404, 404, 200]


def test_unknown_codes_in_changes_and_picture_routes_count_too(other_client, book, png, settings):
    rates(settings, books_unknown_code="2/hour")
    unknown = unknown_code(book)

    statuses = [
        other_client.patch(f"/api/books/{unknown}", {"title": "x"}, format="json").status_code,
        other_client.generic(
            "POST", f"/api/books/{unknown}/pages/1/picture", png, content_type="image/png"
        ).status_code,
        other_client.get(f"/api/books/{book.magic_code}").status_code,
    ]

    assert statuses == [404, 404, 429]


def test_creating_and_listing_do_not_count_as_lookups(auth_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "books_lookup": "1/minute"},
    }

    statuses = [auth_client.post("/api/books", book_body(), format="json").status_code for _ in range(2)]
    statuses += [auth_client.get("/api/books").status_code for _ in range(2)]

    assert statuses == [201, 201, 200, 200]


# --- List ---------------------------------------------------------------------


def test_list_holds_only_the_callers_books(auth_client, book, other_user):
    BookFactory(creator=other_user)

    response = auth_client.get("/api/books")

    assert response.status_code == 200
    assert [item["magic_code"] for item in response.json()] == [book.magic_code]
    assert response["X-Total-Count"] == "1"


def test_list_of_staff_holds_only_their_own_books_too(staff_client, book):
    response = staff_client.get("/api/books")

    assert response.status_code == 200
    assert response.json() == []


def test_list_needs_a_token(api_client, book):
    response = api_client.get("/api/books")

    assert response.status_code == 401


# --- Update -------------------------------------------------------------------


def test_patch_changes_the_title_only(auth_client, book):
    response = auth_client.patch(f"/api/books/{book.magic_code.lower()}", {"title": "A new title"}, format="json")

    assert response.status_code == 200, response.content
    book.refresh_from_db()
    assert (book.title, response.json()["title"]) == ("A new title", "A new title")
    assert book.pages.count() == 3


def test_patch_refuses_pages(auth_client, book):
    response = auth_client.patch(f"/api/books/{book.magic_code}", {"pages": []}, format="json")

    assert response.status_code == 400
    assert "pages" in response.json()["errors"]


def test_put_replaces_the_book_with_its_pages(auth_client, book, illustrate, django_capture_on_commit_callbacks):
    gone = illustrate(book.pages.get(number=3)).picture.name
    kept = illustrate(book.pages.get(number=1)).picture.name

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.put(f"/api/books/{book.magic_code}", book_body(pages=2, title="Short"), format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Short"
    assert [(page["number"], page["text"]) for page in body["pages"]] == [(1, "Page 1 text."), (2, "Page 2 text.")]
    assert body["pages"][0]["picture_url"].endswith("/pages/1/picture.png")
    assert default_storage.exists(kept)
    assert not default_storage.exists(gone)


def test_put_needs_every_field(auth_client, book):
    response = auth_client.put(f"/api/books/{book.magic_code}", {"title": "Only"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"author", "teacher", "pages"}


# --- Delete -------------------------------------------------------------------


def test_delete_removes_book_pages_and_pictures(auth_client, book, illustrate, django_capture_on_commit_callbacks):
    name = illustrate(book.pages.get(number=1)).picture.name

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete(f"/api/books/{book.magic_code}/")

    assert response.status_code == 204
    assert not Book.objects.exists()
    assert not default_storage.exists(name)
    assert auth_client.get(f"/api/books/{book.magic_code}").status_code == 404


# --- OPTIONS --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/books", "/api/books/{code}", "/api/books/{code}/pages/1/picture"])
def test_options_describes_each_route(auth_client, book, path):
    response = auth_client.options(path.format(code=book.magic_code))

    assert response.status_code == 200, response.content
    assert "POST" in response["Allow"] or "PUT" in response["Allow"]


def test_options_describes_the_bodies_that_post_and_put_take(auth_client, book):
    collection = auth_client.options("/api/books").json()["actions"]["POST"]
    detail = auth_client.options(f"/api/books/{book.magic_code}").json()["actions"]["PUT"]

    for fields in (collection, detail):
        assert set(fields) == {"title", "author", "teacher", "pages"}


# --- Permissions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "body"),
    [("put", book_body()), ("patch", {"title": "Mine now"}), ("delete", None)],
)
def test_changes_by_anonymous_are_401(api_client, book, method, body):
    response = getattr(api_client, method)(f"/api/books/{book.magic_code}", body, format="json")

    assert response.status_code == 401
    assert Book.objects.get(pk=book.pk).title == book.title


@pytest.mark.parametrize(
    ("method", "body"),
    [("put", book_body()), ("patch", {"title": "Mine now"}), ("delete", None)],
)
def test_changes_by_another_user_are_403(other_client, book, method, body):
    response = getattr(other_client, method)(f"/api/books/{book.magic_code}", body, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Only the book's creator or staff may change it."
    assert Book.objects.get(pk=book.pk).title == book.title


@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [("put", book_body(), 200), ("patch", {"title": "Staff"}, 200), ("delete", None, 204)],
)
def test_staff_may_change_anyones_book(staff_client, book, method, body, expected):
    response = getattr(staff_client, method)(f"/api/books/{book.magic_code}", body, format="json")

    assert response.status_code == expected


def test_a_book_without_creator_is_changed_by_staff_only(other_client, staff_client, book):
    book.creator.delete()

    assert other_client.patch(f"/api/books/{book.magic_code}", {"title": "x"}, format="json").status_code == 403
    assert staff_client.patch(f"/api/books/{book.magic_code}", {"title": "x"}, format="json").status_code == 200


def test_changing_an_unknown_code_is_404_for_a_user(other_client, book):
    response = other_client.patch(f"/api/books/{unknown_code(book)}", {"title": "x"}, format="json")

    assert response.status_code == 404
