"""The two routes, through the real client, against the GitHub stand-in."""

import time

import pytest

from githubproxy.clients import GitHubClient
from githubproxy.models import Repository, User
from githubproxy.tests import standin
from githubproxy.tests.factories import RepositoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def names(body: dict) -> list[str]:
    return [repository["name"] for repository in body["repositories"]]


# --- GET /repositories/?username=U ------------------------------------------------------


def test_list_from_github_follows_every_page_of_a_user_with_250_repositories(github, api_client):
    for number in range(250):
        github.add_repository("MrDev", f"repo-{number:03}")

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 200
    body = response.json()
    assert len(body["repositories"]) == 250
    assert names(body) == sorted(f"repo-{number:03}" for number in range(250))
    assert body["username"] == "MrDev"
    assert body["user_id"] == User.objects.get(login="MrDev").pk
    paths = github.upstream_paths()
    assert paths == [
        "/users/mrdev",
        "/users/MrDev/repos?per_page=100",
        "/users/MrDev/repos?per_page=100&page=2",
        "/users/MrDev/repos?per_page=100&page=3",
    ]


def test_list_item_has_the_detail_shape_without_watchers(github, api_client):
    github.add_repository("mrdev", "dotfiles", stargazers_count=5, size=99)

    body = api_client.get("/repositories/", {"username": "mrdev"}).json()

    assert body["repositories"] == [
        {
            "url": "https://github.com/mrdev/dotfiles",
            "name": "dotfiles",
            "full_name": "mrdev/dotfiles",
            "visibility": "public",
            "created_at": "2019-03-14T09:26:53Z",
            "updated_at": "2026-11-30T18:02:11Z",
            "size": 99,
            "stars": 5,
        }
    ]


def test_list_repeated_is_revalidated_with_etags_and_answered_304(github, api_client):
    for number in range(150):
        github.add_repository("mrdev", f"repo-{number:03}")
    first = api_client.get("/repositories/", {"username": "mrdev"})
    github.requests.clear()

    second = api_client.get("/repositories/", {"username": "mrdev"})

    assert second.status_code == 200
    assert second.json() == first.json()
    # One conditional request per resource (the user and two pages), each a 304.
    assert len(github.requests) == 3
    assert all(etag and status == 304 for _method, _path, etag, status in github.requests)


def test_list_serves_a_changed_page_after_its_etag_no_longer_matches(github, api_client):
    github.add_repository("mrdev", "dotfiles")
    api_client.get("/repositories/", {"username": "mrdev"})
    github.add_repository("mrdev", "website")

    body = api_client.get("/repositories/", {"username": "mrdev"}).json()

    assert names(body) == ["dotfiles", "website"]
    assert [status for *_rest, status in github.requests[-2:]] == [304, 200]


def test_list_keeps_the_user_id_across_calls_and_follows_a_renamed_login(github, api_client):
    github.add_user("mrdev", user_id=42)
    first = api_client.get("/repositories/", {"username": "mrdev"}).json()
    github.users.pop("mrdev")
    github.add_user("MrDev2", user_id=42)

    second = api_client.get("/repositories/", {"username": "mrdev2"}).json()

    assert second["user_id"] == first["user_id"]
    assert second["username"] == "MrDev2"
    assert list(User.objects.values_list("github_id", "login")) == [(42, "MrDev2")]


def test_list_from_github_stores_the_user_but_not_the_repositories(github, api_client):
    github.add_repository("mrdev", "dotfiles")

    api_client.get("/repositories/", {"username": "mrdev"})
    local = api_client.get("/repositories/", {"username": "mrdev", "from_local": "true"})

    assert local.status_code == 200
    assert local.json()["repositories"] == []
    assert Repository.objects.count() == 0


