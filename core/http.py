"""Outbound HTTP: the one way every app calls an outside service.

Each app's `clients.py` builds an `HttpClient` for its service and goes through
it, so every call gets the same guarantees:

- a connect and a read timeout (`OUTBOUND_CONNECT_TIMEOUT`, `OUTBOUND_READ_TIMEOUT`);
- a `User-Agent` naming this service (`OUTBOUND_USER_AGENT`);
- a byte limit on bodies (`OUTBOUND_MAX_BYTES`): the declared `Content-Length`
  is checked first, then the body is streamed and reading stops past the limit
  (the limit applies after gzip decoding, so a compressed bomb is stopped too);
- redirects followed only to the same scheme, host and port, at most
  `OUTBOUND_MAX_REDIRECTS` times; a redirect elsewhere is an upstream error and
  the other host is never contacted (requests' own redirect handling is off);
- a few in-request retries with exponential backoff (`OUTBOUND_RETRIES`) for
  transient failures only: connection errors, timeouts and 502/503/504 answers,
  and the latter two only for idempotent methods (a connection that could not
  be opened is retried for every method, since nothing was sent). A 503's
  `Retry-After` is honoured when it is short; a longer one is handed to the
  caller as `UpstreamUnavailable(retry_after=...)` instead of blocking a worker;
- no cookies kept between calls: one session serves every user of the process.

How failures reach the caller (after the retries above):

| upstream outcome | raised | status |
|---|---|---|
| connect or read timeout, upstream 504 | `UpstreamTimeout` | 504 |
| upstream 503 (`Retry-After` carried when sent) | `UpstreamUnavailable` | 503 |
| connection refused or reset, broken body | `UpstreamConnectionError` | 502 |
| upstream 502 | `UpstreamBadGateway` | 502 |
| other 5xx | `UpstreamServerError` (`upstream_status`) | 502 |
| TLS failure, body too large, redirect elsewhere, bad JSON | `UpstreamError` | 502 |
| 2xx, 3xx the client did not follow (e.g. 304), 4xx | returned | - |

Connection errors are 502, not 503: the contract keeps 503 for an upstream that
says it is unavailable or rate limited, and 502 for "other upstream failures".
4xx answers are returned because their meaning belongs to the domain: a GitHub
404 is the API's 404, a 403 with `X-RateLimit-Remaining: 0` is a 503 with
`Retry-After`; the app's client decides (`UpstreamResponse.expect_status` turns
an unexpected status into an `UpstreamError`).

`TRANSIENT_ERRORS` names the exceptions a Celery task retries on (core.tasks).

Example, in an app's `clients.py`::

    def dog_ceo_client() -> HttpClient:
        return HttpClient(settings.DOG_CEO_API_URL, service="dog.ceo")

    def random_picture_url(client: HttpClient) -> str:
        body = client.get("breeds/image/random").expect_status(200).json(dict)
        ...

Header values (e.g. `Authorization`) and query strings are never logged.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3
import urllib3.connectionpool
import urllib3.exceptions
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.util.retry import Retry

from core.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable

logger = logging.getLogger(__name__)

__all__ = [
    "IDEMPOTENT_METHODS",
    "TRANSIENT_ERRORS",
    "TRANSIENT_STATUSES",
    "HttpClient",
    "UpstreamBadGateway",
    "UpstreamConnectionError",
    "UpstreamResponse",
    "UpstreamServerError",
    "parse_retry_after",
]


class UpstreamConnectionError(UpstreamError):
    """502: the connection could not be opened or broke (refused, reset, DNS, cut body)."""

    default_detail = "An upstream service could not be reached."


class UpstreamBadGateway(UpstreamError):
    """502: the upstream itself answered 502 (its own gateway failed), a transient state."""


class UpstreamServerError(UpstreamError):
    """502: the upstream answered another 5xx (500, 501, 505, ...); `upstream_status` says which.

    Not transient by this module's rule (a 500 usually fails again the same
    way), so neither retried within a request nor in `TRANSIENT_ERRORS`. A task
    whose contract retries every 5xx names it next to them:
    `autoretry_for=(*TRANSIENT_ERRORS, UpstreamServerError)`.
    """

    def __init__(self, detail: str | None = None, code: str | None = None, *, upstream_status: int) -> None:
        super().__init__(detail, code)
        self.upstream_status = upstream_status


#: What a task retries on: failures that a later attempt can plausibly not meet.
#: Connection errors and timeouts (the network or the upstream was briefly
#: away) and 502/503/504 answers (a gateway or an overloaded upstream). Not
#: `UpstreamError` itself: a 500, a malformed body, a too large body or a
#: redirect elsewhere will be the same on the next attempt.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    UpstreamConnectionError,
    UpstreamBadGateway,
    UpstreamUnavailable,
    UpstreamTimeout,
)

#: Answers retried within a request (for idempotent methods).
TRANSIENT_STATUSES = frozenset({502, 503, 504})

#: Methods that may be sent twice: a retry after the server saw the request
#: must not, for example, post a file twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

# Raised for our own bad URL or header: a bug to fix, not an upstream failure.
_CONFIGURATION_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK_BYTES = 64 * 1024


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` value (delta-seconds or an HTTP date); None when absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+", value):
        return float(value)
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())


class _TransientRetry(Retry):
    """urllib3's Retry limited to this module's transient failures.

    Only a 503 carrying `Retry-After` is retried for that header (urllib3 also
    retries 413 and 429, which are not transient here), and a `Retry-After`
    longer than `retry_after_max` ends the retries at once, so the caller gets
    the 503 and can pass the wait on, instead of a thread sleeping for it.
    """

    RETRY_AFTER_STATUS_CODES = frozenset({503})

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: urllib3.BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: urllib3.connectionpool.ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Retry:
        if response is not None:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is not None and wait > self.retry_after_max:
                reason = urllib3.exceptions.ResponseError(f"Retry-After {wait:.0f}s exceeds {self.retry_after_max}s")
                raise urllib3.exceptions.MaxRetryError(_pool, url, reason)
        return super().increment(method, url, response, error, _pool, _stacktrace)


@dataclass(frozen=True)
class UpstreamResponse:
    """A fully read answer from an outside service (the body is within the byte limit)."""

    service: str
    status_code: int
    headers: CaseInsensitiveDict[str]
    content: bytes
    url: str = field(repr=False)

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        """The body decoded with its declared charset (UTF-8 when none)."""
        encoding = get_encoding_from_headers(self.headers) or "utf-8"
        if encoding.lower() == "iso-8859-1" and "charset" not in self.headers.get("Content-Type", "").lower():
            # requests' default for text/* without a charset; JSON APIs mean UTF-8.
            encoding = "utf-8"
        try:
            return self.content.decode(encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def expect_status(self, *statuses: int) -> UpstreamResponse:
        """Return self when the status is one of `statuses`, else raise `UpstreamError` (502)."""
        if self.status_code not in statuses:
            logger.warning("%s answered unexpected HTTP %s for %s", self.service, self.status_code, _loggable(self.url))
            raise UpstreamError(f"The {self.service} service answered HTTP {self.status_code}.")
        return self

    def json(self, expect: type | tuple[type, ...] = dict) -> Any:
        """The body parsed as JSON whose top level is an instance of `expect`.

        Malformed JSON (also NaN/Infinity, which JSON does not have) or another
        top-level type is the upstream's failure: `UpstreamError` (502), never a 500.
        """
        try:
            value = json.loads(self.content, parse_constant=_reject_constant)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            logger.warning("%s answered malformed JSON for %s", self.service, _loggable(self.url))
            raise UpstreamError(f"The {self.service} service answered malformed JSON.") from None
        # bool is an int; a caller expecting a number does not want true/false.
        if not isinstance(value, expect) or (isinstance(value, bool) and bool not in _as_tuple(expect)):
            logger.warning(
                "%s answered JSON %s where %s was expected for %s",
                self.service,
                type(value).__name__,
                expect,
                _loggable(self.url),
            )
            raise UpstreamError(f"The {self.service} service answered JSON of an unexpected shape.")
        return value


class HttpClient:
    """A configured `requests.Session` for one outside service.

    Build one per service (a module-level or cached instance is fine: the
    session's connection pool is thread-safe and it keeps no cookies), and call
    `get`/`post`/`request` with a path relative to `base_url` or an absolute URL
    (e.g. a `Link: rel="next"` or a picture URL the API returned).

    Every argument left as None comes from settings: `OUTBOUND_CONNECT_TIMEOUT`,
    `OUTBOUND_READ_TIMEOUT`, `OUTBOUND_USER_AGENT`, `OUTBOUND_MAX_BYTES`,
    `OUTBOUND_RETRIES`, `OUTBOUND_MAX_REDIRECTS`. `headers` are sent with every
    request (e.g. `Authorization`, `Accept`); they are never logged.
    `backoff_factor` and `backoff_max` shape the in-request retry sleeps
    (0, factor*2, factor*4, ... capped at `backoff_max`); a 503's `Retry-After`
    up to `backoff_max` seconds is slept, a longer one is returned to the caller.
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        service: str,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        user_agent: str | None = None,
        max_bytes: int | None = None,
        retries: int | None = None,
        backoff_factor: float = 0.5,
        backoff_max: float = 2.0,
        max_redirects: int | None = None,
    ) -> None:
        self.base_url = base_url
        self.service = service
        self.connect_timeout = _setting(connect_timeout, "OUTBOUND_CONNECT_TIMEOUT", 3.05)
        self.read_timeout = _setting(read_timeout, "OUTBOUND_READ_TIMEOUT", 10.0)
        self.max_bytes = int(_setting(max_bytes, "OUTBOUND_MAX_BYTES", 10 * 1024 * 1024))
        self.retries = int(_setting(retries, "OUTBOUND_RETRIES", 2))
        self.max_redirects = int(_setting(max_redirects, "OUTBOUND_MAX_REDIRECTS", 3))
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max

        session = requests.Session()
        session.headers["User-Agent"] = _setting(user_agent, "OUTBOUND_USER_AGENT", "petshop-dogs-service/1.0")
        session.headers.update(headers or {})
        # Shared by every user's requests in this process: an upstream's cookie
        # must not travel with someone else's next call.
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        adapter = HTTPAdapter(max_retries=self._retry_policy())
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self.session = session

    def __repr__(self) -> str:
        return f"<HttpClient {self.service} {_loggable(self.base_url)}>"

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) seconds, as requests takes them."""
        return (self.connect_timeout, self.read_timeout)

    @property
    def worst_case_seconds(self) -> float:
        """The longest one call can take when every attempt times out.

        For choosing a caller's own limits (a task's time limit, a view's
        budget): each attempt may wait the connect plus the read timeout, and
        the sleeps between attempts are capped by `backoff_max`.
        """
        return (self.retries + 1) * (self.connect_timeout + self.read_timeout) + self.retries * self.backoff_max

    def url_for(self, path_or_url: str) -> str:
        """An absolute URL as given, otherwise `path` below `base_url`."""
        if urlsplit(path_or_url).scheme:
            return path_or_url
        if not self.base_url:
            raise ValueError(f"{self!r} has no base URL for the relative path {path_or_url!r}")
        if not path_or_url:
            return self.base_url
        return f"{self.base_url.rstrip('/')}/{path_or_url.lstrip('/')}"

    def get(self, path_or_url: str = "", **kwargs: Any) -> UpstreamResponse:
        """`request("GET", ...)`."""
        return self.request("GET", path_or_url, **kwargs)

    def post(self, path_or_url: str = "", **kwargs: Any) -> UpstreamResponse:
        """`request("POST", ...)`: not retried once the upstream may have seen it."""
        return self.request("POST", path_or_url, **kwargs)

    def request(
        self,
        method: str,
        path_or_url: str = "",
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        max_bytes: int | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> UpstreamResponse:
        """Send one request and return its fully read answer, or raise (see the module docstring).

        `max_bytes` and `timeout` override the client's for this call. Bodies
        given as `json`, `data` (bytes, str or a form dict) or `files` are
        encoded up front, so a same-host 307/308 redirect can resend them.
        """
        limit = self.max_bytes if max_bytes is None else max_bytes
        prepared = self.session.prepare_request(
            requests.Request(
                method.upper(),
                self.url_for(path_or_url),
                params=params,
                headers=headers,
                json=json,
                data=data,
                files=files,
            )
        )
        started = time.monotonic()
        try:
            for _hop in range(self.max_redirects + 1):
                response = self._send(prepared, timeout or self.timeout)
                if response.status_code not in _REDIRECT_STATUSES or "Location" not in response.headers:
                    try:
                        return self._finish(prepared, response, limit)
                    finally:
                        response.close()
                try:
                    target = self._redirect_target(prepared, response)
                finally:
                    response.close()
                prepared = _redirected(prepared, response.status_code, target)
            logger.warning(
                "%s redirected %s more than %s times", self.service, _loggable(prepared.url), self.max_redirects
            )
            raise UpstreamError(f"The {self.service} service redirected too many times.")
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise self._translate(exc, prepared, time.monotonic() - started) from exc

    # --- internals ----------------------------------------------------------

    def _retry_policy(self) -> Retry:
        return _TransientRetry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            # TLS and other errors will not heal by themselves.
            other=0,
            # Redirects are this module's business (_redirect_target).
            redirect=False,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=TRANSIENT_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff_factor / 2,
            respect_retry_after_header=True,
            retry_after_max=math.ceil(self.backoff_max),
            # After the last retry the 5xx answer comes back and _finish names it.
            raise_on_status=False,
        )

    def _send(self, prepared: requests.PreparedRequest, timeout: tuple[float, float]) -> requests.Response:
        environment = self.session.merge_environment_settings(prepared.url, {}, True, None, None)
        return self.session.send(prepared, allow_redirects=False, timeout=timeout, **environment)

    def _redirect_target(self, prepared: requests.PreparedRequest, response: requests.Response) -> str:
        """The same-origin URL a redirect points at; anything else is refused before it is contacted."""
        target = requests.compat.urljoin(prepared.url, response.headers["Location"])
        if _origin(target) != _origin(prepared.url) or _origin(target) is None:
            logger.warning(
                "%s redirected %s to another origin %s; not followed",
                self.service,
                _loggable(prepared.url),
                _loggable(target),
            )
            raise UpstreamError(f"The {self.service} service redirected to another host.")
        return target

    def _finish(self, prepared: requests.PreparedRequest, response: requests.Response, limit: int) -> UpstreamResponse:
        status = response.status_code
        if status >= 500:
            logger.warning(
                "%s answered HTTP %s for %s %s", self.service, status, prepared.method, _loggable(prepared.url)
            )
            detail = f"The {self.service} service answered HTTP {status}."
            if status == 503:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                raise UpstreamUnavailable(detail, retry_after=retry_after)
            if status == 504:
                raise UpstreamTimeout(detail)
            if status == 502:
                raise UpstreamBadGateway(detail)
            raise UpstreamServerError(detail, upstream_status=status)
        return UpstreamResponse(
            service=self.service,
            status_code=status,
            headers=CaseInsensitiveDict(response.headers),
            content=self._read_body(prepared, response, limit),
            url=prepared.url or "",
        )

    def _read_body(self, prepared: requests.PreparedRequest, response: requests.Response, limit: int) -> bytes:
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            self._too_large(prepared, limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                self._too_large(prepared, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, prepared: requests.PreparedRequest, limit: int) -> None:
        logger.warning("%s answer for %s exceeds %s bytes", self.service, _loggable(prepared.url), limit)
        raise UpstreamError(f"The {self.service} service answered more than {limit} bytes.")

    def _translate(self, exc: Exception, prepared: requests.PreparedRequest, elapsed: float) -> UpstreamError:
        """The project's exception for a requests/urllib3 failure; configuration bugs are re-raised."""
        if isinstance(exc, _CONFIGURATION_ERRORS):
            # Our URL or header is wrong, not the upstream: a 500 with a traceback in the log.
            raise exc
        cause = _root_cause(exc)
        logger.warning(
            "%s %s %s failed after %.2fs: %s",
            self.service,
            prepared.method,
            _loggable(prepared.url),
            elapsed,
            type(cause).__name__,
        )
        if _is_timeout(exc):
            return UpstreamTimeout(f"The {self.service} service did not answer in time.")
        if isinstance(exc, requests.exceptions.SSLError):
            return UpstreamError(f"The {self.service} service's TLS connection failed.")
        if isinstance(
            exc,
            (
                requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                urllib3.exceptions.ProtocolError,
            ),
        ):
            return UpstreamConnectionError(f"The {self.service} service could not be reached.")
        return UpstreamError(f"The {self.service} service failed.")


