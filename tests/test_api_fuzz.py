"""Property-based fuzzing of every operation the service documents.

schemathesis reads the OpenAPI document the service itself serves at
`/openapi.json`, generates valid and invalid requests for each operation and
sends them to the WSGI application in-process. Every response must be no 5xx,
follow the error contract and conform to the documented status codes, content
types and bodies. Each operation is driven anonymously, with a normal user's
bearer token and with a staff token.

The examples are derandomized: a failure reproduces on every run, and the
report names the request with a curl command.
"""

import importlib
import io
import re
import uuid

import pytest
import schemathesis
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from PIL import Image
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.specs.openapi.checks import positive_data_acceptance

from books import services as books_services
from books.tests.factories import BookFactory
from config.wsgi import application
from dogs.tests.factories import DogFactory
from dogs.validators import NAME_PATTERN as DOG_NAME_PATTERN
from githubproxy.tests.standin import FakeGitHub
from petshop import services as petshop_services
from petshop.converters import PetIdConverter
from petshop.tests.factories import PetFactory
from recharges import validators as recharges_validators
from users.models import User

pytestmark = pytest.mark.fuzz

schema = schemathesis.openapi.from_wsgi("/openapi.json", application)

# Operations with input rules that JSON Schema cannot state, so schema-valid
# input may still be 400; their descriptions state the rules. Django's password
# validators refuse common passwords and ones like the user's name; a petId in
# the body must be the one in the path; a dump with its schema is in the
# database's own dialect; an uploaded picture's bytes must decode as an image;
# a book's pages are numbered 1..n without gaps or repeats.
RULES_BEYOND_THE_SCHEMA = {
    # A recharge's product must be its company's and its value the product's;
    # a company_id in a company's body must be the one requested; a product id
    # appears once in a company's list.
    "POST /PhoneRecharges",
    "POST /CompanyProducts",
    "PUT /CompanyProducts",
    "PATCH /CompanyProducts",
    "PUT /CompanyProducts/{company_id}",
    "PATCH /CompanyProducts/{company_id}",
    "POST /api/books",
    "PUT /api/books/{magic_code}",
    "POST /api/books/{magic_code}/pages/{number}/picture",
    "POST /picture/{petId}",
    "POST /api/users",
    "PUT /api/users/{id}",
    "PATCH /api/users/{id}",
    "PUT /pet/{petId}",
    "PATCH /pet/{petId}",
    "GET /dump.sql",
    "POST /dump.sql",
    # A dog's id_user must name an active user; a name is not `is_adopted`.
    "POST /api/dogs/{name}",
    "PUT /api/dogs/{name}",
    "PATCH /api/dogs/{name}",
}

# What exists in every example. Fixed ids, so that generated path parameters
# can name them; the user and the pet are the ones the documentation's
# examples show (sign-up, token and pet examples).
USER_ID = 990_001
STAFF_ID = 990_002
PET_ID = "b7681b0ee1bd455b81ecb4e46a2f4346"
# The magic code of the documentation's book example, created by the user; its
# first page has a picture, its second none.
BOOK_CODE = "QWERTYUI"
EXISTING = {"id": (USER_ID, STAFF_ID), "petId": (PET_ID,), "magic_code": (BOOK_CODE,), "number": (1, 2)}
# claro_11: one of the recharges' example carriers (`recharge_carriers`).
EXISTING["company_id"] = ("claro_11",)
# Lazy: the documentation's dog example, owned by the user (`dog_of_the_user`).
EXISTING["name"] = ("Lazy",)
_PET_ID_PATTERN = re.compile(PetIdConverter.regex)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half of the valid ids drawn name a resource that exists, to reach the code behind a found object.

    Only values of the documented form are swapped, so a deliberately invalid
    id (negative testing) stays invalid.
    """
    swappable = {
        name: st.sampled_from(EXISTING[name])
        # None for an operation without path parameters.
        for name, value in (path_parameters or {}).items()
        if (name in ("id", "number") and type(value) is int)
        or (name == "petId" and isinstance(value, str) and _PET_ID_PATTERN.fullmatch(value))
        or (name == "company_id" and isinstance(value, str) and re.fullmatch(recharges_validators.ID_PATTERN, value))
        or (name == "magic_code" and isinstance(value, str) and re.fullmatch("[A-Za-z]{8}", value))
        or (name == "name" and isinstance(value, str) and re.fullmatch(DOG_NAME_PATTERN, value))
    }
    if not swappable:
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters),
        st.fixed_dictionaries(swappable).map(lambda existing: {**path_parameters, **existing}),
    )


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    # The WSGI handler closes database connections as a request starts and
    # finishes, which would end the test's transaction; Django's test client
    # disconnects the same receiver while it sends a request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(autouse=True)
def github_standin(httpserver, settings) -> FakeGitHub:
    """The GitHub proxy's routes call a local GitHub stand-in that knows every valid user and repository."""
    settings.GITHUB_API_URL = httpserver.url_for("/")
    settings.GITHUB_TOKEN = ""
    return FakeGitHub(httpserver, plausible=True).install()


