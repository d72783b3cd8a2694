"""A stand-in for the parts of GitHub's REST API the proxy uses, on pytest-httpserver.

`FakeGitHub` answers `GET /users/{login}`, `GET /users/{login}/repos` (paged by
`per_page`/`page` with a `Link` header, as GitHub does) and `GET
/repos/{owner}/{name}`, each with an `ETag` and a 304 to a matching
`If-None-Match`; unknown users and repositories are 404 with GitHub's body.
Logins and names resolve case-insensitively. `fail_next()` makes the next
answers something else (a rate limit, a 500, a slow or a non-JSON answer).
With `plausible=True` any valid login or repository exists (for the fuzz run).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from githubproxy import validators

CREATED = "2019-03-14T09:26:53Z"
UPDATED = "2026-11-30T18:02:11Z"


def stable_id(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.lower().encode()).digest()[:6], "big") + 1


@dataclass
class FakeGitHub:
    httpserver: HTTPServer
    plausible: bool = False
    users: dict[str, dict] = field(default_factory=dict)
    repositories: dict[tuple[str, str], dict] = field(default_factory=dict)
    #: (method, path, If-None-Match, status) of every request answered.
    requests: list[tuple[str, str, str | None, int]] = field(default_factory=list)
    _failures: list[Callable[[Request], Response]] = field(default_factory=list)

    def install(self) -> FakeGitHub:
        self.httpserver.expect_request(re.compile(r"^/.*")).respond_with_handler(self._answer)
        return self

    @property
    def base_url(self) -> str:
        return self.httpserver.url_for("/")

    # --- data ---------------------------------------------------------------

    def add_user(self, login: str, user_id: int | None = None) -> dict:
        user = {
            "login": login,
            "id": user_id or stable_id(login),
            "type": "User",
            "html_url": f"https://github.com/{login}",
        }
        self.users[login.lower()] = user
        return user

    def add_repository(self, owner: str, name: str, **fields) -> dict:
        user = self.users.get(owner.lower()) or self.add_user(owner)
        repository = _repository(user, name, **fields)
        self.repositories[(owner.lower(), name.lower())] = repository
        return repository

    def rename_repository(self, owner: str, old: str, new: str) -> dict:
        repository = self.repositories.pop((owner.lower(), old.lower()))
        repository.update(name=new, full_name=f"{repository['owner']['login']}/{new}")
        repository["html_url"] = f"https://github.com/{repository['full_name']}"
        self.repositories[(owner.lower(), new.lower())] = repository
        return repository

    def fail_next(self, answer: Callable[[Request], Response], times: int = 1) -> None:
        self._failures.extend([answer] * times)

    def upstream_paths(self) -> list[str]:
        return [path for _method, path, _etag, _status in self.requests]

    # --- answers ------------------------------------------------------------

    def _answer(self, request: Request) -> Response:
        response = self._failures.pop(0)(request) if self._failures else self._route(request)
        self.requests.append(
            (request.method, request.full_path.rstrip("?"), request.headers.get("If-None-Match"), response.status_code)
        )
        return response

    def _route(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if request.method != "GET":
            return _json({"message": "Not Found"}, 404)
        if len(parts) == 2 and parts[0] == "users":
            user = self._user(parts[1])
            return self._conditional(request, user) if user else _not_found()
        if len(parts) == 3 and parts[0] == "users" and parts[2] == "repos":
            user = self._user(parts[1])
            return self._repository_page(request, user) if user else _not_found()
        if len(parts) == 3 and parts[0] == "repos":
            repository = self._repository(parts[1], parts[2])
            return self._conditional(request, repository) if repository else _not_found()
        return _not_found()

    def _user(self, login: str) -> dict | None:
        user = self.users.get(login.lower())
        if user is None and self.plausible and re.fullmatch(validators.LOGIN_PATTERN, login):
            user = self.add_user(login.lower())
        return user

    def _repository(self, owner: str, name: str) -> dict | None:
        repository = self.repositories.get((owner.lower(), name.lower()))
        if (
            repository is None
            and self.plausible
            and re.fullmatch(validators.LOGIN_PATTERN, owner)
            and re.fullmatch(validators.REPOSITORY_NAME_PATTERN, name)
        ):
            repository = self.add_repository(owner.lower(), name.lower())
        return repository

    def _repository_page(self, request: Request, user: dict) -> Response:
        owned = sorted(
            (repo for (owner, _name), repo in self.repositories.items() if owner == user["login"].lower()),
            key=lambda repo: repo["full_name"].lower(),
        )
        if self.plausible and not owned:
            owned = [self.add_repository(user["login"], name) for name in ("dotfiles", "website")]
        per_page = min(int(request.args.get("per_page", 30)), 100)
        page = int(request.args.get("page", 1))
        last = max(1, -(-len(owned) // per_page))
        # GitHub's list items carry no subscribers_count.
        items = [
            {key: value for key, value in repo.items() if key != "subscribers_count"}
            for repo in owned[(page - 1) * per_page : page * per_page]
        ]
        links = []
        base = f"{self.httpserver.url_for(request.path)}"
        if page < last:
            links.append(f'<{base}?{urlencode({"per_page": per_page, "page": page + 1})}>; rel="next"')
            links.append(f'<{base}?{urlencode({"per_page": per_page, "page": last})}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?{urlencode({"per_page": per_page, "page": 1})}>; rel="first"')
        headers = {"Link": ", ".join(links)} if links else {}
        return self._conditional(request, items, headers)

    def _conditional(self, request: Request, body, headers: dict | None = None) -> Response:
        content = json.dumps(body)
        etag = f'"{hashlib.sha256(content.encode()).hexdigest()[:20]}"'
        headers = {"ETag": etag, "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59", **(headers or {})}
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=headers)
        return Response(content, status=200, headers=headers, content_type="application/json; charset=utf-8")


def _repository(user: dict, name: str, **fields) -> dict:
    full_name = f"{user['login']}/{name}"
    repository = {
        "id": stable_id(full_name),
        "node_id": "R_kgDO",
        "name": name,
        "full_name": full_name,
        "private": False,
        "owner": {"login": user["login"], "id": user["id"], "type": "User"},
        "html_url": f"https://github.com/{full_name}",
        "url": f"https://api.github.com/repos/{full_name}",
        "description": None,
        "fork": False,
        "created_at": CREATED,
        "updated_at": UPDATED,
        "pushed_at": UPDATED,
        "size": 1432,
        "stargazers_count": 27,
        "watchers_count": 27,
        "watchers": 27,
        "subscribers_count": 3,
        "visibility": "public",
        "default_branch": "main",
    }
    repository.update(fields)
    return repository


def _json(body, status: int, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


def _not_found() -> Response:
    return _json({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, 404)


# --- failures fail_next() takes ---------------------------------------------------


def primary_rate_limit(reset_in: int = 120) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        return _json(
            {"message": "API rate limit exceeded for 203.0.113.7."},
            403,
            {
                "X-RateLimit-Limit": "60",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(time.time()) + reset_in),
            },
        )

    return answer


def secondary_rate_limit(retry_after: int = 30, status: int = 429) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        return _json(
            {"message": "You have exceeded a secondary rate limit."},
            status,
            {"Retry-After": str(retry_after), "X-RateLimit-Remaining": "4000"},
        )

    return answer


def server_error(request: Request) -> Response:
    return _json({"message": "Server Error"}, 500)


def not_json(request: Request) -> Response:
    return Response("<html>Unicorn!</html>", status=200, content_type="text/html")


def slow(seconds: float) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        time.sleep(seconds)
        return _json({"login": "late", "id": 1}, 200)

    return answer


def main() -> None:
    """`python -m githubproxy.tests.standin [--port 8765] [--repositories 250]`: serve a plausible GitHub.

    For trying the proxy by hand (GITHUB_API_URL=http://127.0.0.1:8765/): every
    valid login and repository exists; `mrdev` owns `--repositories` of them.
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--repositories", type=int, default=250, help="how many repositories mrdev owns")
    options = parser.parse_args()
    server = HTTPServer(host=options.host, port=options.port, threaded=True)
    github = FakeGitHub(server, plausible=True)
    for number in range(options.repositories):
        github.add_repository("mrdev", f"repo-{number:03}")
    github.install()
    # Keep no log of requests: the stand-in may serve a benchmark's millions.
    github.requests = _Discard()
    server.start()
    print(f"GitHub stand-in at {server.url_for('/')} (Ctrl-C stops it)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


class _Discard(list):
    def append(self, item) -> None:
        pass


if __name__ == "__main__":
    main()
