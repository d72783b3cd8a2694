"""Routes that answer with and without a trailing slash, at no cost to the others."""

import threading

from django.urls import URLPattern, get_resolver, get_urlconf
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

_resolving = threading.local()


def _never_called(request, *args, **kwargs):  # pragma: no cover - the pattern never matches itself
    raise AssertionError("TrailingSlashTwinPattern returned its own view")


class TrailingSlashTwinPattern(URLPattern):
    """The last URL pattern: a path that nothing matched is resolved as its twin.

    `pet/` resolves as `pet` and `healthz/` as `healthz`; `admin` as `admin/`.
    The twin's own view is called, through every middleware, with no redirect
    (which would turn a client's POST or PUT into a GET). Being last, this
    costs nothing for a path spelled as declared. It adds nothing to
    `reverse()`: URLs are built in the declared spelling.
    """

    def __init__(self):
        super().__init__(RoutePattern("<path:twin>", is_endpoint=True), _never_called)

    def resolve(self, path):
        if not path or getattr(_resolving, "twin", False):
            return None
        twin = path[:-1] if path.endswith("/") else f"{path}/"
        _resolving.twin = True
        try:
            return get_resolver(get_urlconf()).resolve(f"/{twin}")
        except Resolver404:
            return None
        finally:
            _resolving.twin = False

    def check(self):
        return []

    @property
    def lookup_str(self) -> str:
        return f"{__name__}.{type(self).__name__}"
