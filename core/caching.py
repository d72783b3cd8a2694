"""Cached values derived from database rows, kept coherent with the writes.

A `VersionedCache` keeps, per item (a pet, a product list), values built from
the database, and stamps each value with three tokens: a global one, its
namespace's and its item's. A read fetches the value and the current tokens in
one cache round trip (`get_many`: one MGET with Redis) and uses the value only
when its stamps are the current tokens. A write replaces the item's token once
it has committed (`invalidate`), a bulk change such as an import replaces the
namespace's (`invalidate_all`), and a restored database replaces the global
one (`invalidate_everything`). No value built before a change is used after
it, whatever the interleaving:

- a reader stamps what it builds with the tokens it read *before* reading the
  database, so a value built from rows that a concurrent write then changed
  carries the old token and is never used;
- a missing global or namespace token (never set, expired or evicted) is
  created by the reader with `add` before it builds, and a value is only
  stored under a token that already existed, so losing a token can only cause
  misses, never a stale hit;
- a missing item token (an item read for the first time) is created after the
  build instead, in one atomic step with storing the value, and only if no
  token appeared meanwhile (with Redis, one script; elsewhere `add`, then the
  value if the `add` won). A write invalidates after it commits: if it
  committed after the reader read the database, its token is either there
  before the store (which is then refused) or replaces the reader's token
  after it (so the value is never used).

The second form saves a Redis round trip on every first read of an item; it
is shaped by a benchmark (bench/README.md, "Pets": ids spread uniformly over
100,000 pets, where nearly every read is a first read).

Values expire after `timeout` seconds. What this does not cover: a write whose
invalidation cannot reach the cache (an outage between the commit and the
token's replacement) leaves the old value in use until it expires, and writes
that bypass the owning app's services must invalidate for themselves.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from redis.commands.core import Script
from rest_framework.request import Request

from core.throttling import prefetched_cache

logger = logging.getLogger(__name__)

# Replaced when the whole database is (a restored dump): every namespace's values go.
GLOBAL_STAMP_KEY = "vc:stamp"
# The global token outlives any value; losing it early would only cause misses.
GLOBAL_STAMP_TIMEOUT = 30 * 24 * 3600


def _new_token() -> str:
    return uuid.uuid4().hex


# SET the item's token only if it is missing, and then the value stamped with it;
# one round trip, atomic (KEYS: token, value; ARGV: token, its timeout, value, its timeout).
STORE_UNDER_NEW_TOKEN = Script(
    None,
    b"""
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
    return 1
