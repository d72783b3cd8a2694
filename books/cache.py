"""`GET /api/books/{magic_code}` served from a cache of its rendered body.

Shaped by a benchmark, not by clarity, as `petshop.cache` is: bench/README.md,
"Books", has the figures. A hit costs the throttles' round trips (the first
one fetches the body, see `core.throttling.PrefetchesCacheKeys`) and no
database query; the pages and their picture URLs need none either.

The body is cached per book (its magic code, which never changes) and variant
(`core.caching.request_variant`: the picture URLs are absolute). Every write
through `books.services` and the admin invalidates the book's entries once it
commits, a restored dump everything (`core.caching` has the argument why no
stale body is served). Entries expire after `BOOKS_CACHE_SECONDS`.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from rest_framework.request import Request

from core.caching import VersionedCache, body_response
from core.throttling import prefetched_cache

# books' own setting: how long a rendered book is kept; 0 turns the cache off.
book_representations = VersionedCache("books.book", timeout=lambda: settings.BOOKS_CACHE_SECONDS)


def keys(magic_code: str, variant: str) -> list[str]:
    """The cache keys one read of the book reads (empty when the cache is off), for the throttle to prefetch."""
    return book_representations.keys(magic_code, variant)


def book_response(request: Request, magic_code: str, variant: str, render: Callable[[], bytes]) -> HttpResponse:
    """The book's rendered body from the cache, or `render()`'s (stored for the next read).

    `magic_code` is normalised (upper case). `render` reads the database and
    may raise (404 for an unknown code); then nothing is stored.
    """
    body = book_representations.get_or_build(magic_code, render, variant, found=prefetched_cache(request))
    return body_response(request, body)
