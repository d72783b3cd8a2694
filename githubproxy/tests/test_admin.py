import pytest

from githubproxy.tests.factories import RepositoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_changelist_searches_logins_and_counts_saved_repositories(admin_browser):
    owner = UserFactory(login="mrdev")
    RepositoryFactory(owner=owner)
    UserFactory(login="someone")

    page = admin_browser.get("/admin/githubproxy/user/?q=MRDEV")

    assert page.status_code == 200
    assert b"mrdev" in page.content
    assert b"someone" not in page.content
    assert page.context["cl"].result_list[0].repository_count == 1


def test_repository_changelist_searches_and_filters(admin_browser):
    RepositoryFactory(name="dotfiles", visibility="private", private=True)
    RepositoryFactory(name="website")

    searched = admin_browser.get("/admin/githubproxy/repository/?q=dotfiles")
    filtered = admin_browser.get("/admin/githubproxy/repository/?visibility__exact=public")

    assert [repo.name for repo in searched.context["cl"].result_list] == ["dotfiles"]
    assert [repo.name for repo in filtered.context["cl"].result_list] == ["website"]


def test_change_pages_open(admin_browser):
    repository = RepositoryFactory()

    assert admin_browser.get(f"/admin/githubproxy/repository/{repository.pk}/change/").status_code == 200
    assert admin_browser.get(f"/admin/githubproxy/user/{repository.owner.pk}/change/").status_code == 200
