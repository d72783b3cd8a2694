import uuid

import jsonschema
import pytest
from django.utils import timezone

from petshop.models import Pet
from petshop.tests.factories import PetFactory

pytestmark = pytest.mark.django_db

# What the pet shop's original client sends (seed part 1), plus its bearer token.
ORIGINAL_CLIENT_BODY = {
    "petId": "0f8fad5bd9cb469fa16570867728950e",
    "nome_pet": "Pit",
    "dono": "melissa",
    "raca": "bull terrier",
    "data_nascimento": "2010",
}
THIS_YEAR = timezone.now().year


def pet_fields(pet: Pet) -> tuple:
    return (pet.pet_id, pet.name, pet.owner, pet.breed, pet.birth_year)


def test_list_is_public_paginated_and_uses_the_wire_names(api_client):
    PetFactory.create_batch(3)

    response = api_client.get("/pet?per_page=2")

    assert response.status_code == 200
    body = response.json()
    assert len(body) == 2
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"]
    assert set(body[0]) == {
        "petId",
        "nome_pet",
        "dono",
        "raca",
        "data_nascimento",
        "picture_url",
        "created_at",
        "updated_at",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("raca=poodle", {"Rex", "Bob"}),
        ("dono=ANA", {"Rex", "Max"}),
        ("search=retr", {"Max"}),
        ("search=bOb", {"Bob"}),
        ("raca=Poodle&dono=ana", {"Rex"}),
        ("raca=", {"Rex", "Bob", "Max"}),
    ],
)
def test_list_filters_by_breed_owner_and_search_in_any_case(api_client, query, expected):
    PetFactory(name="Rex", owner="Ana", breed="Poodle")
    PetFactory(name="Bob", owner="Caio", breed="Poodle")
    PetFactory(name="Max", owner="ana", breed="Golden Retriever")

    response = api_client.get(f"/pet?{query}")

    assert response.status_code == 200
    assert {pet["nome_pet"] for pet in response.json()} == expected


