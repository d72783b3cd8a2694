"""`/CompanyProducts`: the specification's shapes, staff-only writes, PROTECT as 409, cache and ETag."""

import importlib
import json
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from recharges.models import Company, Product
from recharges.tests.factories import RechargeFactory

pytestmark = pytest.mark.django_db

CLARO = {"company_id": "claro_11", "products": [{"id": "claro_10", "value": 10.0}, {"id": "claro_20", "value": 20.0}]}
TIM = {"company_id": "tim_11", "products": [{"id": "tim_10", "value": 10.0}, {"id": "tim_20", "value": 20.0}]}
VIVO = {"company_id": "vivo_21", "products": [{"id": "vivo_15", "value": 15.5}]}


def send(client, method: str, path: str, body=None, **extra):
    """A request with a JSON body written as a client would (numbers with their decimals)."""
    data = body if isinstance(body, str) or body is None else json.dumps(body)
    return getattr(client, method)(path, data=data, content_type="application/json", **extra)


# --- Reads: examples 1.1 and 1.2 -------------------------------------------------


def test_list_answers_example_1_2(api_client, only_carriers):
    response = api_client.get("/CompanyProducts")

    assert response.status_code == 200
    assert response.json() == [CLARO, TIM]
    assert response["X-Total-Count"] == "2"


def test_list_filtered_by_company_answers_example_1_1(api_client, carriers):
    response = api_client.get("/CompanyProducts?company_id=claro_11")

    assert response.status_code == 200
    assert response.json() == CLARO


def test_values_are_written_with_their_two_stored_decimals(api_client, carriers):
    body = api_client.get("/CompanyProducts?company_id=claro_11").content

    assert (
        body
        == b'{"company_id":"claro_11","products":[{"id":"claro_10","value":10.00},{"id":"claro_20","value":20.00}]}'
    )


def test_list_filtered_by_unknown_company_is_404(api_client, carriers):
    response = api_client.get("/CompanyProducts?company_id=oi_31")

    assert response.status_code == 404
    assert response.json()["code"] == "company_not_found"


def test_company_by_path_answers_example_1_1_with_and_without_trailing_slash(api_client, carriers):
    assert api_client.get("/CompanyProducts/claro_11").json() == CLARO
    assert api_client.get("/CompanyProducts/claro_11/").json() == CLARO
    assert api_client.get("/CompanyProducts/").status_code == 200


def test_empty_company_id_lists_every_company(api_client, only_carriers):
    assert api_client.get("/CompanyProducts?company_id=").json() == [CLARO, TIM]


def test_data_migration_loads_the_specifications_carriers_once(api_client):
    # Run again on an empty catalogue (a transactional test's flush may have emptied it).
    Company.objects.all().delete()
    seed = importlib.import_module("recharges.migrations.0002_seed_carriers")

    seed.load_carriers(django_apps, None)
    seed.load_carriers(django_apps, None)

    assert api_client.get("/CompanyProducts").json() == [CLARO, TIM]


# --- Writes: permissions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/CompanyProducts"),
        ("put", "/CompanyProducts?company_id=claro_11"),
        ("patch", "/CompanyProducts?company_id=claro_11"),
        ("delete", "/CompanyProducts?company_id=claro_11"),
        ("put", "/CompanyProducts/claro_11"),
        ("patch", "/CompanyProducts/claro_11"),
        ("delete", "/CompanyProducts/claro_11"),
    ],
)
def test_writes_are_for_staff_only(api_client, auth_client, carriers, method, path):
    body = CLARO if method != "post" else VIVO

    assert send(api_client, method, path, body).status_code == 401
    assert send(auth_client, method, path, body).status_code == 403
    assert Company.objects.filter(company_id="claro_11").exists()
    assert not Company.objects.filter(company_id="vivo_21").exists()


def test_reads_are_public(api_client, carriers):
    assert api_client.get("/CompanyProducts").status_code == 200
    assert api_client.get("/CompanyProducts/tim_11").status_code == 200


# --- Create -----------------------------------------------------------------------------


def test_staff_creates_company_with_products(staff_client, carriers):
    response = send(staff_client, "post", "/CompanyProducts", VIVO)

    assert response.status_code == 201
    assert response["Location"] == "/CompanyProducts?company_id=vivo_21"
    assert response.content == b'{"company_id":"vivo_21","products":[{"id":"vivo_15","value":15.50}]}'
    assert Product.objects.get(id="vivo_15").value == Decimal("15.50")


def test_create_of_existing_company_is_409(staff_client, carriers):
    response = send(staff_client, "post", "/CompanyProducts", {"company_id": "claro_11", "products": []})

    assert response.status_code == 409
    assert response.json()["code"] == "company_exists"


