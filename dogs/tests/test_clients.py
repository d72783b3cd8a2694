"""dogs.clients against a real local HTTP server standing in for dog.ceo and the picture host."""

from __future__ import annotations

import pytest
from werkzeug import Response

from core.errors import UpstreamError, UpstreamTimeout
from core.http import UpstreamConnectionError
from dogs import clients
from dogs.clients import DogCeoInvalidAnswer
from dogs.tests.conftest import PICTURE_BYTES, PICTURE_PATH

RANDOM = "/api/breeds/image/random"


def test_random_picture_url_returns_dog_ceo_message(dog_ceo_ok):
    assert clients.random_picture_url() == dog_ceo_ok.url_for(PICTURE_PATH)
    request, _ = dog_ceo_ok.log[0]
    assert request.method == "GET"
    assert request.headers["User-Agent"]


@pytest.mark.parametrize(
    "body",
    [
        {"message": "https://images.dog.ceo/a.jpg", "status": "error"},
        {"status": "success"},
        {"message": 42, "status": "success"},
        {"message": "ftp://images.dog.ceo/a.jpg", "status": "success"},
        {"message": "http://images.dog.ceo/a.jpg", "status": "success"},
        {"message": "https://evil.example.org/a.jpg", "status": "success"},
        {"message": "https://user:pw@images.dog.ceo/a.jpg", "status": "success"},
        {"message": "https://images.dog.ceo/" + "a" * 600, "status": "success"},
    ],
)
def test_random_picture_url_refuses_answers_that_are_not_an_allowed_https_url(dog_ceo, body):
    dog_ceo.expect_request(RANDOM).respond_with_json(body)

    with pytest.raises(DogCeoInvalidAnswer):
        clients.random_picture_url()


def test_random_picture_url_accepts_the_real_hosts_https_urls(dog_ceo):
    dog_ceo.expect_request(RANDOM).respond_with_json(
        {"message": "https://images.dog.ceo/breeds/papillon/n02086910_6483.jpg", "status": "success"}
    )

    assert clients.random_picture_url() == "https://images.dog.ceo/breeds/papillon/n02086910_6483.jpg"


@pytest.mark.parametrize("body", [b"<html>busy</html>", b'{"message": "x"', b"[]", b"NaN"])
def test_random_picture_url_refuses_a_malformed_body(dog_ceo, body):
    dog_ceo.expect_request(RANDOM).respond_with_data(body, content_type="application/json")

    with pytest.raises(DogCeoInvalidAnswer, match="malformed JSON"):
        clients.random_picture_url()


def test_random_picture_url_refuses_a_4xx(dog_ceo):
    dog_ceo.expect_request(RANDOM).respond_with_data("gone", status=404)

    with pytest.raises(DogCeoInvalidAnswer, match="HTTP 404"):
        clients.random_picture_url()


def test_a_500_is_an_upstream_error_that_is_not_an_invalid_answer(dog_ceo):
    dog_ceo.expect_request(RANDOM).respond_with_data("boom", status=500)

    with pytest.raises(UpstreamError) as caught:
        clients.random_picture_url()
    assert not isinstance(caught.value, DogCeoInvalidAnswer)
    assert len(dog_ceo.log) == 1  # no in-request retries: the task retries


def test_a_slow_answer_times_out(dog_ceo, slow_answers, settings):
    settings.OUTBOUND_READ_TIMEOUT = 0.2

    def slow(request):
        slow_answers.wait(0.6)
        return Response("{}", content_type="application/json")

    dog_ceo.expect_request(RANDOM).respond_with_handler(slow)

    with pytest.raises(UpstreamTimeout):
        clients.random_picture_url()


def test_a_closed_port_is_a_connection_error(settings, closed_port):
    settings.DOG_CEO_API_URL = f"http://127.0.0.1:{closed_port}/api"

    with pytest.raises(UpstreamConnectionError):
        clients.random_picture_url()


def test_picture_download_reads_allowed_url_and_refuses_others(dog_ceo_ok):
    download = clients.picture_download(dog_ceo_ok.url_for(PICTURE_PATH))

    assert (download.content, download.content_type, download.filename) == (
        PICTURE_BYTES,
        "image/jpeg",
        "n02086910_6483.jpg",
    )
    with pytest.raises(DogCeoInvalidAnswer):
        clients.picture_download("https://evil.example.org/a.jpg")


def test_picture_download_is_size_limited(dog_ceo, settings):
    settings.OUTBOUND_MAX_BYTES = 10
    dog_ceo.expect_request(PICTURE_PATH).respond_with_data(b"x" * 100, content_type="image/jpeg")

    with pytest.raises(UpstreamError, match="more than 10 bytes"):
        clients.picture_download(dog_ceo.url_for(PICTURE_PATH))
