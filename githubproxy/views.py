"""HTTP layer of the GitHub proxy: one viewset, thin over the client, selectors and services.

Every name is validated (githubproxy.validators) before anything is sent to
GitHub; GitHub's failures arrive as core.errors exceptions (githubproxy.clients
maps them), so no route builds an error by hand.
"""

from collections.abc import Sequence
from functools import cached_property

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.caching import cached_response, render_body, request_variant
from core.openapi import error_response
from githubproxy import cache, selectors, services, validators
from githubproxy.clients import GitHubRepository, github_client
from githubproxy.serializers import (
    OwnedRepositoryQuerySerializer,
    RepositoryDetailQuerySerializer,
    RepositoryDetailSerializer,
    RepositoryListQuerySerializer,
    UserRepositoriesSerializer,
)

BOOLEAN_ENUM = ["true", "false", "1", "0"]

REPOSITORY_EXAMPLE = {
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
SUMMARY_EXAMPLE = {key: value for key, value in REPOSITORY_EXAMPLE.items() if key != "watchers"}

LOGIN_SCHEMA = {"type": "string", "pattern": validators.LOGIN_PATTERN, "maxLength": validators.LOGIN_MAX_LENGTH}
USERNAME_PARAMETER = OpenApiParameter(
    "username",
    LOGIN_SCHEMA,
    OpenApiParameter.QUERY,
    required=True,
    description="A GitHub login: 1-39 letters, digits or single hyphens, not first or last (any case).",
    examples=[OpenApiExample("mrdev", value="mrdev")],
)
FROM_LOCAL_PARAMETER = OpenApiParameter(
    "from_local",
    str,
    OpenApiParameter.QUERY,
    enum=BOOLEAN_ENUM,
    default="false",
    description="`true`/`1`: from this service's tables only; `false`/`0` (the default): from GitHub.",
)
SAVE_DATA_PARAMETER = OpenApiParameter(
    "save_data",
    str,
    OpenApiParameter.QUERY,
    required=True,
    enum=BOOLEAN_ENUM,
    description="Required. `true`/`1` stores the repository and its owner (a later `from_local=true` lists it);"
    " `false`/`0` only reads it.",
)
REPOSITORY_NAME_PARAMETER = OpenApiParameter(
    "repository_name",
    {
        "type": "string",
        "pattern": validators.REPOSITORY_NAME_PATTERN,
        "maxLength": validators.REPOSITORY_NAME_MAX_LENGTH,
    },
    OpenApiParameter.PATH,
    description="1-100 letters, digits, `.`, `_` or `-`, not `.` or `..` (any case). Another name is 400.",
)
OWNER_PARAMETER = OpenApiParameter(
    "owner",
    LOGIN_SCHEMA,
    OpenApiParameter.PATH,
    description="The owner's GitHub login (the rules of `username`). Another name is 400.",
)
RETRY_AFTER_HEADER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[503],
    description="Seconds until GitHub accepts requests again.",
)


def _error(description: str, name: str, detail: str, code: str) -> OpenApiResponse:
    """`core.openapi.error_response` with one example."""
    return error_response(description, (name, detail, code))


UPSTREAM_ERRORS = {
    502: _error(
        "GitHub failed or answered something unusable (a 5xx, malformed JSON, an unexpected shape).",
        "Upstream error",
        "GitHub answered HTTP 500.",
        "upstream_error",
    ),
    503: _error(
        "GitHub's rate limit is exhausted (`Retry-After` says for how long), or GitHub is unavailable.",
        "Rate limited",
        "GitHub's rate limit is exhausted; try again later.",
        "github_rate_limited",
    ),
    504: _error(
        "GitHub did not answer in time.", "Timeout", "The GitHub service did not answer in time.", "upstream_timeout"
    ),
}
GITHUB_NOT_FOUND = _error(
    "GitHub has no such user or repository.", "Unknown", "GitHub has no such user or repository.", "github_not_found"
)
DETAIL_DESCRIPTION = (
    "Public. Always read from GitHub (revalidated with the cached ETag). `save_data=true` stores the repository"
    " and its owner, updating the rows of a repository renamed since (same GitHub id). `url` is the repository's"
    " page; `visibility` the access type; `size` in kilobytes; `watchers` is GitHub's `subscribers_count`."
)


