"""PostgreSQL (psycopg2) with Django's connection health check spaced out in time.

With `CONN_HEALTH_CHECKS`, Django runs a `SELECT 1` before a persistent
connection's first query in every request, so that a connection the server
dropped while it sat idle (a restart, an idle timeout, a failover) is replaced
instead of failing the request. That round trip is about 15% of a cheap read
(`bench/README.md`, "Connection health checks"), paid even by a connection that
answered a query a millisecond ago.

This backend skips the check for a connection that was last seen working less
than `HEALTH_CHECK_DELAY` seconds ago (a key of the database's settings,
`DATABASE_HEALTH_CHECK_DELAY` in the environment, 1 s by default; 0 checks before
every request, as Django does), the rule of PgBouncer's `server_check_delay`
(30 s by default there). Seen working means: a request used it and ended without
a database error, so Django did not flag it (`errors_occurred`). A connection
idle for longer is checked as Django checks it. What the delay gives up: a
server restart within the delay of a connection's last request fails the next
request on that connection, as one during a request fails that request anyway.

Shaped by the benchmarks (bench/README.md) rather than needed for clarity:
everything else is Django's own backend.
"""

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    seen_working_at: float | None = None

    @property
    def health_check_delay(self) -> float:
        return float(self.settings_dict.get("HEALTH_CHECK_DELAY", 0))

    def connect(self) -> None:
        super().connect()
        self.seen_working_at = None

    def close_if_unusable_or_obsolete(self) -> None:
        # Django calls this when a request starts and when it ends. The health check
        # flag still set means the connection was used since the last call (Django
        # sets it on a new connection and on every check; we set it on a skipped
        # one, just before its first query), and no error flagged means it worked.
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self.seen_working_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.seen_working_at is not None
            and time.monotonic() - self.seen_working_at < self.health_check_delay
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
