"""GitHub-style pagination: a plain JSON array, `Link` and `X-Total-Count` headers.

`?page=N&per_page=M` (default 100, at most 1000; a larger `per_page` is
clamped, as GitHub does). A page past the last one is an empty array.
"""

import math

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class _PageParams(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    per_page = serializers.IntegerField(min_value=1, required=False)


class LinkHeaderPagination(BasePagination):
    default_per_page = 100
    max_per_page = 1000

    def paginate_queryset(self, queryset, request, view=None):
        params = _PageParams(data=request.query_params)
        if not params.is_valid():
            raise ValidationError(params.errors)
        self.page_number = params.validated_data["page"]
        self.per_page = min(params.validated_data.get("per_page", self.default_per_page), self.max_per_page)
        self.request = request
        self.total = (
            queryset.count() if hasattr(queryset, "count") and not isinstance(queryset, list) else len(queryset)
        )
        self.last_page = max(1, math.ceil(self.total / self.per_page))
        start = (self.page_number - 1) * self.per_page
        return list(queryset[start : start + self.per_page]) if start < self.total else []

    def get_paginated_response(self, data):
        headers = {"X-Total-Count": str(self.total)}
        links = self._links()
        if links:
            headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links)
        return Response(data, headers=headers)

    def _links(self) -> list[tuple[str, str]]:
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, "per_page", self.per_page)

        def page_url(number: int) -> str:
            return replace_query_param(url, "page", number)

        links = []
        if self.page_number < self.last_page:
            links.append(("next", page_url(self.page_number + 1)))
        if 1 < self.page_number <= self.last_page + 1:
            links.append(("prev", page_url(min(self.page_number - 1, self.last_page))))
        links.append(("first", page_url(1)))
        links.append(("last", page_url(self.last_page)))
        return links

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": "Page number, from 1. A page past the last one is an empty array.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "required": False,
                "in": "query",
                "description": (
                    f"Items per page (default {self.default_per_page}); a value over {self.max_per_page}"
                    f" is served as {self.max_per_page}."
                ),
                # No `maximum`: a larger value is clamped, not refused.
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
