"""Outbound HTTP goes through core.http with timeouts, limits and named retries.

Every test talks to a real local server (pytest-httpserver, or a raw socket for
broken connections): nothing patches requests.
"""

import json
import logging
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.errors import UnprocessableEntity, UpstreamError, UpstreamTimeout, UpstreamUnavailable, exception_handler
from core.http import (
    TRANSIENT_ERRORS,
    HttpClient,
    UpstreamBadGateway,
    UpstreamConnectionError,
    UpstreamServerError,
    parse_retry_after,
)


def client_for(server: HTTPServer, **options) -> HttpClient:
    """A client with no sleeps between retries, so the tests stay fast."""
    options.setdefault("backoff_factor", 0)
    return HttpClient(server.url_for("/"), service="test", **options)


def answers(*responses: Response):
    """A handler giving `responses` in turn, then the last one again."""
    remaining = list(responses)

    def handler(request: Request) -> Response:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return handler


def wait_for_log(server: HTTPServer, count: int, seconds: float = 3.0) -> None:
    """The server logs a request once it has answered; a slow handler answers late."""
    deadline = time.monotonic() + seconds
    while len(server.log) < count and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    """A second server on another port: another origin."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


class RawServer:
    """A TCP server that accepts connections and drops them without an answer."""

    def __init__(self, reset: bool) -> None:
        self.reset = reset
        self.connections = 0
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.recv(65536)
            if self.reset:
                # Linger 0: close() sends RST instead of FIN, a "connection reset by peer".
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.socket.close()


@pytest.fixture
def resetting_server() -> Iterator[RawServer]:
    server = RawServer(reset=True)
    yield server
    server.close()


@pytest.fixture
def closing_server() -> Iterator[RawServer]:
    server = RawServer(reset=False)
    yield server
    server.close()


# --- normal answers -----------------------------------------------------------


def test_json_answer_is_parsed_and_the_user_agent_and_client_headers_are_sent(httpserver, settings):
    settings.OUTBOUND_USER_AGENT = "test-agent/2.0"
    httpserver.expect_request("/api/breeds", query_string="page=2").respond_with_json({"message": "ok"})
    client = HttpClient(httpserver.url_for("/api"), service="test", headers={"Accept": "application/json"})

    response = client.get("breeds", params={"page": 2})

    assert response.status_code == 200
    assert response.json(dict) == {"message": "ok"}
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == "test-agent/2.0"
    assert request.headers["Accept"] == "application/json"


def test_timeouts_come_from_settings_unless_the_client_overrides_them(settings):
    settings.OUTBOUND_CONNECT_TIMEOUT = 1.5
    settings.OUTBOUND_READ_TIMEOUT = 7.0

    assert HttpClient("http://127.0.0.1", service="test").timeout == (1.5, 7.0)
    assert HttpClient("http://127.0.0.1", service="test", read_timeout=0.2).timeout == (1.5, 0.2)


def test_an_absolute_url_is_used_as_given(httpserver):
    httpserver.expect_request("/elsewhere").respond_with_data("fine")
    client = HttpClient("http://127.0.0.1:1/unused", service="test")

    assert client.get(httpserver.url_for("/elsewhere")).text == "fine"


def test_a_4xx_answer_is_returned_to_the_client_without_retry(httpserver):
    httpserver.expect_request("/missing").respond_with_json({"message": "Not Found"}, status=404)

    response = client_for(httpserver).get("missing")

    assert response.status_code == 404
    assert not response.ok
    assert len(httpserver.log) == 1
    with pytest.raises(UpstreamError, match="HTTP 404"):
        response.expect_status(200)


def test_a_429_with_retry_after_is_returned_not_retried(httpserver):
    httpserver.expect_request("/limited").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})

    response = client_for(httpserver).get("limited")

    assert response.status_code == 429
    assert len(httpserver.log) == 1


# --- retries ------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_transient_status_is_retried_until_success(httpserver, status):
    httpserver.expect_request("/flaky").respond_with_handler(
        answers(Response("down", status=status), Response("down", status=status), Response('{"ok": true}'))
    )

    response = client_for(httpserver, retries=2).get("flaky")

    assert response.json() == {"ok": True}
    assert len(httpserver.log) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [(502, UpstreamBadGateway), (503, UpstreamUnavailable), (504, UpstreamTimeout)],
)
def test_a_transient_status_that_persists_raises_its_transient_error(httpserver, status, error):
    httpserver.expect_request("/down").respond_with_data("down", status=status)

    with pytest.raises(error) as raised:
        client_for(httpserver, retries=2).get("down")

    assert len(httpserver.log) == 3
    assert isinstance(raised.value, TRANSIENT_ERRORS)


def test_a_500_is_not_retried_and_is_not_transient(httpserver):
    httpserver.expect_request("/broken").respond_with_data("boom", status=500)

    with pytest.raises(UpstreamError) as raised:
        client_for(httpserver, retries=2).get("broken")

    assert len(httpserver.log) == 1
    assert raised.value.status_code == 502
    assert not isinstance(raised.value, TRANSIENT_ERRORS)
    # Named, with the upstream's status, for a task whose contract retries every 5xx.
    assert isinstance(raised.value, UpstreamServerError)
    assert raised.value.upstream_status == 500


def test_a_post_answered_503_is_not_sent_again(httpserver):
    httpserver.expect_request("/files", method="POST").respond_with_data("busy", status=503)

    with pytest.raises(UpstreamUnavailable):
        client_for(httpserver, retries=2).post("files", files={"file": ("a.jpg", b"bytes")})

    assert len(httpserver.log) == 1


def test_a_503_with_a_long_retry_after_is_passed_on_at_once(httpserver):
    httpserver.expect_request("/busy").respond_with_data("busy", status=503, headers={"Retry-After": "120"})

    with pytest.raises(UpstreamUnavailable) as raised:
        client_for(httpserver, retries=2).get("busy")

    assert raised.value.retry_after == 120
    # Longer than the client's backoff cap: nobody sleeps two minutes in a request.
    assert len(httpserver.log) == 1


def test_a_503_with_a_short_retry_after_is_waited_for_and_retried(httpserver):
    httpserver.expect_request("/busy").respond_with_handler(
        answers(Response("busy", status=503, headers={"Retry-After": "1"}), Response("{}"))
    )
    started = time.monotonic()

    response = client_for(httpserver, retries=1, backoff_max=2).get("busy")

    assert response.json() == {}
    assert len(httpserver.log) == 2
    assert time.monotonic() - started >= 0.9


# --- broken connections and timeouts -------------------------------------------


def test_a_slow_answer_beyond_the_read_timeout_is_an_upstream_timeout(httpserver):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response("{}")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()

    with pytest.raises(UpstreamTimeout) as raised:
        client_for(httpserver, read_timeout=0.2, retries=0).get("slow")

    assert time.monotonic() - started < 0.55
    assert raised.value.status_code == 504
    wait_for_log(httpserver, 1)


def test_a_read_timeout_is_retried_and_still_an_upstream_timeout(httpserver):
    def slow(request: Request) -> Response:
        time.sleep(0.4)
        return Response("{}")

    httpserver.expect_request("/slow").respond_with_handler(slow)

    with pytest.raises(UpstreamTimeout):
        client_for(httpserver, read_timeout=0.1, retries=1).get("slow")

    # Requests wraps a timeout that exhausted its retries as a ConnectionError;
    # it must still come out as a timeout, after two attempts.
    wait_for_log(httpserver, 2)
    assert len(httpserver.log) == 2


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs when the accept queue is full")
def test_a_connect_timeout_is_retried_then_an_upstream_timeout():
    # A listener that never accepts, its queue filled: the kernel ignores further
    # connection attempts, as a firewalled or overloaded host does.
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listener:
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)
        url = f"http://127.0.0.1:{port}"
        client = HttpClient(url, service="test", connect_timeout=0.2, retries=1, backoff_factor=0)
        started = time.monotonic()
        try:
            with pytest.raises(UpstreamTimeout) as raised:
                client.get("anything")
        finally:
            for filler in fillers:
                filler.close()

    assert 0.35 <= time.monotonic() - started < 2
    assert isinstance(raised.value, TRANSIENT_ERRORS)


def test_a_refused_connection_is_a_transient_upstream_error():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    # Nothing listens on `port` any more.
    client = HttpClient(f"http://127.0.0.1:{port}", service="test", retries=1, backoff_factor=0)

    with pytest.raises(UpstreamConnectionError) as raised:
        client.get("anything")

    assert raised.value.status_code == 502
    assert isinstance(raised.value, TRANSIENT_ERRORS)


def test_a_reset_connection_is_retried_then_a_transient_upstream_error(resetting_server):
    client = HttpClient(f"http://127.0.0.1:{resetting_server.port}", service="test", retries=2, backoff_factor=0)

    with pytest.raises(UpstreamConnectionError):
        client.get("anything")

    assert resetting_server.connections == 3


def test_a_connection_closed_without_answer_is_not_retried_for_a_post(closing_server):
    client = HttpClient(f"http://127.0.0.1:{closing_server.port}", service="test", retries=2, backoff_factor=0)

    with pytest.raises(UpstreamConnectionError):
        client.post("files", data=b"payload")

    # The server may have acted on the POST: sending it again could do it twice.
    assert closing_server.connections == 1


# --- redirects ----------------------------------------------------------------


def test_a_redirect_to_the_same_host_is_followed(httpserver):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new?x=1"})
    httpserver.expect_request("/new", query_string="x=1").respond_with_json({"moved": True})

    response = client_for(httpserver).get("old")

    assert response.json() == {"moved": True}
    assert response.url.endswith("/new?x=1")


def test_a_303_after_a_post_is_followed_with_a_get(httpserver):
    httpserver.expect_request("/files", method="POST").respond_with_data("", status=303, headers={"Location": "/f/1"})
    httpserver.expect_request("/f/1", method="GET").respond_with_json({"id": 1})

    response = client_for(httpserver).post("files", json={"a": 1})

    assert response.json() == {"id": 1}
    assert httpserver.log[1][0].method == "GET"
    assert httpserver.log[1][0].data == b""


def test_a_307_resends_the_method_and_body_to_the_same_host(httpserver):
    httpserver.expect_request("/files", method="POST").respond_with_data("", status=307, headers={"Location": "/v2"})
    httpserver.expect_request("/v2", method="POST", json={"a": 1}).respond_with_json({"id": 2}, status=201)

    response = client_for(httpserver).post("files", json={"a": 1})

    assert response.status_code == 201


def test_a_redirect_to_another_host_is_refused_and_the_other_host_never_contacted(httpserver, other_server):
    other_server.expect_request("/steal").respond_with_data("got it")
    httpserver.expect_request("/away").respond_with_data(
        "", status=302, headers={"Location": other_server.url_for("/steal")}
    )
    client = client_for(httpserver, headers={"Authorization": "Bearer secret-token"})

    with pytest.raises(UpstreamError, match="another host") as raised:
        client.get("away")

    assert not isinstance(raised.value, TRANSIENT_ERRORS)
    assert other_server.log == []


def test_a_redirect_to_another_scheme_is_refused(httpserver):
    target = httpserver.url_for("/secure").replace("http://", "https://")
    httpserver.expect_request("/plain").respond_with_data("", status=301, headers={"Location": target})

    with pytest.raises(UpstreamError, match="another host"):
        client_for(httpserver).get("plain")

    assert len(httpserver.log) == 1


def test_a_redirect_loop_stops_at_the_limit(httpserver):
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})

    with pytest.raises(UpstreamError, match="too many"):
        client_for(httpserver, max_redirects=2).get("loop")

    assert len(httpserver.log) == 3


def test_a_304_is_returned_as_an_answer(httpserver):
    httpserver.expect_request("/etag").respond_with_data("", status=304, headers={"ETag": '"abc"'})

    response = client_for(httpserver).get("etag", headers={"If-None-Match": '"abc"'})

    assert response.status_code == 304
    assert response.headers["etag"] == '"abc"'


# --- body limits and JSON -------------------------------------------------------


def test_a_body_declared_larger_than_the_limit_is_refused(httpserver):
    httpserver.expect_request("/big").respond_with_data(b"x" * 2048)

    with pytest.raises(UpstreamError, match="more than 1024 bytes"):
        client_for(httpserver, max_bytes=1024).get("big")


def test_a_streamed_body_without_length_is_cut_at_the_limit(httpserver):
    def stream(request: Request) -> Response:
        def chunks():
            for _ in range(64):
                yield b"y" * 1024

        return Response(chunks(), content_type="application/octet-stream")

    httpserver.expect_request("/stream").respond_with_handler(stream)

    with pytest.raises(UpstreamError, match="more than 4096 bytes"):
        client_for(httpserver, max_bytes=4096).get("stream")

    assert "Content-Length" not in httpserver.log[0][1].headers


def test_a_body_at_the_limit_is_accepted(httpserver):
    httpserver.expect_request("/exact").respond_with_data(b"z" * 1024)

    assert client_for(httpserver, max_bytes=1024).get("exact").content == b"z" * 1024


def test_the_limit_can_be_raised_for_one_call(httpserver):
    httpserver.expect_request("/picture").respond_with_data(b"p" * 2048)

    assert len(client_for(httpserver, max_bytes=1024).get("picture", max_bytes=4096).content) == 2048


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00garbage", b"NaN", b""])
def test_malformed_json_is_an_upstream_error(httpserver, body):
    httpserver.expect_request("/bad").respond_with_data(body, content_type="application/json")

    with pytest.raises(UpstreamError, match="malformed JSON") as raised:
        client_for(httpserver).get("bad").json()

    assert raised.value.status_code == 502


@pytest.mark.parametrize(("body", "expect"), [([1, 2], dict), ({"a": 1}, list), ("text", dict), (True, int)])
def test_json_of_the_wrong_top_level_type_is_an_upstream_error(httpserver, body, expect):
    httpserver.expect_request("/shape").respond_with_json(body)

    with pytest.raises(UpstreamError, match="unexpected shape"):
        client_for(httpserver).get("shape").json(expect)


def test_json_accepts_any_of_several_types(httpserver):
    httpserver.expect_request("/list").respond_with_data(json.dumps([{"name": "repo"}]))

    assert client_for(httpserver).get("list").json((dict, list)) == [{"name": "repo"}]


# --- logging --------------------------------------------------------------------


def test_failures_are_logged_without_credentials_or_query(httpserver, caplog):
    httpserver.expect_request("/broken").respond_with_data("boom", status=500)
    client = client_for(httpserver, headers={"Authorization": "Bearer secret-token"})

    with caplog.at_level(logging.WARNING, logger="core.http"), pytest.raises(UpstreamError):
        client.get("broken", params={"access_token": "query-secret"})

    assert "/broken" in caplog.text
    assert "secret-token" not in caplog.text
    assert "query-secret" not in caplog.text


# --- Retry-After and the error contract ----------------------------------------


def test_retry_after_is_read_as_seconds_or_as_a_date():
    assert parse_retry_after("120") == 120
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    in_a_minute = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    assert 55 <= parse_retry_after(in_a_minute) <= 61


@pytest.mark.parametrize(
    ("exc", "status", "code", "retry_after"),
    [
        (UpstreamError(), 502, "upstream_error", None),
        (UpstreamBadGateway("The x service answered HTTP 502."), 502, "upstream_error", None),
        (UpstreamConnectionError(), 502, "upstream_error", None),
        (UpstreamUnavailable(retry_after=30), 503, "upstream_unavailable", "30"),
        (UpstreamUnavailable(retry_after=1.2), 503, "upstream_unavailable", "2"),
        (UpstreamUnavailable(), 503, "upstream_unavailable", None),
        (UpstreamTimeout(), 504, "upstream_timeout", None),
        (UnprocessableEntity("Idempotency-Key reused with a different body."), 422, "unprocessable_entity", None),
    ],
)
def test_the_exception_handler_renders_upstream_and_422_errors(exc, status, code, retry_after):
    response = exception_handler(exc, {})

    assert response.status_code == status
    assert set(response.data) == {"detail", "code"}
    assert response.data["code"] == code
    assert isinstance(response.data["detail"], str)
    assert response.data["detail"]
    assert response.headers.get("Retry-After") == retry_after
