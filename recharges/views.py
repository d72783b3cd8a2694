"""HTTP layer of the recharges: two viewsets, thin over selectors, services and the catalogue cache.

`CompanyProductsViewSet` is the carriers' catalogue (`/CompanyProducts`, the
company named by `?company_id=` as the specification's client sends it, or in
the path); `PhoneRechargeViewSet` buys and reads recharges (`/PhoneRecharges`,
filtered by `?id=` or `?phone_number=`). Both read JSON numbers as Decimals
and write money with its stored decimals (recharges.parsers, .renderers).
"""

import hashlib

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.openapi import ERROR_SCHEMA_REF, error_response
from recharges import selectors, services
from recharges.cache import cached_catalogue
from recharges.parsers import DecimalJSONParser
from recharges.permissions import IsStaffOrReadOnly
from recharges.renderers import ExactDecimalJSONRenderer, encode
from recharges.selectors import CompanyNotFound
from recharges.serializers import (
    CompanyProductsReplaceSerializer,
    CompanyProductsSerializer,
    CompanyProductsUpdateSerializer,
    RechargeQuerySerializer,
    RechargeRequestSerializer,
    RechargeSerializer,
)

IDEMPOTENCY_KEY_MAX_LENGTH = 255
VALIDATION_SCHEMA_REF = {"$ref": "#/components/schemas/ValidationError"}

# --- Examples: the specification's own ------------------------------------------

CLARO = {"company_id": "claro_11", "products": [{"id": "claro_10", "value": 10.0}, {"id": "claro_20", "value": 20.0}]}
TIM = {"company_id": "tim_11", "products": [{"id": "tim_10", "value": 10.0}, {"id": "tim_20", "value": 20.0}]}
RECHARGE_REQUEST = {"company_id": "claro_11", "product_id": "claro_10", "phone_number": "5511999999999", "value": 10.00}
RECHARGE = {
    "id": "0b9e0d5a-6f1f-4c55-9a49-2f3c8d7e1a10",
    "created_at": "2019-02-01T13:00:00Z",
    **RECHARGE_REQUEST,
}
COMPANY_EXAMPLE = OpenApiExample("Example 1.1", value=CLARO)
CATALOGUE_EXAMPLE = OpenApiExample("Example 1.2", value=[CLARO, TIM], response_only=True)
RECHARGE_REQUEST_EXAMPLE = OpenApiExample("Example 2.1", value=RECHARGE_REQUEST, request_only=True)
RECHARGE_EXAMPLE = OpenApiExample("Example 2.2", value=RECHARGE, response_only=True)
RECHARGES_EXAMPLE = OpenApiExample(
    "Example 2.3", value=[RECHARGE, {**RECHARGE, "created_at": "2019-03-14T13:00:00Z"}], response_only=True
)


def _error(description: str, detail: str, code: str, schema=ERROR_SCHEMA_REF) -> OpenApiResponse:
    """`core.openapi.error_response` with one example, titled by its code."""
    return error_response(description, (code, detail, code), schema=schema)


NOT_FOUND = _error("No company has this company_id.", "No company has this company_id.", "company_not_found")
IN_USE = _error(
    "Recharges refer to the company or to one of its products.",
    "Recharges refer to this company or product, so it cannot be deleted.",
    "in_use",
)
NOT_MODIFIED = OpenApiResponse(description="The representation named in `If-None-Match` is still current; no body.")
COMPANY_QUERY = OpenApiParameter(
    "company_id",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="Only this company, answered as one object (not an array); 404 when unknown.",
    pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
)
COMPANY_QUERY_REQUIRED = OpenApiParameter(
    "company_id",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=True,
    description="The company to change.",
    pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
)
COMPANY_PATH = OpenApiParameter(
    "company_id", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An `ETag` read earlier: 304 while it is current.",
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Changes whenever the body does.",
    response=[200, 304],
)


PRODUCT_TAKEN = _error(
    "A product id in the body belongs to another company.",
    "These product ids belong to another company: tim_10.",
    "product_exists",
)


def _etag(data) -> str:
    """A strong ETag: a hash of the JSON body the data renders to."""
    return '"' + hashlib.blake2b(encode(data).encode(), digest_size=16).hexdigest() + '"'


