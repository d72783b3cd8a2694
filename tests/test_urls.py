"""Every route answers with and without a trailing slash (core.urls.TrailingSlashTwinPattern)."""

import pytest
from django.urls import resolve, reverse

from petshop.tests.factories import PetFactory
from tests.test_errors import assert_json_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("path", "twin"), [("/healthz/", "/healthz"), ("/pet/", "/pet"), ("/admin", "/admin/")])
def test_a_path_resolves_to_the_view_of_its_twin(path, twin):
    assert resolve(path).func == resolve(twin).func
    assert resolve(path).url_name == resolve(twin).url_name


def test_the_twin_keeps_the_captured_arguments_and_reverse_keeps_the_declared_spelling():
    match = resolve("/pet/b7681b0ee1bd455b81ecb4e46a2f4346/")
    assert match.kwargs["petId"].hex == "b7681b0ee1bd455b81ecb4e46a2f4346"
    assert match.namespace == "petshop"
    assert reverse("petshop:pet-detail", kwargs={"petId": match.kwargs["petId"]}).endswith("4346")


@pytest.mark.parametrize("path", ["/nowhere", "/nowhere/", "/pet//", "/pet/x/y/"])
def test_a_path_whose_twin_does_not_resolve_either_is_a_json_404(api_client, path):
    assert_json_error(api_client.get(path), 404)


def test_writes_through_the_twin_run_every_check_of_the_view(api_client, auth_client):
    pet = PetFactory()
    body = {"nome_pet": "Rex", "dono": "Ana", "raca": "Poodle", "data_nascimento": "2015"}
    assert api_client.put(f"/pet/{pet.pet_id}/", body, format="json").status_code == 401
    assert auth_client.put(f"/pet/{pet.pet_id}/", body, format="json").status_code == 200
    response = auth_client.generic("TRACE", f"/pet/{pet.pet_id}/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
