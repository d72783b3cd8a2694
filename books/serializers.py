"""Wire shapes of the book catalogue."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from books import services
from books.models import BOOKS_MAX_PAGES, PAGE_TEXT_MAX_LENGTH, TEXT_MAX_LENGTH, Book, Page
from core.serializers import StrictCharField, check_written_out, datetime_representation


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that refuses text and booleans (`"2"`, `true`) instead of converting them."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def _text_field(help_text: str) -> StrictCharField:
    return StrictCharField(max_length=TEXT_MAX_LENGTH, help_text=help_text)


class PageWriteSerializer(serializers.Serializer):
    number = StrictIntegerField(min_value=1, max_value=BOOKS_MAX_PAGES, help_text="1 for the first page.")
    text = StrictCharField(
        max_length=PAGE_TEXT_MAX_LENGTH,
        allow_blank=True,
        help_text="The page's text (a page may be its picture alone); trimmed.",
    )


class BookWriteSerializer(serializers.Serializer):
    """A whole book: `POST /api/books` and `PUT /api/books/{magic_code}`."""

    title = _text_field("The book's title; trimmed.")
    author = _text_field("The child who wrote it; trimmed.")
    teacher = _text_field("The teacher who catalogues it; trimmed.")
    pages = PageWriteSerializer(
        many=True,
        min_length=1,
        max_length=BOOKS_MAX_PAGES,
        help_text=f"1 to {BOOKS_MAX_PAGES} pages, numbered 1..n (in any order, without gaps or repeats).",
    )

    def validate_pages(self, pages: list[dict]) -> list[dict]:
        try:
            services.check_pages(pages)
        except services.InvalidPages as exc:
            raise serializers.ValidationError(str(exc.detail), code="invalid_pages") from exc
        return pages


class BookPatchSerializer(serializers.Serializer):
    """`PATCH /api/books/{magic_code}`: some of title, author and teacher; pages change with PUT."""

    title = _text_field("The book's title; trimmed.")
    author = _text_field("The child who wrote it; trimmed.")
    teacher = _text_field("The teacher who catalogues it; trimmed.")

    def validate(self, attrs):
        if "pages" in self.initial_data:
            raise serializers.ValidationError(
                {"pages": ["Pages are replaced with PUT, which sends the whole book."]}, code="pages_need_put"
            )
        return attrs


class PageSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    picture_url = serializers.SerializerMethodField(
        help_text="Absolute URL of the page's picture (PNG); null when the page has none."
    )

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_picture_url(self, page: Page) -> str | None:
        return picture_url(self.context["request"], self.context["magic_code"], page)


class BookSerializer(serializers.Serializer):
    """A book as its readers see it: no creator (the code is shared with families)."""

    def to_representation(self, instance):
        """The fields below, written out for a Book and its pages; anything else goes the generic way.

        Shaped by the benchmark, not by clarity, as PetSerializer's read path
        is: DRF's generic path for a book and six pages was about a third of
        the CPU of a `GET /api/books/{magic_code}` that misses the cache
        (bench/README.md, "Books"). The answer is the same (each value as its
        declared field gives it, in the declared order; the checks after the
        classes keep the two in step).
        """
        if type(instance) is not Book:
            return super().to_representation(instance)
        code = instance.magic_code
        request = self.context["request"]
        return {
            "magic_code": code,
            "title": instance.title,
            "author": instance.author,
            "teacher": instance.teacher,
            "pages": [
                {"number": page.number, "text": page.text, "picture_url": picture_url(request, code, page)}
                for page in _pages_of(instance)
            ],
            "created_at": datetime_representation(instance.created_at),
            "updated_at": datetime_representation(instance.updated_at),
        }

    magic_code = serializers.CharField(help_text="8 upper-case letters; read in any case.")
    title = serializers.CharField()
    author = serializers.CharField()
    teacher = serializers.CharField()
    pages = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(PageSerializer(many=True))
    def get_pages(self, book: Book) -> list[dict]:
        context = {**self.context, "magic_code": book.magic_code}
        return PageSerializer(_pages_of(book), many=True, context=context).data


check_written_out(PageSerializer, ("number", "text", "picture_url"))
check_written_out(BookSerializer, ("magic_code", "title", "author", "teacher", "pages", "created_at", "updated_at"))


def _pages_of(book: Book):
    """The book's pages in order: `ordered_pages` as books.selectors sets it (book_get, book_list_of), or a query."""
    pages = getattr(book, "ordered_pages", None)
    return book.pages.order_by("number") if pages is None else pages


class PagePictureSerializer(serializers.Serializer):
    """What a page picture upload answers: the stored, normalised picture."""

    magic_code = serializers.CharField(source="book.magic_code")
    number = serializers.IntegerField()
    picture_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(source="picture_width")
    height = serializers.IntegerField(source="picture_height")
    bytes = serializers.IntegerField(source="picture_bytes", help_text="Size of the stored PNG.")

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_picture_url(self, page: Page) -> str | None:
        return picture_url(self.context["request"], page.book.magic_code, page)


def picture_path(magic_code: str, number: int) -> str:
    return reverse("books:book-page-picture-file", kwargs={"magic_code": magic_code, "number": number})


def picture_url(request, magic_code: str, page: Page) -> str | None:
    if not page.picture:
        return None
    return request.build_absolute_uri(picture_path(magic_code, page.number))
