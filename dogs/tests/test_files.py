"""`POST /api/files` and `GET /api/files/{id}`: the seed's files service, stored through the storage backend."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dogs.models import StoredFile

pytestmark = pytest.mark.django_db


def upload(client, content: bytes = b"any bytes at all\x00\xff", name: str = "notes.weird-ext", **extra):
    file = SimpleUploadedFile(name, content, content_type="application/x-whatever")
    return client.post("/api/files", {"file": file}, format="multipart", **extra)


def test_upload_needs_a_token(api_client):
    assert upload(api_client).status_code == 401
    assert not StoredFile.objects.exists()


@pytest.mark.usefixtures("any_storage")
def test_upload_stores_any_file_and_download_streams_it_back(auth_client, api_client, user):
    content = b"any bytes at all\x00\xff" * 1000

    response = upload(auth_client, content, name="../../etc/passwd.weird-ext")

    assert response.status_code == 201
    data = response.json()
    stored = StoredFile.objects.get()
    assert data == {
        "id": str(stored.pk),
        "filename": "passwd.weird-ext",
        "size": len(content),
        "content_type": "application/x-whatever",
        "sha256": hashlib.sha256(content).hexdigest(),
        "url": f"http://testserver/api/files/{stored.pk}",
    }
    assert response["Location"] == data["url"]
    assert stored.uploaded_by == user
    assert stored.file.name.startswith("files/")
    assert stored.file.name.endswith(".bin")

    download = api_client.get(f"/api/files/{stored.pk}")
    assert download.status_code == 200
    assert download.streaming
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == "application/x-whatever"
    assert download["Content-Length"] == str(len(content))
    assert 'filename="passwd.weird-ext"' in download["Content-Disposition"]


def test_download_of_an_unknown_or_malformed_id_is_404(api_client):
    assert api_client.get(f"/api/files/{uuid.uuid4()}").status_code == 404
    assert api_client.get("/api/files/nope").status_code == 404


def test_upload_without_a_file_or_of_an_empty_one_is_400_and_a_json_body_415(auth_client):
    assert auth_client.post("/api/files", {}, format="multipart").status_code == 400
    empty = upload(auth_client, b"")
    assert empty.status_code == 400
    assert "file" in empty.json()["errors"]
    assert auth_client.post("/api/files", {"file": "x"}, format="json").status_code == 415


def test_upload_over_the_limit_is_413(auth_client, settings):
    settings.UPLOAD_MAX_BYTES = 1000

    # Beyond the body limit (the file limit plus multipart framing) and just beyond the file limit.
    for size in (200_000, 1001):
        response = upload(auth_client, b"x" * size)
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"
    assert upload(auth_client, b"x" * 1000).status_code == 201
    StoredFile.objects.all().delete()
    assert not StoredFile.objects.exists()