def test_read_returns_year_as_string_and_null_picture_url(api_client):
    pet = PetFactory(birth_year=2018)

    response = api_client.get(f"/pet/{pet.pet_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["petId"] == pet.pet_id
    assert body["data_nascimento"] == "2018"
    assert body["picture_url"] is None


@pytest.mark.parametrize("spelling", [str.upper, lambda pet_id: str(uuid.UUID(pet_id)), lambda pet_id: pet_id + "/"])
def test_read_accepts_dashed_upper_case_and_trailing_slash_ids(api_client, spelling):
    pet = PetFactory()

    response = api_client.get(f"/pet/{spelling(pet.pet_id)}")

    assert response.status_code == 200
    assert response.json()["petId"] == pet.pet_id


@pytest.mark.parametrize("pet_id", [uuid.uuid4().hex, "not-an-id", "1234", "g" * 32, uuid.uuid4().hex + "0"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_or_malformed_pet_id_is_404_on_every_pet_route(auth_client, method, pet_id):
    PetFactory()

    response = getattr(auth_client, method)(f"/pet/{pet_id}", ORIGINAL_CLIENT_BODY, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Pet.objects.count() == 1


def test_create_accepts_the_original_clients_body_and_answers_location(auth_client):
    response = auth_client.post("/pet", ORIGINAL_CLIENT_BODY, format="json")

    assert response.status_code == 201, response.content
    assert response["Location"] == f"/pet/{ORIGINAL_CLIENT_BODY['petId']}"
    assert response.json()["data_nascimento"] == "2010"
    pet = Pet.objects.get()
    assert pet_fields(pet) == ("0f8fad5bd9cb469fa16570867728950e", "Pit", "melissa", "bull terrier", 2010)


def test_create_generates_an_id_when_absent_and_trims_text(auth_client):
    body = {"nome_pet": "  Rex ", "dono": "Ana", "raca": "Poodle", "data_nascimento": 2018}

    response = auth_client.post("/pet", body, format="json")

    assert response.status_code == 201
    pet = Pet.objects.get()
    assert len(pet.pet_id) == 32
    assert int(pet.pet_id, 16) >= 0
    assert pet.name == "Rex"
    assert pet.birth_year == 2018


def test_create_normalises_a_dashed_upper_case_uuid(auth_client):
    dashed = str(uuid.UUID(ORIGINAL_CLIENT_BODY["petId"])).upper()

    response = auth_client.post("/pet", {**ORIGINAL_CLIENT_BODY, "petId": dashed}, format="json")

    assert response.status_code == 201
    assert response.json()["petId"] == ORIGINAL_CLIENT_BODY["petId"]


def test_create_answers_409_for_a_taken_id_and_changes_nothing(auth_client):
    existing = PetFactory(id=uuid.UUID(ORIGINAL_CLIENT_BODY["petId"]), name="Original")

    response = auth_client.post("/pet", ORIGINAL_CLIENT_BODY, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "A pet with this petId already exists.", "code": "pet_exists"}
    existing.refresh_from_db()
    assert existing.name == "Original"


def test_create_ignores_unknown_and_read_only_fields(auth_client):
    body = {**ORIGINAL_CLIENT_BODY, "color": "white", "picture_url": "http://evil.example/x.png", "created_at": "x"}

    response = auth_client.post("/pet", body, format="json")

    assert response.status_code == 201
    assert response.json()["picture_url"] is None
    assert response.json()["created_at"] != "x"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"data_nascimento": str(timezone.now().year + 1)}, "data_nascimento"),
        ({"data_nascimento": 1899}, "data_nascimento"),
        ({"data_nascimento": "20l8"}, "data_nascimento"),
        ({"data_nascimento": "2018-05-01"}, "data_nascimento"),
        ({"data_nascimento": 2018.5}, "data_nascimento"),
        ({"data_nascimento": True}, "data_nascimento"),
        ({"nome_pet": ""}, "nome_pet"),
        ({"nome_pet": "   "}, "nome_pet"),
        ({"nome_pet": "x" * 10_000}, "nome_pet"),
        ({"nome_pet": "Rex\x00"}, "nome_pet"),
        ({"nome_pet": "Re\nx"}, "nome_pet"),
        ({"nome_pet": None}, "nome_pet"),
        ({"nome_pet": 12}, "nome_pet"),
        ({"dono": "y" * 101}, "dono"),
        ({"raca": ""}, "raca"),
        ({"petId": "not-a-uuid"}, "petId"),
        ({"petId": "g" * 32}, "petId"),
    ],
)
def test_create_rejects_invalid_fields_with_400_and_changes_nothing(auth_client, change, field):
    response = auth_client.post("/pet", {**ORIGINAL_CLIENT_BODY, **change}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert not Pet.objects.exists()


@pytest.mark.parametrize("missing", ["nome_pet", "dono", "raca", "data_nascimento"])
def test_create_requires_every_pet_field(auth_client, missing):
    body = {key: value for key, value in ORIGINAL_CLIENT_BODY.items() if key != missing}

    response = auth_client.post("/pet", body, format="json")

    assert response.status_code == 400
    assert missing in response.json()["errors"]


@pytest.mark.parametrize("year", [1900, "1900", timezone.now().year, str(timezone.now().year)])
def test_create_accepts_the_first_and_the_current_year(auth_client, year):
    response = auth_client.post("/pet", {**ORIGINAL_CLIENT_BODY, "data_nascimento": year}, format="json")

    assert response.status_code == 201
    assert response.json()["data_nascimento"] == str(year)


@pytest.mark.parametrize(
    "year",
    [0, 1899, 1900, THIS_YEAR, THIS_YEAR + 1, "0256", "1899", "1900", str(THIS_YEAR), str(THIS_YEAR + 1)],
)
def test_documented_birth_year_is_exactly_what_create_accepts(api_client, auth_client, year):
    schema = api_client.get("/openapi.json").json()["components"]["schemas"]["PetRequest"]
    documented = jsonschema.Draft4Validator(schema["properties"]["data_nascimento"]).is_valid(year)

    response = auth_client.post("/pet", {**ORIGINAL_CLIENT_BODY, "data_nascimento": year}, format="json")

    assert (response.status_code == 201) is documented


@pytest.mark.parametrize(
    "name",
    [
        *("Duke", " Duke ", "\nDuke\t", "Dü ke 🐕", "x" * 100, " " + "x" * 100),
        *("x" * 101, "", " ", "\xa0\u3000", "Du\x00ke", "Du\x85ke"),
    ],
)
def test_documented_text_is_exactly_what_create_accepts(api_client, auth_client, name):
    schema = api_client.get("/openapi.json").json()["components"]["schemas"]["PetRequest"]
    documented = jsonschema.Draft4Validator(schema["properties"]["nome_pet"]).is_valid(name)

    response = auth_client.post("/pet", {**ORIGINAL_CLIENT_BODY, "nome_pet": name}, format="json")

    assert (response.status_code == 201) is documented


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"{not json", "application/json", 400),
        (b"", "application/json", 400),
        (b"nome_pet=Rex", "text/plain", 415),
    ],
)
def test_create_refuses_malformed_bodies(auth_client, body, content_type, expected):
    response = auth_client.generic("POST", "/pet", body, content_type=content_type)

    assert response.status_code == expected
    assert "code" in response.json()
    assert not Pet.objects.exists()


def test_create_refuses_a_body_over_the_request_limit(auth_client, settings):
    body = {**ORIGINAL_CLIENT_BODY, "padding": "x" * (settings.MAX_REQUEST_BODY_BYTES + 1)}

    response = auth_client.post("/pet", body, format="json")

    assert response.status_code == 413
    assert not Pet.objects.exists()


def test_replace_by_body_id_updates_the_pet_as_the_original_client_does(auth_client):
    pet = PetFactory(id=uuid.UUID(ORIGINAL_CLIENT_BODY["petId"]))

    response = auth_client.put("/pet", ORIGINAL_CLIENT_BODY, format="json")

    assert response.status_code == 200, response.content
    pet.refresh_from_db()
    assert pet_fields(pet) == ("0f8fad5bd9cb469fa16570867728950e", "Pit", "melissa", "bull terrier", 2010)


