"""Fixtures for the books' tests; the shared ones (storage, images, users) are in tests/fixtures/."""

import pytest
from PIL import Image

from books import services
from books.tests.factories import BookFactory
from core import images
from tests.fixtures.images import png_bytes


@pytest.fixture
def book(user):
    """A three-page book created by `user` (the `auth_client`'s user)."""
    return BookFactory(creator=user)


@pytest.fixture
def illustrate():
    """A function giving a page a stored picture through the service (a small PNG)."""

    def give(page, colour: str = "blue"):
        image = images.normalise_image(png_bytes(Image.new("RGB", (8, 6), colour)))
        return services.page_picture_replace(page, image)

    return give
