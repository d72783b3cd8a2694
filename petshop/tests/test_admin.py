import io
from pathlib import Path

import pytest

from petshop.models import Pet
from petshop.tests.factories import PetFactory
from tests.fixtures.images import jpeg_with_gps

pytestmark = pytest.mark.django_db


def form_data(pet: Pet | None = None, **changes) -> dict:
    data = {"name": "Rex", "owner": "Ana", "breed": "Poodle", "birth_year": "2018"}
    if pet is not None:
        data.update(name=pet.name, owner=pet.owner, breed=pet.breed, birth_year=str(pet.birth_year))
    return {**data, **changes}


def upload(content: bytes, name: str = "photo.jpg") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def test_changelist_searches_name_owner_and_breed(admin_browser):
    PetFactory(name="Rex", owner="Ana", breed="Poodle")
    PetFactory(name="Max", owner="Caio", breed="Beagle")

    by_owner = admin_browser.get("/admin/petshop/pet/?q=caio")
    by_breed = admin_browser.get("/admin/petshop/pet/?q=poodle")

    assert by_owner.status_code == 200
    assert "Max" in by_owner.text
    assert "Rex" not in by_owner.text
    assert "Rex" in by_breed.text


def test_changelist_filters_by_breed_and_birth_year(admin_browser):
    PetFactory(name="Rex", breed="Poodle", birth_year=2018)
    PetFactory(name="Max", breed="Poodle", birth_year=2020)

    response = admin_browser.get("/admin/petshop/pet/?breed=Poodle&birth_year=2020")

    assert response.status_code == 200
    assert "Max" in response.text
    assert "Rex" not in response.text


def test_add_form_creates_a_pet_with_a_picture_through_the_image_checks(admin_browser, stored_files, settings):
    response = admin_browser.post("/admin/petshop/pet/add/", form_data(upload=upload(jpeg_with_gps())))

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    pet = Pet.objects.get()
    assert pet.picture.name.startswith(f"pets/{pet.pet_id}/")
    assert (pet.picture_width, pet.picture_height) == (32, 64)
    assert stored_files() == [pet.picture.name]
    assert b"PhoneCo" not in (Path(settings.MEDIA_ROOT) / pet.picture.name).read_bytes()


def test_change_form_shows_the_thumbnail_served_by_the_picture_route(admin_browser, django_capture_on_commit_callbacks):
    pet = PetFactory()
    with django_capture_on_commit_callbacks(execute=True):
        admin_browser.post(f"/admin/petshop/pet/{pet.pk}/change/", form_data(pet, upload=upload(jpeg_with_gps())))

    changelist = admin_browser.get("/admin/petshop/pet/")
    change = admin_browser.get(f"/admin/petshop/pet/{pet.pk}/change/")

    assert f'src="/picture/{pet.pet_id}.png"' in changelist.text
    assert f'src="/picture/{pet.pet_id}.png"' in change.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some text", "could not be decoded"),
        (jpeg_with_gps(width=200, height=200)[:-300], "truncated or corrupt"),
    ],
)
def test_change_form_refuses_a_file_that_is_not_a_valid_image(admin_browser, stored_files, content, message):
    pet = PetFactory(name="Rex")

    response = admin_browser.post(
        f"/admin/petshop/pet/{pet.pk}/change/", form_data(pet, name="Changed", upload=upload(content))
    )

    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["upload"])
    pet.refresh_from_db()
    assert (pet.name, pet.picture.name) == ("Rex", "")
    assert stored_files() == []


def test_change_form_applies_the_api_rules_to_fields(admin_browser):
    pet = PetFactory(name="Rex")

    response = admin_browser.post(
        f"/admin/petshop/pet/{pet.pk}/change/", form_data(pet, name="Re\x07x", birth_year="1800")
    )

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"name", "birth_year"}


def test_change_form_removes_the_picture(admin_browser, stored_files, django_capture_on_commit_callbacks):
    pet = PetFactory()
    with django_capture_on_commit_callbacks(execute=True):
        admin_browser.post(f"/admin/petshop/pet/{pet.pk}/change/", form_data(pet, upload=upload(jpeg_with_gps())))
        admin_browser.post(f"/admin/petshop/pet/{pet.pk}/change/", form_data(pet, remove_picture="on"))

    pet.refresh_from_db()
    assert not pet.picture
    assert stored_files() == []


def test_bulk_delete_action_removes_the_pictures_too(admin_browser, stored_files, django_capture_on_commit_callbacks):
    pets = PetFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True):
        for pet in pets:
            admin_browser.post(f"/admin/petshop/pet/{pet.pk}/change/", form_data(pet, upload=upload(jpeg_with_gps())))
        response = admin_browser.post(
            "/admin/petshop/pet/",
            {"action": "delete_selected", "_selected_action": [str(pet.pk) for pet in pets], "post": "yes"},
        )

    assert response.status_code == 302
    assert not Pet.objects.exists()
    assert stored_files() == []


def test_admin_needs_a_staff_login(client):
    response = client.get("/admin/petshop/pet/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