def test_replace_by_body_id_answers_404_for_an_unknown_id(auth_client):
    PetFactory()

    response = auth_client.put("/pet", ORIGINAL_CLIENT_BODY, format="json")

    assert response.status_code == 404
    assert Pet.objects.count() == 1


def test_replace_by_body_id_requires_the_id(auth_client):
    body = {key: value for key, value in ORIGINAL_CLIENT_BODY.items() if key != "petId"}

    response = auth_client.put("/pet", body, format="json")

    assert response.status_code == 400
    assert "petId" in response.json()["errors"]


def test_replace_accepts_a_body_read_with_get_including_read_only_fields(auth_client):
    pet = PetFactory(name="Rex")
    body = auth_client.get(f"/pet/{pet.pet_id}").json()

    by_path = auth_client.put(f"/pet/{pet.pet_id}", {**body, "nome_pet": "Rex II", "extra": 1}, format="json")
    by_body = auth_client.put("/pet", {**body, "nome_pet": "Rex III"}, format="json")

    assert by_path.status_code == 200, by_path.content
    assert by_body.status_code == 200, by_body.content
    pet.refresh_from_db()
    assert pet.name == "Rex III"
    assert by_body.json()["created_at"] == body["created_at"]


def test_replace_by_path_refuses_a_body_id_that_differs_and_changes_nothing(auth_client):
    pet = PetFactory(name="Rex")
    other = PetFactory(name="Max")

    response = auth_client.put(f"/pet/{pet.pet_id}", {**ORIGINAL_CLIENT_BODY, "petId": other.pet_id}, format="json")

    assert response.status_code == 400
    assert "petId" in response.json()["errors"]
    pet.refresh_from_db()
    other.refresh_from_db()
    assert (pet.name, other.name) == ("Rex", "Max")


def test_replace_by_path_accepts_the_same_id_in_another_spelling(auth_client):
    pet = PetFactory()

    response = auth_client.put(f"/pet/{pet.pet_id}", {**ORIGINAL_CLIENT_BODY, "petId": str(uuid.UUID(pet.pet_id))})

    assert response.status_code == 200
    pet.refresh_from_db()
    assert pet.name == "Pit"


def test_replace_by_path_requires_every_field(auth_client):
    pet = PetFactory(name="Rex")

    response = auth_client.put(f"/pet/{pet.pet_id}", {"nome_pet": "Max"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"dono", "raca", "data_nascimento"}


def test_partial_update_changes_only_the_given_fields(auth_client):
    pet = PetFactory(name="Rex", owner="Ana")
    before = pet.updated_at

    response = auth_client.patch(f"/pet/{pet.pet_id}", {"dono": "Caio"}, format="json")

    assert response.status_code == 200
    pet.refresh_from_db()
    assert (pet.name, pet.owner) == ("Rex", "Caio")
    assert pet.updated_at > before


def test_partial_update_refuses_invalid_values_and_a_differing_id(auth_client):
    pet = PetFactory(name="Rex")

    bad_year = auth_client.patch(f"/pet/{pet.pet_id}", {"data_nascimento": "1850"}, format="json")
    bad_id = auth_client.patch(f"/pet/{pet.pet_id}", {"petId": uuid.uuid4().hex}, format="json")

    assert (bad_year.status_code, bad_id.status_code) == (400, 400)
    pet.refresh_from_db()
    assert pet.name == "Rex"


def test_delete_answers_204_and_the_pet_is_gone(auth_client):
    pet = PetFactory()

    response = auth_client.delete(f"/pet/{pet.pet_id}")

    assert response.status_code == 204
    assert auth_client.get(f"/pet/{pet.pet_id}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/pet"),
        ("put", "/pet"),
        ("put", "/pet/{id}"),
        ("patch", "/pet/{id}"),
        ("delete", "/pet/{id}"),
        ("post", "/picture/{id}"),
        ("delete", "/picture/{id}"),
    ],
)
def test_writes_need_a_token(api_client, method, path):
    pet = PetFactory(name="Rex")

    response = getattr(api_client, method)(path.format(id=pet.pet_id), ORIGINAL_CLIENT_BODY, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    pet.refresh_from_db()
    assert pet.name == "Rex"
    assert Pet.objects.count() == 1


@pytest.mark.parametrize("path", ["/pet", "/pet/{id}", "/pet/"])
def test_reads_are_public(api_client, path):
    pet = PetFactory()

    assert api_client.get(path.format(id=pet.pet_id)).status_code == 200


def test_any_user_with_a_token_may_write(other_client):
    response = other_client.post("/pet/", ORIGINAL_CLIENT_BODY, format="json")

    assert response.status_code == 201


def test_unsupported_method_answers_405_with_allow(auth_client):
    response = auth_client.post(f"/pet/{PetFactory().pet_id}", ORIGINAL_CLIENT_BODY, format="json")

    assert response.status_code == 405
    assert "PUT" in response["Allow"]
