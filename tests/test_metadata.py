"""`OPTIONS` on API routes: the view's name, description and media types."""

import pytest

pytestmark = pytest.mark.django_db


def test_options_answers_a_route_whose_put_names_the_object_in_the_body(auth_client):
    # PUT /pet takes the petId from the body: DRF's metadata looked for it in the URL and failed.
    response = auth_client.options("/pet")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Pet List"
    assert body["parses"] == ["application/json"]
    assert "actions" not in body
    assert {"GET", "POST", "PUT", "OPTIONS"} <= {method.strip() for method in response["Allow"].split(",")}


@pytest.mark.parametrize("path", ["/pet", "/healthz"])
def test_options_answers_anonymous_clients_without_describing_bodies(api_client, path):
    response = api_client.options(path)

    assert response.status_code == 200
    assert "actions" not in response.json()
