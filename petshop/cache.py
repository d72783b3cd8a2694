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

from django.conf import settings

from core.caching import VersionedCache

# petshop's own setting: how long a rendered pet is kept; 0 turns the cache off.
# Items are pets' ids in hex (`Pet.pet_id`); the view reads it through
# core.caching.CachedRetrieveMixin.
pet_representations = VersionedCache("petshop.pet", timeout=lambda: settings.PET_CACHE_SECONDS)
