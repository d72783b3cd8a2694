import datetime

import pytest

from githubproxy import services
from githubproxy.clients import GitHubRepository, GitHubUser
from githubproxy.models import Repository, User
from githubproxy.tests.factories import RepositoryFactory, UserFactory

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def github_repository(owner: GitHubUser, name: str, repository_id: int, **changes) -> GitHubRepository:
    values = {
        "id": repository_id,
        "owner": owner,
        "name": name,
        "full_name": f"{owner.login}/{name}",
        "html_url": f"https://github.com/{owner.login}/{name}",
        "visibility": "public",
        "private": False,
        "created_at": WHEN,
        "updated_at": WHEN,
        "size": 10,
        "stars": 2,
        "watchers": 1,
    }
    return GitHubRepository(**{**values, **changes})


def test_user_upsert_creates_then_finds_the_same_row_without_writing(django_assert_num_queries):
    created = services.user_upsert(GitHubUser(id=5, login="MrDev"))

    with django_assert_num_queries(1):
        again = services.user_upsert(GitHubUser(id=5, login="MrDev"))

    assert again.pk == created.pk


def test_user_upsert_renames_the_row_of_the_same_github_id():
    row = UserFactory(github_id=5, login="old-name")

    renamed = services.user_upsert(GitHubUser(id=5, login="new-name"))

    assert (renamed.pk, renamed.login) == (row.pk, "new-name")
    assert User.objects.count() == 1


def test_user_upsert_drops_a_stale_row_holding_a_login_github_gives_to_another_id():
    stale = UserFactory(github_id=5, login="MrDev")
    RepositoryFactory(owner=stale)

    fresh = services.user_upsert(GitHubUser(id=6, login="mrdev"))

    assert list(User.objects.values_list("github_id", "login")) == [(6, "mrdev")]
    assert fresh.pk != stale.pk
    assert Repository.objects.count() == 0


def test_repository_upsert_stores_the_owner_and_the_details():
    repository = services.repository_upsert(github_repository(GitHubUser(id=5, login="mrdev"), "dotfiles", 77))

    assert repository.owner.login == "mrdev"
    assert (repository.github_id, repository.name, repository.watchers, repository.updated_at) == (
        77,
        "dotfiles",
        1,
        WHEN,
    )


def test_repository_upsert_renamed_repository_updates_its_row():
    owner = GitHubUser(id=5, login="mrdev")
    first = services.repository_upsert(github_repository(owner, "dotfiles", 77))

    renamed = services.repository_upsert(github_repository(owner, "config", 77, stars=9))

    assert (renamed.pk, renamed.name, renamed.stars) == (first.pk, "config", 9)
    assert Repository.objects.count() == 1


def test_repository_upsert_moved_to_another_owner_follows_it():
    services.repository_upsert(github_repository(GitHubUser(id=5, login="ana"), "dotfiles", 77))

    moved = services.repository_upsert(github_repository(GitHubUser(id=6, login="bia"), "dotfiles", 77))

    assert moved.owner.login == "bia"
    assert Repository.objects.count() == 1


def test_repository_upsert_replaces_a_deleted_repository_whose_name_was_reused():
    owner = GitHubUser(id=5, login="mrdev")
    services.repository_upsert(github_repository(owner, "dotfiles", 77))

    services.repository_upsert(github_repository(owner, "DotFiles", 78))

    assert list(Repository.objects.values_list("github_id", "name")) == [(78, "DotFiles")]


def test_repository_upsert_needs_the_watchers_of_a_detail_answer():
    with pytest.raises(ValueError, match="watchers"):
        services.repository_upsert(github_repository(GitHubUser(id=5, login="mrdev"), "x", 1, watchers=None))
