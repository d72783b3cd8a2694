"""The dogs routes: reads, registration (eager), task state, changes, a user's dogs; a permissions test per route."""

from __future__ import annotations

import uuid

import pytest

from dogs.clients import DogCeoInvalidAnswer
from dogs.models import Dog, DogRegistration
from dogs.tests.conftest import PICTURE_PATH
from dogs.tests.factories import DogFactory

pytestmark = pytest.mark.django_db


def body(response):
    return response.json()


# --- reads ------------------------------------------------------------------------


def test_list_is_public_and_paginated(api_client):
    DogFactory.create_batch(3)

    response = api_client.get("/api/dogs?per_page=2")

    assert response.status_code == 200
    assert len(body(response)) == 2
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"]


def test_is_adopted_lists_only_adopted_dogs(api_client):
    DogFactory(name="Lazy", is_adopted=True)
    DogFactory(name="Rex", is_adopted=False)

    response = api_client.get("/api/dogs/is_adopted")

    assert response.status_code == 200
    assert [dog["name"] for dog in body(response)] == ["Lazy"]
    assert api_client.get("/api/dogs/is_adopted/").status_code == 200


def test_retrieve_shows_the_seeds_fields_and_404s_an_unknown_name(api_client, user):
    dog = DogFactory(name="Lazy.Dog", is_adopted=True, owner=user)

    response = api_client.get("/api/dogs/Lazy.Dog")

    assert response.status_code == 200
    assert body(response) == {
        "id": dog.pk,
        "name": "Lazy.Dog",
        "picture": dog.picture,
        "is_adopted": True,
        "create_date": dog.create_date.isoformat().replace("+00:00", "Z"),
        "id_user": user.pk,
    }
    missing = api_client.get("/api/dogs/lazy.dog")
    assert missing.status_code == 404
    assert body(missing)["code"] == "not_found"


# --- registration -----------------------------------------------------------------


def test_register_needs_a_token(api_client, dog_ceo_ok):
    response = api_client.post("/api/dogs/Lazy")

    assert response.status_code == 401
    assert not DogRegistration.objects.exists()


def test_register_answers_202_with_the_task_and_the_worker_creates_the_dog(
    auth_client, user, dog_ceo_ok, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = auth_client.post("/api/dogs/Lazy", {"is_adopted": True}, format="json")

    assert response.status_code == 202
    data = body(response)
    registration = DogRegistration.objects.get()
    assert data == {
        "task_id": str(registration.task_id),
        "status": "PENDING",
        "status_url": f"/api/tasks/{registration.task_id}",
    }
    assert response["Location"] == data["status_url"]
    assert len(callbacks) == 1
    dog = Dog.objects.get(name="Lazy")
    assert (dog.owner, dog.is_adopted, dog.picture) == (user, True, dog_ceo_ok.url_for(PICTURE_PATH))

    state = auth_client.get(data["status_url"])
    assert state.status_code == 200
    assert body(state) == {
        "task_id": data["task_id"],
        "status": "SUCCESS",
        "result": body(auth_client.get("/api/dogs/Lazy")),
    }


def test_register_takes_no_body_and_id_user_null_or_another_user(
    auth_client, other_user, dog_ceo_ok, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.post("/api/dogs/Nobodys", {"id_user": None}, format="json").status_code == 202
        assert auth_client.post("/api/dogs/Others", {"id_user": other_user.pk}, format="json").status_code == 202
        assert auth_client.post("/api/dogs/Plain").status_code == 202

    assert Dog.objects.get(name="Nobodys").owner is None
    assert Dog.objects.get(name="Others").owner == other_user
    assert Dog.objects.get(name="Plain").is_adopted is False


def test_register_refuses_a_taken_name_with_409(auth_client, dog_ceo_ok):
    DogFactory(name="Lazy")

    response = auth_client.post("/api/dogs/Lazy")

    assert response.status_code == 409
    assert body(response)["code"] == "dog_exists"
    assert not DogRegistration.objects.exists()


def test_register_refuses_a_name_whose_registration_is_under_way(auth_client, other_client, dog_ceo_ok):
    # Not run: the on-commit callbacks of this (rolled back) test never fire.
    assert auth_client.post("/api/dogs/Lazy").status_code == 202

    response = other_client.post("/api/dogs/Lazy")

    assert response.status_code == 409
    assert body(response)["code"] == "dog_registration_pending"


def test_a_failed_registration_frees_its_name(auth_client, dog_ceo_ok):
    DogRegistration.objects.create(name="Lazy", status=DogRegistration.Status.FAILED)

    assert auth_client.post("/api/dogs/Lazy").status_code == 202


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"id_user": 987654}, "id_user"),
        ({"id_user": "abc"}, "id_user"),
        ({"is_adopted": "yes"}, "is_adopted"),
        ({"is_adopted": 1}, "is_adopted"),
    ],
)
def test_register_refuses_an_invalid_body_with_400(auth_client, payload, field):
    response = auth_client.post("/api/dogs/Lazy", payload, format="json")

    assert response.status_code == 400
    assert field in body(response)["errors"]
    assert not DogRegistration.objects.exists()


