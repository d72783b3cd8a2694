"""Fixtures for the pet shop's tests; the shared ones (storage, images, users) are in tests/fixtures/."""

import pytest

from petshop.tests.factories import PetFactory


@pytest.fixture
def pet(db):
    return PetFactory()
