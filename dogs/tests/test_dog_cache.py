"""`GET /api/dogs/{name}` is served from a cache: every kind of write must show in the next read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dogs.tests.factories import DogFactory

# Writes invalidate on commit, so the tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def read(client, name: str) -> dict:
    response = client.get(f"/api/dogs/{name}")
    assert response.status_code == 200, response.content
    return response.json()


def test_second_read_is_served_without_a_query_and_is_identical(api_client):
    DogFactory(name="Lazy")
    first = api_client.get("/api/dogs/Lazy")
    with CaptureQueriesContext(connection) as queries:
        second = api_client.get("/api/dogs/Lazy")
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"


def test_api_changes_show_in_the_next_read(auth_client, api_client, user, other_user):
    DogFactory(name="Lazy", owner=user)
    read(api_client, "Lazy")

    assert auth_client.patch("/api/dogs/Lazy", {"is_adopted": True}, format="json").status_code == 200
    assert read(api_client, "Lazy")["is_adopted"] is True

    renamed = auth_client.put("/api/dogs/Lazy", {"name": "Lazier", "id_user": other_user.pk}, format="json")
    assert renamed.status_code == 200
    assert api_client.get("/api/dogs/Lazy").status_code == 404
    assert read(api_client, "Lazier")["id_user"] == other_user.pk

    DogFactory(name="Lazy")  # the old name, taken again
    assert read(api_client, "Lazy")["id_user"] != other_user.pk

    assert api_client.delete("/api/dogs/Lazier").status_code == 401
    other_user.is_staff = True
    other_user.save()
    auth_client.force_authenticate(other_user)
    assert auth_client.delete("/api/dogs/Lazier").status_code == 204
    assert api_client.get("/api/dogs/Lazier").status_code == 404


def test_a_registration_shows_in_the_next_read(auth_client, api_client, dog_ceo_ok):
    assert api_client.get("/api/dogs/Lazy").status_code == 404  # a 404 is not cached
    assert auth_client.post("/api/dogs/Lazy", format="json").status_code == 202
    assert read(api_client, "Lazy")["name"] == "Lazy"


def test_admin_changes_show_in_the_next_read(admin_browser, api_client):
    dog = DogFactory(name="Lazy", is_adopted=False)
    read(api_client, "Lazy")
    form = {"name": "Lazier", "picture": dog.picture, "is_adopted": "on", "owner": ""}

    assert admin_browser.post(f"/admin/dogs/dog/{dog.pk}/change/", form).status_code == 302
    assert api_client.get("/api/dogs/Lazy").status_code == 404
    assert read(api_client, "Lazier")["is_adopted"] is True

    bulk = {"action": "delete_selected", "_selected_action": [dog.pk], "post": "yes"}
    assert admin_browser.post("/admin/dogs/dog/", bulk).status_code == 302
    assert api_client.get("/api/dogs/Lazier").status_code == 404


def test_deleting_the_owner_shows_in_the_next_read(api_client, user):
    DogFactory(name="Lazy", owner=user)
    assert read(api_client, "Lazy")["id_user"] == user.pk
    user.delete()
    assert read(api_client, "Lazy")["id_user"] is None


def test_zero_seconds_turns_the_cache_off(api_client, settings):
    settings.DOGS_CACHE_SECONDS = 0
    DogFactory(name="Lazy")
    read(api_client, "Lazy")
    with CaptureQueriesContext(connection) as queries:
        read(api_client, "Lazy")
    assert len(queries) > 0