def _matches(request: Request, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for this header) or is `*`."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def _write_schema(summary: str, description: str, partial: bool = False, path: bool = False):
    return extend_schema(
        operation_id=f"company_products_{'partial_update' if partial else 'update'}{'_by_path' if path else ''}",
        summary=summary,
        description="Staff only. " + description + " A `company_id` in the body must be the one requested"
        " (400 otherwise). 404 when the company is unknown; 409 when a product id belongs to another company.",
        parameters=[COMPANY_PATH if path else COMPANY_QUERY_REQUIRED],
        request=CompanyProductsUpdateSerializer if partial else CompanyProductsReplaceSerializer,
        responses={
            200: CompanyProductsSerializer,
            404: NOT_FOUND,
            409: PRODUCT_TAKEN
            if partial
            else _error(
                "A product id belongs to another company, or recharges refer to a product the list leaves out.",
                "Recharges refer to a product this list leaves out, so it cannot be deleted.",
                "in_use",
            ),
        },
        examples=[COMPANY_EXAMPLE],
    )


REPLACE_DESCRIPTION = (
    "Replace the company's product list, atomically: products in the body are created or get the new value,"
    " the others are deleted (409, and nothing changes, when recharges refer to one)."
)
UPDATE_DESCRIPTION = "Add the products in the body or change their values; the company's other products stay."


def _delete_schema(path: bool = False):
    return extend_schema(
        operation_id=f"company_products_destroy{'_by_path' if path else ''}",
        summary="Delete a company and its products",
        description="Staff only. 204; 404 when unknown; 409 when recharges refer to the company or one of its"
        " products.",
        parameters=[COMPANY_PATH if path else COMPANY_QUERY_REQUIRED],
        responses={204: OpenApiResponse(description="Deleted."), 404: NOT_FOUND, 409: IN_USE},
    )