def test_list_from_local_reads_the_tables_only(github, api_client):
    owner = UserFactory(login="MrDev", github_id=7)
    RepositoryFactory(owner=owner, name="zeta")
    RepositoryFactory(owner=owner, name="Alpha")
    RepositoryFactory(name="elsewhere")

    response = api_client.get("/repositories/", {"username": "mrdev", "from_local": "1"})

    assert response.status_code == 200
    assert response.json()["user_id"] == owner.pk
    assert response.json()["username"] == "MrDev"
    assert names(response.json()) == ["Alpha", "zeta"]
    assert github.requests == []


def test_list_from_local_is_404_for_a_user_never_stored(github, api_client):
    response = api_client.get("/repositories/", {"username": "mrdev", "from_local": "true"})

    assert response.status_code == 404
    assert response.json()["code"] == "user_not_stored"
    assert github.requests == []


@pytest.mark.parametrize("value", ["false", "0", ""])
def test_list_from_local_false_or_absent_goes_to_github(github, api_client, value):
    github.add_user("mrdev")
    params = {"username": "mrdev", "from_local": value} if value != "" else {"username": "mrdev"}

    response = api_client.get("/repositories/", params)

    assert response.status_code == 200
    assert github.requests


@pytest.mark.parametrize("value", ["yes", "True", "2", "on", "t"])
def test_list_refuses_from_local_that_is_not_a_boolean(github, api_client, value):
    response = api_client.get("/repositories/", {"username": "mrdev", "from_local": value})

    assert response.status_code == 400
    assert "from_local" in response.json()["errors"]
    assert github.requests == []


@pytest.mark.parametrize(
    "username",
    ["", "-mrdev", "mrdev-", "mr--dev", "a" * 40, "mr dev", "mr/dev", "../admin", "mrdev?x=1", "mr%2Fdev", "é"],
)
def test_list_refuses_usernames_github_could_not_have_before_calling_it(github, api_client, username):
    response = api_client.get("/repositories/", {"username": username})

    assert response.status_code == 400
    assert "username" in response.json()["errors"]
    assert github.requests == []


def test_list_needs_a_username(github, api_client):
    assert api_client.get("/repositories/").status_code == 400


def test_list_is_404_for_a_user_github_does_not_know(github, api_client):
    response = api_client.get("/repositories/", {"username": "nobody"})

    assert response.status_code == 404
    assert response.json() == {"detail": "GitHub has no such user or repository.", "code": "github_not_found"}
    assert User.objects.count() == 0


def test_list_answers_without_the_trailing_slash_too(github, api_client):
    github.add_repository("mrdev", "dotfiles")

    response = api_client.get("/repositories", {"username": "mrdev"})

    assert response.status_code == 200
    assert names(response.json()) == ["dotfiles"]


def test_list_refuses_a_next_page_on_another_host(github, api_client, httpserver):
    github.add_user("mrdev")

    def elsewhere(request):
        answer = standin._json([], 200, {"Link": '<http://evil.example/users/mrdev/repos?page=2>; rel="next"'})
        return answer

    api_client.get("/repositories/", {"username": "mrdev"})  # caches the user
    github.fail_next(lambda request: github._route(request))  # /users/mrdev as usual
    github.fail_next(elsewhere)

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 502


# --- GET /repositories/{name}?username=&save_data= and /repositories/{owner}/{name} ----------


def test_detail_answers_the_seed_fields_with_subscribers_as_watchers(github, api_client):
    github.add_repository("mrdev", "dotfiles", stargazers_count=27, watchers_count=27, subscribers_count=3)

    response = api_client.get("/repositories/dotfiles", {"username": "mrdev", "save_data": "false"})

    assert response.status_code == 200
    assert response.json() == {
        "url": "https://github.com/mrdev/dotfiles",
        "name": "dotfiles",
        "full_name": "mrdev/dotfiles",
        "visibility": "public",
        "created_at": "2019-03-14T09:26:53Z",
        "updated_at": "2026-11-30T18:02:11Z",
        "size": 1432,
        "stars": 27,
        "watchers": 3,
    }
    assert Repository.objects.count() == 0
    assert User.objects.count() == 0


