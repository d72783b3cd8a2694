"""HTTP layer of the book catalogue: two viewsets, thin over selectors and services.

Every route that names a magic code (reads, changes and pictures alike) is
throttled per client on top of the default rates, so that guessing codes is
impractical (a 404 or a 403 tells a guesser as much as a 200): the
`books_lookup` rate counts those requests, and books.throttling's limit counts
the unknown codes among them.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from books import selectors, services
from books.cache import book_representations
from books.models import BOOKS_MAX_PAGES, Book, Page
from books.permissions import IsCreatorOrStaffForChanges
from books.serializers import (
    BookPatchSerializer,
    BookSerializer,
    BookWriteSerializer,
    PagePictureSerializer,
    picture_path,
)
from books.throttling import UnknownCodeThrottle
from core import pictures
from core.caching import CachedRetrieveMixin
from core.errors import NotFound
from core.openapi import error_response
from core.throttling import ScopedThrottle

LOOKUP_SCOPE = "books_lookup"
MAGIC_CODE_REGEX = "[A-Za-z]{8}"
NUMBER_REGEX = "[0-9]{1,4}"

MAGIC_CODE_PARAMETER = OpenApiParameter(
    "magic_code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The book's magic code: 8 letters, in any case.",
    pattern=f"^{MAGIC_CODE_REGEX}$",
    examples=[OpenApiExample("Code", value="QWERTYUI"), OpenApiExample("Lower case", value="qwertyui")],
)
NUMBER_PARAMETER = OpenApiParameter(
    "number",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description=f"The page's number, 1 to {BOOKS_MAX_PAGES}; a page the book does not have is 404.",
)
CODE_NOTE = (
    " The code is case-insensitive; an unknown code is 404. Throttled per client: 429 with `Retry-After` beyond"
    " `BOOKS_LOOKUP_RATE` requests naming a code, or once `BOOKS_UNKNOWN_CODE_RATE` of them named an unknown code."
)
CHANGE_NOTE = (
    " Needs a token of the book's creator or of staff: anyone else gets 403 (the code is not secret from"
    " whoever sends it)."
)

BOOK_EXAMPLE = {
    "magic_code": "QWERTYUI",
    "title": "The Dragon Who Lost Her Roar",
    "author": "Maya, 8",
    "teacher": "Ms. Oliveira",
    "pages": [
        {
            "number": 1,
            "text": "Once upon a time a dragon woke up without her roar.",
            "picture_url": "https://books.example.org/api/books/QWERTYUI/pages/1/picture.png",
        },
        {"number": 2, "text": "She looked for it under her bed.", "picture_url": None},
        {"number": 3, "text": "It was in her heart all along.", "picture_url": None},
    ],
    "created_at": "2026-11-23T17:00:00Z",
    "updated_at": "2026-11-23T17:05:00Z",
}
WRITE_EXAMPLE = OpenApiExample(
    "A three-page book",
    value={
        "title": "The Dragon Who Lost Her Roar",
        "author": "Maya, 8",
        "teacher": "Ms. Oliveira",
        "pages": [
            {"number": 1, "text": "Once upon a time a dragon woke up without her roar."},
            {"number": 2, "text": "She looked for it under her bed."},
            {"number": 3, "text": "It was in her heart all along."},
        ],
    },
    request_only=True,
)
PATCH_EXAMPLE = OpenApiExample("A new title", value={"title": "The Dragon's Roar"}, request_only=True)
BOOK_RESPONSE_EXAMPLE = OpenApiExample("Book", value=BOOK_EXAMPLE, response_only=True)
FORBIDDEN_RESPONSE = error_response(
    "Authenticated, but neither the book's creator nor staff.",
    ("Not the creator", "Only the book's creator or staff may change it.", "permission_denied"),
)
NOT_FOUND_RESPONSE = error_response(
    "No book has this magic code.",
    ("Unknown code", "No book has this magic code.", "not_found"),
)
PAGE_NOT_FOUND_RESPONSE = error_response(
    "No book has this magic code, the book has no such page, or (download) the page has no picture.",
    ("Unknown code", "No book has this magic code.", "not_found"),
    ("Unknown page", "This book has no page with this number.", "not_found"),
)
CODES_EXHAUSTED_RESPONSE = error_response(
    "Every magic code generated for this book was taken (practically impossible); nothing was created.",
    ("No free code", "No free magic code could be generated; try again.", "magic_code_unavailable"),
)
PICTURE_EXAMPLE = OpenApiExample(
    "Stored picture",
    value={
        "magic_code": "QWERTYUI",
        "number": 1,
        "picture_url": "https://books.example.org/api/books/QWERTYUI/pages/1/picture.png",
        "width": 1024,
        "height": 768,
        "bytes": 482113,
    },
    response_only=True,
)


class MagicCodeThrottling:
    """Actions that name a magic code get two throttles besides the default ones.

    The `books_lookup` scoped rate counts every such request; the
    `books_unknown_code` limit (books.throttling) counts the answers that no
    book has the code, which `count_unknown_code` records.
    """

    throttle_scope = LOOKUP_SCOPE
    unthrottled_actions: tuple[str, ...] = ()

    def get_throttles(self):
        throttles = super().get_throttles()
        if getattr(self, "action", None) in self.unthrottled_actions:
            return throttles
        return [*throttles, ScopedThrottle(), UnknownCodeThrottle()]

    def cache_keys_to_prefetch(self, request) -> "list[str]":
        """core.throttling.PrefetchesCacheKeys: the first throttle's round trip also reads the unknown-code count.

        Besides the keys of the next class in the viewset's order, if it has any (a cached retrieve's).
        """
        keys = getattr(super(), "cache_keys_to_prefetch", lambda request: [])(request)
        if getattr(self, "action", None) in self.unthrottled_actions:
            return keys
        return [*keys, *UnknownCodeThrottle().keys_to_prefetch(request, self)]

    @contextmanager
    def count_unknown_code(self) -> Iterator[None]:
        """Record a lookup that found no book with the code against the client's unknown-code limit."""
        try:
            yield
        except selectors.BookNotFound:
            UnknownCodeThrottle().record_unknown_code(self.request, self)
            raise


