"""`GET /api/books/{magic_code}` served from a cache of its rendered body.

Shaped by a benchmark, not by clarity, as `petshop.cache` is: bench/README.md,
"Books", has the figures. A hit costs the throttles' round trips (the first
one fetches the body, see `core.throttling.PrefetchesCacheKeys`) and no
database query; the pages and their picture URLs need none either.

The body is cached per book (its magic code, which never changes) and variant
(`core.caching.request_variant`: the picture URLs are absolute). Every write
through `books.services` and the admin invalidates the book's entries once it
commits, a restored dump everything (`core.caching` has the argument why no
stale body is served). Entries expire after `BOOKS_CACHE_SECONDS`.
"""

from django.conf import settings

from core.caching import VersionedCache

# books' own setting: how long a rendered book is kept; 0 turns the cache off.
# Items are magic codes in upper case; the view reads it through
# core.caching.CachedRetrieveMixin.
book_representations = VersionedCache("books.book", timeout=lambda: settings.BOOKS_CACHE_SECONDS)
