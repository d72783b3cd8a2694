"""`GET /pet/{petId}` served from a cache of its rendered body.

Shaped by a benchmark, not by clarity: bench/README.md, "Pets", holds the
figures (the route went from 22% to about 50% of a raw WSGI application's
throughput, mostly through this cache and the throttle fetching it in its own
round trip). Other routes and apps render with DRF's `Response` as usual and
copy this only when their own figures ask for it.

The body is cached per pet and variant: the host (the picture URL in it is
absolute) and the accepted media type (which may ask for indentation). Every
write through `petshop.services` invalidates a pet's entries once it commits,
`import_pets` invalidates them all and a restored dump everything
(`core.caching` has the argument why no stale body is served). A hit costs one
cache round trip (shared with the throttle's counter, see
`core.throttling.PrefetchesCacheKeys`) and no database query.
"""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from rest_framework.request import Request

from core.caching import VersionedCache, body_response, rendered_body, request_variant
from core.throttling import prefetched_cache

# petshop's own setting: how long a rendered pet is kept; 0 turns the cache off.
pet_representations = VersionedCache("petshop.pet", timeout=lambda: settings.PET_CACHE_SECONDS)

# What besides the pet a cached body depends on (core.caching.request_variant).
variant_of = request_variant
# The negotiated renderer's bytes for `data` (core.caching.rendered_body).
render = rendered_body


def keys(pet_id: uuid.UUID, variant: str) -> list[str]:
    """The cache keys one read of the pet reads (empty when the cache is off), for the throttle to prefetch."""
    return pet_representations.keys(pet_id.hex, variant)


def pet_response(request: Request, pet_id: uuid.UUID, variant: str, render: Callable[[], bytes]) -> HttpResponse:
    """The pet's rendered body from the cache, or `render()`'s (stored for the next read).

    `render` reads the database and may raise (404 for an unknown pet); then
    nothing is stored.
    """
    body = pet_representations.get_or_build(pet_id.hex, render, variant, found=prefetched_cache(request))
    return body_response(request, body)