end
return 0
""",
)


class VersionedCache:
    def __init__(self, namespace: str, timeout: Callable[[], int] | int):
        self.namespace = namespace
        self._timeout = timeout

    @property
    def timeout(self) -> int:
        """Seconds a value is kept; 0 turns the cache off (a callable is read each time, for settings)."""
        return self._timeout() if callable(self._timeout) else self._timeout

    def keys(self, item: str, variant: str = "") -> list[str]:
        """The cache keys that one read of `item` in `variant` fetches: its three tokens, then its value.

        Empty when the cache is off. A caller that already makes a cache round
        trip (the throttle counter) can fetch these in it and hand the result
        to `get_or_build(found=...)`.
        """
        if self.timeout <= 0:
            return []
        # The value's key is hashed: a variant may hold anything (a host, a media type with spaces).
        value_key = f"{self._item_key(item)}:{hashlib.blake2b(variant.encode(), digest_size=16).hexdigest()}"
        return [GLOBAL_STAMP_KEY, self._namespace_key, self._item_key(item), value_key]

    def get_or_build(
        self, item: str, build: Callable[[], Any], variant: str = "", found: dict[str, Any] | None = None
    ) -> Any:
        """The cached value of `item` (in `variant`), or `build()`'s, stored for the next read.

        Exceptions from `build` propagate and nothing is stored; so is a None
        value. Variants of an item (the same row rendered for two hosts, say)
        share its invalidation. `found` is what a `get_many(keys(item,
        variant))` made earlier in this request returned; without it the keys
        are fetched here.
        """
        timeout = self.timeout
        if timeout <= 0:
            return build()
        *token_keys, value_key = self.keys(item, variant)
        if found is None:
            found = cache.get_many([*token_keys, value_key])
        stamps = tuple(found.get(key) for key in token_keys)
        stored = found.get(value_key)
        if isinstance(stored, tuple) and None not in stamps and stored[:-1] == stamps:
            return stored[-1]
        global_token, namespace_token, item_token = stamps
        if item_token is None and global_token is not None and namespace_token is not None:
            # The item's first read: build, then create its token and store the value in one step.
            value = build()
            if value is not None:
                token = _new_token()
                _store_under_new_token(
                    token_keys[-1], token, 2 * timeout, value_key, (*stamps[:-1], token, value), timeout
                )
            return value
        stamps = tuple(
            self._ensure_token(key, token, GLOBAL_STAMP_TIMEOUT if key == GLOBAL_STAMP_KEY else 2 * timeout)
            for key, token in zip(token_keys, stamps, strict=True)
        )
        value = build()
        if value is not None and None not in stamps:
            cache.set(value_key, (*stamps, value), timeout)
        return value

    def invalidate(self, item: str) -> None:
        """Stop using the cached values of `item`: call once the change has committed."""
        cache.set(self._item_key(item), _new_token(), 2 * self.timeout)

    def invalidate_on_commit(self, item: str) -> None:
        """`invalidate(item)` when the current transaction commits (at once outside one)."""
        transaction.on_commit(lambda: self.invalidate(item))

    def invalidate_all(self) -> None:
        """Stop using every cached value of this namespace (after a bulk change has committed)."""
        cache.set(self._namespace_key, _new_token(), 2 * self.timeout)

    @property
    def _namespace_key(self) -> str:
        return f"vc:{self.namespace}:token"

    def _item_key(self, item: str) -> str:
        return f"vc:{self.namespace}:{item}"

    @staticmethod
    def _ensure_token(key: str, token: str | None, timeout: int) -> str | None:
        """The token at `key`, created when missing; None when a concurrent reader or writer got there first."""
        if token is not None:
            return token
        token = _new_token()
        return token if cache.add(key, token, timeout) else None


def _store_under_new_token(
    token_key: str, token: str, token_timeout: int, value_key: str, value: Any, timeout: int
) -> None:
    """Set `token_key` to `token` if it is missing and, only then, `value_key` to `value`."""
    get_client = getattr(getattr(cache, "client", None), "get_client", None)
    if get_client is None:
        # Any other backend: the same, in two round trips (add() is atomic everywhere).
        if cache.add(token_key, token, token_timeout):
            cache.set(value_key, value, timeout)
        return
    try:
        # django-redis: one script, with keys and values made as django-redis makes them.
        encode = cache.client.encode
        STORE_UNDER_NEW_TOKEN(
            keys=[cache.make_key(token_key), cache.make_key(value_key)],
            args=[encode(token), token_timeout, encode(value), timeout],
            client=get_client(write=True),
        )
    except Exception as exc:  # noqa: BLE001 - a cache outage costs a miss, never the request
        logger.warning("cached value not stored: %s", exc)


def invalidate_everything() -> None:
    """Stop using every versioned cached value (after the whole database was replaced)."""
    cache.set(GLOBAL_STAMP_KEY, _new_token(), GLOBAL_STAMP_TIMEOUT)


# --- Rendered bodies: what a cached detail route keeps -------------------------------


class CachedRetrieveMixin:
    """A viewset whose `retrieve` answers from a `VersionedCache` of its rendered body.

    Shaped by a benchmark, not by clarity (bench/README.md: "Pets", "Dogs",
    "Books"): the body is kept as the bytes DRF's `Response` would carry and
    served past it, so a hit reads neither the database nor the serializer,
    and the throttle's round trip fetches it (`cache_keys_to_prefetch`,
    core.throttling.PrefetchesCacheKeys). Every other action answers the
    usual way. A hit skips `get_object`, so this is for public reads only.

    The viewset sets `representations` (its app's cache, which its writes
    invalidate) and `cached_item()` (the key those writes invalidate by). A
    body depends on the row and on `request_variant` (absolute URLs name the
    host; the media type may ask for indentation). `render` reads the
    database and may raise (404); then nothing is stored.
    """

    representations: VersionedCache

    def cached_item(self) -> str:
        """The cache item this request reads: the key the app's writes invalidate."""
        raise NotImplementedError

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return cached_response(request, self.representations, self.cached_item(), self._render_retrieved, self._variant)

    def cache_keys_to_prefetch(self, request: Request) -> list[str]:
        """The keys a retrieve reads, for the throttle to fetch in its own round trip."""
        if getattr(self, "action", None) != "retrieve":
            return []
        return self.representations.keys(self.cached_item(), self._variant)

    @cached_property
    def _variant(self) -> str:
        # Asked twice per read (the throttle's prefetch, then retrieve): built once.
        return request_variant(self.request)

    def _render_retrieved(self) -> bytes:
        return render_body(self, self.get_serializer(self.get_object()).data)


def cached_response(
    request: Request, representations: VersionedCache, item: str, render: Callable[[], bytes], variant: str
) -> HttpResponse:
    """A 200 with the body `representations` keeps for `item` in `variant`, or `render()`'s, stored for next time.

    The throttle's prefetch is used when it fetched the keys (`prefetched_cache`).
    Past DRF's `Response`: the body is already the negotiated renderer's bytes.
    """
    body = representations.get_or_build(item, render, variant, prefetched_cache(request))
    renderer = request.accepted_renderer
    content_type = f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type
    return HttpResponse(body, content_type=content_type)


def render_body(view, data: Any) -> bytes:
    """`data` as the view's negotiated renderer writes it: the bytes DRF's `Response` would carry."""
    return view.request.accepted_renderer.render(data, view.request.accepted_media_type, view.get_renderer_context())


def request_variant(request: Request) -> str:
    """What besides the row a rendered body depends on: scheme and host, and the accepted media type.

    Needs DRF's content negotiation to have run.
    """
    return f"{request.scheme}://{request.get_host()} {request.accepted_media_type}"