@pytest.mark.parametrize("raw", ["null", "[]", "1", '"x"'])
def test_register_refuses_a_body_that_is_not_an_object(auth_client, raw):
    response = auth_client.post("/api/dogs/Lazy", raw, content_type="application/json")

    assert response.status_code == 400
    assert "non_field_errors" in body(response)["errors"]
    assert not DogRegistration.objects.exists()


@pytest.mark.parametrize("name", ["x" * 65, "a%00b"])
def test_register_refuses_a_name_that_breaks_the_rules(auth_client, name):
    response = auth_client.post(f"/api/dogs/{name}")

    assert response.status_code == 400
    assert "name" in body(response)["errors"]


def test_register_accepts_a_64_character_name_with_dots_and_spaces(auth_client, dog_ceo_ok):
    assert auth_client.post("/api/dogs/" + "x" * 62 + ".y").status_code == 202
    assert auth_client.post("/api/dogs/Sir%20Lazy").status_code == 202
    assert DogRegistration.objects.filter(name="Sir Lazy").exists()


def test_the_reserved_name_cannot_be_registered(auth_client):
    response = auth_client.post("/api/dogs/is_adopted")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_a_pending_task_reads_pending_and_an_unknown_one_404s(auth_client, api_client):
    data = body(auth_client.post("/api/dogs/Lazy"))

    assert body(auth_client.get(data["status_url"])) == {
        "task_id": data["task_id"],
        "status": "PENDING",
        "result": None,
    }
    assert api_client.get(data["status_url"]).status_code == 401
    assert auth_client.get(f"/api/tasks/{uuid.uuid4()}").status_code == 404
    assert auth_client.get("/api/tasks/not-a-uuid").status_code == 404


def test_a_failed_task_reads_failure_with_its_reason(
    auth_client, dog_ceo, max_retries, django_capture_on_commit_callbacks
):
    max_retries(0)
    dog_ceo.expect_request("/api/breeds/image/random").respond_with_data("{}", content_type="application/json")

    # Eager tasks propagate their failure to the caller; a worker keeps it in the result backend.
    with pytest.raises(DogCeoInvalidAnswer), django_capture_on_commit_callbacks(execute=True):
        auth_client.post("/api/dogs/Lazy")
    registration = DogRegistration.objects.get()

    state = body(auth_client.get(f"/api/tasks/{registration.task_id}"))

    assert state["status"] == "FAILURE"
    assert state["result"]["error"] == "DogCeoInvalidAnswer"
    assert "status 'None'" in state["result"]["detail"]
    assert not Dog.objects.exists()


