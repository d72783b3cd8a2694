"""`OPTIONS` on API routes: DRF's metadata, with the fields of the bodies the client may send."""

import pytest

from petshop.tests.factories import PetFactory

pytestmark = pytest.mark.django_db


def test_options_on_a_collection_whose_put_names_the_object_in_the_body_lists_both_bodies(auth_client):
    # PUT /pet takes the petId from the body: DRF's metadata looked for it in the URL and failed (a 500).
    response = auth_client.options("/pet")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Pet List"
    assert body["parses"] == ["application/json"]
    assert {"GET", "POST", "PUT", "OPTIONS"} <= {method.strip() for method in response["Allow"].split(",")}
    # PUT's body must name the pet; POST's may leave the id to the service.
    assert body["actions"]["PUT"]["petId"]["required"] is True
    assert body["actions"]["POST"]["petId"]["required"] is False
    assert body["actions"]["POST"]["nome_pet"]["required"] is True


def test_options_lists_the_fields_of_a_post_serializer(auth_client):
    response = auth_client.options("/api/users")

    assert response.status_code == 200
    fields = response.json()["actions"]["POST"]
    assert {"name", "last_name", "email", "password"} <= set(fields)
    assert fields["email"]["required"] is True


def test_options_on_an_object_route_lists_put_only_when_the_object_exists(auth_client):
    pet = PetFactory()

    found = auth_client.options(f"/pet/{pet.pet_id}")
    unknown = auth_client.options(f"/pet/{PetFactory.build().pet_id}")

    assert found.status_code == unknown.status_code == 200
    assert found.json()["name"] == "Pet Instance"
    assert "nome_pet" in found.json()["actions"]["PUT"]
    assert "actions" not in unknown.json()


@pytest.mark.parametrize("path", ["/pet", "/healthz"])
def test_options_answers_anonymous_clients_without_describing_bodies_they_may_not_send(api_client, path):
    response = api_client.options(path)

    assert response.status_code == 200
    assert "actions" not in response.json()