class CompanyProductsViewSet(viewsets.GenericViewSet):
    """The carriers' catalogue: public reads (cached, with ETag), staff-only writes."""

    permission_classes = [IsStaffOrReadOnly]
    parser_classes = [DecimalJSONParser]
    renderer_classes = [ExactDecimalJSONRenderer]
    filter_backends: list = []
    serializer_class = CompanyProductsSerializer
    lookup_url_kwarg = "company_id"

    def get_serializer_class(self):
        method = self.request.method if self.request is not None else None
        return {"PUT": CompanyProductsReplaceSerializer, "PATCH": CompanyProductsUpdateSerializer}.get(
            method, CompanyProductsSerializer
        )

    def get_queryset(self):
        return selectors.company_list()

    def get_object(self):
        """The company named in the path or query (OPTIONS asks for it to describe PUT); 404 when unknown."""
        return selectors.company_get(self._company_id())

    def _company_id(self) -> str:
        """The company named in the path, or in `?company_id=` (required on the collection's PUT, PATCH, DELETE)."""
        if self.kwargs.get("company_id"):
            return self.kwargs["company_id"]
        company_id = self.request.query_params.get("company_id", "")
        if not company_id:
            raise ValidationError({"company_id": ["Name the company with the company_id query parameter."]})
        return company_id

    def _conditional(self, request: Request, data) -> Response:
        etag = _etag(data)
        if _matches(request, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})

    def _one_cached(self, company_id: str) -> dict:
        for company in cached_catalogue():
            if company["company_id"] == company_id:
                return company
        raise CompanyNotFound()

    @extend_schema(
        operation_id="company_products_list",
        summary="List companies and their products, or one company",
        description="Public, served from the cache (every write invalidates it). Without `company_id`: an array"
        " of every company (example 1.2), paginated. With `?company_id=`: that company as one object (example"
        " 1.1); 404 when unknown. Values carry their two stored decimals (`10.00`). The `ETag` changes with the"
        " body; `If-None-Match` with a current one answers 304.",
        parameters=[COMPANY_QUERY, IF_NONE_MATCH, ETAG_HEADER],
        responses={
            (200, "application/json"): OpenApiResponse(
                {
                    "oneOf": [
                        {"type": "array", "items": {"$ref": "#/components/schemas/CompanyProducts"}},
                        {"$ref": "#/components/schemas/CompanyProducts"},
                    ]
                },
                description="Every company (an array), or the one asked for (an object).",
                examples=[CATALOGUE_EXAMPLE, OpenApiExample("Example 1.1", value=CLARO, response_only=True)],
            ),
            304: NOT_MODIFIED,
            404: NOT_FOUND,
        },
        auth=[],
    )
    def list(self, request, *args, **kwargs):
        company_id = request.query_params.get("company_id", "")
        if company_id:
            return self._conditional(request, self._one_cached(company_id))
        page = self.paginate_queryset(cached_catalogue())
        response = self._conditional(request, page)
        if response.status_code == status.HTTP_200_OK:
            paginated = self.get_paginated_response(page)
            paginated["ETag"] = response["ETag"]
            return paginated
        return response

    @extend_schema(
        operation_id="company_products_retrieve",
        summary="Read one company and its products",
        description="Public, from the cache; the same answer as `GET /CompanyProducts?company_id=`.",
        parameters=[COMPANY_PATH, IF_NONE_MATCH, ETAG_HEADER],
        responses={
            (200, "application/json"): OpenApiResponse(CompanyProductsSerializer),
            304: NOT_MODIFIED,
            404: NOT_FOUND,
        },
        examples=[OpenApiExample("Example 1.1", value=CLARO, response_only=True)],
        auth=[],
    )
    def retrieve(self, request, *args, **kwargs):
        return self._conditional(request, self._one_cached(self.kwargs["company_id"]))

    @extend_schema(
        operation_id="company_products_create",
        summary="Create a company with its products",
        description="Staff only. Body as example 1.1; 201 with `Location`. 409 when the company exists or a"
        " product id belongs to another company; 400 when a product id is repeated or a value is not a positive"
        " amount exact to the cent.",
        request=CompanyProductsSerializer,
        responses={
            201: CompanyProductsSerializer,
            409: _error(
                "The company, or a product id, exists.",
                "A company with this company_id already exists.",
                "company_exists",
            ),
        },
        examples=[COMPANY_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        serializer = CompanyProductsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = services.company_create(**serializer.validated_data)
        location = f"/CompanyProducts?company_id={company.company_id}"
        return Response(self._represent(company), status=status.HTTP_201_CREATED, headers={"Location": location})

    @_write_schema("Replace a company's products", REPLACE_DESCRIPTION)
    def update(self, request, *args, **kwargs):
        return self._write(request, partial=False)

    @_write_schema("Replace a company's products", REPLACE_DESCRIPTION, path=True)
    def update_by_path(self, request, *args, **kwargs):
        return self._write(request, partial=False)

    @_write_schema("Add or change some of a company's products", UPDATE_DESCRIPTION, partial=True)
    def partial_update(self, request, *args, **kwargs):
        return self._write(request, partial=True)

    @_write_schema("Add or change some of a company's products", UPDATE_DESCRIPTION, partial=True, path=True)
    def partial_update_by_path(self, request, *args, **kwargs):
        return self._write(request, partial=True)

    @_delete_schema()
    def destroy(self, request, *args, **kwargs):
        services.company_delete(self._company_id())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @_delete_schema(path=True)
    def destroy_by_path(self, request, *args, **kwargs):
        services.company_delete(self._company_id())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _write(self, request: Request, *, partial: bool) -> Response:
        company_id = self._company_id()
        serializer_class = CompanyProductsUpdateSerializer if partial else CompanyProductsReplaceSerializer
        serializer = serializer_class(data=request.data, context={"company_id": company_id})
        serializer.is_valid(raise_exception=True)
        products = serializer.validated_data.get("products")
        if partial:
            company = services.company_update(company_id, products=products)
        else:
            company = services.company_replace(company_id, products=products)
        return Response(self._represent(company))

    @staticmethod
    def _represent(company) -> dict:
        return {
            "company_id": company.company_id,
            "products": [{"id": product.id, "value": product.value} for product in company.products.all()],
        }


def idempotency_key_of(request: Request) -> str | None:
    """The `Idempotency-Key` header; 400 when it is sent empty, longer than 255 characters or not printable ASCII."""
    key = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if key is None:
        return None
    problem = None
    if not key.strip():
        problem = "The Idempotency-Key header is empty."
    elif len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        problem = f"The Idempotency-Key header is longer than {IDEMPOTENCY_KEY_MAX_LENGTH} characters."
    elif not all(" " <= char <= "~" for char in key):
        problem = "The Idempotency-Key header must be printable ASCII."
    if problem:
        raise ValidationError({"Idempotency-Key": [problem]})
    return key


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH, "pattern": r"^[ -~]*[!-~][ -~]*$"},
    OpenApiParameter.HEADER,
    description="Optional, recommended: a unique value per purchase (a UUID), kept for 24 hours per caller. A retry"
    " with the same key and body answers the first response again with `Idempotent-Replayed: true` and buys"
    " nothing; the same key with another body is 422; a retry while the first is still running waits for it."
    " Empty, longer than 255 characters or not printable ASCII: 400. A request that fails (400) does not use"
    " up its key.",
)