def test_create_with_product_of_another_company_is_409(staff_client, carriers):
    body = {"company_id": "vivo_21", "products": [{"id": "claro_10", "value": 10}]}

    response = send(staff_client, "post", "/CompanyProducts", body)

    assert response.status_code == 409
    assert response.json()["code"] == "product_exists"
    assert not Company.objects.filter(company_id="vivo_21").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"company_id": "vivo_21", "products": [{"id": "vivo_1", "value": 10.001}]}', "products[0].value"),
        (
            '{"company_id": "vivo_21", "products": [{"id": "vivo_1", "value": 1}, {"id": "vivo_2", "value": 0}]}',
            "products[1].value",
        ),
        ('{"company_id": "vivo_21", "products": [{"id": "vivo_1", "value": -5}]}', "products[0].value"),
        ('{"company_id": "vivo_21", "products": [{"id": "vivo_1", "value": true}]}', "products[0].value"),
        ('{"company_id": "vivo_21", "products": [{"id": "Vivo 1", "value": 10}]}', "products[0].id"),
        ('{"company_id": "vivo_21", "products": [{"value": 10}]}', "products[0].id"),
        ('{"company_id": "vivo_21", "products": {"id": "vivo_1"}}', "products"),
        ('{"company_id": "vivo_21", "products": [{"id": "v", "value": 1}, {"id": "v", "value": 2}]}', "products"),
        ('{"company_id": "", "products": []}', "company_id"),
        ('{"products": []}', "company_id"),
        ('{"company_id": "vivo_21"}', "products"),
    ],
)
def test_create_refuses_invalid_body_naming_the_field(staff_client, carriers, body, field):
    response = send(staff_client, "post", "/CompanyProducts", body)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Company.objects.filter(company_id="vivo_21").exists()


# --- Replace, update, delete -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/CompanyProducts?company_id=claro_11", "/CompanyProducts/claro_11"])
def test_put_replaces_the_product_list(staff_client, carriers, path):
    body = {"company_id": "claro_11", "products": [{"id": "claro_20", "value": 25}, {"id": "claro_50", "value": 50}]}

    response = send(staff_client, "put", path, body)

    assert response.status_code == 200
    assert response.json() == {
        "company_id": "claro_11",
        "products": [{"id": "claro_20", "value": 25.0}, {"id": "claro_50", "value": 50.0}],
    }
    assert dict(Product.objects.filter(company_id="claro_11").values_list("id", "value")) == {
        "claro_20": Decimal("25.00"),
        "claro_50": Decimal("50.00"),
    }


def test_put_that_would_delete_a_product_with_recharges_is_409_and_changes_nothing(staff_client, carriers):
    RechargeFactory(product=Product.objects.get(id="claro_10"))
    body = {"company_id": "claro_11", "products": [{"id": "claro_20", "value": 25}, {"id": "claro_50", "value": 50}]}

    response = send(staff_client, "put", "/CompanyProducts?company_id=claro_11", body)

    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert dict(Product.objects.filter(company_id="claro_11").values_list("id", "value")) == {
        "claro_10": Decimal("10.00"),
        "claro_20": Decimal("20.00"),
    }


def test_put_with_another_company_id_in_body_is_400(staff_client, carriers):
    response = send(staff_client, "put", "/CompanyProducts?company_id=claro_11", TIM)

    assert response.status_code == 400
    assert "company_id" in response.json()["errors"]


def test_patch_needs_each_products_id_and_value(staff_client, carriers):
    response = send(staff_client, "patch", "/CompanyProducts/claro_11", {"products": [{"id": "claro_30"}]})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["products[0].value"]


def test_patch_without_products_changes_nothing(staff_client, carriers):
    response = send(staff_client, "patch", "/CompanyProducts/claro_11", {})

    assert response.status_code == 200
    assert response.json() == CLARO


def test_options_describes_writes_of_a_company(staff_client, carriers):
    assert staff_client.options("/CompanyProducts/claro_11").status_code == 200
    # DRF describes the route without its PUT when there is no such company.
    assert staff_client.options("/CompanyProducts/oi_31").status_code == 200
    assert staff_client.options("/CompanyProducts").status_code == 200


def test_put_without_company_id_query_is_400(staff_client, carriers):
    response = send(staff_client, "put", "/CompanyProducts", CLARO)

    assert response.status_code == 400
    assert "company_id" in response.json()["errors"]


def test_put_of_unknown_company_is_404(staff_client, carriers):
    response = send(staff_client, "put", "/CompanyProducts/oi_31", {"products": []})

    assert response.status_code == 404


