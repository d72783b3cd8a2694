"""`GET /CompanyProducts` served from the cache, invalidated by every write to the catalogue.

The whole catalogue (a few carriers with a few products each) is one item of
a `core.caching.VersionedCache`: a read builds it once and every later read,
filtered or not, is served from it until a write to a company or product
commits (`catalogue_changed`). The argument why no stale catalogue is served is
in core.caching. Not shaped by a benchmark: this is the clear, generic way.
"""

from django.conf import settings

from core.caching import VersionedCache
from recharges import selectors

CATALOGUE = "catalogue"

catalogue_cache = VersionedCache("recharges.catalogue", timeout=lambda: settings.RECHARGES_CATALOGUE_CACHE_SECONDS)


def cached_catalogue() -> list[dict]:
    """Every company with its products, from the cache when it is there."""
    return catalogue_cache.get_or_build(CATALOGUE, selectors.catalogue)


def catalogue_changed() -> None:
    """Stop serving the cached catalogue once the current transaction commits (at once outside one)."""
    catalogue_cache.invalidate_on_commit(CATALOGUE)