LOCATION_HEADER = OpenApiParameter(
    "Location", OpenApiTypes.STR, OpenApiParameter.HEADER, description="`/PhoneRecharges?id={id}`.", response=[201]
)
REPLAYED_HEADER = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    enum=["true"],
    description="Present on a replay of an earlier request with the same Idempotency-Key.",
    response=[201],
)


class PhoneRechargeViewSet(viewsets.GenericViewSet):
    """Recharges: buy one (`POST`), read yours (`GET ?id=` or `?phone_number=`). Nothing else is allowed."""

    permission_classes = [IsAuthenticated]
    parser_classes = [DecimalJSONParser]
    renderer_classes = [ExactDecimalJSONRenderer]
    filter_backends: list = []
    serializer_class = RechargeSerializer

    @extend_schema(
        operation_id="phone_recharges_list",
        summary="Read your recharges",
        description="Needs a token. `?id=`: that recharge as one object (example 2.2); 404 when it is unknown or"
        " someone else's (staff read everyone's). `?phone_number=`: an array of your recharges to that number,"
        " oldest first (example 2.3), paginated; with both, the recharge must also match the number. Neither:"
        " all your recharges.",
        parameters=[RechargeQuerySerializer],
        responses={
            (200, "application/json"): OpenApiResponse(
                {
                    "oneOf": [
                        {"type": "array", "items": {"$ref": "#/components/schemas/Recharge"}},
                        {"$ref": "#/components/schemas/Recharge"},
                    ]
                },
                description="One recharge (`?id=`), or an array of them.",
                examples=[RECHARGE_EXAMPLE, RECHARGES_EXAMPLE],
            ),
            404: _error("No recharge of yours has this id.", "No recharge of yours has this id.", "recharge_not_found"),
        },
    )
    def list(self, request, *args, **kwargs):
        # An empty parameter is no parameter (core.openapi documents optional ones so).
        query = RechargeQuerySerializer(data={name: value for name, value in request.query_params.items() if value})
        query.is_valid(raise_exception=True)
        recharges = selectors.recharge_list_for(request.user)
        if "phone_number" in query.validated_data:
            recharges = recharges.filter(phone_number=query.validated_data["phone_number"])
        if "id" in query.validated_data:
            recharge = selectors.recharge_get_for(request.user, query.validated_data["id"])
            if recharge.phone_number != query.validated_data.get("phone_number", recharge.phone_number):
                raise selectors.RechargeNotFound()
            return Response(RechargeSerializer(recharge).data)
        page = self.paginate_queryset(recharges)
        return self.get_paginated_response(RechargeSerializer(page, many=True).data)

    @extend_schema(
        operation_id="phone_recharges_create",
        summary="Buy a recharge",
        description="Needs a token. Body as example 2.1; 201 with the recharge (example 2.2) and `Location`. 400,"
        " naming the field, when the company or product is unknown, the product is not the company's, `value`"
        " is not the product's value to the cent, or `phone_number` is not a Brazilian mobile in E.164 digits."
        " See `Idempotency-Key` for safe retries.",
        parameters=[IDEMPOTENCY_KEY, LOCATION_HEADER, REPLAYED_HEADER],
        request=RechargeRequestSerializer,
        responses={
            201: OpenApiResponse(
                RechargeSerializer,
                description="Bought, or (with `Idempotent-Replayed: true`) bought by an earlier request with this key.",
            ),
            400: _error(
                "Invalid body (`code` `invalid`, the messages per field in `errors`) or Idempotency-Key.",
                "Invalid input.",
                "invalid",
                schema=VALIDATION_SCHEMA_REF,
            ),
            422: _error(
                "The Idempotency-Key was used with a different body.",
                "This Idempotency-Key was already used with a different request body.",
                "idempotency_key_reused",
            ),
        },
        examples=[RECHARGE_REQUEST_EXAMPLE, RECHARGE_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key_of(request)
        body = RechargeRequestSerializer(data=request.data)

        def purchase():
            body.is_valid(raise_exception=True)
            return services.recharge_purchase(owner=request.user, **body.validated_data)

        if key is None:
            bought = services.Purchase(purchase(), replayed=False)
        else:
            # The normalised body when it is valid, so 10 and 10.00 are one request.
            fingerprint = services.request_fingerprint(
                body.validated_data if body.is_valid() else {"raw": request.data}
            )
            bought = services.recharge_purchase_once(
                owner=request.user, key=key, fingerprint=fingerprint, purchase=purchase
            )
        headers = {"Location": f"/PhoneRecharges?id={bought.recharge.id}"}
        if bought.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(RechargeSerializer(bought.recharge).data, status=status.HTTP_201_CREATED, headers=headers)