# --- changes ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_changes_need_a_token(api_client, user, method):
    DogFactory(name="Lazy", owner=user)

    response = getattr(api_client, method)("/api/dogs/Lazy", {"name": "Lazy"}, format="json")

    assert response.status_code == 401


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_someone_elses_dog_is_403(other_client, user, method):
    DogFactory(name="Lazy", owner=user)

    response = getattr(other_client, method)("/api/dogs/Lazy", {"name": "Mine"}, format="json")

    assert response.status_code == 403
    assert body(response)["code"] == "permission_denied"
    assert Dog.objects.filter(name="Lazy", owner=user).exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_dog_without_owner_is_staffs_only(auth_client, method):
    DogFactory(name="Lazy", owner=None)

    assert getattr(auth_client, method)("/api/dogs/Lazy", {"name": "Mine"}, format="json").status_code == 403


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_an_unknown_dog_is_404(auth_client, method):
    assert getattr(auth_client, method)("/api/dogs/Nobody", {"name": "Mine"}, format="json").status_code == 404


def test_the_owner_renames_adopts_and_gives_away_their_dog(auth_client, user, other_user):
    DogFactory(name="Lazy", owner=user)

    response = auth_client.put(
        "/api/dogs/Lazy", {"name": "Lazier", "is_adopted": True, "id_user": other_user.pk}, format="json"
    )

    assert response.status_code == 200
    assert {key: body(response)[key] for key in ("name", "is_adopted", "id_user")} == {
        "name": "Lazier",
        "is_adopted": True,
        "id_user": other_user.pk,
    }
    dog = Dog.objects.get()
    assert (dog.name, dog.is_adopted, dog.owner) == ("Lazier", True, other_user)


def test_staff_may_change_and_delete_anyones_dog(staff_client, user):
    DogFactory(name="Lazy", owner=user)

    patched = staff_client.patch("/api/dogs/Lazy", {"is_adopted": True}, format="json")
    assert patched.status_code == 200
    assert body(patched)["is_adopted"] is True

    assert staff_client.delete("/api/dogs/Lazy").status_code == 204
    assert not Dog.objects.exists()


def test_a_rename_to_a_taken_name_is_409_and_a_broken_name_400(auth_client, user):
    DogFactory(name="Lazy", owner=user)
    DogFactory(name="Rex")

    assert auth_client.patch("/api/dogs/Lazy", {"name": "Rex"}, format="json").status_code == 409
    assert auth_client.patch("/api/dogs/Lazy", {"name": "is_adopted"}, format="json").status_code == 400
    assert auth_client.patch("/api/dogs/Lazy", {"name": "a/b"}, format="json").status_code == 400
    assert auth_client.patch("/api/dogs/Lazy", {"name": ""}, format="json").status_code == 400
    assert auth_client.patch("/api/dogs/Lazy", {"id_user": 987654}, format="json").status_code == 400
    assert auth_client.put("/api/dogs/Lazy", {"is_adopted": True}, format="json").status_code == 400
    assert Dog.objects.get(owner=user).name == "Lazy"


def test_read_only_fields_are_ignored_on_update(auth_client, user):
    dog = DogFactory(name="Lazy", owner=user)

    response = auth_client.patch(
        "/api/dogs/Lazy", {"picture": "https://evil.example.org/x.jpg", "id": 5}, format="json"
    )

    assert response.status_code == 200
    assert Dog.objects.get().picture == dog.picture


# --- a user's dogs ----------------------------------------------------------------


def test_a_users_dogs_need_a_token_and_list_only_theirs(api_client, auth_client, user, other_user):
    DogFactory(name="Lazy", owner=user)
    DogFactory(name="Rex", owner=other_user)

    assert api_client.get(f"/api/users/{user.pk}/dogs").status_code == 401
    response = auth_client.get(f"/api/users/{other_user.pk}/dogs")
    assert response.status_code == 200
    assert [dog["name"] for dog in body(response)] == ["Rex"]
    assert response["X-Total-Count"] == "1"
    assert auth_client.get(f"/api/users/{user.pk}/dogs/").status_code == 200
    assert auth_client.get("/api/users/987654/dogs").status_code == 404


def test_deleting_a_user_leaves_their_dogs_without_owner(staff_client, user):
    DogFactory(name="Lazy", owner=user)

    assert staff_client.delete(f"/api/users/{user.pk}").status_code == 204

    assert Dog.objects.get().owner is None
