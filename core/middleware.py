"""Request-level rules that hold for every route of the service."""

from django.conf import settings

from core.errors import json_error_response

JSON_CONTENT_TYPES = ("application/json", "application/problem+json")


class JSONErrorResponseMiddleware:
    """Turn any non-JSON error response into the contract's JSON error body.

    DRF views already answer JSON; this catches what Django itself renders as
    HTML: unknown URLs and tracebacks while DEBUG is on, CSRF failures,
    disallowed hosts, admin 404s. Streaming and file responses are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or response.streaming:
            return response
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type in JSON_CONTENT_TYPES:
            return response
        replacement = json_error_response(response.status_code)
        # Keep the headers that carry meaning for the client (Allow, Retry-After, ...).
        for header in ("Allow", "Retry-After", "WWW-Authenticate", "Location", "Vary"):
            if header in response:
                replacement[header] = response[header]
        return replacement


class UnsupportedMethodMiddleware:
    """Answer 405 with `Allow` for a method the DRF view has no handler for.

    DRF authenticates, checks permissions and throttles before it looks for the
    method's handler, so an anonymous `TRACE /pet/{petId}` got 401 and a user's
    `PUT /dump.sql` 403, where the contract says 405. Django's own views already
    check the method first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if view_class is None:
            return None
        allowed = _allowed_methods(view_class, getattr(view_func, "actions", None))
        if request.method in allowed:
            return None
        response = json_error_response(405, f'Method "{request.method}" not allowed.', "method_not_allowed")
        response["Allow"] = ", ".join(allowed)
        return response


def _allowed_methods(view_class, actions: dict[str, str] | None) -> list[str]:
    """The methods DRF dispatches for the view, as its own `Allow` header lists them."""
    if actions is not None:
        # A viewset routed with {method: action}; OPTIONS is every APIView's own.
        handled = {*actions, "options"}
    else:
        handled = {method for method in view_class.http_method_names if hasattr(view_class, method)}
    if "get" in handled:
        # Django answers HEAD with the GET handler.
        handled.add("head")
    return [method.upper() for method in view_class.http_method_names if method in handled]


class RequestBodyLimitMiddleware:
    """Answer 413 for bodies over the limit before anything reads them.

    The limit is `MAX_REQUEST_BODY_BYTES`. A view class may set its own per
    request with a classmethod `get_max_request_body_bytes(action)`, called
    with the action the request will run (a viewset's action name such as
    `"upload"`, or the lower-case method for other views) and returning a
    number of bytes, or None for the default. It is asked on every request, so
    a limit computed from settings (`core.pictures.upload_body_limit`) follows
    the settings of the moment; an attribute computed when a module is
    imported would not. DRF parsers read the WSGI stream directly, so Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE alone would not stop a large JSON body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error_response(400, "Invalid Content-Length header.", "bad_request")
        limit = _view_body_limit(request, view_func) or settings.MAX_REQUEST_BODY_BYTES
        if length > limit:
            return json_error_response(
                413, f"The request body is larger than the limit of {limit} bytes.", "payload_too_large"
            )
        return None


def _view_body_limit(request, view_func) -> int | None:
    """The view class's own limit for this request (`get_max_request_body_bytes`), None without one."""
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    get_limit = getattr(view_class, "get_max_request_body_bytes", None)
    if get_limit is None:
        return None
    method = request.method.lower()
    actions = getattr(view_func, "actions", None)
    return get_limit(actions.get(method) if actions is not None else method)
