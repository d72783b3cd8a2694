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

from collections.abc import Iterable

from django.conf import settings

from core.caching import VersionedCache

# dogs' own setting: how long a rendered dog is kept; 0 turns the cache off.
# Items are dogs' names; the view reads it through core.caching.CachedRetrieveMixin.
dog_representations = VersionedCache("dogs.dog", timeout=lambda: settings.DOGS_CACHE_SECONDS)


def invalidate_on_commit(names: Iterable[str]) -> None:
    """Drop the cached bodies of the dogs called `names` once the current transaction commits."""
    for name in set(names):
        dog_representations.invalidate_on_commit(name)