class RepositoryViewSet(viewsets.ViewSet):
    """A GitHub user's repositories, from GitHub or from the local tables, and one repository's details."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="repositories_list",
        summary="List a GitHub user's repositories",
        description="Public. With `from_local=false` (the default) every page of the user's public repositories"
        ' is read from GitHub (100 a page, following `Link: rel="next"`; each page revalidated with its cached'
        " ETag, so an unchanged page costs no rate limit) and the user's row is created or updated, so `user_id`"
        " stays the same from call to call; the repositories themselves are stored only by `save_data=true` on"
        " the detail routes. With `from_local=true` the user and the repositories saved for them come from this"
        " service's tables alone (404 when the user was never stored). Repositories are in GitHub's order"
        " (by name); `from_local=true` orders by name too. A list item is the detail route's shape without"
        " `watchers`, which GitHub's lists do not carry.",
        parameters=[USERNAME_PARAMETER, FROM_LOCAL_PARAMETER, RETRY_AFTER_HEADER],
        responses={
            200: UserRepositoriesSerializer,
            404: _error(
                "GitHub has no such user, or (`from_local=true`) no such user is stored.",
                "Not stored",
                "No GitHub user with this username is stored locally.",
                "user_not_stored",
            ),
            **UPSTREAM_ERRORS,
        },
        examples=[
            OpenApiExample(
                "Repositories",
                value={"user_id": 1, "username": "mrdev", "repositories": [SUMMARY_EXAMPLE]},
                response_only=True,
            )
        ],
        auth=[],
    )
    def list(self, request: Request) -> HttpResponse:
        query = RepositoryListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        login = query.validated_data["username"]
        if query.validated_data["from_local"]:
            # Rendered once per login and kept until a stored row changes (githubproxy.cache).
            return cached_response(
                request, cache.local_lists, cache.item(login), lambda: self._local_list(login), self._variant
            )
        client = github_client()
        github_user = client.user(login)
        # The login as GitHub spells it: the repositories' path uses it too.
        repositories = client.user_repositories(github_user.login)
        user = services.user_upsert(github_user)
        data = {"user_id": user.pk, "username": user.login, "repositories": repositories}
        return Response(UserRepositoriesSerializer(data).data)

    def _local_list(self, login: str) -> bytes:
        user = selectors.user_get_by_login(login)
        data = {"user_id": user.pk, "username": user.login, "repositories": selectors.repository_list_for(user)}
        return render_body(self, UserRepositoriesSerializer(data).data)

    # Sequence: in this class body `list` is the action.
    def cache_keys_to_prefetch(self, request: Request) -> Sequence[str]:
        """The keys a `from_local=true` list reads, for the throttle's round trip (core.throttling)."""
        if getattr(self, "action", None) != "list":
            return []
        query = RepositoryListQuerySerializer(data=request.query_params)
        if not query.is_valid() or not query.validated_data["from_local"]:
            return []  # list() answers the 400 itself, or asks GitHub
        return cache.local_lists.keys(cache.item(query.validated_data["username"]), self._variant)

    @cached_property
    def _variant(self) -> str:
        return request_variant(self.request)

    @extend_schema(
        operation_id="repositories_retrieve",
        summary="Read one of a user's repositories",
        description=DETAIL_DESCRIPTION + " The owner is named by `username`.",
        parameters=[REPOSITORY_NAME_PARAMETER, USERNAME_PARAMETER, SAVE_DATA_PARAMETER, RETRY_AFTER_HEADER],
        responses={200: RepositoryDetailSerializer, 404: GITHUB_NOT_FOUND, **UPSTREAM_ERRORS},
        examples=[OpenApiExample("Repository", value=REPOSITORY_EXAMPLE, response_only=True)],
        auth=[],
    )
    def retrieve(self, request: Request, repository_name: str) -> Response:
        query = RepositoryDetailQuerySerializer(
            data={**request.query_params.dict(), "repository_name": repository_name}
        )
        query.is_valid(raise_exception=True)
        return self._repository(query.validated_data["username"], query.validated_data)

    @extend_schema(
        operation_id="repositories_owner_retrieve",
        summary="Read a repository by owner and name",
        description=DETAIL_DESCRIPTION + " The owner is named in the path; a `username` parameter is ignored.",
        parameters=[OWNER_PARAMETER, REPOSITORY_NAME_PARAMETER, SAVE_DATA_PARAMETER, RETRY_AFTER_HEADER],
        responses={200: RepositoryDetailSerializer, 404: GITHUB_NOT_FOUND, **UPSTREAM_ERRORS},
        examples=[OpenApiExample("Repository", value=REPOSITORY_EXAMPLE, response_only=True)],
        auth=[],
    )
    def retrieve_owned(self, request: Request, owner: str, repository_name: str) -> Response:
        data = {**request.query_params.dict(), "owner": owner, "repository_name": repository_name}
        query = OwnedRepositoryQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        return self._repository(query.validated_data["owner"], query.validated_data)

    def _repository(self, owner: str, query: dict) -> Response:
        repository: GitHubRepository = github_client().repository(owner, query["repository_name"])
        if query["save_data"]:
            services.repository_upsert(repository)
        return Response(RepositoryDetailSerializer(repository).data)
