"""The admin: companies with products inline (invalidating the cached catalogue), purchases read-only."""

import pytest

from recharges.models import Company, IdempotencyKey, Product
from recharges.tests.factories import RechargeFactory

pytestmark = pytest.mark.django_db


def company_form(company_id: str, products: list[tuple[str, str]], initial: int = 0) -> dict:
    data = {
        "company_id": company_id,
        "products-TOTAL_FORMS": str(len(products)),
        "products-INITIAL_FORMS": str(initial),
        "products-MIN_NUM_FORMS": "0",
        "products-MAX_NUM_FORMS": "1000",
    }
    for number, (product_id, value) in enumerate(products):
        data[f"products-{number}-id"] = product_id
        data[f"products-{number}-value"] = value
        data[f"products-{number}-company"] = company_id
    return data


def test_admin_adds_company_with_products_inline_and_the_api_shows_it(
    admin_browser, api_client, carriers, django_capture_on_commit_callbacks
):
    api_client.get("/CompanyProducts")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(
            "/admin/recharges/company/add/", company_form("vivo_21", [("vivo_15", "15.50"), ("vivo_30", "30")])
        )

    assert response.status_code == 302
    assert dict(Product.objects.filter(company_id="vivo_21").values_list("id", "value")) == {
        "vivo_15": 15.5,
        "vivo_30": 30,
    }
    # The cached catalogue was invalidated by the admin's write.
    assert api_client.get("/CompanyProducts?company_id=vivo_21").status_code == 200


def test_admin_refuses_product_value_that_is_not_positive(admin_browser, carriers):
    response = admin_browser.post("/admin/recharges/company/add/", company_form("vivo_21", [("vivo_0", "0")]))

    assert response.status_code == 200
    assert not Company.objects.filter(company_id="vivo_21").exists()


def test_admin_deletes_company_and_invalidates_cache(
    admin_browser, api_client, carriers, django_capture_on_commit_callbacks
):
    api_client.get("/CompanyProducts")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post("/admin/recharges/company/tim_11/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert api_client.get("/CompanyProducts?company_id=tim_11").status_code == 404


def test_admin_does_not_delete_company_that_recharges_refer_to(admin_browser, carriers):
    RechargeFactory(product=Product.objects.get(id="tim_10"))

    response = admin_browser.post("/admin/recharges/company/tim_11/delete/", {"post": "yes"})

    assert response.status_code == 200
    assert b"Cannot delete company" in response.content
    assert Company.objects.filter(company_id="tim_11").exists()


def test_company_changelist_searches_company_and_product_ids(admin_browser, carriers):
    response = admin_browser.get("/admin/recharges/company/?q=tim_20")

    assert response.status_code == 200
    assert b"tim_11" in response.content
    assert b"claro_11" not in response.content


def test_recharges_and_keys_are_read_only_in_admin(admin_browser, user, carriers):
    recharge = RechargeFactory(owner=user, product=Product.objects.get(id="claro_10"))
    key = IdempotencyKey.objects.create(owner=user, key="k", fingerprint="a" * 64, recharge=recharge)

    assert admin_browser.get("/admin/recharges/recharge/").status_code == 200
    assert admin_browser.get("/admin/recharges/recharge/?q=5511999999999").status_code == 200
    assert admin_browser.get(f"/admin/recharges/recharge/{recharge.pk}/change/").status_code == 200
    assert admin_browser.get("/admin/recharges/recharge/add/").status_code == 403
    assert admin_browser.post(f"/admin/recharges/recharge/{recharge.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_browser.get("/admin/recharges/idempotencykey/").status_code == 200
    assert admin_browser.get(f"/admin/recharges/idempotencykey/{key.pk}/change/").status_code == 200
    assert admin_browser.get("/admin/recharges/idempotencykey/add/").status_code == 403


def test_admin_changes_a_products_value_inline(admin_browser, api_client, carriers, django_capture_on_commit_callbacks):
    api_client.get("/CompanyProducts")
    form = company_form("claro_11", [("claro_10", "11.00"), ("claro_20", "20.00")], initial=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post("/admin/recharges/company/claro_11/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Product.objects.get(id="claro_10").value == 11
    assert Product.objects.filter(company_id="claro_11").count() == 2
    assert api_client.get("/CompanyProducts?company_id=claro_11").json()["products"][0]["value"] == 11.0
