"""The contract's error shape holds for every kind of bad request."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

SIGN_UP = {"name": "Ana", "last_name": "Silva", "email": "ana@example.org", "password": "a long passphrase"}


def assert_json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["code"], str)
    assert body["code"]
    if code:
        assert body["code"] == code
    return body


def test_invalid_json_is_400(api_client):
    response = api_client.generic("POST", "/api/users", "{not json", content_type="application/json")

    assert_json_error(response, 400, "parse_error")


def test_wrong_types_are_400_with_field_errors(api_client):
    response = api_client.post("/api/users", {**SIGN_UP, "name": {"nested": 1}, "email": 42}, format="json")

    body = assert_json_error(response, 400, "invalid")
    assert set(body["errors"]) >= {"name", "email"}


def test_a_json_array_body_is_400(api_client):
    response = api_client.post("/api/users", [1, 2, 3], format="json")

    body = assert_json_error(response, 400, "invalid")
    assert "non_field_errors" in body["errors"]


def test_a_body_over_the_limit_is_413_and_creates_nothing(api_client, django_user_model):
    response = api_client.post("/api/users", {**SIGN_UP, "name": "x" * 5_000_000}, format="json")

    assert_json_error(response, 413, "payload_too_large")
    assert not django_user_model.objects.exists()


def test_unknown_fields_are_ignored(api_client):
    response = api_client.post("/api/users", {**SIGN_UP, "is_staff": True, "colour": "blue"}, format="json")

    assert response.status_code == 201
    assert response.json().get("is_staff") is None


def test_wrong_media_type_is_415(api_client):
    response = api_client.generic("POST", "/api/users", "name=Ana", content_type="text/plain")

    assert_json_error(response, 415, "unsupported_media_type")


def test_method_not_allowed_is_405_with_allow(auth_client):
    response = auth_client.put("/api/users", {}, format="json")

    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/users", "GET, POST, HEAD, OPTIONS"),
        ("TRACE", "/pet", "GET, POST, PUT, HEAD, OPTIONS"),
        ("POST", "/pet/0123456789abcdef0123456789abcdef", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
        ("DELETE", "/api/token/", "POST, OPTIONS"),
    ],
)
def test_method_not_allowed_is_405_before_authentication(api_client, method, path, allow):
    # DRF authenticates before it looks for the method's handler: these were 401.
    response = api_client.generic(method, path)

    assert_json_error(response, 405, "method_not_allowed")
    assert response["Allow"] == allow


def test_method_not_allowed_is_405_before_permissions(auth_client):
    response = auth_client.put("/dump.sql")

    assert_json_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_unknown_url_is_json_404(api_client):
    assert api_client.get("/no/such/route").json() == {"detail": "Not found.", "code": "not_found"}


@override_settings(DEBUG=True)
def test_unknown_url_is_json_404_also_with_debug_on(api_client):
    assert api_client.get("/no/such/route").json() == {"detail": "Not found.", "code": "not_found"}


def test_disallowed_host_is_json_400(api_client):
    assert_json_error(api_client.get("/healthz", HTTP_HOST="evil.example"), 400)


def test_unexpected_exception_is_a_logged_json_500(auth_client, monkeypatch, caplog):
    from users import selectors

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "user_list", explode)

    response = auth_client.get("/api/users")

    body = assert_json_error(response, 500, "server_error")
    assert "boom" not in body["detail"]
    assert "boom" in caplog.text


@pytest.mark.parametrize("path", ["/healthz", "/healthz/", "/api/users", "/api/users/"])
def test_every_route_answers_with_and_without_trailing_slash(api_client, path):
    response = api_client.get(path)

    assert response.status_code in (200, 401)
    assert "Location" not in response


def test_post_without_trailing_slash_is_not_redirected(api_client):
    assert api_client.post("/api/users/", SIGN_UP, format="json").status_code == 201


def test_token_route_is_throttled_with_retry_after(api_client, user, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "2/minute"},
    }
    body = {"email": user.email, "password": "wrong"}

    statuses = [api_client.post("/api/token/", body, format="json").status_code for _ in range(3)]
    response = api_client.post("/api/token/", body, format="json")

    assert statuses[:2] == [401, 401]
    assert_json_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
