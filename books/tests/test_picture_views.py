import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from books.models import Book, Page
from books.tests.factories import book_body
from tests.fixtures.images import png_bytes

pytestmark = pytest.mark.django_db


def picture_path(book, number: int = 1) -> str:
    return f"/api/books/{book.magic_code}/pages/{number}/picture"


@pytest.fixture
def upload(auth_client, django_capture_on_commit_callbacks):
    """POST a raw body as a page's picture, running the after-commit file deletions."""

    def post(path: str, body: bytes, content_type: str = "image/jpeg", client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or auth_client).generic("POST", path, body, content_type=content_type)

    return post


def read_streamed(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_upload_raw_jpeg_stores_an_upright_png_without_metadata(upload, book, jpeg, picture_storage):
    response = upload(picture_path(book, 2), jpeg)

    assert response.status_code == 201, response.content
    body = response.json()
    url = f"http://testserver/api/books/{book.magic_code}/pages/2/picture.png"
    assert (body["magic_code"], body["number"], body["picture_url"]) == (book.magic_code, 2, url)
    assert (body["width"], body["height"]) == (80, 120)
    stored = picture_storage()
    assert len(stored) == 1
    assert stored[0].startswith(f"books/{book.magic_code}/page-2/")
    page = book.pages.get(number=2)
    assert page.picture.name == stored[0]
    assert body["bytes"] == page.picture_bytes == default_storage.size(stored[0])
    with Image.open(default_storage.open(stored[0])) as image:
        assert image.format == "PNG"
        assert not image.getexif()


def test_upload_answers_201_with_the_download_url_as_location(upload, api_client, book, png):
    response = upload(picture_path(book).replace(book.magic_code, book.magic_code.lower()), png, "image/png")

    assert response.status_code == 201
    assert response["Location"] == f"/api/books/{book.magic_code}/pages/1/picture.png"
    download = api_client.get(response["Location"].lower())
    assert download.status_code == 200
    assert read_streamed(download).startswith(b"\x89PNG")


def test_upload_as_multipart_file(auth_client, book, png):
    response = auth_client.post(picture_path(book), {"file": SimpleUploadedFile("p.png", png)}, format="multipart")

    assert response.status_code == 201, response.content
    assert book.pages.get(number=1).picture


def test_upload_of_bytes_that_are_not_an_image_is_415_and_stores_nothing(upload, book, stored_files):
    response = upload(picture_path(book), b"GIF89a but not really", "image/gif")

    assert response.status_code == 415
    assert response.json()["code"] == "not_an_image"
    assert stored_files() == []


def test_upload_larger_than_the_limit_is_413(upload, book, settings, stored_files):
    settings.UPLOAD_MAX_BYTES = 100
    body = png_bytes(Image.effect_noise((64, 64), 50).convert("RGB"))

    response = upload(picture_path(book), body, "image/png")

    assert response.status_code == 413
    assert stored_files() == []


def test_upload_without_a_file_is_400(auth_client, book):
    response = auth_client.post(picture_path(book), {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_upload_replaces_the_earlier_picture(upload, book, png, jpeg, stored_files):
    upload(picture_path(book), png, "image/png")
    upload(picture_path(book), jpeg)

    assert stored_files() == [book.pages.get(number=1).picture.name]


@pytest.mark.parametrize("number", [4, 7, 0])
def test_upload_to_a_page_the_book_does_not_have_is_404(upload, book, png, number):
    response = upload(picture_path(book, number), png, "image/png")

    assert response.status_code == 404
    assert response.json()["detail"] == "This book has no page with this number."


def test_download_streams_the_png_with_etag_and_304(upload, api_client, book, png):
    upload(picture_path(book), png, "image/png")
    page = book.pages.get(number=1)

    response = api_client.get(f"{picture_path(book)}.png")
    again = api_client.get(f"{picture_path(book)}.png", HTTP_IF_NONE_MATCH=response["ETag"])

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["ETag"] == f'"{page.picture_sha256}"'
    assert response["Cache-Control"] == "public, no-cache"
    assert read_streamed(response) == default_storage.open(page.picture.name).read()
    assert again.status_code == 304


def test_download_answers_a_client_that_accepts_only_png(upload, api_client, book, png):
    upload(picture_path(book), png, "image/png")

    response = api_client.get(f"{picture_path(book)}.png", HTTP_ACCEPT="image/png")

    assert response.status_code == 200


def test_download_of_a_page_without_picture_is_404(api_client, book):
    response = api_client.get(f"{picture_path(book)}.png")

    assert response.status_code == 404
    assert response.json()["detail"] == "This page has no picture."


def test_download_of_an_unknown_book_is_404(api_client, book):
    code = "ZZZZZZZZ" if book.magic_code != "ZZZZZZZZ" else "YYYYYYYY"

    response = api_client.get(f"/api/books/{code}/pages/1/picture.png")

    assert response.status_code == 404
    assert response.json()["detail"] == "No book has this magic code."


def test_delete_picture_removes_the_file(
    upload, auth_client, book, png, stored_files, django_capture_on_commit_callbacks
):
    upload(picture_path(book), png, "image/png")

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete(picture_path(book))

    assert response.status_code == 204
    assert stored_files() == []
    assert book.pages.get(number=1).picture.name == ""


# --- Permissions ----------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_picture_changes_by_anonymous_are_401(api_client, book, png, method):
    response = api_client.generic(method, picture_path(book), png, content_type="image/png")

    assert response.status_code == 401


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_picture_changes_by_another_user_are_403(other_client, book, png, method, stored_files):
    response = other_client.generic(method, picture_path(book), png, content_type="image/png")

    assert response.status_code == 403
    assert stored_files() == []


def test_staff_may_upload_to_anyones_book(upload, staff_client, book, png):
    response = upload(picture_path(book), png, "image/png", client=staff_client)

    assert response.status_code == 201


def test_download_is_public(upload, api_client, other_client, book, png):
    upload(picture_path(book), png, "image/png")

    assert api_client.get(f"{picture_path(book)}.png").status_code == 200
    assert other_client.get(f"{picture_path(book)}.png").status_code == 200


# --- As a new user would ----------------------------------------------------------


def test_a_new_user_creates_a_three_page_book_with_two_pictures_and_a_family_opens_it_in_lower_case(
    auth_client, api_client, jpeg, png
):
    created = auth_client.post("/api/books", book_body(pages=3), format="json")
    code = created.json()["magic_code"]
    for number, (content, kind) in {1: (jpeg, "image/jpeg"), 3: (png, "image/png")}.items():
        answer = auth_client.generic("POST", f"/api/books/{code}/pages/{number}/picture", content, content_type=kind)
        assert answer.status_code == 201

    opened = api_client.get(f"/api/books/{code.lower()}/")

    assert opened.status_code == 200
    urls = [page["picture_url"] for page in opened.json()["pages"]]
    assert urls[1] is None
    for url in (urls[0], urls[2]):
        picture = api_client.get(url.removeprefix("http://testserver"))
        assert picture.status_code == 200
        with Image.open(io.BytesIO(read_streamed(picture))) as image:
            assert image.format == "PNG"
    assert Page.objects.exclude(picture="").count() == 2
    assert Book.objects.count() == 1
