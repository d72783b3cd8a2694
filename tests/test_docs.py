import jsonschema
import pytest

from petshop.tests.factories import PetFactory

pytestmark = pytest.mark.django_db


def test_openapi_schema_documents_routes_and_bearer_auth(api_client):
    response = api_client.get("/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/users" in schema["paths"]
    assert "/api/token/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    assert "ValidationError" in schema["components"]["schemas"]
    assert "401" in schema["paths"]["/api/users"]["get"]["responses"]


def test_429_is_documented_only_where_the_view_throttles(api_client):
    paths = api_client.get("/openapi.json").json()["paths"]
    assert "429" in paths["/pet/{petId}"]["get"]["responses"]
    assert "429" in paths["/api/token/"]["post"]["responses"]
    assert "429" not in paths["/healthz"]["get"]["responses"]
    assert "429" not in paths["/readyz"]["get"]["responses"]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_render_with_locally_served_assets(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()


def test_documented_400_body_fits_malformed_and_invalid_input(api_client):
    schema = api_client.get("/openapi.json").json()
    documented = schema["paths"]["/api/users"]["post"]["responses"]["400"]["content"]["application/json"]
    body_schema = schema["components"]["schemas"][documented["schema"]["$ref"].rsplit("/", 1)[-1]]
    malformed = api_client.generic("POST", "/api/users", "{not json", content_type="application/json")
    invalid = api_client.post("/api/users", {}, format="json")

    for response in (malformed, invalid):
        assert response.status_code == 400
        jsonschema.validate(response.json(), body_schema)
    assert "errors" not in malformed.json()
    assert {example["value"]["code"] for example in documented["examples"].values()} == {"invalid", "parse_error"}


def test_optional_query_parameters_are_documented_as_accepting_an_empty_value(api_client):
    schema = api_client.get("/openapi.json").json()
    dump_parameters = schema["paths"]["/dump.sql"]["get"]["parameters"]
    pet_parameters = schema["paths"]["/pet"]["get"]["parameters"]

    assert {parameter["name"] for parameter in dump_parameters if parameter.get("allowEmptyValue")} == {
        "dialect",
        "schema",
    }
    assert all(parameter["allowEmptyValue"] for parameter in pet_parameters)


@pytest.mark.parametrize("value", ["poodle", "", "\x00poodle"])
def test_documented_query_text_is_exactly_what_a_filter_accepts(api_client, value):
    parameters = api_client.get("/openapi.json").json()["paths"]["/pet"]["get"]["parameters"]
    raca = next(parameter for parameter in parameters if parameter["name"] == "raca")
    documented = jsonschema.Draft4Validator(raca["schema"]).is_valid(value)

    response = api_client.get("/pet", {"raca": value})

    assert (response.status_code == 200) is documented


def test_an_empty_optional_query_parameter_is_the_same_as_none(api_client):
    PetFactory.create_batch(2)

    empty = api_client.get("/pet?raca=&dono=&search=&page=&per_page=")
    absent = api_client.get("/pet")

    assert empty.status_code == absent.status_code == 200
    assert empty.json() == absent.json()
    assert empty["X-Total-Count"] == absent["X-Total-Count"] == "2"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Ana"),
        ("name", " Ana "),
        ("name", " \t\n"),
        ("name", "A\x00na"),
        ("password", "a long passphrase"),
        ("password", "a long\x00passphrase"),
    ],
)
def test_documented_text_field_is_exactly_what_sign_up_accepts(api_client, field, value):
    schema = api_client.get("/openapi.json").json()["components"]["schemas"]["UserRequest"]
    documented = jsonschema.Draft4Validator(schema["properties"][field]).is_valid(value)

    body = {"name": "Ana", "last_name": "Silva", "email": "ana@example.org", "password": "a long passphrase"}
    response = api_client.post("/api/users", {**body, field: value}, format="json")

    assert (response.status_code == 201) is documented


def test_upload_limits_are_documented_by_their_setting_names_not_frozen_values(api_client, settings):
    settings.UPLOAD_MAX_BYTES = 1234
    operation = api_client.get("/openapi.json").json()["paths"]["/picture/{petId}"]["post"]

    assert "`UPLOAD_MAX_BYTES`" in operation["description"]
    assert "`UPLOAD_MAX_PIXELS`" in operation["description"]
    assert "Location" in operation["description"]
