"""The book catalogue's routes, all from one DRF router.

`api/books` and `api/books/{magic_code}` are the BookViewSet's list and detail
routes. The page pictures are the extra actions of PagePictureViewSet,
registered under a prefix that carries the magic code, so the router builds
`api/books/{magic_code}/pages/{number}/picture` and `.../picture.png` (whose
`url_path` is a regex, `picture\\.png`); the viewset has no list or detail
action of its own, so the router adds no other route for it. The lookup
regexes let a code in any case resolve (the selectors upper-case it) and send
anything else to 404. The twin of each path, with or without a trailing
slash, is served by config.urls' last pattern.
"""

from rest_framework.routers import SimpleRouter

from books.views import MAGIC_CODE_REGEX, BookViewSet, PagePictureViewSet

app_name = "books"

router = SimpleRouter(trailing_slash=False)
router.register("books", BookViewSet, basename="book")
router.register(rf"books/(?P<magic_code>{MAGIC_CODE_REGEX})/pages", PagePictureViewSet, basename="book-page")

urlpatterns = router.urls
