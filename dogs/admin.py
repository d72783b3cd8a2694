from __future__ import annotations

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from dogs import cache as dog_cache
from dogs import services
from dogs.models import Dog, DogRegistration, StoredFile


@admin.register(Dog)
class DogAdmin(admin.ModelAdmin):
    list_display = ("name", "is_adopted", "owner", "create_date", "file_upload_status")
    list_filter = ("is_adopted", "file_upload_status")
    search_fields = ("name", "owner__email")
    autocomplete_fields = ("owner",)
    readonly_fields = ("create_date", "registration", "file_upload_status", "file_upload_detail")
    fields = ("name", "picture", "is_adopted", "owner", *readonly_fields)
    list_select_related = ("owner",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    # Every change drops the cached bodies of the names it touches (dogs.cache) once it commits.
    def save_model(self, request: HttpRequest, obj: Dog, form, change: bool) -> None:
        with transaction.atomic():
            names = [obj.name, *([form.initial["name"]] if change and "name" in form.initial else [])]
            super().save_model(request, obj, form, change)
            dog_cache.invalidate_on_commit(names)

    def delete_model(self, request: HttpRequest, obj: Dog) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            dog_cache.invalidate_on_commit([obj.name])

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            dog_cache.invalidate_on_commit(queryset.values_list("name", flat=True))
            super().delete_queryset(request, queryset)


@admin.register(DogRegistration)
class DogRegistrationAdmin(admin.ModelAdmin):
    """Registrations are written by the API and its task; the admin shows them."""

    list_display = ("name", "status", "requested_by", "created_at", "finished_at", "task_id")
    list_filter = ("status",)
    search_fields = ("name", "task_id")
    readonly_fields = [field.name for field in DogRegistration._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DogRegistration | None = None) -> bool:
        return False


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    """Files arrive through `POST /api/files`; the admin lists and deletes them."""

    list_display = ("filename", "content_type", "size", "uploaded_by", "created_at")
    search_fields = ("filename", "sha256")
    list_filter = ("content_type",)
    readonly_fields = ("id", "file", "filename", "size", "content_type", "sha256", "uploaded_by", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: StoredFile) -> None:
        services.stored_file_delete(obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for stored in queryset:
            services.stored_file_delete(stored)
