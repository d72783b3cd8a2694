"""Pictures of any app's records (pet pictures, book page illustrations), one way for all.

An app keeps a picture as a stored name plus what `core.images` measured of it
(sha256, size, width, height), and its viewset takes `PictureActionsMixin`,
naming its upload and download actions:

- an upload action parses the body with `PICTURE_PARSER_CLASSES` (the raw
  image, or multipart), reads it with `PictureUploadSerializer` (`file`, in
  both cases), has the app's service validate and normalise it with
  `core.images`, and answers 201 with `Location`: the picture's download URL.
  Its request body limit is `upload_body_limit()`, read per request so that
  settings overrides apply (`core.middleware.RequestBodyLimitMiddleware`
  asks the mixin's `get_max_request_body_bytes`);
- a download action returns `picture_response()`: the PNG streamed with
  `ETag` and `Cache-Control`, 304 for a matching `If-None-Match`, whatever
  image type `Accept` lists.

`UPLOAD_DESCRIPTION`, `UPLOAD_REQUEST`, `DOWNLOAD_DESCRIPTION` and
`DOWNLOAD_RESPONSES` document both in `@extend_schema`; the app adds what is
its own (who may upload, what the path names). This module imports no app.
"""

import logging

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser

from core import storage
from core.errors import NotFound
from core.images import ACCEPTED_CONTENT_TYPES, NormalisedImage, RawImageParser

logger = logging.getLogger(__name__)

# Multipart framing around the file: boundaries and part headers.
MULTIPART_OVERHEAD_BYTES = 64 * 1024

# Stored under a stable URL whose content changes when the picture is replaced:
# caches may keep it but must revalidate, which the ETag makes a cheap 304.
PICTURE_CACHE_CONTROL = "public, no-cache"

# An upload is either the image itself as the body or a multipart form with `file`.
PICTURE_PARSER_CLASSES = [RawImageParser, MultiPartParser]


#: The fields of a model that keeps a picture (see `picture_metadata_complete`).
PICTURE_FIELDS = ("picture", "picture_sha256", "picture_width", "picture_height", "picture_bytes")


def set_picture_fields(instance: models.Model, name: str, image: NormalisedImage | None) -> None:
    """Point `instance`'s picture fields at the stored `name` and what `core.images` measured of it.

    `("", None)` clears them. The caller saves with `update_fields=PICTURE_FIELDS`
    (plus its own, such as a timestamp).
    """
    instance.picture.name = name
    instance.picture_sha256 = image.sha256 if image else ""
    instance.picture_width = image.width if image else None
    instance.picture_height = image.height if image else None
    instance.picture_bytes = image.size if image else None


def picture_metadata_complete(name: str) -> models.CheckConstraint:
    """The check that a model's picture fields are all empty or all set.

    For a model that keeps a picture as `picture` (the stored name),
    `picture_sha256`, `picture_width`, `picture_height` and `picture_bytes`,
    as petshop's Pet and books' Page do: either no picture at all, or one
    with all of what `core.images` measured of it.
    """
    return models.CheckConstraint(
        condition=models.Q(
            picture="",
            picture_sha256="",
            picture_width__isnull=True,
            picture_height__isnull=True,
            picture_bytes__isnull=True,
        )
        | (
            models.Q(
                Exact(Length("picture_sha256"), 64),
                picture_width__isnull=False,
                picture_height__isnull=False,
                picture_bytes__isnull=False,
            )
            & ~models.Q(picture="")
        ),
        name=name,
    )


def upload_body_limit() -> int:
    """The largest request body an upload route accepts: the image limit plus multipart framing.

    Read from settings on every call, so a changed `UPLOAD_MAX_BYTES` (an
    override in a test, a reloaded configuration) applies to the next request.
    """
    return settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD_BYTES


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class NonEmptyFileField(serializers.FileField):
    """A file part that must have content (documented so: an empty one is 400)."""


class PictureUploadSerializer(serializers.Serializer):
    """A `multipart/form-data` upload: the image as the field `file`."""

    # RawImageParser hands a raw image body on as `file` too, so one
    # serializer reads both kinds of upload.

    file = NonEmptyFileField(
        allow_empty_file=False,
        error_messages={
            "required": "No image was sent: send its bytes as the body with Content-Type image/png, "
            "image/jpeg, image/webp or image/gif, or as the multipart/form-data field `file`.",
            "empty": "The uploaded file is empty.",
        },
    )


