"""Fixtures of the dogs tests: a local dog.ceo stand-in, fast task retries, eager and real-worker modes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from dogs.tasks import register_dog_task, send_dog_picture_task

PICTURE_PATH = "/breeds/papillon/n02086910_6483.jpg"
#: A tiny JPEG-typed body: the files service stores any bytes.
PICTURE_BYTES = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"


def origin_of(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


def picture_answer(server: HTTPServer) -> dict[str, str]:
    """dog.ceo's answer, naming a picture on the stand-in itself."""
    return {"message": server.url_for(PICTURE_PATH), "status": "success"}


@pytest.fixture
def dog_ceo(httpserver: HTTPServer, settings) -> HTTPServer:
    """The stand-in for dog.ceo (`DOG_CEO_API_URL`), allowed as a picture origin; no answers set up yet."""
    settings.DOG_CEO_API_URL = httpserver.url_for("/api")
    settings.DOG_CEO_ALLOWED_PICTURE_HOSTS = ["images.dog.ceo", origin_of(httpserver)]
    settings.DOGS_REGISTRATION_DELAY_SECONDS = 0
    settings.FILES_SERVICE_URL = ""
    return httpserver


@pytest.fixture
def dog_ceo_ok(dog_ceo: HTTPServer) -> HTTPServer:
    """The stand-in answering every random-image request normally."""
    dog_ceo.expect_request("/api/breeds/image/random").respond_with_json(picture_answer(dog_ceo))
    dog_ceo.expect_request(PICTURE_PATH).respond_with_data(PICTURE_BYTES, content_type="image/jpeg")
    return dog_ceo


def answers(*responses: Response) -> Callable[[Request], Response]:
    """A handler giving `responses` in turn, then the last one again."""
    remaining = list(responses)

    def handler(request: Request) -> Response:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return handler


@pytest.fixture
def slow_answers(dog_ceo: HTTPServer) -> Iterator[threading.Event]:
    """An event slow handlers wait on (`event.wait(seconds)`); set at teardown, then the server is drained.

    The stand-in answers one connection at a time, so requests a timed-out
    client gave up on are still answered after the test; the teardown waits
    for them, so they do not show in the next test's log.
    """
    release = threading.Event()
    yield release
    release.set()
    dog_ceo.expect_request("/drained").respond_with_data("")
    requests.get(dog_ceo.url_for("/drained"), timeout=30)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def max_retries(monkeypatch) -> Callable[[int], None]:
    """Set both tasks' retry limit (read by Celery at each retry)."""

    def limit(count: int) -> None:
        for task in (register_dog_task, send_dog_picture_task):
            monkeypatch.setattr(task, "max_retries", count)

    return limit


def dog_ceo_calls(server: HTTPServer) -> int:
    return sum(1 for request, _ in server.log if request.path == "/api/breeds/image/random")


def json_of(response: Any) -> Any:
    return response.json()
