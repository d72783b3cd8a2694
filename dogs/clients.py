"""Outbound HTTP of the dogs app: dog.ceo's random image API and the files service.

Both go through `core.http.HttpClient` (timeouts, byte limit, same-host
redirects only); base URLs come from settings (`DOG_CEO_API_URL`,
`FILES_SERVICE_URL`). The clients make no in-request retries: they are called
from Celery tasks, whose own retries (each a new message, with exponential
backoff and jitter) are visible in the task's state.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import UpstreamError
from core.http import HttpClient

logger = logging.getLogger(__name__)


class DogCeoInvalidAnswer(UpstreamError):
    """502: dog.ceo answered, but not a usable random image (never retried: it would answer the same)."""

    default_code = "dog_ceo_invalid_answer"
    default_detail = "dog.ceo did not answer with a picture URL."


class FilesServiceInvalidAnswer(UpstreamError):
    """502: the files service answered something other than a stored file."""

    default_code = "files_service_invalid_answer"
    default_detail = "The files service did not accept the file."


def dog_ceo_client() -> HttpClient:
    """A client for `DOG_CEO_API_URL` (the real API, https://dog.ceo/api, unless configured)."""
    return HttpClient(settings.DOG_CEO_API_URL, service="dog.ceo", retries=0)


def random_picture_url(client: HttpClient | None = None) -> str:
    """A random dog picture's URL from `GET breeds/image/random`.

    dog.ceo answers `{"message": "<url>", "status": "success"}`. Anything else
    (another status code, malformed JSON, another `status`, a `message` that is
    not an https URL on a host of `DOG_CEO_ALLOWED_PICTURE_HOSTS`) raises
    `DogCeoInvalidAnswer`; network failures, timeouts and 5xx raise the other
    `UpstreamError`s of core.http.
    """
    owned = client is None
    client = client or dog_ceo_client()
    try:
        response = client.get("breeds/image/random")
    finally:
        if owned:
            client.close()
    if response.status_code != 200:
        raise DogCeoInvalidAnswer(f"dog.ceo answered HTTP {response.status_code}.")
    try:
        body = response.json(dict)
    except UpstreamError as exc:
        raise DogCeoInvalidAnswer("dog.ceo answered malformed JSON.") from exc
    if body.get("status") != "success":
        raise DogCeoInvalidAnswer(f"dog.ceo answered status {str(body.get('status'))[:40]!r}, not 'success'.")
    url = body.get("message")
    if not isinstance(url, str) or not picture_url_allowed(url):
        logger.warning("dog.ceo answered a picture URL that is not allowed")
        raise DogCeoInvalidAnswer("dog.ceo answered a picture URL that is not an https URL on an allowed host.")
    return url


def picture_url_allowed(url: str) -> bool:
    """True for an https URL on a host of `DOG_CEO_ALLOWED_PICTURE_HOSTS`.

    An entry is a host name (`images.dog.ceo`: https only, any port it
    implies) or an origin with its scheme (`http://127.0.0.1:8001`), which
    lets a local stand-in serve pictures over plain HTTP in tests and offline.
    """
    if len(url) > 500:  # Dog.picture's column
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    scheme = parts.scheme.lower()
    if not host or parts.username or parts.password:
        return False
    for allowed in settings.DOG_CEO_ALLOWED_PICTURE_HOSTS:
        allowed = allowed.strip().lower()
        if "://" not in allowed:
            if scheme == "https" and host == allowed and port in (None, 443):
                return True
            continue
        origin = urlsplit(allowed)
        if (scheme, host, port) == (origin.scheme, origin.hostname, origin.port):
            return True
    return False


@dataclass(frozen=True)
class Download:
    """A downloaded picture: its bytes, content type and a file name for it."""

    content: bytes
    content_type: str
    filename: str


def picture_download(url: str, client: HttpClient | None = None) -> Download:
    """Download a dog picture (at most `OUTBOUND_MAX_BYTES`, with the outbound timeouts).

    Only URLs `picture_url_allowed` accepts are fetched, whoever stored them.
    """
    if not picture_url_allowed(url):
        raise DogCeoInvalidAnswer("The dog's picture URL is not an https URL on an allowed host.")
    owned = client is None
    client = client or HttpClient(service="dog picture", retries=0)
    try:
        response = client.get(url)
    finally:
        if owned:
            client.close()
    if response.status_code != 200:
        raise DogCeoInvalidAnswer(f"The picture host answered HTTP {response.status_code}.")
    content_type = response.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
    filename = urlsplit(url).path.rsplit("/", 1)[-1] or "picture"
    if "." not in filename:
        filename += mimetypes.guess_extension(content_type) or ""
    return Download(content=response.content, content_type=content_type, filename=filename)


def files_service_client() -> HttpClient:
    """A client for `FILES_SERVICE_URL`, sending `FILES_SERVICE_TOKEN` as a bearer token when set."""
    headers = {"Authorization": f"Bearer {settings.FILES_SERVICE_TOKEN}"} if settings.FILES_SERVICE_TOKEN else {}
    return HttpClient(settings.FILES_SERVICE_URL, service="files service", headers=headers, retries=0)


def file_post(download: Download, client: HttpClient | None = None) -> dict[str, Any]:
    """POST a file to the files service as the multipart field `file`; returns the service's JSON answer.

    The seed's service and ours (`POST /api/files`) answer 200 or 201 with a
    JSON object; any other answer raises `FilesServiceInvalidAnswer`.
    """
    owned = client is None
    client = client or files_service_client()
    try:
        response = client.post("", files={"file": (download.filename, download.content, download.content_type)})
    finally:
        if owned:
            client.close()
    if response.status_code not in (200, 201):
        raise FilesServiceInvalidAnswer(f"The files service answered HTTP {response.status_code}.")
    try:
        return response.json(dict)
    except UpstreamError as exc:
        raise FilesServiceInvalidAnswer("The files service answered malformed JSON.") from exc
