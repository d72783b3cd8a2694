"""Request throttling that costs one cache round trip per request.

DRF's own rate throttles keep a list of request timestamps per client and read
and rewrite that pickled list on every request, once per throttle class. Here a
fixed-window counter is incremented atomically instead: with Redis one
server-side script (INCR, and EXPIRE on the window's first request), elsewhere
the cache's add() and incr(). The price of a
fixed window is that a client may send up to twice its rate across a window
boundary, which is acceptable for abuse protection.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read on every request
so that settings overrides apply.
"""

import logging
import time

from django.core.cache import cache
from redis.commands.core import Script
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"100/hour"` -> (100, 3600)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period[0].lower()]


# INCR, and start the expiry with the window's first request: atomic, one round
# trip, sent by its digest (and loaded again if the server has lost it).
INCREMENT_SCRIPT = Script(
    None,
    b"""
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
""",
)


def _increment(key: str, timeout: int) -> int | None:
    """Add one to the counter `key` (created with `timeout`); None when the cache is unreachable."""
    get_client = getattr(getattr(cache, "client", None), "get_client", None)
    if get_client is not None:
        # django-redis
        try:
            client = get_client(write=True)
            return int(INCREMENT_SCRIPT(keys=[cache.make_and_validate_key(key)], args=[timeout], client=client))
        except Exception as exc:  # noqa: BLE001 - a cache outage must not take the API down
            logger.warning("throttle counter unavailable, request allowed: %s", exc)
            return None
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:
        # The window expired between add() and incr().
        cache.set(key, 1, timeout)
        return 1


class FixedWindowThrottle(BaseThrottle):
    """Allow the `scope`'s rate of requests per period and client; no scope, no limit."""

    scope: str | None = None

    def get_scope(self, request, view) -> str | None:
        return self.scope

    def get_client_key(self, request, view) -> str:
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"ip:{self.get_ident(request)}"

    def allow_request(self, request, view) -> bool:
        scope = self.get_scope(request, view)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope) if scope else None
        if rate is None:
            return True
        limit, period = parse_rate(rate)
        now = time.time()
        window = int(now // period)
        self.retry_after = period - (now - window * period)
        count = _increment(f"throttle:{scope}:{self.get_client_key(request, view)}:{window}", period)
        return count is None or count <= limit

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