def test_detail_by_owner_in_the_path_is_the_same_answer(github, api_client):
    github.add_repository("mrdev", "dotfiles")

    by_query = api_client.get("/repositories/dotfiles", {"username": "mrdev", "save_data": "0"})
    by_path = api_client.get("/repositories/mrdev/dotfiles", {"save_data": "0"})
    by_path_slash = api_client.get("/repositories/mrdev/dotfiles/", {"save_data": "0"})

    assert by_path.status_code == 200
    assert by_path.json() == by_query.json() == by_path_slash.json()


def test_save_data_then_from_local_lists_the_repository(github, api_client):
    github.add_repository("mrdev", "dotfiles", private=True, visibility="private")

    saved = api_client.get("/repositories/dotfiles", {"username": "mrdev", "save_data": "true"})
    local = api_client.get("/repositories/", {"username": "mrdev", "from_local": "true"})

    assert saved.status_code == 200
    assert local.status_code == 200
    assert local.json()["repositories"] == [{k: v for k, v in saved.json().items() if k != "watchers"}]
    repository = Repository.objects.get()
    assert (repository.private, repository.visibility, repository.watchers) == (True, "private", 3)


def test_save_data_twice_updates_the_row_and_a_rename_keeps_it(github, api_client):
    github.add_repository("mrdev", "dotfiles")
    api_client.get("/repositories/mrdev/dotfiles", {"save_data": "true"})
    row = Repository.objects.get()
    github.rename_repository("mrdev", "dotfiles", "config")
    github.repositories[("mrdev", "config")]["stargazers_count"] = 30

    api_client.get("/repositories/mrdev/config", {"save_data": "true"})

    renamed = Repository.objects.get()
    assert (renamed.pk, renamed.name, renamed.full_name, renamed.stars) == (row.pk, "config", "mrdev/config", 30)


def test_save_data_of_two_users_repositories_of_one_name_keeps_both(github, api_client):
    github.add_repository("ana", "dotfiles")
    github.add_repository("bia", "dotfiles")

    api_client.get("/repositories/ana/dotfiles", {"save_data": "true"})
    api_client.get("/repositories/bia/dotfiles", {"save_data": "true"})

    assert sorted(Repository.objects.values_list("full_name", flat=True)) == ["ana/dotfiles", "bia/dotfiles"]


@pytest.mark.parametrize("params", [{}, {"save_data": ""}, {"save_data": "maybe"}, {"save_data": "yes"}])
def test_detail_needs_save_data_as_a_boolean(github, api_client, params):
    github.add_repository("mrdev", "dotfiles")

    response = api_client.get("/repositories/dotfiles", {"username": "mrdev", **params})

    assert response.status_code == 400
    assert "save_data" in response.json()["errors"]
    assert github.requests == []


def test_detail_needs_a_username(github, api_client):
    response = api_client.get("/repositories/dotfiles", {"save_data": "false"})

    assert response.status_code == 400
    assert "username" in response.json()["errors"]


@pytest.mark.parametrize("name", ["..", ".", "a" * 101, "dot files", "dot%3Ffiles", "café"])
def test_detail_refuses_repository_names_github_could_not_have(github, api_client, name):
    response = api_client.get(f"/repositories/mrdev/{name}", {"save_data": "false"})

    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "repository_name" in response.json()["errors"]
    assert github.requests == []


def test_detail_refuses_an_owner_github_could_not_have(github, api_client):
    response = api_client.get("/repositories/-mrdev/dotfiles", {"save_data": "false"})

    assert response.status_code == 400
    assert "owner" in response.json()["errors"]
    assert github.requests == []


def test_detail_accepts_names_with_dots_underscores_and_hyphens(github, api_client):
    github.add_repository("mrdev", "my_site.github.io-2")

    response = api_client.get("/repositories/my_site.github.io-2", {"username": "mrdev", "save_data": "true"})

    assert response.status_code == 200
    assert github.upstream_paths() == ["/repos/mrdev/my_site.github.io-2"]


