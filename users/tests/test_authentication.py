"""users.authentication.JWTAuthentication: simplejwt's checks and answers, the user read through RowByKey."""

import pytest
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.fixtures.users import client_for
from users.authentication import JWTAuthentication

pytestmark = pytest.mark.django_db


def test_the_request_user_is_the_tokens_user(user):
    authenticated, token = JWTAuthentication().authenticate(_request(RefreshToken.for_user(user).access_token))
    assert authenticated == user
    assert authenticated._state.adding is False
    assert {f.attname: getattr(authenticated, f.attname) for f in user._meta.concrete_fields} == {
        f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields
    }
    assert str(token[api_settings.USER_ID_CLAIM]) == str(user.pk)


def test_a_route_with_a_token_answers_for_its_user(user):
    response = client_for(user).get(f"/api/users/{user.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["email"] == user.email


def test_a_deleted_users_token_is_401(user):
    client = client_for(user)
    user.delete()
    response = client.get("/api/users")
    assert response.status_code == 401
    assert response.json()["code"] == "user_not_found"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_inactive_users_token_is_401(user):
    client = client_for(user)
    user.is_active = False
    user.save()
    response = client.get("/api/users")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_a_token_without_a_user_claim_is_401(user):
    token = AccessToken.for_user(user)
    del token[api_settings.USER_ID_CLAIM]
    response = _client(token).get("/api/users")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_revoked_token_after_a_password_change_is_401(user, monkeypatch):
    # simplejwt's api_settings is imported by name (override_settings would rebind another object).
    monkeypatch.setattr(api_settings, "CHECK_REVOKE_TOKEN", True)
    client = client_for(user)
    assert client.get("/api/users").status_code == 200
    user.set_password("another long passphrase")
    user.save()
    response = client.get("/api/users")
    assert response.status_code == 401
    assert response.json()["code"] == "password_changed"


def _client(token):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _request(token):
    from rest_framework.test import APIRequestFactory

    return APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
