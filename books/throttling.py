"""A second limit for magic codes: how many unknown codes a client may ask for.

The `books_lookup` rate (core.throttling.ScopedThrottle) counts every request
that names a code. This one counts only the answers that no book has the code,
which a family rarely gets and a guesser gets nearly always, so it can be far
stricter without getting in readers' way: once a client has asked for
`BOOKS_UNKNOWN_CODE_RATE` unknown codes in a window, every request of theirs
that names a code is 429 until the window ends.
"""

from django.core.cache import cache

from core.throttling import FixedWindowThrottle, prefetched_cache

# The request attribute that names the count's key when a throttle's round trip prefetched it.
PREFETCHED_KEY_ATTRIBUTE = "unknown_code_count_key"


class UnknownCodeThrottle(FixedWindowThrottle):
    """Refuses a client's code lookups after too many unknown codes; a request itself costs nothing.

    The count grows by `record_unknown_code`, called when a lookup found no
    book; reading it costs no round trip of its own when the view prefetches
    it (`keys_to_prefetch`), one otherwise. A cache outage allows requests,
    as the other throttles do.
    """

    scope = "books_unknown_code"
    # Not a counter of requests: the other throttles' round trip must not increment it.
    counts_requests = False

    def keys_to_prefetch(self, request, view) -> list[str]:
        """The count's cache key, for a view's `cache_keys_to_prefetch` (core.throttling.PrefetchesCacheKeys).

        The first throttle's round trip then reads the count, and
        `allow_request` takes it from there instead of reading the cache again.
        """
        window = self.window(request, view)
        if window is None:
            return []
        setattr(request, PREFETCHED_KEY_ATTRIBUTE, window.key)
        return [window.key]

    def allow_request(self, request, view) -> bool:
        window = self.window(request, view)
        if window is None:
            return True
        self.retry_after = window.retry_after
        found = prefetched_cache(request)
        if found is not None and getattr(request, PREFETCHED_KEY_ATTRIBUTE, None) == window.key:
            count = found.get(window.key)  # absent: no unknown code yet in this window
        else:
            count = cache.get(window.key)
        return (count or 0) < window.limit

    def record_unknown_code(self, request, view) -> None:
        """Count one answer that no book has the requested code."""
        window = self.window(request, view)
        if window is None:
            return
        cache.add(window.key, 0, window.period)
        try:
            cache.incr(window.key)
        except ValueError:
            # The window expired between add() and incr().
            cache.set(window.key, 1, window.period)