@pytest.fixture
def accounts(db) -> dict[str, User]:
    """The documentation's sign-up user and a staff member, created before anything else takes an id."""
    return {
        "user": User.objects.create_user(
            id=USER_ID, email="ana@example.org", password="a long passphrase", name="Ana", last_name="Silva"
        ),
        "staff": User.objects.create_user(
            id=STAFF_ID, email="staff@example.org", name="Stella", last_name="Staff", is_staff=True
        ),
    }


@pytest.fixture
def pet_with_picture(db):
    pet = PetFactory(id=uuid.UUID(PET_ID))
    png = io.BytesIO()
    Image.new("RGB", (4, 3), "green").save(png, "PNG")
    return petshop_services.pet_picture_upload(pet, SimpleUploadedFile("dog.png", png.getvalue()))


@pytest.fixture
def book_with_picture(accounts):
    book = BookFactory(magic_code=BOOK_CODE, creator=accounts["user"], pages=3)
    png = io.BytesIO()
    Image.new("RGB", (4, 3), "blue").save(png, "PNG")
    return books_services.page_picture_upload(book.pages.get(number=1), SimpleUploadedFile("p.png", png.getvalue()))


@pytest.fixture(autouse=True)
def recharge_carriers(db) -> None:
    """The recharges' example carriers, claro_11 and tim_11 (a transactional test may have flushed them)."""
    importlib.import_module("recharges.migrations.0002_seed_carriers").load_carriers(django_apps, None)


@pytest.fixture(autouse=True)
def dog_of_the_user(accounts) -> None:
    """The documentation's dog example, owned by the user: their PUT, PATCH and DELETE reach it, staff's too."""
    DogFactory(name="Lazy", owner=accounts["user"], is_adopted=True)


@pytest.fixture(params=["anonymous", "user", "staff"])
def identity_headers(request, accounts, pet_with_picture, book_with_picture) -> dict[str, str]:
    if request.param == "anonymous":
        return {}
    return {"Authorization": f"Bearer {RefreshToken.for_user(accounts[request.param]).access_token}"}


def error_body_follows_contract(ctx, response, case) -> None:
    """Every 4xx/5xx body is JSON `{"detail", "code"}`, plus an `errors` object for `invalid`."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    assert content_type == "application/json", f"error response is {content_type!r}, not JSON"
    body = response.json()
    assert isinstance(body, dict), f"error body is {type(body).__name__}, not an object"
    assert isinstance(body.get("detail"), str), "error body has no string `detail`"
    assert isinstance(body.get("code"), str), "error body has no string `code`"
    if body["code"] == "invalid":
        assert isinstance(body.get("errors"), dict), "validation error body has no `errors` object"


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    # The accounts and the pet behind `identity_headers` are meant to live
    # across examples; each example's own writes are rolled back below.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_api_answers_every_generated_request_as_documented(case, identity_headers):
    # Each example runs in a savepoint that is rolled back, so one example's
    # writes (a user deleting their own account) do not change the next one's.
    with transaction.atomic():
        case.call_and_validate(
            headers=identity_headers,
            additional_checks=[error_body_follows_contract],
            excluded_checks=[positive_data_acceptance] if case.operation.label in RULES_BEYOND_THE_SCHEMA else [],
        )
        transaction.set_rollback(True)