def _setting(value: Any, name: str, default: Any) -> Any:
    return value if value is not None else getattr(settings, name, default)


def _as_tuple(expect: type | tuple[type, ...]) -> tuple[type, ...]:
    return expect if isinstance(expect, tuple) else (expect,)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _origin(url: str | None) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None when unusable."""
    try:
        parts = urlsplit(url or "")
        scheme = parts.scheme.lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number
        return None
    if not parts.hostname or port is None:
        return None
    return (scheme, parts.hostname.lower(), port)


def _redirected(prepared: requests.PreparedRequest, status: int, target: str) -> requests.PreparedRequest:
    """The request a redirect asks for: 303 (and 301/302 after a POST) become a GET without body, as browsers do."""
    follow = prepared.copy()
    follow.prepare_url(target, None)
    if (status == 303 and follow.method != "HEAD") or (status in (301, 302) and follow.method == "POST"):
        follow.method = "GET"
        follow.body = None
        for name in ("Content-Type", "Content-Length", "Transfer-Encoding"):
            follow.headers.pop(name, None)
    return follow


def _loggable(url: str | None) -> str:
    """A URL without credentials, query or fragment, which may carry secrets."""
    try:
        parts = urlsplit(url or "")
        netloc = parts.hostname or ""
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
    except ValueError:
        return "<invalid URL>"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception it wraps (args, urllib3's `reason`, explicit causes).

    Not `__context__`: urllib3 retries from inside its `except` block, so a
    reset after a timed-out first try would otherwise look like a timeout.
    """
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        wrapped = [getattr(current, "reason", None), current.__cause__, *current.args]
        pending.extend(item for item in wrapped if isinstance(item, BaseException))
    return seen


def _root_cause(exc: BaseException) -> BaseException:
    return _chain(exc)[-1]


def _is_timeout(exc: BaseException) -> bool:
    """A timeout anywhere in the chain: requests reports a read timeout after
    exhausted retries, or during the body, as a `ConnectionError`."""
    for item in _chain(exc):
        if isinstance(item, (requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError, socket.timeout)):
            return True
        if isinstance(item, urllib3.exceptions.ConnectTimeoutError) and not isinstance(
            item, urllib3.exceptions.NewConnectionError
        ):
            return True
    return False
