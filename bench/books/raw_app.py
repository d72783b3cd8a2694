"""The baseline for the book route: the least a WSGI application can do to answer it.

`GET /api/books/{magic_code}` reads the same rows from the same PostgreSQL
tables with psycopg2 (one connection per thread, kept open, autocommit) in the
same shape as the service's two queries (books.selectors.book_get: the book by
its upper-cased code through the unique index, then its pages by `book_id`
ordered by number) and answers the same JSON body as the service, byte for
byte (the benchmark compares them before it loads anything): the book's
fields in the serializer's order, the pages in page order, each page's
`picture_url` absolute (`https://` behind the proxy, the request's host) or
null, the times in UTC as DRF writes them (`...Z`), compact JSON with non-ASCII
characters as they are. The code is read in any case, as the service reads it;
an unknown code is the service's 404 body. Nothing else: no framework, no
middleware, no auth, no throttling, no validation beyond the path pattern.
"""

import re
from datetime import UTC

from bench import raw

PATH = re.compile(r"/api/books/([A-Za-z]{8})/?")
BOOK_QUERY = (
    "SELECT id, magic_code, title, author, teacher, created_at, updated_at FROM books_book WHERE magic_code = %s"
)
PAGES_QUERY = "SELECT number, text, picture FROM books_page WHERE book_id = %s ORDER BY number"
NOT_FOUND = {"detail": "No book has this magic code.", "code": "not_found"}


def application(environ, start_response):
    match = PATH.fullmatch(environ["PATH_INFO"])
    if match is None:
        return raw.respond(start_response, "404 Not Found", {"detail": "Not found.", "code": "not_found"})
    with raw.connection().cursor() as cursor:
        cursor.execute(BOOK_QUERY, (match[1].upper(),))
        book = cursor.fetchone()
        if book is None:
            return raw.respond(start_response, "404 Not Found", NOT_FOUND)
        book_id, magic_code, title, author, teacher, created_at, updated_at = book
        cursor.execute(PAGES_QUERY, (book_id,))
        pages = cursor.fetchall()
    # Django's request.scheme behind SECURE_PROXY_SSL_HEADER, and request.get_host().
    proto = environ.get("HTTP_X_FORWARDED_PROTO")
    scheme = ("https" if proto.split(",", 1)[0].strip() == "https" else "http") if proto else environ["wsgi.url_scheme"]
    base = f"{scheme}://{environ.get('HTTP_HOST', 'localhost')}/api/books/{magic_code}/pages/"
    return raw.respond(
        start_response,
        "200 OK",
        {
            "magic_code": magic_code,
            "title": title,
            "author": author,
            "teacher": teacher,
            "pages": [
                {
                    "number": number,
                    "text": text,
                    "picture_url": f"{base}{number}/picture.png" if picture else None,
                }
                for number, text, picture in pages
            ],
            "created_at": _iso(created_at),
            "updated_at": _iso(updated_at),
        },
    )


def _iso(moment) -> str:
    text = moment.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
