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
- a missing token (never set, expired or evicted) is created by the reader
  with `add` before it builds, and a value is only stored under a token that
  already existed, so losing a token can only cause misses, never a stale hit.

Values expire after `timeout` seconds. What this does not cover: a write whose
invalidation cannot reach the cache (an outage between the commit and the
token's replacement) leaves the old value in use until it expires, and writes
that bypass the owning app's services must invalidate for themselves.
"""

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

# Replaced when the whole database is (a restored dump): every namespace's values go.
GLOBAL_STAMP_KEY = "vc:stamp"
# The global token outlives any value; losing it early would only cause misses.
GLOBAL_STAMP_TIMEOUT = 30 * 24 * 3600


def _new_token() -> str:
    return uuid.uuid4().hex


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


def invalidate_everything() -> None:
    """Stop using every versioned cached value (after the whole database was replaced)."""
    cache.set(GLOBAL_STAMP_KEY, _new_token(), GLOBAL_STAMP_TIMEOUT)
