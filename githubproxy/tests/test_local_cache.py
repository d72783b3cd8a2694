"""`from_local=true` lists served from githubproxy.cache: no query on a hit, never stale after a write."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from githubproxy import services
from githubproxy.clients import GitHubUser
from githubproxy.models import Repository, User
from githubproxy.tests.factories import RepositoryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # invalidation runs on commit, as in production


def local(client, login: str):
    return client.get("/repositories/", {"username": login, "from_local": "true"})


def names(response) -> list[str]:
    return [repository["name"] for repository in response.json()["repositories"]]


@pytest.fixture
def stored():
    owner = UserFactory(login="MrDev", github_id=7)
    RepositoryFactory(owner=owner, name="alpha")
    RepositoryFactory(owner=owner, name="beta")
    return owner


def test_a_second_read_makes_no_query_and_answers_the_same_bytes(api_client, stored):
    first = local(api_client, "mrdev")
    with CaptureQueriesContext(connection) as queries:
        again = local(api_client, "MRDEV")  # the route matches logins in any case, so does the cache
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert len(queries) == 0


def test_off_when_the_setting_is_zero(api_client, stored, settings):
    settings.GITHUBPROXY_LOCAL_CACHE_SECONDS = 0
    local(api_client, "mrdev")
    with CaptureQueriesContext(connection) as queries:
        assert local(api_client, "mrdev").status_code == 200
    assert len(queries) == 2  # the user, the repositories


def test_an_unknown_user_is_not_cached(api_client):
    assert local(api_client, "mrdev").status_code == 404
    UserFactory(login="mrdev")
    assert local(api_client, "mrdev").status_code == 200


def test_save_data_shows_at_once(github, api_client, stored):
    local(api_client, "mrdev")
    github.add_user("MrDev", user_id=7)
    github.add_repository("MrDev", "gamma")

    assert api_client.get("/repositories/MrDev/gamma", {"save_data": "true"}).status_code == 200
    assert names(local(api_client, "mrdev")) == ["alpha", "beta", "gamma"]


def test_a_changed_repository_shows_at_once(api_client, stored):
    local(api_client, "mrdev")
    repository = Repository.objects.get(name="beta")
    repository.stars = 99
    repository.save()  # as the admin saves it
    assert [r["stars"] for r in local(api_client, "mrdev").json()["repositories"]] == [27, 99]


def test_a_deleted_repository_or_user_goes_at_once(api_client, stored):
    local(api_client, "mrdev")
    Repository.objects.filter(name="alpha").delete()
    assert names(local(api_client, "mrdev")) == ["beta"]
    stored.delete()  # and its repositories, by cascade
    assert local(api_client, "mrdev").status_code == 404


def test_a_renamed_login_changes_both_lists(api_client, stored):
    assert local(api_client, "mrdev").status_code == 200
    UserFactory(login="newdev", github_id=8)
    assert local(api_client, "newdev").json()["repositories"] == []

    # GitHub now gives "newdev" to account 7: the upsert deletes the stale row 8 and renames 7.
    services.user_upsert(GitHubUser(id=7, login="NewDev"))
    assert not User.objects.filter(github_id=8).exists()

    assert local(api_client, "mrdev").status_code == 404
    renamed = local(api_client, "newdev").json()
    assert (renamed["username"], [r["name"] for r in renamed["repositories"]]) == ("NewDev", ["alpha", "beta"])


def test_a_repository_moved_to_another_owner_changes_both_lists(api_client, stored):
    other = UserFactory(login="otherdev", github_id=9)
    local(api_client, "mrdev")
    local(api_client, "otherdev")

    repository = Repository.objects.get(name="alpha")
    repository.owner = other
    repository.save()

    assert names(local(api_client, "mrdev")) == ["beta"]
    assert names(local(api_client, "otherdev")) == ["alpha"]


def test_a_write_that_rolls_back_leaves_the_cache_in_use(api_client, stored):
    local(api_client, "mrdev")

    def change_then_fail():
        with transaction.atomic():
            Repository.objects.get(name="alpha").save()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    with CaptureQueriesContext(connection) as queries:
        assert names(local(api_client, "mrdev")) == ["alpha", "beta"]
    assert len(queries) == 0


def test_deleting_a_user_costs_no_query_per_repository(api_client, stored):
    for number in range(10):
        RepositoryFactory(owner=stored, name=f"more-{number}")
    local(api_client, "mrdev")
    with CaptureQueriesContext(connection) as queries:
        stored.delete()
    with CaptureQueriesContext(connection) as fewer:
        UserFactory(login="x").delete()
    # The same statements for 12 repositories as for none: no owner lookup per row.
    assert len(queries) == len(fewer)
    assert local(api_client, "mrdev").status_code == 404