class BookViewSet(
    MagicCodeThrottling,
    CachedRetrieveMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Books: create with pages, read by magic code, replace, update, delete; list one's own."""

    serializer_class = BookSerializer
    representations = book_representations
    queryset = Book.objects.none()  # the actions read through books.selectors
    lookup_field = "magic_code"
    lookup_value_regex = MAGIC_CODE_REGEX
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsCreatorOrStaffForChanges]
    # Creating and listing name no code: the default rates are enough.
    unthrottled_actions = ("list", "create")

    def get_permissions(self):
        if self.action == "list":
            # The caller's own books: no public listing (the code is the secret).
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.book_list_of(self.request.user)

    def get_object(self) -> Book:
        with self.count_unknown_code():
            book = selectors.book_get(self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, book)
        return book

    def get_serializer_class(self):
        action = self.action
        if action == "metadata":
            # OPTIONS describes the body of each method (DRF sets the method it asks about).
            action = {"POST": "create", "PUT": "update"}.get(self.request.method, action)
        if action in ("create", "update"):
            return BookWriteSerializer
        if action == "partial_update":
            return BookPatchSerializer
        return BookSerializer

    @extend_schema(
        summary="List my books",
        description="Needs a token: the books the caller created, oldest first (staff too: no route lists"
        " everyone's books, since the magic code is what lets one read a book).",
        responses={200: BookSerializer(many=True)},
        examples=[OpenApiExample("My books", value=[BOOK_EXAMPLE], response_only=True)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Create a book with its pages",
        description="Needs a token. The book and all of its pages are created together or not at all (one"
        " invalid page creates nothing). The server generates the magic code. Answers 201 with"
        " `Location: /api/books/{magic_code}`. Unknown fields are ignored.",
        request=BookWriteSerializer,
        responses={201: BookSerializer, 503: CODES_EXHAUSTED_RESPONSE},
        examples=[WRITE_EXAMPLE, BOOK_RESPONSE_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        book = services.book_create(creator=request.user, **serializer.validated_data)
        location = reverse("books:book-detail", kwargs={"magic_code": book.magic_code})
        return self._book_response(selectors.book_get(book.magic_code), status.HTTP_201_CREATED, {"Location": location})

    @extend_schema(
        summary="Read a book by its magic code",
        description="Public: the code alone opens the book, with its pages in order and their picture URLs."
        + CODE_NOTE,
        parameters=[MAGIC_CODE_PARAMETER],
        responses={200: BookSerializer, 404: NOT_FOUND_RESPONSE},
        examples=[BOOK_RESPONSE_EXAMPLE],
        auth=[],
    )
    def retrieve(self, request, *args, **kwargs):
        """The book's rendered body, from books.cache when it is there (core.caching.CachedRetrieveMixin)."""
        return super().retrieve(request, *args, **kwargs)

    def cached_item(self) -> str:
        return selectors.normalise_magic_code(self.kwargs[self.lookup_field])

    @extend_schema(
        summary="Replace a book with its pages",
        description="Every field is required. Pages are replaced as a whole: a page whose number remains"
        " keeps its picture, the pictures of pages that go are removed from storage." + CHANGE_NOTE + CODE_NOTE,
        parameters=[MAGIC_CODE_PARAMETER],
        request=BookWriteSerializer,
        responses={200: BookSerializer, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
        examples=[WRITE_EXAMPLE, BOOK_RESPONSE_EXAMPLE],
    )
    def update(self, request, *args, **kwargs):
        return self._save(request, BookWriteSerializer)

    @extend_schema(
        summary="Change a book's title, author or teacher",
        description="Any of `title`, `author`, `teacher`; `pages` is refused (400): pages change with PUT."
        + CHANGE_NOTE
        + CODE_NOTE,
        parameters=[MAGIC_CODE_PARAMETER],
        request=BookPatchSerializer,
        responses={200: BookSerializer, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
        examples=[PATCH_EXAMPLE, BOOK_RESPONSE_EXAMPLE],
    )
    def partial_update(self, request, *args, **kwargs):
        return self._save(request, BookPatchSerializer)

    @extend_schema(
        summary="Delete a book",
        description="Deletes the book with its pages; their pictures are removed from storage too."
        + CHANGE_NOTE
        + CODE_NOTE,
        parameters=[MAGIC_CODE_PARAMETER],
        responses={204: OpenApiResponse(description="Deleted."), 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    def destroy(self, request, *args, **kwargs):
        services.book_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _save(self, request, serializer_class) -> Response:
        book = self.get_object()
        serializer = serializer_class(data=request.data, partial=serializer_class is BookPatchSerializer)
        serializer.is_valid(raise_exception=True)
        book = services.book_update(book, **serializer.validated_data)
        return self._book_response(selectors.book_get(book.magic_code))

    def _book_response(self, book: Book, status_code: int = status.HTTP_200_OK, headers=None) -> Response:
        return Response(
            BookSerializer(book, context=self.get_serializer_context()).data, status=status_code, headers=headers
        )


class PagePictureNotFound(NotFound):
    default_detail = "This page has no picture."


class PagePictureViewSet(MagicCodeThrottling, pictures.PictureActionsMixin, viewsets.GenericViewSet):
    """A page's picture: upload, download and delete it (the rules of core.pictures, as for pets)."""

    queryset = Page.objects.none()  # the actions read through books.selectors
    # What OPTIONS describes for the upload (the `file` field).
    serializer_class = pictures.PictureUploadSerializer
    lookup_field = "number"
    lookup_value_regex = NUMBER_REGEX
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsCreatorOrStaffForChanges]
    picture_upload_actions = ("picture",)
    picture_download_actions = ("picture_file",)

    def get_object(self) -> Page:
        with self.count_unknown_code():
            page = selectors.page_get(self.kwargs["magic_code"], int(self.kwargs["number"]))
        self.check_object_permissions(self.request, page.book)
        return page

    @extend_schema(
        operation_id="book_page_picture_upload",
        summary="Upload a page's picture",
        description=pictures.UPLOAD_DESCRIPTION + CHANGE_NOTE + CODE_NOTE,
        parameters=[MAGIC_CODE_PARAMETER, NUMBER_PARAMETER],
        request=pictures.UPLOAD_REQUEST,
        responses={201: PagePictureSerializer, 403: FORBIDDEN_RESPONSE, 404: PAGE_NOT_FOUND_RESPONSE},
        examples=[PICTURE_EXAMPLE],
    )
    @action(detail=True, methods=["post"], url_path="picture", url_name="picture")
    def picture(self, request, magic_code: str, number: str):
        page = self.get_object()
        upload = pictures.PictureUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        page = services.page_picture_upload(page, upload.validated_data["file"])
        data = PagePictureSerializer(page, context={"request": request}).data
        location = picture_path(page.book.magic_code, page.number)
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        operation_id="book_page_picture_delete",
        summary="Delete a page's picture",
        description="Deleting a picture the page does not have is a no-op." + CHANGE_NOTE + CODE_NOTE,
        parameters=[MAGIC_CODE_PARAMETER, NUMBER_PARAMETER],
        responses={204: OpenApiResponse(description="Deleted."), 403: FORBIDDEN_RESPONSE, 404: PAGE_NOT_FOUND_RESPONSE},
    )
    @picture.mapping.delete
    def delete_picture(self, request, magic_code: str, number: str):
        services.page_picture_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="book_page_picture_download",
        summary="Download a page's picture",
        description="Public. " + pictures.DOWNLOAD_DESCRIPTION + CODE_NOTE,
        parameters=[MAGIC_CODE_PARAMETER, NUMBER_PARAMETER],
        responses={**pictures.DOWNLOAD_RESPONSES, 404: PAGE_NOT_FOUND_RESPONSE},
        auth=[],
    )
    @action(detail=True, methods=["get"], url_path=r"picture\.png", url_name="picture-file")
    def picture_file(self, request, magic_code: str, number: str):
        page = self.get_object()
        return pictures.picture_response(
            request,
            name=page.picture.name,
            sha256=page.picture_sha256,
            size=page.picture_bytes,
            filename=f"{page.book.magic_code}-page-{page.number}.png",
            not_found=PagePictureNotFound,
        )
