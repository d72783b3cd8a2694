"""Request throttling that costs one cache round trip per request.

DRF's own rate throttles keep a list of request timestamps per client and read
and rewrite that pickled list on every request, once per throttle class. Here a
fixed-window counter is incremented atomically instead: with Redis one
server-side script (INCR, and EXPIRE on the window's first request), elsewhere
the cache's add() and incr(). The price of a fixed window is that a client may
send up to twice its rate across a window boundary, which is acceptable for
abuse protection.

A view that will read the cache may say which keys (the `PrefetchesCacheKeys`
protocol below); the counter's round trip fetches them too, so that a read
served from the cache costs one round trip in all, not two. That hook is shaped
by a benchmark, not by clarity: it exists for the cached detail routes
(`core.caching.CachedRetrieveMixin`: pets, dogs, books; bench/README.md,
"Pets": the cached pet route went from 42% to 49% of a raw WSGI application's
throughput). A view that reads the cache at ordinary rates just reads it.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read on every request
so that settings overrides apply.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.cache import cache
from redis.commands.core import Script
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# The view method of the prefetch protocol, and the request attribute its answer is left in.
PREFETCH_HOOK = "cache_keys_to_prefetch"
PREFETCHED_CACHE_ATTRIBUTE = "prefetched_cache"
# The request attribute with this request's throttle counts, by counter key.
COUNTS_ATTRIBUTE = "throttle_counts"


class PrefetchesCacheKeys(Protocol):
    """A view whose handler will read cache keys that the throttle can fetch in its own round trip.

    The contract, for any view (no base class needed; the throttle looks the
    method up by name, `PREFETCH_HOOK`):

    - `cache_keys_to_prefetch(request)` is called while DRF checks throttles,
      after authentication and content negotiation, before the handler. It
      returns the raw cache keys (as given to `cache.get_many`) the handler is
      about to read for this request, or an empty list; it must not read the
      cache or the database itself.
    - When the throttle's round trip could read them, the request carries
      `get_many(keys)`'s answer (keys missing from the cache are absent) as
      `prefetched_cache(request)`. When that is None (no throttle applied to
      the request, or the cache could not be read), the handler reads the
      cache itself: the prefetch only saves a round trip, it never decides
      an answer.

    Benchmark-shaped, for the cached detail routes (see this module's docstring).
    """

    def cache_keys_to_prefetch(self, request: Request) -> list[str]: ...


def prefetched_cache(request: Request) -> dict[str, Any] | None:
    """What the throttle fetched for a `PrefetchesCacheKeys` view, None when it fetched nothing."""
    return getattr(request, PREFETCHED_CACHE_ATTRIBUTE, None)


def parse_rate(rate: str) -> tuple[int, int]:
    """`"100/hour"` -> (100, 3600)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period[0].lower()]


# INCR each of the first ARGV[1] keys, starting its expiry (the next ARGV) with
# the window's first request; then MGET of the other keys, if any (what the view
# will read from the cache). Atomic, one round trip, sent by its digest (and
# loaded again if the server has lost it).
INCREMENT_SCRIPT = Script(
    None,
    b"""
local counters = tonumber(ARGV[1])
local answer = {}
for i = 1, counters do
    local count = redis.call('INCR', KEYS[i])
    if count == 1 then
        redis.call('EXPIRE', KEYS[i], ARGV[i + 1])
    end
    answer[i] = count
end
if #KEYS > counters then
    local values = redis.call('MGET', unpack(KEYS, counters + 1))
    for i = 1, #values do
        answer[counters + i] = values[i]
    end
end
return answer
""",
)


