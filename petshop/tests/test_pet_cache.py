"""`GET /pet/{petId}` is served from a cache: every kind of write must show in the next read."""

import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import throttling
from petshop import services
from petshop.cache import pet_representations
from petshop.models import Pet
from petshop.tests.factories import PetFactory

# Writes invalidate on commit, so the tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def read(client, pet, **headers) -> dict:
    response = client.get(f"/pet/{pet.pet_id}", headers=headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_second_read_is_served_without_a_query_and_is_identical(api_client):
    pet = PetFactory()
    first = api_client.get(f"/pet/{pet.pet_id}")
    with CaptureQueriesContext(connection) as queries:
        second = api_client.get(f"/pet/{pet.pet_id}")
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("put", {"nome_pet": "Rex", "dono": "Ana", "raca": "Poodle", "data_nascimento": "2015"}),
        ("patch", {"nome_pet": "Rex"}),
    ],
)
def test_an_update_shows_in_the_next_read(api_client, auth_client, method, body):
    pet = PetFactory(name="Old")
    assert read(api_client, pet)["nome_pet"] == "Old"
    response = getattr(auth_client, method)(f"/pet/{pet.pet_id}", body, format="json")
    assert response.status_code == 200
    assert read(api_client, pet) == response.json()


def test_a_replace_by_body_id_shows_in_the_next_read(api_client, auth_client):
    pet = PetFactory(name="Old")
    read(api_client, pet)
    body = {"petId": pet.pet_id, "nome_pet": "New", "dono": "Ana", "raca": "Poodle", "data_nascimento": 2015}
    assert auth_client.put("/pet", body, format="json").status_code == 200
    assert read(api_client, pet)["nome_pet"] == "New"


def test_a_deleted_pet_is_404_at_once_and_a_new_pet_with_its_id_is_read(api_client, auth_client):
    pet = PetFactory(name="Old")
    read(api_client, pet)
    assert auth_client.delete(f"/pet/{pet.pet_id}").status_code == 204
    assert api_client.get(f"/pet/{pet.pet_id}").status_code == 404
    body = {"petId": pet.pet_id, "nome_pet": "New", "dono": "Ana", "raca": "Poodle", "data_nascimento": "2015"}
    assert auth_client.post("/pet", body, format="json").status_code == 201
    assert read(api_client, pet)["nome_pet"] == "New"


def test_picture_upload_and_delete_show_in_the_next_read(api_client, auth_client, png):
    pet = PetFactory()
    assert read(api_client, pet)["picture_url"] is None
    response = auth_client.post(f"/picture/{pet.pet_id}", png, content_type="image/png")
    assert response.status_code == 201
    assert read(api_client, pet)["picture_url"] == f"http://testserver/picture/{pet.pet_id}.png"
    assert auth_client.delete(f"/picture/{pet.pet_id}").status_code == 204
    assert read(api_client, pet)["picture_url"] is None


def test_admin_bulk_delete_shows_in_the_next_read(api_client):
    pets = PetFactory.create_batch(2)
    for pet in pets:
        read(api_client, pet)
    services.pet_delete_many([pet.pk for pet in pets])
    assert all(api_client.get(f"/pet/{pet.pet_id}").status_code == 404 for pet in pets)


def test_an_import_that_changes_a_pet_shows_in_the_next_read(api_client, tmp_path):
    pet = PetFactory(name="Old", owner="Ana", breed="Poodle", birth_year=2015)
    read(api_client, pet)
    csv = tmp_path / "pets.csv"
    csv.write_text(f"petId,nome_pet,dono,raca,data_nascimento\n{pet.pet_id},New,Ana,Poodle,2015\n")
    call_command("import_pets", str(csv), stdout=io.StringIO())
    assert read(api_client, pet)["nome_pet"] == "New"


def test_a_restored_dump_shows_in_the_next_read(api_client, tmp_path):
    pet = PetFactory(name="Before")
    dump = tmp_path / "dump.sql"
    call_command("dump", "--schema=false", output=str(dump), stdout=io.StringIO())
    Pet.objects.filter(pk=pet.pk).update(name="Changed outside the services")
    assert read(api_client, pet)["nome_pet"] == "Changed outside the services"
    call_command("load_dump", str(dump), stdout=io.StringIO())
    assert read(api_client, pet)["nome_pet"] == "Before"


def test_each_host_reads_its_own_picture_url(api_client, auth_client, png):
    pet = PetFactory()
    assert auth_client.post(f"/picture/{pet.pet_id}", png, content_type="image/png").status_code == 201
    assert read(api_client, pet)["picture_url"] == f"http://testserver/picture/{pet.pet_id}.png"
    assert read(api_client, pet, host="localhost")["picture_url"] == f"http://localhost/picture/{pet.pet_id}.png"


def test_an_accept_header_asking_for_indentation_is_honoured_after_a_plain_read(api_client):
    pet = PetFactory()
    plain = api_client.get(f"/pet/{pet.pet_id}")
    indented = api_client.get(f"/pet/{pet.pet_id}", headers={"accept": "application/json; indent=2"})
    assert indented.status_code == 200
    # As every DRF route answers: the renderer's media type, the indentation in the body.
    assert indented["Content-Type"] == "application/json"
    assert indented.content.decode() == json.dumps(plain.json(), indent=2, ensure_ascii=False)
    assert api_client.get(f"/pet/{pet.pet_id}").content == plain.content


def test_an_unacceptable_media_type_is_406(api_client):
    pet = PetFactory()
    assert api_client.get(f"/pet/{pet.pet_id}", headers={"accept": "text/html"}).status_code == 406


def test_with_the_cache_off_reads_come_from_the_database(api_client, settings):
    settings.PET_CACHE_SECONDS = 0
    pet = PetFactory()
    read(api_client, pet)
    with CaptureQueriesContext(connection) as queries:
        read(api_client, pet)
    assert len(queries) == 1


def test_a_cached_read_fetches_the_pet_with_the_throttle_counter(api_client, monkeypatch):
    """One cache round trip for a read served from the cache: the throttle's counter also reads the pet."""
    prefetched, read_by_view = [], []
    increment, get_many = throttling._increment, cache.get_many
    monkeypatch.setattr(throttling, "_increment", lambda *args: prefetched.append(args[1]) or increment(*args))
    monkeypatch.setattr(cache, "get_many", lambda keys, *args: read_by_view.append(keys) or get_many(keys))
    pet = PetFactory()
    first = api_client.get(f"/pet/{pet.pet_id}")
    prefetched.clear()
    read_by_view.clear()

    second = api_client.get(f"/pet/{pet.pet_id}")

    assert second.content == first.content
    assert prefetched == [pet_representations.keys(pet.pet_id, "http://testserver application/json")]
    if hasattr(cache, "delete_pattern"):
        # django-redis: the keys went with the counter's script; nothing else read the cache.
        assert read_by_view == []


def test_a_throttled_read_is_429_even_when_the_pet_is_cached(api_client, settings):
    pet = PetFactory()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/minute"},
    }
    statuses = [api_client.get(f"/pet/{pet.pet_id}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_when_the_counter_cannot_read_the_cache_the_view_reads_it_itself(api_client, monkeypatch):
    pet = PetFactory(name="Solo")
    read(api_client, pet)
    monkeypatch.setattr(throttling, "_increment", lambda counters, fetch: (None, None))
    with CaptureQueriesContext(connection) as queries:
        assert read(api_client, pet)["nome_pet"] == "Solo"
    assert len(queries) == 0
