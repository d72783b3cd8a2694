"""The GitHub REST API, as the proxy uses it: one user, their repositories, one repository.

Every call goes through `core.http.HttpClient` (timeouts, byte limit, same-host
redirects, retries of transient failures, the 502/503/504 errors) with the
headers GitHub asks for, and GitHub's own answers are mapped here:

| GitHub answers | raised | we answer |
|---|---|---|
| 200 | - (parsed into `GitHubUser` / `GitHubRepository`) | 200 |
| 304 to our `If-None-Match` | - (the cached body is used) | 200 |
| 404 | `GitHubNotFound` | 404 |
| 403/429 with `X-RateLimit-Remaining: 0` | `GitHubRateLimited`, `Retry-After` from `X-RateLimit-Reset` | 503 |
| 403/429 with `Retry-After` (secondary limit) | `GitHubRateLimited` with that `Retry-After` | 503 |
| 403/429 naming a secondary limit, no header | `GitHubRateLimited`, `Retry-After: 60` (GitHub's advice) | 503 |
| timeout, 504 | `UpstreamTimeout` (core.http) | 504 |
| 503 | `UpstreamUnavailable` (core.http) | 503 |
| anything else, malformed JSON, an unexpected shape | `UpstreamError` | 502 |

Conditional requests: each answer with an `ETag` is kept in Django's cache
(the body and its `Link` header, per URL and token) and the next request for
that URL sends `If-None-Match`; GitHub's 304 costs no rate limit and the cached
body is served. Lists are read page by page (`per_page=100`), following
`Link: rel="next"` only to GitHub's own scheme, host and port.

Callers must validate names first (githubproxy.validators); each name is still
percent-quoted as one path segment here.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests.utils
from django.conf import settings
from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from core.errors import NotFound, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from core.http import HttpClient, UpstreamResponse, parse_retry_after
from githubproxy.validators import LOGIN_MAX_LENGTH, REPOSITORY_NAME_MAX_LENGTH

logger = logging.getLogger(__name__)

SERVICE = "GitHub"
API_VERSION = "2022-11-28"
PER_PAGE = 100
#: A user with more repositories than this many pages hold is refused (502)
#: rather than answered in part: 10,000 repositories.
MAX_PAGES = 100
#: GitHub's advice when a secondary rate limit comes without `Retry-After`.
SECONDARY_LIMIT_WAIT = 60
_CACHE_PREFIX = "githubproxy:etag:"
_VISIBILITIES = frozenset({"public", "private", "internal"})
_MAX_BIGINT = 2**63 - 1
_MAX_INT = 2**31 - 1


class GitHubNotFound(NotFound):
    default_code = "github_not_found"
    default_detail = "GitHub has no such user or repository."


class GitHubRateLimited(UpstreamUnavailable):
    default_code = "github_rate_limited"
    default_detail = "GitHub's rate limit is exhausted; try again later."


@dataclass(frozen=True)
class GitHubUser:
    id: int
    login: str


@dataclass(frozen=True)
class GitHubRepository:
    """A repository as GitHub describes it; `watchers` only where GitHub says (one repository's details)."""

    id: int
    owner: GitHubUser
    name: str
    full_name: str
    html_url: str
    visibility: str
    private: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    size: int
    stars: int
    watchers: int | None = None


@functools.lru_cache(maxsize=4)
def _http_client(base_url: str, token: str, connect_timeout: float, read_timeout: float, retries: int) -> HttpClient:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # Inside a web request: short timeouts, one retry, short backoff.
    return HttpClient(
        base_url,
        service=SERVICE,
        headers=headers,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries=retries,
        backoff_factor=0.25,
        backoff_max=1.0,
    )


class GitHubClient:
    """GitHub's REST API through one shared `HttpClient` (its session is pooled per settings).

    One client serves one incoming request: its calls share a time budget
    (`budget_seconds`, under gunicorn's 30 s worker timeout), so a slow GitHub
    answering page after page ends in our 504 rather than a killed worker.
    """

    budget_seconds: float = 20.0

    def __init__(self, http: HttpClient | None = None) -> None:
        self.deadline = time.monotonic() + self.budget_seconds
        self.http = http or _http_client(
            settings.GITHUB_API_URL,
            settings.GITHUB_TOKEN,
            float(settings.OUTBOUND_CONNECT_TIMEOUT),
            float(settings.GITHUB_READ_TIMEOUT),
            int(settings.GITHUB_RETRIES),
        )

    # --- the calls ----------------------------------------------------------

    def user(self, login: str) -> GitHubUser:
        """`GET /users/{login}`; GitHubNotFound (404) when there is no such account."""
        return _parse_user(self._get_json(f"users/{_segment(login)}", expect=dict))

    def user_repositories(self, login: str) -> list[GitHubRepository]:
        """Every page of `GET /users/{login}/repos` (the public repositories, GitHub's order)."""
        url = self.http.url_for(f"users/{_segment(login)}/repos?per_page={PER_PAGE}")
        repositories: list[GitHubRepository] = []
        seen: set[str] = set()
        while url:
            if url in seen or len(seen) >= MAX_PAGES:
                logger.warning("GitHub's pages for a user's repositories loop or exceed %s pages", MAX_PAGES)
                raise UpstreamError("GitHub answered more pages of repositories than the proxy reads.")
            seen.add(url)
            page, link = self._get(url, expect=list)
            repositories.extend(_parse_repository(item) for item in page)
            url = self._next_page(link)
        return repositories

    def repository(self, owner: str, name: str) -> GitHubRepository:
        """`GET /repos/{owner}/{name}` (a renamed or moved one is followed by its redirect)."""
        return _parse_repository(self._get_json(f"repos/{_segment(owner)}/{_segment(name)}", expect=dict))

    # --- conditional GETs ---------------------------------------------------

    def _get_json(self, path: str, *, expect: type) -> Any:
        return self._get(self.http.url_for(path), expect=expect)[0]

    def _get(self, url: str, *, expect: type) -> tuple[Any, str]:
        """The JSON body and `Link` header at `url`, revalidated with `If-None-Match` when cached."""
        key = self._cache_key(url)
        cached = cache.get(key)
        headers = {"If-None-Match": cached["etag"]} if cached else {}
        response = self.http.get(url, headers=headers, timeout=self._timeout())
        if response.status_code == 304 and cached:
            return _decoded(cached["body"], expect), cached["link"]
        if response.status_code != 200:
            raise _error_for(response)
        body = response.json(expect)
        etag = response.headers.get("ETag")
        if etag:
            entry = {"etag": etag, "body": response.content, "link": response.headers.get("Link", "")}
            cache.set(key, entry, timeout=settings.GITHUB_ETAG_CACHE_SECONDS)
        return body, response.headers.get("Link", "")

    def _timeout(self) -> tuple[float, float]:
        """(connect, read) seconds for the next call: the client's, cut so every attempt fits the budget."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            logger.warning("GitHub calls exceeded the request's budget of %ss", self.budget_seconds)
            raise UpstreamTimeout("The GitHub service did not answer in time.")
        per_attempt = remaining / (self.http.retries + 1)
        return (min(self.http.connect_timeout, per_attempt), min(self.http.read_timeout, per_attempt))

    def _cache_key(self, url: str) -> str:
        # Per token too: a token may see what another does not.
        identity = self.http.session.headers.get("Authorization", "")
        return _CACHE_PREFIX + hashlib.sha256(f"{identity}\n{url}".encode()).hexdigest()

    def _next_page(self, link: str) -> str | None:
        """The `rel="next"` URL of a `Link` header, when it stays on GitHub's origin."""
        for item in requests.utils.parse_header_links(link) if link else []:
            if "next" not in item.get("rel", "").split():
                continue
            target = item.get("url", "")
            if _origin(target) != _origin(self.http.base_url):
                logger.warning("GitHub's next page points at another origin; not followed")
                raise UpstreamError("GitHub's next page points at another host.")
            return target
        return None


def github_client() -> GitHubClient:
    """The client for the configured GitHub API."""
    return GitHubClient()


# --- answers ------------------------------------------------------------------


def _error_for(response: UpstreamResponse) -> Exception:
    """The exception for a GitHub answer other than 200/304 (core.http has raised for 5xx already)."""
    status = response.status_code
    if status == 404:
        return GitHubNotFound()
    if status in (403, 429):
        wait = _rate_limit_wait(response)
        if wait is not None:
            logger.warning("GitHub's rate limit is exhausted; retry in %ss", wait)
            return GitHubRateLimited(retry_after=max(1, wait))
    logger.warning("GitHub answered unexpected HTTP %s", status)
    return UpstreamError(f"GitHub answered HTTP {status}.")


def _rate_limit_wait(response: UpstreamResponse) -> float | None:
    """Seconds until GitHub accepts requests again, when a 403/429 is a rate limit; None otherwise."""
    headers = response.headers
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if retry_after is not None:
        return retry_after
    if headers.get("X-RateLimit-Remaining", "").strip() == "0":
        reset = headers.get("X-RateLimit-Reset", "").strip()
        return max(0.0, int(reset) - time.time()) if reset.isdigit() else SECONDARY_LIMIT_WAIT
    if "rate limit" in response.text.lower():
        return SECONDARY_LIMIT_WAIT
    return None


def _decoded(content: bytes, expect: type) -> Any:
    value = json.loads(content)
    if not isinstance(value, expect):  # pragma: no cover - stored only after the same check passed
        raise UpstreamError("GitHub's cached answer is unusable.")
    return value


def _segment(name: str) -> str:
    return quote(name, safe="")


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return (parts.scheme.lower(), parts.hostname.lower(), port)


class _Shape(Exception):
    """GitHub's JSON lacks a field the proxy needs, or has it of another type."""


def _field(data: dict, name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Shape(name)
    return value


def _count(data: dict, name: str, maximum: int = _MAX_BIGINT) -> int:
    """A non-negative integer that fits its column."""
    value = _field(data, name, int)
    if not 0 <= value <= maximum:
        raise _Shape(name)
    return value


def _when(data: dict, name: str) -> datetime.datetime:
    value = parse_datetime(_field(data, name, str))
    if value is None or value.tzinfo is None:
        raise _Shape(name)
    return value


def _shaped(parse):
    @functools.wraps(parse)
    def wrapper(data: Any):
        try:
            if not isinstance(data, dict):
                raise _Shape("object")
            return parse(data)
        except (_Shape, ValueError) as exc:
            logger.warning("GitHub answered JSON without a usable %s", exc)
            raise UpstreamError("GitHub answered JSON of an unexpected shape.") from None

    return wrapper


@_shaped
def _parse_user(data: dict) -> GitHubUser:
    login = _field(data, "login", str)
    if not login or len(login) > LOGIN_MAX_LENGTH:
        raise _Shape("login")
    user_id = _count(data, "id")
    return GitHubUser(id=user_id, login=login)


@_shaped
def _parse_repository(data: dict) -> GitHubRepository:
    private = _field(data, "private", bool)
    visibility = data.get("visibility") or ("private" if private else "public")
    if visibility not in _VISIBILITIES:
        raise _Shape("visibility")
    name = _field(data, "name", str)
    full_name = _field(data, "full_name", str)
    html_url = _field(data, "html_url", str)
    if (
        not name
        or len(name) > REPOSITORY_NAME_MAX_LENGTH
        or len(full_name) > LOGIN_MAX_LENGTH + 1 + REPOSITORY_NAME_MAX_LENGTH
        or len(html_url) > 255
    ):
        raise _Shape("name")
    subscribers = data.get("subscribers_count")
    return GitHubRepository(
        id=_count(data, "id"),
        owner=_parse_user(data.get("owner")),
        name=name,
        full_name=full_name,
        html_url=html_url,
        visibility=visibility,
        private=private,
        created_at=_when(data, "created_at"),
        updated_at=_when(data, "updated_at"),
        size=_count(data, "size"),
        stars=_count(data, "stargazers_count", _MAX_INT),
        watchers=None if subscribers is None else _count(data, "subscribers_count", _MAX_INT),
    )
