import pytest
from django.core.management import call_command

from users.models import User

pytestmark = pytest.mark.django_db

SIGN_UP = {"name": "Ana", "last_name": "Silva", "email": "Ana@Example.org", "password": "a long passphrase"}


def test_sign_up_is_public_and_returns_location(api_client):
    response = api_client.post("/api/users", SIGN_UP, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "ana@example.org"
    assert "password" not in body
    assert response["Location"] == f"/api/users/{body['id']}"
    assert User.objects.get(pk=body["id"]).check_password("a long passphrase")


def test_sign_up_answers_409_for_an_email_taken_in_another_case(api_client, user):
    response = api_client.post("/api/users", {**SIGN_UP, "email": "USER@example.org"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "A user with this e-mail address already exists.", "code": "email_taken"}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "123"}, "password"),
        ({"name": ""}, "name"),
        ({"name": "x" * 151}, "name"),
        ({"last_name": None}, "last_name"),
        # JSON numbers are not text: DRF's CharField would store "0".
        ({"last_name": 0}, "last_name"),
        ({"name": 1.5}, "name"),
        ({"password": 1.5e300}, "password"),
    ],
)
def test_sign_up_rejects_invalid_fields_with_field_errors(api_client, change, field):
    response = api_client.post("/api/users", {**SIGN_UP, **change}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]
    assert not User.objects.exists()


def test_token_obtain_with_email_and_password_then_read_user(api_client, user, password):
    tokens = api_client.post("/api/token/", {"email": "USER@example.org", "password": password}, format="json")
    assert tokens.status_code == 200, tokens.content
    assert set(tokens.json()) == {"access", "refresh"}

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    response = api_client.get(f"/api/users/{user.pk}")

    assert response.status_code == 200
    assert response.json() == {"id": user.pk, "name": "Ursula", "last_name": "User", "email": "user@example.org"}


def test_token_refresh_returns_a_new_access_token(api_client, user, password):
    tokens = api_client.post("/api/token", {"email": user.email, "password": password}, format="json").json()

    response = api_client.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 200
    assert "access" in response.json()


def test_token_with_a_wrong_password_is_401(api_client, user):
    response = api_client.post("/api/token/", {"email": user.email, "password": "wrong"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


def test_reading_users_needs_a_token(api_client, user):
    for url in ("/api/users", f"/api/users/{user.pk}"):
        response = api_client.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_invalid_token_is_401(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = api_client.get(f"/api/users/{user.pk}")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_list_users_is_a_paginated_array(auth_client, user, other_user, staff):
    response = auth_client.get("/api/users?per_page=2")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [user.pk, other_user.pk]
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"]


def test_user_updates_themself(auth_client, user):
    response = auth_client.patch(f"/api/users/{user.pk}", {"name": "Ulla"}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.name == "Ulla"


def test_user_changes_own_password_and_it_is_hashed(auth_client, user):
    response = auth_client.patch(f"/api/users/{user.pk}", {"password": "another long phrase"}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("another long phrase")
    assert "another long phrase" not in user.password


def test_user_cannot_change_or_delete_someone_else(auth_client, other_user):
    patch = auth_client.patch(f"/api/users/{other_user.pk}", {"name": "Hacked"}, format="json")
    put = auth_client.put(f"/api/users/{other_user.pk}", {**SIGN_UP, "email": "x@example.org"}, format="json")
    delete = auth_client.delete(f"/api/users/{other_user.pk}")

    assert (patch.status_code, put.status_code, delete.status_code) == (403, 403, 403)
    assert patch.json()["code"] == "permission_denied"
    other_user.refresh_from_db()
    assert other_user.name == "Otto"


def test_staff_can_change_and_delete_anyone(staff_client, other_user):
    assert staff_client.patch(f"/api/users/{other_user.pk}", {"name": "Renamed"}, format="json").status_code == 200
    assert staff_client.delete(f"/api/users/{other_user.pk}").status_code == 204
    assert not User.objects.filter(pk=other_user.pk).exists()


def test_changing_email_to_a_taken_one_is_409(auth_client, user, other_user):
    response = auth_client.patch(f"/api/users/{user.pk}", {"email": other_user.email}, format="json")

    assert response.status_code == 409
    user.refresh_from_db()
    assert user.email == "user@example.org"


def test_user_deletes_themself(auth_client, user):
    assert auth_client.delete(f"/api/users/{user.pk}/").status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()


def test_unknown_user_is_404(auth_client):
    for url in ("/api/users/999999", "/api/users/not-a-number"):
        response = auth_client.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_createsuperuser_noinput_reads_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Admin@Example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "admin passphrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_NAME", "Ada")

    call_command("createsuperuser", "--noinput", verbosity=0)

    admin = User.objects.get(email="admin@example.org")
    assert admin.is_staff
    assert admin.is_superuser
    assert admin.name == "Ada"
    assert admin.check_password("admin passphrase")


def test_password_rules_are_in_the_openapi_document(api_client):
    schema = api_client.get("/openapi.json").json()["components"]["schemas"]["UserRequest"]
    description = schema["properties"]["password"]["description"]

    assert "at least 8 characters" in description
    assert "commonly used password" in description
    assert "entirely numeric" in description


@pytest.mark.parametrize(
    ("path", "method"), [("/api/users", "post"), ("/api/users/{id}", "put"), ("/api/users/{id}", "patch")]
)
def test_email_taken_409_is_documented(api_client, path, method):
    responses = api_client.get("/openapi.json").json()["paths"][path][method]["responses"]

    assert responses["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
