"""`/PhoneRecharges`: examples 2.1 to 2.3, every validation rule, scoping to the caller, 405."""

import json
import uuid
from decimal import Decimal

import pytest

from recharges.models import Product, Recharge
from recharges.tests.factories import RechargeFactory

pytestmark = pytest.mark.django_db

REQUEST = {"company_id": "claro_11", "product_id": "claro_10", "phone_number": "5511999999999", "value": 10.00}


def post(client, body, **headers):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/PhoneRecharges", data=data, content_type="application/json", **headers)


def raw(body: dict, value_text: str) -> str:
    """The body with `value` written exactly as `value_text` (json.dumps would write a float its own way)."""
    return json.dumps({**body, "value": "VALUE"}).replace('"VALUE"', value_text)


# --- POST: example 2.1 -> 2.2 -------------------------------------------------------


def test_post_buys_recharge_and_answers_example_2_2(auth_client, user, carriers):
    response = post(auth_client, raw(REQUEST, "10.00"))

    assert response.status_code == 201
    body = response.json()
    assert list(body) == ["id", "created_at", "company_id", "product_id", "phone_number", "value"]
    recharge = Recharge.objects.get()
    assert body["id"] == str(recharge.id)
    assert body["created_at"] == recharge.created_at.isoformat().replace("+00:00", "Z")
    assert {key: body[key] for key in ("company_id", "product_id", "phone_number")} == {
        "company_id": "claro_11",
        "product_id": "claro_10",
        "phone_number": "5511999999999",
    }
    assert b'"value":10.00}' in response.content
    assert response["Location"] == f"/PhoneRecharges?id={recharge.id}"
    assert "Idempotent-Replayed" not in response
    assert (recharge.owner, recharge.value, recharge.product_id) == (user, Decimal("10.00"), "claro_10")


@pytest.mark.parametrize("value_text", ["10", "10.0", "10.00", "10.000", '"10.00"'])
def test_value_equal_to_the_products_to_the_cent_is_accepted(auth_client, carriers, value_text):
    assert post(auth_client, raw(REQUEST, value_text)).status_code == 201
    assert Recharge.objects.get().value == Decimal("10.00")


def test_value_is_stored_as_decimal_without_float_rounding(auth_client, carriers):
    Product.objects.filter(id="claro_10").update(value=Decimal("0.30"))

    assert post(auth_client, raw(REQUEST, "0.30")).status_code == 201
    assert Recharge.objects.get().value == Decimal("0.30")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"company_id": "oi_31"}, "company_id"),
        ({"product_id": "oi_10"}, "product_id"),
        ({"product_id": "tim_10"}, "product_id"),
        ({"value": 20}, "value"),
        ({"value": 10.001}, "value"),
        ({"value": 9.99}, "value"),
        ({"value": 0}, "value"),
        ({"value": -10}, "value"),
        ({"value": True}, "value"),
        ({"value": None}, "value"),
        ({"phone_number": "5520999999999"}, "phone_number"),
        ({"phone_number": "5511899999999"}, "phone_number"),
        ({"phone_number": "551199999999"}, "phone_number"),
        ({"phone_number": 5511999999999}, "phone_number"),
        ({"phone_number": "+5511999999999"}, "phone_number"),
        ({"company_id": None}, "company_id"),
    ],
)
def test_post_refuses_invalid_purchase_naming_the_field(auth_client, carriers, change, field):
    response = post(auth_client, {**REQUEST, **change})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert not Recharge.objects.exists()


@pytest.mark.parametrize("missing", ["company_id", "product_id", "phone_number", "value"])
def test_post_refuses_missing_field(auth_client, carriers, missing):
    body = {key: value for key, value in REQUEST.items() if key != missing}

    response = post(auth_client, body)

    assert response.status_code == 400
    assert missing in response.json()["errors"]


def test_post_refuses_value_with_fraction_of_a_cent_written_exactly(auth_client, carriers):
    response = post(auth_client, raw(REQUEST, "10.0000000000000001"))

    assert response.status_code == 400
    assert "value" in response.json()["errors"]


def test_post_refuses_malformed_json_and_non_finite_numbers(auth_client, carriers):
    assert post(auth_client, "{").status_code == 400
    assert post(auth_client, raw(REQUEST, "NaN")).status_code == 400
    assert post(auth_client, raw(REQUEST, "Infinity")).status_code == 400
    assert post(auth_client, "[]").status_code == 400


