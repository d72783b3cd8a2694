"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from users.models import User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Stored files go to a fresh temporary folder for every test."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    return media


def _clear(cache_backend) -> None:
    # django-redis' clear() flushes the whole Redis database, including other
    # xdist workers' keys; delete_pattern() stays inside this worker's prefix.
    if hasattr(cache_backend, "delete_pattern"):
        cache_backend.delete_pattern("*")
    else:
        cache_backend.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    _clear(cache)
    yield
    _clear(cache)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db) -> User:
    return User.objects.create_user(email="user@example.org", password=PASSWORD, name="Ursula", last_name="User")


@pytest.fixture
def other_user(db) -> User:
    return User.objects.create_user(email="other@example.org", password=PASSWORD, name="Otto", last_name="Other")


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user(
        email="staff@example.org", password=PASSWORD, name="Stella", last_name="Staff", is_staff=True
    )


def _client_for(user: User) -> APIClient:
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def auth_client(user) -> APIClient:
    """A client sending a bearer token of `user`."""
    return _client_for(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return _client_for(other_user)


@pytest.fixture
def staff_client(staff) -> APIClient:
    return _client_for(staff)
