"""Content negotiation: the short cut gives DRF's own answer; other headers still go through DRF."""

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.negotiation import ContentNegotiation
from petshop.tests.factories import PetFactory

pytestmark = pytest.mark.django_db

RENDERERS = [JSONRenderer(), BrowsableAPIRenderer()]


def negotiate(negotiation, path="/pet", format_suffix=None, **headers):
    request = Request(APIRequestFactory().get(path, headers=headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, RENDERERS, format_suffix)
    except (NotAcceptable, Http404) as exc:
        return type(exc)
    return type(renderer), media_type


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"accept": "*/*"},
        {"accept": "application/json"},
        {"accept": "application/json; indent=2"},
        {"accept": "text/html"},
        {"accept": "text/html, application/json;q=0.9"},
        {"accept": "application/*"},
    ],
    ids=["none", "any", "json", "json-indent", "html", "ranked", "wildcard-subtype"],
)
@pytest.mark.parametrize("path", ["/pet", "/pet?format=api", "/pet?format=json", "/pet?format=xml"])
def test_the_answer_is_drf_own(headers, path):
    assert negotiate(ContentNegotiation(), path, **headers) == negotiate(DefaultContentNegotiation(), path, **headers)


def test_a_format_suffix_is_still_honoured():
    assert negotiate(ContentNegotiation(), format_suffix="api", accept="*/*") == (
        BrowsableAPIRenderer,
        "text/html",
    )


def test_routes_still_answer_406_and_indentation(api_client):
    PetFactory()
    assert api_client.get("/pet", headers={"accept": "text/html"}).status_code == 406
    indented = api_client.get("/pet", headers={"accept": "application/json; indent=4"})
    assert indented.content.startswith(b"[\n    {\n")
