"""Writes to the GitHub proxy's tables: upserts of what GitHub answered.

GitHub's numeric ids never change, its names do: a row is found by its GitHub
id and takes GitHub's current name. A stored row that still holds a name GitHub
now gives to another id (an account renamed and its old login taken by someone
else, a repository deleted and another created under its name) is a stale copy
of something GitHub no longer calls that; it is deleted, so that the unique
names stay true to GitHub.
"""

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from githubproxy.clients import GitHubRepository, GitHubUser
from githubproxy.models import Repository, User

REPOSITORY_FIELDS = (
    "name",
    "full_name",
    "html_url",
    "visibility",
    "private",
    "created_at",
    "updated_at",
    "size",
    "stars",
    "watchers",
)


def user_upsert(github_user: GitHubUser) -> User:
    """The stored row of this GitHub account, created or renamed to GitHub's current login.

    Writes nothing when the row already holds that login, so a listing served
    from GitHub does not rewrite the user on every call.
    """
    existing = User.objects.filter(github_id=github_user.id).first()
    if existing is not None and existing.login == github_user.login:
        return existing
    return _retrying_once(lambda: _user_write(github_user))


def repository_upsert(github_repository: GitHubRepository) -> Repository:
    """Store a repository's details (and its owner) as GitHub gave them; a renamed one updates its row."""
    if github_repository.watchers is None:
        raise ValueError("A repository is stored with its watchers (GitHub's subscribers_count).")
    return _retrying_once(lambda: _repository_write(github_repository))


def _user_write(github_user: GitHubUser) -> User:
    with transaction.atomic():
        _stale_users(github_user).delete()
        user, created = User.objects.select_for_update().get_or_create(
            github_id=github_user.id, defaults={"login": github_user.login}
        )
        if not created and user.login != github_user.login:
            user.login = github_user.login
            user.save(update_fields=["login", "updated_at"])
        return user


def _repository_write(github_repository: GitHubRepository) -> Repository:
    values = {field: getattr(github_repository, field) for field in REPOSITORY_FIELDS}
    with transaction.atomic():
        owner = _user_write(github_repository.owner)
        (
            Repository.objects.alias(name_lower=Lower("name"))
            .filter(owner=owner, name_lower=github_repository.name.lower())
            .exclude(github_id=github_repository.id)
            .delete()
        )
        repository, _created = Repository.objects.update_or_create(
            github_id=github_repository.id, defaults={"owner": owner, **values}
        )
        return repository


def _stale_users(github_user: GitHubUser):
    return (
        User.objects.alias(login_lower=Lower("login"))
        .filter(login_lower=github_user.login.lower())
        .exclude(github_id=github_user.id)
    )


def _retrying_once(write):
    """Run `write`; once more when a concurrent request inserted the same row first.

    Two requests upserting one new account both find no row; the second's
    insert fails on the unique constraint, and on its second run it finds the
    first one's row and updates it.
    """
    try:
        return write()
    except IntegrityError:
        return write()
