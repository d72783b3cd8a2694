"""Every dogs model is in the admin: list, search and detail pages load for staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dogs.models import DogRegistration, StoredFile
from dogs.tests.factories import DogFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_dogs_registrations_and_files_pages_load(admin_client):
    dog = DogFactory(name="Lazy")
    registration = DogRegistration.objects.create(name="Rex")
    stored = StoredFile.objects.create(
        file="files/a.txt", filename="a.txt", size=1, content_type="text/plain", sha256="0" * 64
    )

    for model, obj in (("dog", dog), ("dogregistration", registration), ("storedfile", stored)):
        changelist = admin_client.get(reverse(f"admin:dogs_{model}_changelist"), {"q": "a"})
        assert changelist.status_code == 200, model
        change = admin_client.get(reverse(f"admin:dogs_{model}_change", args=[obj.pk]))
        assert change.status_code == 200, model


def test_the_admin_refuses_a_reserved_name(admin_client):
    response = admin_client.post(
        reverse("admin:dogs_dog_add"),
        {"name": "is_adopted", "picture": "https://images.dog.ceo/a.jpg", "is_adopted": "on"},
    )

    assert response.status_code == 200
    assert "reserved" in response.content.decode()
