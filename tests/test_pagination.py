import pytest

from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_users(user):
    User.objects.bulk_create([User(email=f"u{i}@example.org", name="U", last_name=str(i)) for i in range(9)])


def test_middle_page_has_every_link_and_the_total(auth_client, many_users):
    response = auth_client.get("/api/users?page=2&per_page=3")

    assert response.status_code == 200
    assert len(response.json()) == 3
    assert response["X-Total-Count"] == "10"
    links = response["Link"]
    for rel, page in (("next", 3), ("prev", 1), ("first", 1), ("last", 4)):
        assert f'page={page}&per_page=3>; rel="{rel}"' in links or f'per_page=3&page={page}>; rel="{rel}"' in links


def test_page_past_the_last_is_an_empty_array(auth_client, many_users):
    response = auth_client.get("/api/users?page=50&per_page=3")

    assert response.status_code == 200
    assert response.json() == []
    assert response["X-Total-Count"] == "10"


def test_per_page_is_clamped_to_the_maximum(auth_client, many_users):
    response = auth_client.get("/api/users?per_page=5000")

    assert response.status_code == 200
    assert len(response.json()) == 10
    assert "per_page=1000" in response["Link"]


def test_per_page_is_documented_as_clamped_not_refused(api_client):
    parameters = api_client.get("/openapi.json").json()["paths"]["/api/users"]["get"]["parameters"]
    per_page = next(parameter for parameter in parameters if parameter["name"] == "per_page")

    assert "maximum" not in per_page["schema"]
    assert "1000" in per_page["description"]


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=0", "per_page=-1"])
def test_invalid_paging_parameters_are_400(auth_client, query):
    response = auth_client.get(f"/api/users?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
