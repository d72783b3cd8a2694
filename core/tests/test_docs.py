import pytest

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


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_render_with_locally_served_assets(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
