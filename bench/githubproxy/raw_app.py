"""The baseline for the GitHub proxy's list: the least a WSGI application can do to answer it.

`GET /repositories/?username=U&from_local=true` reads the same rows of the same
PostgreSQL tables as the service, with the same two queries (the user by
`LOWER(login)`, the expression its unique index is built on; then the user's
repositories by `owner_id`, ordered by `LOWER(name), github_id`, the order of
the `(owner, LOWER(name))` unique index), with psycopg2 (one connection per
thread, kept open, autocommit, the session's time zone UTC) and answers the
same JSON body (`{user_id, username, repositories: [{url, name, full_name,
visibility, created_at, updated_at, size, stars}]}`) and status (404 with the
service's body when the user is not stored). Nothing else: no framework, no
middleware, no throttling, no negotiation; the login is checked against
GitHub's pattern only.

`GET /repositories/?username=U&from_local=false` (for context only) relays the
GitHub API at `GITHUB_API_URL` as the service does: `GET /users/U`, then every
page of `GET /users/U/repos?per_page=100` following `Link: rel="next"`, each
sent with `If-None-Match` once an `ETag` is known, so a warm stand-in answers
304 to every request, as it does to the service. The answers are kept in the
worker's memory (already reduced to the list's fields) rather than in Redis;
the user's `id` is read from `githubproxy_user` by GitHub id (upserted only
when missing or renamed). One keep-alive connection to the API per thread.

Reads `BENCH_RAW_DSN` (the database) and `GITHUB_API_URL`.
"""

import http.client
import json
import os
import re
from urllib.parse import parse_qsl, quote, urlsplit

from bench import raw

PATHS = frozenset({"/repositories/", "/repositories"})
LOGIN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
USER_QUERY = "SELECT id, login FROM githubproxy_user WHERE LOWER(login) = %s ORDER BY login LIMIT 1"
REPOSITORIES_QUERY = (
    "SELECT html_url, name, full_name, visibility, created_at, updated_at, size, stars"
    " FROM githubproxy_repository WHERE owner_id = %s ORDER BY LOWER(name), github_id"
)
GITHUB_USER_QUERY = "SELECT id, login FROM githubproxy_user WHERE github_id = %s"
GITHUB_USER_UPSERT = (
    "INSERT INTO githubproxy_user (github_id, login, created_at, updated_at) VALUES (%s, %s, now(), now())"
    " ON CONFLICT (github_id) DO UPDATE SET login = EXCLUDED.login, updated_at = now() RETURNING id, login"
)
NOT_STORED = {"detail": "No GitHub user with this username is stored locally.", "code": "user_not_stored"}
INVALID = {"detail": "Invalid query.", "code": "invalid"}
UPSTREAM_HEADERS = {
    "Accept": "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
    "User-Agent": "petshop-dogs-service/1.0",
}
NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')
_local = raw.thread_local()
# URL -> (ETag, what the answer reduces to, Link header): this worker's conditional-request cache.
_upstream_cache: dict[str, tuple[str, object, str]] = {}


class _Upstream(Exception):
    pass


def application(environ, start_response):
    query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    login = query.get("username", "")
    from_local = query.get("from_local", "false")
    if environ["PATH_INFO"] not in PATHS or len(login) > 39 or not LOGIN.fullmatch(login):
        return raw.respond(start_response, "400 Bad Request", INVALID)
    if from_local in ("true", "1"):
        return _local_list(start_response, login)
    if from_local in ("false", "0"):
        return _proxied_list(start_response, login)
    return raw.respond(start_response, "400 Bad Request", INVALID)


def _local_list(start_response, login: str):
    with raw.connection(options="-c TimeZone=UTC").cursor() as cursor:
        cursor.execute(USER_QUERY, (login.lower(),))
        user = cursor.fetchone()
        if user is None:
            return raw.respond(start_response, "404 Not Found", NOT_STORED)
        cursor.execute(REPOSITORIES_QUERY, (user[0],))
        rows = cursor.fetchall()
    repositories = [
        {
            "url": url,
            "name": name,
            "full_name": full_name,
            "visibility": visibility,
            "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "updated_at": updated_at.isoformat().replace("+00:00", "Z"),
            "size": size,
            "stars": stars,
        }
        for url, name, full_name, visibility, created_at, updated_at, size, stars in rows
    ]
    return raw.respond(
        start_response, "200 OK", {"user_id": user[0], "username": user[1], "repositories": repositories}
    )


def _proxied_list(start_response, login: str):
    base = os.environ["GITHUB_API_URL"].rstrip("/")
    try:
        github_id, github_login = _upstream(f"{base}/users/{quote(login, safe='')}", _user_fields)[0]
        url = f"{base}/users/{quote(github_login, safe='')}/repos?per_page=100"
        repositories = []
        while url:
            page, link = _upstream(url, _repository_fields)
            repositories.extend(page)
            match = NEXT_LINK.search(link)
            url = match[1] if match else None
    except _Upstream as exc:
        return raw.respond(start_response, "502 Bad Gateway", {"detail": str(exc), "code": "upstream_error"})
    with raw.connection(options="-c TimeZone=UTC").cursor() as cursor:
        cursor.execute(GITHUB_USER_QUERY, (github_id,))
        user = cursor.fetchone()
        if user is None or user[1] != github_login:
            cursor.execute(GITHUB_USER_UPSERT, (github_id, github_login))
            user = cursor.fetchone()
    return raw.respond(
        start_response, "200 OK", {"user_id": user[0], "username": user[1], "repositories": repositories}
    )


def _user_fields(data: dict) -> tuple[int, str]:
    return data["id"], data["login"]


def _repository_fields(items: list) -> list[dict]:
    return [
        {
            "url": item["html_url"],
            "name": item["name"],
            "full_name": item["full_name"],
            "visibility": item.get("visibility") or ("private" if item["private"] else "public"),
            "created_at": item["created_at"],
            "updated_at": item["updated_at"],
            "size": item["size"],
            "stars": item["stargazers_count"],
        }
        for item in items
    ]


def _upstream(url: str, reduce) -> tuple[object, str]:
    """What the answer at `url` reduces to and its Link header, revalidated with If-None-Match."""
    cached = _upstream_cache.get(url)
    headers = {**UPSTREAM_HEADERS, "If-None-Match": cached[0]} if cached else UPSTREAM_HEADERS
    status, etag, link, body = _get(url, headers)
    if status == 304 and cached:
        return cached[1], cached[2]
    if status != 200:
        raise _Upstream(f"GitHub answered HTTP {status}.")
    value = reduce(json.loads(body))
    if etag:
        _upstream_cache[url] = (etag, value, link)
    return value, link


def _get(url: str, headers: dict) -> tuple[int, str, str, bytes]:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    for attempt in range(2):
        connection = getattr(_local, "upstream", None)
        if connection is None:
            connection = _local.upstream = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        try:
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            connection.close()
            _local.upstream = None
            if attempt:
                raise
            continue
        return response.status, response.getheader("ETag", ""), response.getheader("Link", ""), body
    raise AssertionError("unreachable")