def test_put_taking_another_companys_product_is_409(staff_client, carriers):
    body = {"products": [{"id": "tim_10", "value": 10}]}

    response = send(staff_client, "put", "/CompanyProducts/claro_11", body)

    assert response.status_code == 409
    assert Product.objects.get(id="tim_10").company_id == "tim_11"


@pytest.mark.parametrize("path", ["/CompanyProducts?company_id=claro_11", "/CompanyProducts/claro_11"])
def test_patch_adds_and_changes_products_and_keeps_the_others(staff_client, carriers, path):
    body = {"products": [{"id": "claro_20", "value": "22.50"}, {"id": "claro_30", "value": 30}]}

    response = send(staff_client, "patch", path, body)

    assert response.status_code == 200
    assert response.json()["products"] == [
        {"id": "claro_10", "value": 10.0},
        {"id": "claro_20", "value": 22.5},
        {"id": "claro_30", "value": 30.0},
    ]


@pytest.mark.parametrize("path", ["/CompanyProducts?company_id=vivo_21", "/CompanyProducts/vivo_21"])
def test_delete_removes_company_and_products(staff_client, carriers, path):
    send(staff_client, "post", "/CompanyProducts", VIVO)

    response = staff_client.delete(path)

    assert response.status_code == 204
    assert not Company.objects.filter(company_id="vivo_21").exists()
    assert not Product.objects.filter(id="vivo_15").exists()


@pytest.mark.parametrize("path", ["/CompanyProducts?company_id=claro_11", "/CompanyProducts/claro_11"])
def test_delete_of_company_with_recharges_is_409(staff_client, carriers, path):
    RechargeFactory(product=Product.objects.get(id="claro_20"))

    response = staff_client.delete(path)

    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert Product.objects.filter(company_id="claro_11").count() == 2


def test_delete_of_unknown_company_is_404(staff_client, carriers):
    assert staff_client.delete("/CompanyProducts?company_id=oi_31").status_code == 404


def test_other_methods_are_405_with_allow(staff_client):
    response = staff_client.generic("TRACE", "/CompanyProducts")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"


# --- Cache and ETag ---------------------------------------------------------------------


def test_list_is_served_from_cache_without_database_queries(api_client, only_carriers, django_assert_num_queries):
    api_client.get("/CompanyProducts")

    with django_assert_num_queries(0):
        response = api_client.get("/CompanyProducts?company_id=tim_11")

    assert response.json() == TIM


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/CompanyProducts", VIVO),
        ("put", "/CompanyProducts/tim_11", {"products": [{"id": "tim_10", "value": 12}]}),
        ("patch", "/CompanyProducts?company_id=tim_11", {"products": [{"id": "tim_30", "value": 30}]}),
        ("delete", "/CompanyProducts/tim_11", None),
    ],
)
def test_every_write_invalidates_the_cached_list(
    api_client, staff_client, only_carriers, django_capture_on_commit_callbacks, method, path, body
):
    before = api_client.get("/CompanyProducts").json()

    with django_capture_on_commit_callbacks(execute=True):
        assert send(staff_client, method, path, body).status_code < 300

    after = api_client.get("/CompanyProducts").json()
    assert after != before
    assert after == [
        {
            "company_id": company.company_id,
            "products": [{"id": p.id, "value": float(p.value)} for p in company.products.order_by("value", "id")],
        }
        for company in Company.objects.order_by("company_id")
    ]


def test_etag_and_if_none_match_give_304_until_a_write(
    api_client, staff_client, carriers, django_capture_on_commit_callbacks
):
    first = api_client.get("/CompanyProducts?company_id=claro_11")
    etag = first["ETag"]

    again = api_client.get("/CompanyProducts?company_id=claro_11", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert api_client.get("/CompanyProducts?company_id=claro_11", HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert api_client.get("/CompanyProducts?company_id=claro_11", HTTP_IF_NONE_MATCH='"other"').status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        send(staff_client, "patch", "/CompanyProducts/claro_11", {"products": [{"id": "claro_10", "value": 11}]})

    changed = api_client.get("/CompanyProducts?company_id=claro_11", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_list_etag_differs_per_page_and_filter(api_client, only_carriers):
    whole = api_client.get("/CompanyProducts")["ETag"]
    page = api_client.get("/CompanyProducts?per_page=1")["ETag"]
    one = api_client.get("/CompanyProducts?company_id=claro_11")["ETag"]

    assert len({whole, page, one}) == 3
    assert api_client.get("/CompanyProducts", HTTP_IF_NONE_MATCH=whole).status_code == 304
