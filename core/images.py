"""Validate and normalise uploaded images (pet pictures, book pages).

An upload is read with a size limit, decoded with Pillow (a file that only
claims to be an image is refused), checked against a pixel limit taken from the
header before anything is decoded, turned upright by its EXIF orientation,
stripped of every piece of metadata (EXIF, GPS, ICC profiles, text chunks) and
re-encoded as PNG. Failures raise the domain exceptions of `core.errors`, so a
view answers 413, 415 or 400 without further code.
"""

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict
from PIL import Image, ImageOps, UnidentifiedImageError
from rest_framework.parsers import BaseParser, DataAndFiles

from core.errors import PayloadTooLarge, ServiceError, UnsupportedMediaType

# Content types a client may declare for a raw image body, and the decoders that
# go with them. Other formats Pillow knows (TIFF, BMP, PSD, ...) are refused: their
# decoders add attack surface and no client of this service sends them.
ACCEPTED_CONTENT_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")

READ_CHUNK_BYTES = 64 * 1024

# Modes PNG stores as they are; anything else (CMYK, YCbCr, I;16B, ...) is converted.
_PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"}

# What Pillow raises on broken or hostile input, beyond UnidentifiedImageError:
# truncated data (OSError), corrupt structure (SyntaxError, ValueError,
# struct.error), unsupported features (TypeError, EOFError).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, EOFError, struct.error)


class EmptyUpload(ServiceError):
    default_code = "empty_upload"
    default_detail = "The uploaded file is empty."


@dataclass(frozen=True)
class NormalisedImage:
    """A clean PNG ready to be stored, with what callers record about it."""

    content: bytes
    width: int
    height: int
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def read_upload(upload, max_bytes: int | None = None) -> bytes:
    """Read a file-like upload whole, refusing more than `max_bytes` (413).

    The declared size, when known, is checked first so that an oversized
    multipart file is refused without being read; the count of bytes actually
    read is what finally holds, whatever a client declared.
    """
    limit = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    buffer = bytearray()
    while chunk := upload.read(READ_CHUNK_BYTES):
        buffer += chunk
        if len(buffer) > limit:
            raise _too_large(limit)
    if not buffer:
        raise EmptyUpload()
    return bytes(buffer)


def normalise_image(data: bytes, max_pixels: int | None = None) -> NormalisedImage:
    """Decode `data`, refuse what is not a safe image, return it as a clean PNG.

    Animated GIF and WebP keep their first frame. Raises UnsupportedMediaType
    (415) when the bytes are not a complete PNG, JPEG, WebP or GIF image and
    PayloadTooLarge (413) when the image has more than `max_pixels` pixels.
    """
    limit = settings.UPLOAD_MAX_PIXELS if max_pixels is None else max_pixels
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; our
            # limit is lower, but a configured higher one must still refuse bombs.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the accepted decoders are tried: other formats are unidentified.
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                _check_header(image, limit)
                upright = _decode_upright(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(limit) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedMediaType(
            "The file is not a PNG, JPEG, WebP or GIF image: it could not be decoded as one.",
            code="not_an_image",
        ) from exc
    except _DECODE_ERRORS as exc:
        raise UnsupportedMediaType(
            f"The image could not be decoded; it is truncated or corrupt ({exc}).",
            code="corrupt_image",
        ) from exc
    return _encode_png(upright)


def _check_header(image: Image.Image, max_pixels: int) -> None:
    """Refuse by dimensions, which Image.open reads from the header without decoding pixels."""
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels, width, height)


def _decode_upright(image: Image.Image) -> Image.Image:
    # load() decodes every byte, so truncated data fails here rather than being
    # stored padded with grey (Pillow's LOAD_TRUNCATED_IMAGES stays off).
    image.load()
    upright = ImageOps.exif_transpose(image)
    transparency = upright.info.get("transparency")
    if upright.mode not in _PNG_MODES:
        upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
    # Dropping `info` drops EXIF (and its GPS block), ICC profiles, XMP and text
    # chunks: the PNG encoder writes only what `info` or explicit arguments hold.
    upright.info = {} if transparency is None else {"transparency": transparency}
    return upright


def _encode_png(image: Image.Image) -> NormalisedImage:
    output = io.BytesIO()
    image.save(output, format="PNG")
    content = output.getvalue()
    return NormalisedImage(
        content=content,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The image is larger than the limit of {limit} bytes.", code="image_too_large")


def _too_many_pixels(limit: int, width: int | None = None, height: int | None = None) -> PayloadTooLarge:
    size = f" ({width}x{height})" if width and height else ""
    return PayloadTooLarge(
        f"The image has more pixels{size} than the limit of {limit} pixels.",
        code="image_too_many_pixels",
    )


class RawImageParser(BaseParser):
    """DRF parser for a body that is the image itself (`Content-Type: image/jpeg`, ...).

    The body is not read here: it is handed on as the upload `file`, like a
    multipart file, and `read_upload` reads it with the size limit.
    """

    media_type = "image/*"

    def parse(self, stream, media_type=None, parser_context=None):
        content_type = (media_type or "").split(";")[0].strip().lower()
        if content_type not in ACCEPTED_CONTENT_TYPES:
            raise UnsupportedMediaType(
                f'Unsupported media type "{content_type}"; send image/png, image/jpeg, image/webp or image/gif.'
            )
        request = parser_context["request"]
        upload = UploadedFile(
            file=stream,
            name="upload",
            content_type=content_type,
            size=int(request.META.get("CONTENT_LENGTH") or 0),
        )
        return DataAndFiles(MultiValueDict(), MultiValueDict({"file": [upload]}))
