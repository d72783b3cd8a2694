"""Fixtures for the pet shop's tests: pets, real image files, local and S3 storage."""

import io
from pathlib import Path

import pytest
from PIL import Image

from core.tests.test_images import jpeg_with_gps
from core.tests.test_storage import moto_s3_endpoint, s3_keys, s3_storage  # noqa: F401 - fixtures
from petshop.tests.factories import PetFactory


@pytest.fixture
def pet(db):
    return PetFactory()


@pytest.fixture
def jpeg() -> bytes:
    """A real photo-like JPEG with EXIF GPS data, rotated by its EXIF orientation."""
    return jpeg_with_gps(width=120, height=80)


@pytest.fixture
def png() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (30, 20), "green").save(output, "PNG")
    return output.getvalue()


@pytest.fixture
def stored_files(settings):
    """A function listing the files under MEDIA_ROOT (a fresh folder per test)."""
    media = Path(settings.MEDIA_ROOT)
    return lambda: sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


@pytest.fixture(params=["local", "s3"])
def picture_storage(request, stored_files):
    """Run a test on local disk and on S3; returns a function listing the stored picture names."""
    if request.param == "s3":
        s3 = request.getfixturevalue("s3_storage")
        return lambda: sorted(s3_keys(s3))
    return stored_files
