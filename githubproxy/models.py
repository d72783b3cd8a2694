"""The GitHub proxy's two tables: GitHub users and the repositories saved for them.

Rows are local copies of GitHub's objects, keyed by GitHub's numeric ids (which
never change) and kept unique by the names GitHub resolves case-insensitively:
a user's login, and a repository's name within its owner. A rename on GitHub
(same id, new name) updates the row instead of adding one (githubproxy.services).
"""

from django.db import models
from django.db.models.functions import Lower

from githubproxy.validators import (
    LOGIN_MAX_LENGTH,
    REPOSITORY_NAME_MAX_LENGTH,
    validate_login,
    validate_repository_name,
)


class User(models.Model):
    """A GitHub account (a person or an organisation) the proxy has looked up."""

    github_id = models.PositiveBigIntegerField("GitHub id", unique=True)
    login = models.CharField(max_length=LOGIN_MAX_LENGTH, validators=[validate_login])
    # When the row was first written and last refreshed from GitHub.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "GitHub user"
        ordering = ["login"]
        constraints = [
            # GitHub logins are case-insensitive: `MrDev` and `mrdev` are one account.
            models.UniqueConstraint(Lower("login"), name="githubproxy_user_login_ci_unique"),
            models.CheckConstraint(condition=~models.Q(login=""), name="githubproxy_user_login_not_empty"),
        ]

    def __str__(self) -> str:
        return self.login


class Visibility(models.TextChoices):
    PUBLIC = "public"
    PRIVATE = "private"
    INTERNAL = "internal"


class Repository(models.Model):
    """A GitHub repository saved with `save_data=true`, as GitHub described it then."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="repositories")
    github_id = models.PositiveBigIntegerField("GitHub id", unique=True)
    name = models.CharField(max_length=REPOSITORY_NAME_MAX_LENGTH, validators=[validate_repository_name])
    full_name = models.CharField(max_length=LOGIN_MAX_LENGTH + 1 + REPOSITORY_NAME_MAX_LENGTH)
    html_url = models.URLField("URL", max_length=255)
    visibility = models.CharField(max_length=8, choices=Visibility.choices)
    private = models.BooleanField()
    # GitHub's own dates, not this row's.
    created_at = models.DateTimeField("created on GitHub")
    updated_at = models.DateTimeField("updated on GitHub")
    # Kilobytes, as GitHub counts them.
    size = models.PositiveBigIntegerField()
    stars = models.PositiveIntegerField()
    # GitHub's `subscribers_count`: its `watchers_count` is a star count.
    watchers = models.PositiveIntegerField()
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "repositories"
        ordering = [Lower("name"), "github_id"]
        constraints = [
            # GitHub resolves a repository name case-insensitively within its owner.
            models.UniqueConstraint("owner", Lower("name"), name="githubproxy_repository_owner_name_ci_unique"),
            models.CheckConstraint(condition=~models.Q(name=""), name="githubproxy_repository_name_not_empty"),
            models.CheckConstraint(
                condition=models.Q(visibility__in=Visibility.values), name="githubproxy_repository_visibility_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name