def test_post_needs_a_token(api_client, carriers):
    response = post(api_client, REQUEST)

    assert response.status_code == 401
    assert not Recharge.objects.exists()


# --- GET ?id= and ?phone_number=: examples 2.2 and 2.3 ------------------------------------


def test_get_by_id_answers_example_2_2(auth_client, user, carriers):
    recharge = RechargeFactory(owner=user, product=Product.objects.get(id="claro_10"))

    response = auth_client.get(f"/PhoneRecharges?id={recharge.id}")

    assert response.status_code == 200
    assert response.json() == {
        "id": str(recharge.id),
        "created_at": recharge.created_at.isoformat().replace("+00:00", "Z"),
        "company_id": "claro_11",
        "product_id": "claro_10",
        "phone_number": "5511999999999",
        "value": 10.0,
    }
    assert response.content.endswith(b'"value":10.00}')


def test_get_by_id_of_someone_elses_recharge_is_404(auth_client, other_user, carriers):
    recharge = RechargeFactory(owner=other_user, product=Product.objects.get(id="claro_10"))

    response = auth_client.get(f"/PhoneRecharges?id={recharge.id}")

    assert response.status_code == 404
    assert response.json()["code"] == "recharge_not_found"


def test_get_by_unknown_id_is_404_and_malformed_id_is_400(auth_client, carriers):
    assert auth_client.get(f"/PhoneRecharges?id={uuid.uuid4()}").status_code == 404
    response = auth_client.get("/PhoneRecharges?id=id_da_recarga")
    assert response.status_code == 400
    assert "id" in response.json()["errors"]


def test_staff_reads_everyones_recharges(staff_client, user, other_user, carriers):
    mine = RechargeFactory(owner=user, product=Product.objects.get(id="claro_10"))
    RechargeFactory(owner=other_user, product=Product.objects.get(id="claro_10"))

    assert staff_client.get(f"/PhoneRecharges?id={mine.id}").status_code == 200
    assert len(staff_client.get("/PhoneRecharges?phone_number=5511999999999").json()) == 2


def test_get_by_phone_number_answers_example_2_3_with_the_callers_recharges_only(
    auth_client, user, other_user, carriers
):
    claro_10 = Product.objects.get(id="claro_10")
    first = RechargeFactory(owner=user, product=claro_10)
    second = RechargeFactory(owner=user, product=claro_10)
    RechargeFactory(owner=user, product=claro_10, phone_number="5521999999999")
    RechargeFactory(owner=other_user, product=claro_10)

    response = auth_client.get("/PhoneRecharges?phone_number=5511999999999")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [str(first.id), str(second.id)]
    assert response["X-Total-Count"] == "2"
    assert response.json()[0].keys() == {"id", "created_at", "company_id", "product_id", "phone_number", "value"}


def test_get_by_malformed_phone_number_is_400(auth_client):
    response = auth_client.get("/PhoneRecharges?phone_number=123")

    assert response.status_code == 400
    assert "phone_number" in response.json()["errors"]


def test_get_by_id_and_other_phone_number_is_404(auth_client, user, carriers):
    recharge = RechargeFactory(owner=user, product=Product.objects.get(id="claro_10"))

    assert auth_client.get(f"/PhoneRecharges?id={recharge.id}&phone_number=5521999999999").status_code == 404
    assert auth_client.get(f"/PhoneRecharges?id={recharge.id}&phone_number=5511999999999").status_code == 200


def test_get_needs_a_token(api_client):
    assert api_client.get("/PhoneRecharges?phone_number=5511999999999").status_code == 401


def test_routes_answer_with_trailing_slash(auth_client, carriers):
    assert auth_client.post("/PhoneRecharges/", data=REQUEST, format="json").status_code == 201
    assert auth_client.get("/PhoneRecharges/?phone_number=5511999999999").status_code == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "TRACE"])
@pytest.mark.parametrize("path", ["/PhoneRecharges", "/PhoneRecharges/"])
def test_other_methods_are_405_with_allow(api_client, auth_client, method, path):
    for client in (api_client, auth_client):
        response = client.generic(method, path)

        assert response.status_code == 405
        assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
        assert response.json()["code"] == "method_not_allowed"
