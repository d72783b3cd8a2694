"""A SQLite installation moves to PostgreSQL: data-only dump, `migrate`, `load_dump`.

The SQLite installation runs in a process of its own (a scratch database file
and media folder): its API creates pets and pictures, then `manage.py dump
--schema=false --dialect=postgresql` writes the dump. The migrated PostgreSQL
database is this suite's own; after `load_dump` its API must serve the same pets
and the same picture bytes.
"""

import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from tests.test_dump import manage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the suite on PostgreSQL"),
]

# Run by the SQLite installation: pets and pictures through its API, then what
# that API serves, with each picture's SHA-256.
SQLITE_INSTALLATION = """
import hashlib, io, json
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken
from users.models import User

owner = User.objects.create_user(email="owner@example.org", password="x", name="Zoë 😀", is_staff=True)
client = APIClient()
client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(owner).access_token}")
for number, name in enumerate(["Rex", "Zoë's 😀 dog", "Back\\\\slash; -- not SQL"]):
    body = {"nome_pet": name, "dono": "Ana", "raca": "Labrador", "data_nascimento": str(2015 + number)}
    pet = client.post("/pet", body, format="json").json()
    if number < 2:
        picture = io.BytesIO()
        Image.new("RGB", (40 + number, 30), (80 * number, 120, 200)).save(picture, "PNG")
        created = client.generic("POST", f"/picture/{pet['petId']}", picture.getvalue(), content_type="image/png")
        assert created.status_code == 201, created.content
pets = client.get("/pet").json()
pictures = {
    pet["petId"]: hashlib.sha256(b"".join(client.get(f"/picture/{pet['petId']}.png").streaming_content)).hexdigest()
    for pet in pets
    if pet["picture_url"]
}
print(json.dumps({"pets": pets, "pictures": pictures}))
"""


def test_sqlite_installation_moves_to_migrated_postgresql_with_its_pets_and_pictures(api_client, tmp_path):
    installation = {"database_url": f"sqlite:///{tmp_path / 'pets.sqlite3'}", "media": tmp_path / "sqlite-media"}
    dump = tmp_path / "dump.sql"
    manage("migrate", "--noinput", **installation)
    served = json.loads(manage("shell", "-c", SQLITE_INSTALLATION, **installation).stdout.splitlines()[-1])
    manage("dump", "--schema=false", "--dialect=postgresql", f"--output={dump}", **installation)

    call_command("load_dump", str(dump), stdout=io.StringIO())

    pets = api_client.get("/pet").json()
    assert len(pets) == 3
    assert pets == served["pets"]
    for pet_id, sha256 in served["pictures"].items():
        response = api_client.get(f"/picture/{pet_id}.png")
        assert response.status_code == 200
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == sha256
    assert len(served["pictures"]) == 2
    # The moved installation goes on: its owner logs in, new pets get new rows.
    token = api_client.post("/api/token/", {"email": "owner@example.org", "password": "x"}, format="json")
    assert token.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    created = api_client.post(
        "/pet", {"nome_pet": "New", "dono": "Bo", "raca": "Pug", "data_nascimento": "2020"}, format="json"
    )
    assert created.status_code == 201
