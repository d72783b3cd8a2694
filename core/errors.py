"""One error contract for the whole service.

Every 4xx/5xx body is `{"detail": "<sentence>", "code": "<machine_code>"}`, plus
`"errors": {field: [messages]}` for validation failures. Domain code raises the
exceptions below (they carry their status and code, as DRF's own do); the DRF
exception handler and the plain-Django handlers turn everything into that shape.
"""

import logging
import math
from collections.abc import Mapping, Sequence
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)


class ServiceError(exceptions.APIException):
    """Base of the domain exceptions: a status, a machine code and a sentence."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = "The request cannot be processed."


class NotFound(ServiceError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_detail = "Not found."


class Conflict(ServiceError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state of the resource."


class PayloadTooLarge(ServiceError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class UnsupportedMediaType(ServiceError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media_type"
    default_detail = "Unsupported media type."


class UnprocessableEntity(ServiceError):
    """422: e.g. an Idempotency-Key reused with a different request body."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable_entity"
    default_detail = "The request cannot be processed."


class UpstreamError(ServiceError):
    """502: an outside service failed or answered something unusable."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "upstream_error"
    default_detail = "An upstream service failed."


class UpstreamUnavailable(UpstreamError):
    """503: an outside service is unavailable or its rate limit is exhausted.

    `retry_after` (seconds, when the upstream said) is answered as `Retry-After`:
    it is stored as `wait`, the attribute the exception handler (like DRF's
    `Throttled`) turns into that header.
    """

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "upstream_unavailable"
    default_detail = "An upstream service is unavailable."

    def __init__(self, detail=None, code=None, retry_after: float | None = None) -> None:
        super().__init__(detail, code)
        # Whole seconds, rounded up, so a client never comes back too early.
        self.retry_after: int | None = None if retry_after is None else max(0, math.ceil(retry_after))
        self.wait = self.retry_after


class UpstreamTimeout(UpstreamError):
    """504: an outside service did not answer in time."""

    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_code = "upstream_timeout"
    default_detail = "An upstream service did not answer in time."


def error_body(detail: str, code: str, errors: Mapping | None = None) -> dict:
    body = {"detail": str(detail), "code": str(code)}
    if errors is not None:
        body["errors"] = errors
    return body


def default_code_for_status(status_code: int) -> str:
    """A machine code for a bare status, e.g. 404 -> `not_found`."""
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        return "error"
    return phrase.lower().replace(" ", "_").replace("-", "_").replace("'", "")


def default_detail_for_status(status_code: int) -> str:
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        return "Error."
    return f"{phrase[0]}{phrase[1:].lower()}."


def _first_code(detail) -> str | None:
    """The code of the first ErrorDetail inside a (possibly nested) DRF detail."""
    if isinstance(detail, exceptions.ErrorDetail):
        return detail.code
    if isinstance(detail, Mapping):
        for value in detail.values():
            code = _first_code(value)
            if code:
                return code
    elif isinstance(detail, Sequence) and not isinstance(detail, str):
        for value in detail:
            code = _first_code(value)
            if code:
                return code
    return None


def _validation_body(exc: exceptions.ValidationError) -> dict:
    return error_body("Invalid input.", "invalid", flat_errors(exc.detail))


def flat_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """A DRF validation detail as the contract's one level of `field: [messages]`.

    Nested serializers and lists of them are named by path: `products[0].value`,
    `pages[1].text`. DRF reports a list's items by position (or by an int key
    for a ListField) and a nested serializer's own errors under
    `non_field_errors`, which are filed under the nested field's own path.
    Errors that belong to no field (a bare message) are `non_field_errors`.
    """
    if isinstance(detail, Mapping):
        items = detail.items()
    elif isinstance(detail, (list, tuple)) and any(isinstance(item, (Mapping, list, tuple)) for item in detail):
        items = enumerate(detail)
    else:
        messages = detail if isinstance(detail, (list, tuple)) else [detail]
        return {prefix or "non_field_errors": [str(message) for message in messages]}
    flat: dict[str, list[str]] = {}
    for key, item in items:
        if isinstance(key, int):
            name = f"{prefix}[{key}]"
        elif key == "non_field_errors" and prefix:
            name = prefix
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if item:
            for field, messages in flat_errors(item, name).items():
                flat.setdefault(field, []).extend(messages)
    return flat


def _api_exception_body(exc: exceptions.APIException) -> dict:
    detail = exc.detail
    # simplejwt puts a dict with its own "detail" and "code" in `detail`.
    if isinstance(detail, Mapping) and "detail" in detail:
        return error_body(detail["detail"], detail.get("code") or exc.default_code)
    if isinstance(detail, (list, Mapping)):
        return error_body(exc.default_detail, _first_code(detail) or exc.default_code)
    return error_body(detail, getattr(detail, "code", None) or exc.default_code)


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception becomes the contract's JSON body.

    Unknown exceptions are logged with their traceback and answered with a JSON
    500, also with DEBUG on, so no client ever sees a traceback.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))

    if not isinstance(exc, exceptions.APIException):
        view = context.get("view")
        logger.exception("Unhandled exception in %s", type(view).__name__ if view else "view")
        set_rollback()
        return Response(
            error_body("Internal server error.", "server_error"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    body = _validation_body(exc) if isinstance(exc, exceptions.ValidationError) else _api_exception_body(exc)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def json_error_response(status_code: int, detail: str | None = None, code: str | None = None):
    """A plain-Django JSON error response in the contract's shape."""
    return JsonResponse(
        error_body(
            detail or default_detail_for_status(status_code),
            code or default_code_for_status(status_code),
        ),
        status=status_code,
    )


# Django's handler400/403/404/500 for paths outside DRF views (admin, static, unknown URLs).


def bad_request(request, exception=None):
    return json_error_response(400, "Bad request.", "bad_request")


def permission_denied(request, exception=None):
    return json_error_response(403, "You do not have permission to perform this action.", "permission_denied")


def page_not_found(request, exception=None):
    return json_error_response(404, "Not found.", "not_found")


def server_error(request):
    return json_error_response(500, "Internal server error.", "server_error")
