"""OpenAPI post-processing: what holds for every operation, documented once.

drf-spectacular documents what each view declares; the errors that the
project-wide machinery produces (validation, auth, throttling, body limits) and
the reading of query strings are the same everywhere, so they are added here
once instead of on every view.
"""

from django.core.validators import RegexValidator
from drf_spectacular import openapi
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "A human sentence."},
        "code": {"type": "string", "description": "A machine-readable code."},
    },
    "required": ["detail", "code"],
}

# The components' shared error schema (add_error_responses puts it there), for a
# view's own `OpenApiResponse(ERROR_SCHEMA_REF, description=..., examples=[...])`.
ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/Error"}


def error_response(
    description: str, *examples: tuple[str, str, str], schema: dict = ERROR_SCHEMA_REF
) -> OpenApiResponse:
    """An error answer for `@extend_schema(responses={409: ...})`: the shared error schema and examples.

    Each example is `(title, detail, code)`: the body the view really answers,
    `{"detail": detail, "code": code}`. `schema` is another component's
    reference where the body has more (a 400's `errors`).
    """
    return OpenApiResponse(
        schema,
        description=description,
        examples=[OpenApiExample(title, value={"detail": detail, "code": code}) for title, detail, code in examples],
    )


# A 400 is input that could not be read at all (malformed JSON, a bad header:
# no `errors`) or a validation failure (`code` "invalid", with `errors`).
# OpenAPI 3.0 cannot make a property required by another one's value.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        **ERROR_SCHEMA["properties"],
        "errors": {
            "type": "object",
            "description": "Messages per field when `code` is `invalid`; `non_field_errors` for the body as a whole.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "code"],
}

_EXAMPLES = {
    "400": (
        "ValidationError",
        {"detail": "Invalid input.", "code": "invalid", "errors": {"name": ["This field is required."]}},
    ),
    "401": ("Error", {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}),
    "403": ("Error", {"detail": "You do not have permission to perform this action.", "code": "permission_denied"}),
    "404": ("Error", {"detail": "Not found.", "code": "not_found"}),
    "413": (
        "Error",
        {"detail": "The request body is larger than the limit of 1048576 bytes.", "code": "payload_too_large"},
    ),
    "415": ("Error", {"detail": 'Unsupported media type "text/plain" in request.', "code": "unsupported_media_type"}),
    "429": ("Error", {"detail": "Request was throttled. Expected available in 30 seconds.", "code": "throttled"}),
    "500": ("Error", {"detail": "Internal server error.", "code": "server_error"}),
}
_MALFORMED_EXAMPLE = {"detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)", "code": "parse_error"}

_DESCRIPTIONS = {
    "400": "Malformed input, or invalid input (`code` `invalid`) with the messages per field in `errors`.",
    "401": "No token, or an invalid or expired one.",
    "403": "Authenticated but not allowed.",
    "404": "Unknown resource.",
    "413": "Request body too large.",
    "415": "Unsupported media type.",
    "429": "Throttled; see `Retry-After`.",
    "500": "Unexpected server error (logged).",
}


def _error_response(status: str) -> dict:
    schema_name, example = _EXAMPLES[status]
    examples = {status: {"value": example}}
    if status == "400":
        examples["malformed"] = {"value": _MALFORMED_EXAMPLE}
    return {
        "description": _DESCRIPTIONS[status],
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{schema_name}"},
                "examples": examples,
            }
        },
    }


def _statuses_for(path: str, method: str, operation: dict) -> list[str]:
    # 429 is added by AutoSchema, which knows whether the view throttles.
    statuses = ["500"]
    security = operation.get("security", [])
    auth_required = bool(security) and {} not in security
    if auth_required:
        statuses += ["401", "403"]
    if "{" in path:
        statuses.append("404")
    if "requestBody" in operation:
        statuses += ["400", "413", "415"]
    elif any(param.get("in") == "query" for param in operation.get("parameters", [])):
        statuses.append("400")
    return statuses


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOK adding the shared error shapes."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status in _statuses_for(path, method, operation):
                responses.setdefault(status, _error_response(status))
            # Error responses a view declared with a description only get the shared body.
            for status, response in responses.items():
                if status in _EXAMPLES and "content" not in response:
                    response["content"] = _error_response(status)["content"]
    return result


def document_query_parameters(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOK: how every query string is read.

    The serializers that read query strings and django-filter's filters both
    take `?dialect=` as no `dialect` at all (the default applies, the filter is
    off), so an optional parameter may be sent empty; required ones still
    refuse an empty value. Both refuse NUL characters in text.
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                if not parameter.get("required", False):
                    parameter["allowEmptyValue"] = True
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and not {"enum", "pattern", "format"} & schema.keys():
                    schema["pattern"] = r"^[^\x00]*$"
    return result


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, with rules it does not document.

    Every CharField refuses NUL characters, and one that trims whitespace and
    may not be blank refuses text that is whitespace alone (a field with its
    own pattern keeps that one). A raw binary body is the upload itself, so a
    request without it is refused: drf-spectacular makes it optional. And 429
    is documented only where the view has a throttle.
    """

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self.view.get_throttles():
            operation["responses"].setdefault("429", _error_response("429"))
        return operation

    def _get_request_for_media_type(self, serializer, direction="request"):
        schema, required = super()._get_request_for_media_type(serializer, direction)
        return schema, required or schema == build_basic_type(OpenApiTypes.BINARY)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and "pattern" not in schema
            and not any(isinstance(validator, RegexValidator) for validator in field.validators)
        ):
            non_blank = field.trim_whitespace and not field.allow_blank
            schema = {**schema, "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$" if non_blank else r"^[^\x00]*$"}
        return schema