# Names the settings rather than quoting their values: this text is built when
# the module is imported, and the limits are read per request (a deployment's
# values may differ from the defaults).
UPLOAD_DESCRIPTION = (
    "The body is the image itself (`Content-Type` image/png, image/jpeg, image/webp or image/gif) or"
    " `multipart/form-data` with the field `file`. The bytes must decode as one of those formats whatever the"
    " declared type (415 otherwise, also for truncated files); animated images keep their first frame. At most"
    " `UPLOAD_MAX_BYTES` bytes (the service's setting; 10 MiB, 10485760 bytes, unless configured) and"
    " `UPLOAD_MAX_PIXELS` pixels (40,000,000 unless configured); more is 413, and the pixel count is checked"
    " before decoding. The picture is turned upright by its EXIF orientation, stripped of all metadata (EXIF,"
    " GPS, ICC, text), stored as PNG under a generated name and replaces any earlier one. Answers 201 with"
    " `Location`: the picture's download URL."
)

UPLOAD_REQUEST = {
    **dict.fromkeys(ACCEPTED_CONTENT_TYPES, OpenApiTypes.BINARY),
    "multipart/form-data": PictureUploadSerializer,
}

DOWNLOAD_DESCRIPTION = (
    f"The stored PNG, streamed, with `ETag` and `Cache-Control: {PICTURE_CACHE_CONTROL}`; a matching"
    " `If-None-Match` answers 304 without a body."
)

DOWNLOAD_RESPONSES = {
    (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The picture as PNG."),
    304: OpenApiResponse(description="Not modified: the `If-None-Match` ETag is current."),
}


class PictureActionsMixin:
    """For a viewset with picture actions: the upload's parsers and body limit, the download's negotiation.

    Name the actions in `picture_upload_actions` and `picture_download_actions`.
    Works for viewsets mapped explicitly (`as_view({"post": "upload"})`) and
    for a router's extra actions alike.
    """

    picture_upload_actions: tuple[str, ...] = ()
    picture_download_actions: tuple[str, ...] = ()

    @classmethod
    def get_max_request_body_bytes(cls, action: str | None) -> int | None:
        """core.middleware.RequestBodyLimitMiddleware: an upload may be as large as the image limit allows."""
        return upload_body_limit() if action in cls.picture_upload_actions else None

    def get_parsers(self):
        # DRF asks for the parsers before it sets `self.action`, so the
        # action comes from the method's mapping here.
        action = getattr(self, "action", None) or (getattr(self, "action_map", None) or {}).get(
            self.request.method.lower()
        )
        if action in self.picture_upload_actions:
            return [parser() for parser in PICTURE_PARSER_CLASSES]
        return super().get_parsers()

    def perform_content_negotiation(self, request, force=False):
        # A download answers image/png; its only renderer is the JSON one for
        # errors, which `Accept: image/png` alone would refuse with 406.
        force = force or getattr(self, "action", None) in self.picture_download_actions
        return super().perform_content_negotiation(request, force=force)


def picture_response(
    request: HttpRequest, *, name: str, sha256: str, size: int | None, filename: str, not_found: type[NotFound]
) -> HttpResponseBase:
    """The stored PNG `name` as a streamed response, or 304 when `If-None-Match` has its ETag.

    `sha256` is the stored bytes' digest (the ETag), `size` their count and
    `filename` what `Content-Disposition` suggests. Raises `not_found` (the
    app's 404, naming what has no picture) when `name` is empty or the file is
    missing from storage; the latter is also logged, as the data and the
    storage disagree.
    """
    if not name:
        raise not_found()
    headers = {"ETag": quote_etag(sha256), "Cache-Control": PICTURE_CACHE_CONTROL}
    not_modified = get_conditional_response(request, etag=headers["ETag"])
    if not_modified is not None:
        for header, value in headers.items():
            not_modified[header] = value
        return not_modified
    try:
        chunks = storage.open_chunks(name)
    except storage.StoredFileMissing as exc:
        logger.error("a record refers to the missing stored picture %s", name)
        raise not_found() from exc
    headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if size is not None:
        headers["Content-Length"] = str(size)
    return StreamingHttpResponse(chunks, content_type="image/png", headers=headers)
