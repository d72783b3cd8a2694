"""Shapes of the GitHub proxy: the query strings it reads and the JSON it answers.

The representations read attributes that a stored `Repository` and GitHub's
`GitHubRepository` share, so the local and the proxied answers have one shape.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from githubproxy import validators

BOOLEAN_VALUES = {"true": True, "1": True, "false": False, "0": False}


@extend_schema_field({"type": "string", "enum": list(BOOLEAN_VALUES)})
class QueryBooleanField(serializers.Field):
    """A boolean spelled `true`, `false`, `1` or `0`; anything else is invalid.

    Stricter than DRF's BooleanField, which also takes `yes`, `on` and `t`.
    """

    default_error_messages = {"invalid": "Must be true, false, 1 or 0."}

    def to_internal_value(self, data):
        value = BOOLEAN_VALUES.get(data) if isinstance(data, str) else None
        if value is None:
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return bool(value)


class _DjangoRuleField(serializers.CharField):
    """A CharField checked by one of githubproxy.validators (its message and code)."""

    rule = staticmethod(lambda value: value)

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return self.rule(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from None


class GitHubLoginField(_DjangoRuleField):
    rule = staticmethod(validators.validate_login)


class RepositoryNameField(_DjangoRuleField):
    rule = staticmethod(validators.validate_repository_name)


class _NoEmptyQueryMixin:
    """Query strings: an empty optional parameter counts as absent (core.openapi documents it so)."""

    def to_internal_value(self, data):
        data = {key: value for key, value in data.items() if not (value == "" and key in self._optional_names)}
        return super().to_internal_value(data)

    @property
    def _optional_names(self) -> set[str]:
        return {name for name, field in self.fields.items() if not field.required}


class RepositoryListQuerySerializer(_NoEmptyQueryMixin, serializers.Serializer):
    username = GitHubLoginField()
    from_local = QueryBooleanField(required=False, default=False)


class RepositoryDetailQuerySerializer(serializers.Serializer):
    """`/repositories/{repository_name}?username=&save_data=`: the path's name with the query."""

    username = GitHubLoginField()
    repository_name = RepositoryNameField()
    save_data = QueryBooleanField()


class OwnedRepositoryQuerySerializer(serializers.Serializer):
    """`/repositories/{owner}/{repository_name}?save_data=`."""

    owner = GitHubLoginField()
    repository_name = RepositoryNameField()
    save_data = QueryBooleanField()


class RepositoryDetailSerializer(serializers.Serializer):
    """One repository: what the seed asks for, `watchers` being GitHub's `subscribers_count`."""

    url = serializers.CharField(source="html_url")
    name = serializers.CharField()
    full_name = serializers.CharField()
    visibility = serializers.ChoiceField(
        choices=["public", "private", "internal"], help_text="The access type: public, private or internal."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    size = serializers.IntegerField(help_text="Kilobytes, as GitHub counts them.")
    stars = serializers.IntegerField(help_text="GitHub's `stargazers_count`.")
    watchers = serializers.IntegerField(help_text="GitHub's `subscribers_count` (its `watchers_count` is stars).")


class RepositorySummarySerializer(RepositoryDetailSerializer):
    """A repository in a list: GitHub's lists do not carry `subscribers_count`, so no `watchers`."""

    watchers = None


# The list action answers one object, not an array of them.
@extend_schema_serializer(many=False)
class UserRepositoriesSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(help_text="The user's id in this service's table (stable across calls).")
    username = serializers.CharField(help_text="The GitHub login, spelled as GitHub spells it.")
    repositories = RepositorySummarySerializer(many=True)
