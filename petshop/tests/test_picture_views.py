import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from petshop import services
from petshop.models import Pet
from petshop.tests.factories import PetFactory
from tests.fixtures.images import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(auth_client, django_capture_on_commit_callbacks):
    """POST a raw body to /picture/{petId}, running the after-commit file deletions."""

    def post(pet_id: str, body: bytes, content_type: str = "image/jpeg"):
        with django_capture_on_commit_callbacks(execute=True):
            return auth_client.generic("POST", f"/picture/{pet_id}", body, content_type=content_type)

    return post


def read_streamed(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_upload_raw_jpeg_stores_an_upright_png_without_metadata(upload, pet, jpeg, picture_storage):
    response = upload(pet.pet_id, jpeg)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["petId"] == pet.pet_id
    assert body["picture_url"] == f"http://testserver/picture/{pet.pet_id}.png"
    assert (body["width"], body["height"]) == (80, 120)
    stored = picture_storage()
    assert len(stored) == 1
    assert stored[0].startswith(f"pets/{pet.pet_id}/")
    assert stored[0].endswith(".png")
    pet.refresh_from_db()
    assert pet.picture.name == stored[0]
    assert body["bytes"] == pet.picture_bytes == default_storage.size(stored[0])


def test_upload_answers_201_with_the_download_url_as_location(upload, api_client, pet, png):
    response = upload(pet.pet_id, png, "image/png")

    assert response.status_code == 201
    assert response["Location"] == f"/picture/{pet.pet_id}.png"
    download = api_client.get(response["Location"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_download_answers_a_client_that_accepts_only_png(upload, api_client, pet, png):
    upload(pet.pet_id, png, "image/png")

    found = api_client.get(f"/picture/{pet.pet_id}.png", HTTP_ACCEPT="image/png")
    missing = api_client.get(f"/picture/{PetFactory().pet_id}.png", HTTP_ACCEPT="image/png")

    assert found.status_code == 200
    assert found["Content-Type"] == "image/png"
    # Errors stay JSON, as everywhere.
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_download_streams_the_png_with_etag_and_cache_control(upload, api_client, pet, jpeg, picture_storage):
    upload(pet.pet_id, jpeg)

    response = api_client.get(f"/picture/{pet.pet_id}.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, no-cache"
    pet.refresh_from_db()
    assert response["ETag"] == f'"{pet.picture_sha256}"'
    content = read_streamed(response)
    assert int(response["Content-Length"]) == len(content) == pet.picture_bytes
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG"
    assert image.size == (80, 120)
    assert dict(image.getexif()) == {}
    assert b"PhoneCo" not in content


@pytest.mark.parametrize("if_none_match", ["{etag}", "W/{etag}", '"other", {etag}', "*"])
def test_download_answers_304_when_the_etag_matches(upload, api_client, pet, png, if_none_match):
    upload(pet.pet_id, png, "image/png")
    etag = api_client.get(f"/picture/{pet.pet_id}.png")["ETag"]

    response = api_client.get(f"/picture/{pet.pet_id}.png", HTTP_IF_NONE_MATCH=if_none_match.format(etag=etag))

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, no-cache"
    assert response.content == b""


def test_download_answers_200_when_the_etag_is_stale(upload, api_client, pet, png, jpeg):
    upload(pet.pet_id, png, "image/png")
    stale = api_client.get(f"/picture/{pet.pet_id}.png")["ETag"]
    upload(pet.pet_id, jpeg)

    response = api_client.get(f"/picture/{pet.pet_id}.png", HTTP_IF_NONE_MATCH=stale)

    assert response.status_code == 200
    assert response["ETag"] != stale


def test_upload_as_multipart_field_file(auth_client, pet, png, picture_storage):
    response = auth_client.post(f"/picture/{pet.pet_id}", {"file": io.BytesIO(png)}, format="multipart")

    assert response.status_code == 201, response.content
    assert (response.json()["width"], response.json()["height"]) == (30, 20)
    assert len(picture_storage()) == 1


def test_upload_multipart_without_file_is_400(auth_client, pet):
    response = auth_client.post(f"/picture/{pet.pet_id}", {"other": "x"}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


@pytest.mark.parametrize("content_type", ["image/png", "application/json", ""])
def test_upload_with_an_empty_body_is_400(auth_client, pet, content_type):
    response = auth_client.generic("POST", f"/picture/{pet.pet_id}", b"", content_type=content_type)

    assert response.status_code == 400
    assert response.json()["errors"]["file"][0].startswith("No image was sent")


def test_upload_multipart_with_an_empty_file_is_400_and_documented_so(auth_client, api_client, pet, picture_storage):
    empty = SimpleUploadedFile("dog.png", b"", content_type="image/png")

    response = auth_client.post(f"/picture/{pet.pet_id}", {"file": empty}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["The uploaded file is empty."]
    assert picture_storage() == []
    schema = api_client.get("/openapi.json").json()["components"]["schemas"]["PictureUploadRequest"]
    assert schema["properties"]["file"]["minLength"] == 1


def test_upload_documents_its_body_as_required(api_client):
    operation = api_client.get("/openapi.json").json()["paths"]["/picture/{petId}"]["post"]

    assert operation["requestBody"]["required"] is True


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b"hello, I am a text file", "image/png", "not_an_image"),
        (b"hello, I am a text file", "text/plain", "unsupported_media_type"),
        (png_bytes(Image.new("RGB", (4, 4))), "image/bmp", "unsupported_media_type"),
    ],
)
def test_upload_refuses_what_is_not_an_accepted_image_with_415(upload, pet, picture_storage, body, content_type, code):
    response = upload(pet.pet_id, body, content_type)

    assert response.status_code == 415
    assert response.json()["code"] == code
    assert picture_storage() == []


def test_upload_refuses_a_truncated_jpeg_with_415(upload, pet, picture_storage):
    output = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("RGB").save(output, "JPEG")

    response = upload(pet.pet_id, output.getvalue()[:-2000])

    assert response.status_code == 415
    assert response.json()["code"] == "corrupt_image"
    assert picture_storage() == []
    pet.refresh_from_db()
    assert not pet.picture


def test_upload_refuses_a_50_megapixel_png_with_413(upload, pet, picture_storage):
    response = upload(pet.pet_id, png_bytes(Image.new("1", (10_000, 5_000))), "image/png")

    assert response.status_code == 413
    assert response.json()["code"] == "image_too_many_pixels"
    assert picture_storage() == []


def test_upload_refuses_more_bytes_than_the_upload_limit_with_413(upload, auth_client, pet, jpeg, settings):
    settings.UPLOAD_MAX_BYTES = len(jpeg) - 1

    raw = upload(pet.pet_id, jpeg)
    multipart = auth_client.post(f"/picture/{pet.pet_id}", {"file": io.BytesIO(jpeg)}, format="multipart")

    assert (raw.status_code, multipart.status_code) == (413, 413)
    assert raw.json()["code"] == "image_too_large"


def test_upload_refuses_a_body_over_the_views_request_limit_before_reading_it(upload, pet, settings):
    response = upload(pet.pet_id, b"\0" * (settings.UPLOAD_MAX_BYTES + 64 * 1024 + 1))

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_upload_request_limit_follows_upload_max_bytes_as_set_when_the_request_arrives(upload, pet, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    limit = 1000 + 64 * 1024

    over = upload(pet.pet_id, b"\0" * (limit + 1))
    at_limit = upload(pet.pet_id, b"\0" * limit)

    # The middleware refuses the body unread, with the new limit...
    assert over.status_code == 413
    assert over.json() == {
        "detail": f"The request body is larger than the limit of {limit} bytes.",
        "code": "payload_too_large",
    }
    # ...and a body within it reaches the upload's own check of the image's size.
    assert at_limit.status_code == 413
    assert at_limit.json()["code"] == "image_too_large"


def test_only_the_upload_gets_the_upload_request_limit(auth_client, pet, settings):
    settings.MAX_REQUEST_BODY_BYTES = 16
    body = b"\0" * 17

    upload = auth_client.generic("POST", f"/picture/{pet.pet_id}", body, content_type="image/png")
    delete = auth_client.generic("DELETE", f"/picture/{pet.pet_id}", body, content_type="image/png")
    create = auth_client.generic("POST", "/pet", body, content_type="application/json")

    assert upload.json()["code"] == "not_an_image"
    assert delete.json()["code"] == create.json()["code"] == "payload_too_large"


@pytest.mark.parametrize("pet_id", [PetFactory.build().pet_id, "not-an-id", "0" * 31])
def test_picture_routes_answer_404_for_an_unknown_or_malformed_pet(auth_client, png, picture_storage, pet_id):
    upload = auth_client.generic("POST", f"/picture/{pet_id}", png, content_type="image/png")
    download = auth_client.get(f"/picture/{pet_id}.png")
    delete = auth_client.delete(f"/picture/{pet_id}")

    assert (upload.status_code, download.status_code, delete.status_code) == (404, 404, 404)
    assert picture_storage() == []


def test_download_is_404_when_the_pet_has_no_picture(api_client, pet):
    response = api_client.get(f"/picture/{pet.pet_id}.png")

    assert response.status_code == 404
    assert response.json() == {"detail": "This pet has no picture.", "code": "not_found"}


def test_download_is_404_when_the_stored_file_has_vanished(upload, api_client, pet, png, picture_storage):
    upload(pet.pet_id, png, "image/png")
    default_storage.delete(picture_storage()[0])

    response = api_client.get(f"/picture/{pet.pet_id}.png")

    assert response.status_code == 404


def test_replacing_a_picture_leaves_only_the_new_file(upload, pet, png, jpeg, picture_storage):
    upload(pet.pet_id, png, "image/png")
    first = picture_storage()

    upload(pet.pet_id, jpeg)

    second = picture_storage()
    assert len(first) == len(second) == 1
    assert first != second
    pet.refresh_from_db()
    assert pet.picture.name == second[0]


def test_deleting_a_picture_removes_the_file_and_the_url(
    upload, auth_client, api_client, pet, png, picture_storage, django_capture_on_commit_callbacks
):
    upload(pet.pet_id, png, "image/png")

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete(f"/picture/{pet.pet_id}")

    assert response.status_code == 204
    assert picture_storage() == []
    assert api_client.get(f"/pet/{pet.pet_id}").json()["picture_url"] is None
    assert api_client.get(f"/picture/{pet.pet_id}.png").status_code == 404
    assert auth_client.delete(f"/picture/{pet.pet_id}").status_code == 204


def test_deleting_a_pet_removes_its_picture_file(
    upload, auth_client, pet, png, picture_storage, django_capture_on_commit_callbacks
):
    upload(pet.pet_id, png, "image/png")

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete(f"/pet/{pet.pet_id}")

    assert response.status_code == 204
    assert picture_storage() == []


def test_a_picture_whose_database_write_fails_leaves_no_file(pet, png, picture_storage):
    # The pet is deleted by someone else between the request's read and its write.
    stale = Pet.objects.get(pk=pet.pk)
    Pet.objects.filter(pk=pet.pk).delete()

    with pytest.raises(services.PetNotFound):
        services.pet_picture_upload(stale, io.BytesIO(png))

    assert picture_storage() == []


def test_the_old_file_stays_when_the_replacing_transaction_rolls_back(pet, png, jpeg, picture_storage):
    services.pet_picture_upload(pet, io.BytesIO(png))
    first = picture_storage()

    with transaction.atomic():
        services.pet_picture_upload(pet, io.BytesIO(jpeg))
        transaction.set_rollback(True)

    pet.refresh_from_db()
    assert pet.picture.name == first[0]
    assert first[0] in picture_storage()


def test_head_on_the_download_sends_the_headers_without_the_body(upload, api_client, pet, png):
    upload(pet.pet_id, png, "image/png")

    response = api_client.head(f"/picture/{pet.pet_id}.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "ETag" in response
    assert b"".join(response.streaming_content) == b""


def test_writing_to_the_download_url_answers_405_with_allow(auth_client, pet, png):
    response = auth_client.generic("POST", f"/picture/{pet.pet_id}.png", png, content_type="image/png")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_an_upload_through_the_twin_gets_the_upload_limit_not_the_default(auth_client, settings, png):
    settings.MAX_REQUEST_BODY_BYTES = 16
    pet = PetFactory()
    response = auth_client.post(f"/picture/{pet.pet_id}/", png, content_type="image/png")
    assert response.status_code == 201, response.content
