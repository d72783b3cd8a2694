"""The recharges' routes, at the root as the Jeitto specification's clients call them.

Mapped explicitly with `as_view({method: action})`, as petshop/urls.py does,
because a DRF router cannot give the collection `PUT`, `PATCH` and `DELETE`
(the specification names the company in `?company_id=`), nor only `GET` and
`POST` on `/PhoneRecharges` with no detail route. Each mapping passes what a
router would (`basename`, `detail`, `suffix`). Every other method is 405 with
`Allow` (core.middleware.UnsupportedMethodMiddleware reads these mappings);
the twin of each path, with or without a trailing slash, is config.urls'.
"""

from django.urls import path

from recharges.views import CompanyProductsViewSet, PhoneRechargeViewSet

app_name = "recharges"

company_products_list = CompanyProductsViewSet.as_view(
    {"get": "list", "post": "create", "put": "update", "patch": "partial_update", "delete": "destroy"},
    basename="company-products",
    detail=False,
    suffix="List",
)
company_products_detail = CompanyProductsViewSet.as_view(
    {"get": "retrieve", "put": "update_by_path", "patch": "partial_update_by_path", "delete": "destroy_by_path"},
    basename="company-products",
    detail=True,
    suffix="Instance",
)
phone_recharges = PhoneRechargeViewSet.as_view(
    {"get": "list", "post": "create"}, basename="phone-recharges", detail=False, suffix="List"
)

urlpatterns = [
    path("CompanyProducts", company_products_list, name="company-products-list"),
    path("CompanyProducts/<str:company_id>", company_products_detail, name="company-products-detail"),
    path("PhoneRecharges", phone_recharges, name="phone-recharges"),
]
