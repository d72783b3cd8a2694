"""The book catalogue in the Django admin: books with their pages inline, pictures as thumbnails.

Writes go through books.services where they have rules of their own: a new
book gets its magic code there (with the collision retry), and deleting books
or pages removes their pictures from storage once the deletion has committed.
Every change drops the book's cached body (books.cache) once it has committed.
"""

from django.contrib import admin
from django.db import transaction
from django.utils.html import format_html

from books import services
from books.cache import book_representations
from books.models import BOOKS_MAX_PAGES, Book, Page
from books.serializers import picture_path
from core import storage


def _picture_tag(page: Page, size: int) -> str:
    if not page.picture:
        return ""
    url = picture_path(page.book.magic_code, page.number)
    return format_html(
        '<img src="{}" alt="" style="max-width:{}px;max-height:{}px;object-fit:contain">', url, size, size
    )


class PageInline(admin.TabularInline):
    model = Page
    extra = 0
    max_num = BOOKS_MAX_PAGES
    fields = ("number", "text", "thumbnail", "picture_details")
    readonly_fields = ("thumbnail", "picture_details")
    ordering = ("number",)

    @admin.display(description="Picture")
    def thumbnail(self, page: Page) -> str:
        return _picture_tag(page, 96) or "-"

    @admin.display(description="Stored as")
    def picture_details(self, page: Page) -> str:
        if not page.picture:
            return "-"
        return f"{page.picture.name}, {page.picture_width}x{page.picture_height} px, {page.picture_bytes} bytes"


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    inlines = [PageInline]
    list_display = ("magic_code", "title", "author", "teacher", "creator", "page_count", "updated_at")
    list_display_links = ("magic_code", "title")
    search_fields = ("magic_code", "title", "author", "teacher", "creator__email")
    list_filter = ("teacher", "created_at")
    readonly_fields = ("magic_code", "created_at", "updated_at")
    fields = ("magic_code", "title", "author", "teacher", "creator", "created_at", "updated_at")
    raw_id_fields = ("creator",)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("creator").prefetch_related("pages")

    @admin.display(description="Pages")
    def page_count(self, book: Book) -> int:
        return len(book.pages.all())

    def save_model(self, request, obj, form, change):
        if change:
            with transaction.atomic():
                obj.save()
                book_representations.invalidate_on_commit(obj.magic_code)
            return
        if obj.creator_id is None:
            obj.creator = request.user
        services.book_insert(obj)

    def save_formset(self, request, form, formset, change):
        # A page deleted here takes its picture along, once the change has committed.
        with transaction.atomic():
            for page_form in formset.deleted_forms:
                page = page_form.instance
                if page.pk and page.picture:
                    storage.delete_on_commit(page.picture.name)
            super().save_formset(request, form, formset, change)
            book_representations.invalidate_on_commit(form.instance.magic_code)

    def delete_model(self, request, obj):
        services.book_delete(obj)

    def delete_queryset(self, request, queryset):
        services.book_delete_many(list(queryset.values_list("pk", flat=True)))