def _increment(counters: dict[str, int], fetch: list[str]) -> tuple[dict[str, int] | None, dict[str, Any] | None]:
    """Add one to each counter (key: its timeout in seconds) and read the cache keys `fetch`.

    Returns the counts by key, None when the cache is unreachable, and
    `get_many(fetch)`'s answer, None when it could not be read.
    """
    get_client = getattr(getattr(cache, "client", None), "get_client", None)
    if get_client is not None:
        # django-redis: the counters and the reads in one script.
        try:
            client = get_client(write=True)
            # Made as django-redis makes them (no memcached key checks).
            keys = [cache.make_key(name) for name in (*counters, *fetch)]
            answer = INCREMENT_SCRIPT(keys=keys, args=[len(counters), *counters.values()], client=client)
            decode = cache.client.decode
            counts = dict(zip(counters, map(int, answer[: len(counters)]), strict=True))
            values = answer[len(counters) :]
            # A missing key is nil in the reply (false inside the script).
            found = {name: decode(value) for name, value in zip(fetch, values, strict=True) if value is not None}
            return counts, found
        except Exception as exc:  # noqa: BLE001 - a cache outage must not take the API down
            logger.warning("throttle counter unavailable, request allowed: %s", exc)
            return None, None
    counts = {}
    for key, timeout in counters.items():
        cache.add(key, 0, timeout)
        try:
            counts[key] = cache.incr(key)
        except ValueError:
            # The window expired between add() and incr().
            cache.set(key, 1, timeout)
            counts[key] = 1
    return counts, cache.get_many(fetch) if fetch else {}


@dataclass(frozen=True)
class Window:
    """A throttle's counter for this request: its cache key, limit and period, and when the window ends."""

    key: str
    limit: int
    period: int
    retry_after: float


class FixedWindowThrottle(BaseThrottle):
    """Allow the `scope`'s rate of requests per period and client; no scope, no limit.

    The first such throttle that DRF asks about a request increments the
    counters of all of the view's throttles that count requests (`counts_requests`),
    in the same round trip; the others find their count on the request. DRF
    asks every throttle of a view about every request, so each counter still
    counts each request once. Shaped by a benchmark (bench/README.md, "Books":
    a book's read has two counters), not by clarity.
    """

    scope: str | None = None
    # False for a throttle that decides from a count it does not increment per request.
    counts_requests = True

    def get_scope(self, request, view) -> str | None:
        return self.scope

    def get_client_key(self, request, view) -> str:
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"ip:{self.get_ident(request)}"

    def window(self, request, view) -> Window | None:
        """This request's counter, None when the scope has no rate."""
        scope = self.get_scope(request, view)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope) if scope else None
        if not rate:  # unset, None or empty: no limit
            return None
        limit, period = parse_rate(rate)
        now = time.time()
        number = int(now // period)
        key = f"throttle:{scope}:{self.get_client_key(request, view)}:{number}"
        return Window(key, limit, period, period - (now - number * period))

    def allow_request(self, request, view) -> bool:
        window = self.window(request, view)
        if window is None:
            return True
        self.retry_after = window.retry_after
        counts = getattr(request, COUNTS_ATTRIBUTE, {})
        if window.key not in counts:
            counts = self._count(request, view, window)
        count = counts.get(window.key)
        return count is None or count <= window.limit

    def _count(self, request, view, window: Window) -> dict[str, int | None]:
        """Increment this and the view's other request counters in one round trip; the counts by key."""
        counters = {window.key: window.period}
        for throttle in view.get_throttles() if hasattr(view, "get_throttles") else ():
            if isinstance(throttle, FixedWindowThrottle) and throttle.counts_requests:
                other = throttle.window(request, view)
                if other is not None:
                    counters.setdefault(other.key, other.period)
        fetch = []
        if prefetched_cache(request) is None:
            hook = getattr(view, PREFETCH_HOOK, None)
            fetch = hook(request) if hook is not None else []
        counts, found = _increment(counters, fetch)
        if fetch and found is not None:
            setattr(request, PREFETCHED_CACHE_ATTRIBUTE, found)
        # Unreachable cache: every counter allows (None), as one counter alone would.
        counts = counts if counts is not None else dict.fromkeys(counters)
        setattr(request, COUNTS_ATTRIBUTE, counts)
        return counts

    def wait(self) -> float:
        return self.retry_after


class ClientRateThrottle(FixedWindowThrottle):
    """The default throttle: the `user` rate for authenticated clients, the `anon` rate by address otherwise."""

    def get_scope(self, request, view) -> str:
        return "user" if request.user and request.user.is_authenticated else "anon"


class ScopedThrottle(FixedWindowThrottle):
    """A rate for one kind of request, named by the view's `throttle_scope` (e.g. `token`)."""

    def get_scope(self, request, view) -> str | None:
        return getattr(view, "throttle_scope", None)
