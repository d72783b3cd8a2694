"""`GET /api/dogs/{name}` served from a cache of its rendered body.

Shaped by a benchmark, not by clarity, as `petshop.cache` is: bench/README.md,
"Dogs", has the figures. A hit costs the throttle's round trip (which fetches
the body, see `core.throttling.PrefetchesCacheKeys`) and no database query.

The body is cached per name and variant (`core.caching.request_variant`).
Every change through `dogs.services` and the admin invalidates the names it
touches once it commits (a rename both names), deleting a user the names of
the dogs they owned (dogs.signals: the owner becomes null), a restored dump
everything (`core.caching` has the argument why no stale body is served).
Entries expire after `DOGS_CACHE_SECONDS`.
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpResponse
from rest_framework.request import Request

from core.caching import VersionedCache, body_response
from core.throttling import prefetched_cache

# dogs' own setting: how long a rendered dog is kept; 0 turns the cache off.
dog_representations = VersionedCache("dogs.dog", timeout=lambda: settings.DOGS_CACHE_SECONDS)


def keys(name: str, variant: str) -> list[str]:
    """The cache keys one read of the dog reads (empty when the cache is off), for the throttle to prefetch."""
    return dog_representations.keys(name, variant)


def dog_response(request: Request, name: str, variant: str, render: Callable[[], bytes]) -> HttpResponse:
    """The dog's rendered body from the cache, or `render()`'s (stored for the next read).

    `render` reads the database and may raise (404 for an unknown name); then
    nothing is stored.
    """
    body = dog_representations.get_or_build(name, render, variant, found=prefetched_cache(request))
    return body_response(request, body)


def invalidate_on_commit(names: Iterable[str]) -> None:
    """Drop the cached bodies of the dogs called `names` once the current transaction commits."""
    for name in set(names):
        dog_representations.invalidate_on_commit(name)