def test_detail_is_404_for_a_repository_github_does_not_know(github, api_client):
    response = api_client.get("/repositories/nothing", {"username": "mrdev", "save_data": "true"})

    assert response.status_code == 404
    assert response.json()["code"] == "github_not_found"
    assert Repository.objects.count() == 0


# --- GitHub's failures -----------------------------------------------------------------


def test_primary_rate_limit_is_503_with_retry_after_from_the_reset(github, api_client):
    github.fail_next(standin.primary_rate_limit(reset_in=120))

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 503
    assert response.json()["code"] == "github_rate_limited"
    assert 115 <= int(response["Retry-After"]) <= 121


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_rate_limit_is_503_with_its_retry_after(github, api_client, status):
    github.fail_next(standin.secondary_rate_limit(retry_after=30, status=status))

    response = api_client.get("/repositories/dotfiles", {"username": "mrdev", "save_data": "true"})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_secondary_rate_limit_without_retry_after_waits_a_minute(github, api_client):
    github.fail_next(lambda request: standin._json({"message": "You have exceeded a secondary rate limit."}, 403))

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_other_403_is_502(github, api_client):
    github.fail_next(lambda request: standin._json({"message": "Repository access blocked"}, 403))

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 502


def test_github_503_is_503(github, api_client):
    github.fail_next(lambda request: standin._json({"message": "Unavailable"}, 503, {"Retry-After": "90"}))

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 503
    assert response["Retry-After"] == "90"


def test_github_500_is_502(github, api_client):
    github.fail_next(standin.server_error)

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 502
    assert response.json()["code"] == "upstream_error"


def test_non_json_body_is_502(github, api_client):
    github.fail_next(standin.not_json)

    response = api_client.get("/repositories/dotfiles", {"username": "mrdev", "save_data": "true"})

    assert response.status_code == 502
    assert Repository.objects.count() == 0


def test_json_of_another_shape_is_502(github, api_client):
    github.fail_next(lambda request: standin._json({"id": "not a number", "login": "mrdev"}, 200))

    assert api_client.get("/repositories/", {"username": "mrdev"}).status_code == 502


def test_slow_answer_beyond_the_timeout_is_504(github, api_client, settings):
    settings.GITHUB_RETRIES = 0
    github.fail_next(standin.slow(1.0))
    started = time.monotonic()

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 504
    assert response.json()["code"] == "upstream_timeout"
    assert time.monotonic() - started < 1.0


def test_unreachable_github_is_502(api_client, settings):
    settings.GITHUB_API_URL = "http://127.0.0.1:9/"
    settings.GITHUB_RETRIES = 0

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 502


# --- Permissions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/repositories/?username=mrdev",
        "/repositories/?username=mrdev&from_local=true",
        "/repositories/dotfiles?username=mrdev&save_data=true",
        "/repositories/mrdev/dotfiles?save_data=true",
    ],
)
@pytest.mark.parametrize("who", ["api_client", "auth_client", "staff_client"])
def test_routes_are_public_for_reading(github, request, path, who):
    github.add_repository("mrdev", "dotfiles")
    UserFactory(login="mrdev", github_id=github.users["mrdev"]["id"])

    response = request.getfixturevalue(who).get(path)

    assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/repositories/", "/repositories/dotfiles", "/repositories/mrdev/dotfiles"])
def test_routes_allow_only_get(github, auth_client, method, path):
    response = getattr(auth_client, method)(path)

    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert github.requests == []


def test_slow_pages_that_exceed_the_requests_budget_are_504(github, api_client, monkeypatch):
    monkeypatch.setattr(GitHubClient, "budget_seconds", 0.6)
    for number in range(250):
        github.add_repository("mrdev", f"repo-{number:03}")
    github.fail_next(lambda request: github._route(request))  # the user, at once

    def slow_page(request):
        time.sleep(0.3)
        return github._route(request)

    github.fail_next(slow_page, times=3)
    started = time.monotonic()

    response = api_client.get("/repositories/", {"username": "mrdev"})

    assert response.status_code == 504
    assert time.monotonic() - started < 1.2
