"""core.pictures: the pieces every app's picture routes share, tested without any app."""

import hashlib
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image
from rest_framework import viewsets
from rest_framework.response import Response

from core import pictures, storage
from core.errors import NotFound
from core.middleware import RequestBodyLimitMiddleware
from tests.fixtures.images import png_bytes


class NoPicture(NotFound):
    default_detail = "This thing has no picture."


class ThingPictureViewSet(pictures.PictureActionsMixin, viewsets.ViewSet):
    """What an app writes: its actions, named as picture actions."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    picture_upload_actions = ("upload",)
    picture_download_actions = ("download",)

    def upload(self, request):
        return Response({"parsers": [type(parser).__name__ for parser in request.parsers]})

    def destroy(self, request):
        return Response(status=204)

    def download(self, request):
        return Response({"ok": True})


@pytest.fixture
def stored_png():
    content = png_bytes(Image.new("RGB", (3, 2), "blue"))
    name = storage.save_bytes(storage.generated_name("things/1", "png"), content)
    return name, content


def download(name: str, content: bytes, **headers):
    request = RequestFactory().get("/thing.png", headers=headers)
    sha256 = hashlib.sha256(content).hexdigest()
    return pictures.picture_response(
        request, name=name, sha256=sha256, size=len(content), filename="thing.png", not_found=NoPicture
    )


def test_upload_body_limit_is_read_from_settings_on_every_call(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    assert pictures.upload_body_limit() == 1000 + pictures.MULTIPART_OVERHEAD_BYTES
    settings.UPLOAD_MAX_BYTES = 2000
    assert pictures.upload_body_limit() == 2000 + pictures.MULTIPART_OVERHEAD_BYTES


def test_picture_response_streams_the_png_with_etag_cache_control_and_length(stored_png):
    name, content = stored_png

    response = download(name, content)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    assert response["Cache-Control"] == "public, no-cache"
    assert response["Content-Length"] == str(len(content))
    assert response["Content-Disposition"] == 'inline; filename="thing.png"'
    assert b"".join(response.streaming_content) == content


def test_picture_response_is_304_with_its_headers_when_if_none_match_has_the_etag(stored_png):
    name, content = stored_png
    etag = download(name, content)["ETag"]

    response = download(name, content, if_none_match=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, no-cache"


def test_picture_response_raises_the_apps_not_found_without_a_picture():
    with pytest.raises(NoPicture):
        download("", b"")


def test_picture_response_raises_the_apps_not_found_and_logs_when_the_file_is_missing(stored_png, caplog):
    name, content = stored_png
    storage.delete_quietly(name)

    with caplog.at_level(logging.ERROR, logger="core.pictures"), pytest.raises(NoPicture):
        download(name, content)

    assert name in caplog.text


def test_upload_serializer_takes_the_file_field_and_refuses_an_empty_or_missing_one():
    valid = pictures.PictureUploadSerializer(data={"file": SimpleUploadedFile("a.png", b"x")})
    empty = pictures.PictureUploadSerializer(data={"file": SimpleUploadedFile("a.png", b"")})
    missing = pictures.PictureUploadSerializer(data={})

    assert valid.is_valid()
    assert not empty.is_valid()
    assert empty.errors["file"] == ["The uploaded file is empty."]
    assert not missing.is_valid()
    assert missing.errors["file"][0].startswith("No image was sent")


@pytest.mark.parametrize(
    ("method", "upload_limit"),
    [("post", True), ("delete", False), ("get", False)],
)
def test_the_body_limit_middleware_gives_only_upload_actions_the_upload_limit(settings, method, upload_limit):
    settings.MAX_REQUEST_BODY_BYTES = 10
    settings.UPLOAD_MAX_BYTES = 100
    view = ThingPictureViewSet.as_view({"post": "upload", "delete": "destroy", "get": "download"})
    middleware = RequestBodyLimitMiddleware(lambda request: None)
    request = RequestFactory().generic(method.upper(), "/thing", data=b"\0" * 50, content_type="image/png")

    response = middleware.process_view(request, view, (), {})

    assert (response is None) is upload_limit
    if not upload_limit:
        assert response.status_code == 413


def test_upload_actions_parse_raw_images_and_multipart():
    view = ThingPictureViewSet.as_view({"post": "upload", "get": "download"})

    response = view(RequestFactory().post("/thing", data=b"x", content_type="image/png"))

    assert response.data == {"parsers": ["RawImageParser", "MultiPartParser"]}


def test_download_actions_answer_whatever_accept_lists():
    view = ThingPictureViewSet.as_view({"post": "upload", "get": "download"})

    response = view(RequestFactory().get("/thing.png", headers={"accept": "image/png"}))

    assert response.status_code == 200
