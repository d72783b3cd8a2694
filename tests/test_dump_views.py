"""`GET /dump.sql` and `POST /dump.sql`: who may dump, and what the response looks like."""

import re

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_DIALECT = "sqlite" if connection.vendor == "postgresql" else "postgresql"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("method", ["get", "post"])
def test_dump_refuses_anonymous_clients_with_401(api_client, method):
    response = getattr(api_client, method)("/dump.sql")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("method", ["get", "post"])
def test_dump_refuses_users_who_are_not_staff_with_403(auth_client, method):
    response = getattr(auth_client, method)("/dump.sql")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("method", ["get", "post"])
def test_dump_streams_sql_attachment_to_staff(staff_client, method):
    response = getattr(staff_client, method)("/dump.sql")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/sql"
    assert re.fullmatch(r'attachment; filename="dump-\d{8}T\d{6}Z\.sql"', response["Content-Disposition"])
    assert response["Cache-Control"] == "no-store"
    lines = body(response).decode().splitlines()
    assert lines[0].startswith(f'-- dump: {{"dialect": "{connection.vendor}"')
    assert lines[-1].startswith("-- dump-complete: ")
    assert any(line.startswith('INSERT INTO "users_user" ') for line in lines)


def test_dump_accepts_get_with_json_content_type_and_empty_body(staff_client):
    # The pet shop's existing client sends exactly this.
    response = staff_client.generic("GET", "/dump.sql", data="", content_type="application/json")

    assert response.status_code == 200
    assert body(response).decode().splitlines()[-1].startswith("-- dump-complete: ")


def test_dump_ignores_a_client_that_accepts_only_sql(staff_client):
    response = staff_client.get("/dump.sql", HTTP_ACCEPT="application/sql")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/sql"
    body(response)


def test_dump_answers_with_trailing_slash_too(staff_client):
    response = staff_client.get("/dump.sql/")

    assert response.status_code == 200
    body(response)


def test_dump_gives_data_only_in_other_dialect(staff_client):
    response = staff_client.get(f"/dump.sql?schema=false&dialect={OTHER_DIALECT}")

    text = body(response).decode()
    assert text.startswith(f'-- dump: {{"dialect": "{OTHER_DIALECT}", "format": 2, "schema": false}}\n')
    assert 'CREATE TABLE "users_user"' not in text
    assert 'DELETE FROM "users_user";' in text


@pytest.mark.parametrize(
    ("query", "field"),
    [("schema=maybe", "schema"), ("dialect=oracle", "dialect"), (f"dialect={OTHER_DIALECT}", "dialect")],
)
def test_dump_rejects_bad_query_parameters_with_400(staff_client, query, field):
    response = staff_client.get(f"/dump.sql?{query}")

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    assert payload["detail"]
    assert list(payload["errors"]) == [field]


def test_dump_route_is_documented_as_sql_download(api_client):
    schema = api_client.get("/openapi.json").json()

    operations = schema["paths"]["/dump.sql"]
    for method in ("get", "post"):
        assert "application/sql" in operations[method]["responses"]["200"]["content"]
        assert {parameter["name"] for parameter in operations[method]["parameters"]} == {"schema", "dialect"}
        assert {"400", "401", "403"} <= operations[method]["responses"].keys()
