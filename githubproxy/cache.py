"""`GET /repositories/?username=U&from_local=true` served from a cache of its rendered body.

Shaped by a benchmark, not by clarity, as `petshop.cache` is: bench/README.md,
"GitHub proxy", has the figures. A hit costs the throttle's round trip (which
fetches the body, see `core.throttling.PrefetchesCacheKeys`) and no database
query.

The body is cached per login, in lower case as the route matches it, and
variant (`core.caching.request_variant`). Every change to a stored user or
repository drops the lists it appears in once it commits (`githubproxy.signals`:
the upserts of `githubproxy.services`, the admin, deletions and their cascades,
a renamed login's old and new names), a restored dump everything
(`core.caching` has the argument why no stale body is served). Entries expire
after `GITHUBPROXY_LOCAL_CACHE_SECONDS`.
"""

from collections.abc import Iterable

from django.conf import settings

from core.caching import VersionedCache

# githubproxy's own setting: how long a local list is kept; 0 turns the cache off.
local_lists = VersionedCache("githubproxy.local_list", timeout=lambda: settings.GITHUBPROXY_LOCAL_CACHE_SECONDS)


def item(login: str) -> str:
    """The cache item of a login's local list: the login in lower case."""
    return login.lower()


def invalidate_on_commit(logins: Iterable[str]) -> None:
    """Drop the local lists of these logins once the current transaction commits."""
    for login in {item(login) for login in logins if login}:
        local_lists.invalidate_on_commit(login)
