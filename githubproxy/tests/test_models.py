import pytest
from django.db import IntegrityError, transaction

from githubproxy.tests.factories import RepositoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_login_is_unique_in_any_case():
    UserFactory(login="MrDev")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(login="mrdev")


def test_user_github_id_is_unique():
    UserFactory(github_id=5)

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(github_id=5)


def test_repository_name_is_unique_per_owner_in_any_case_but_not_across_owners():
    first = RepositoryFactory(name="dotfiles")
    RepositoryFactory(name="dotfiles")  # another owner's

    with pytest.raises(IntegrityError), transaction.atomic():
        RepositoryFactory(owner=first.owner, name="DotFiles")


def test_repository_github_id_is_unique():
    RepositoryFactory(github_id=9)

    with pytest.raises(IntegrityError), transaction.atomic():
        RepositoryFactory(github_id=9)


def test_repository_visibility_is_one_of_githubs():
    with pytest.raises(IntegrityError), transaction.atomic():
        RepositoryFactory(visibility="secret")


def test_deleting_a_user_deletes_their_repositories():
    repository = RepositoryFactory()

    repository.owner.delete()

    assert not type(repository).objects.exists()
