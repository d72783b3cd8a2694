"""The GitHub proxy's tables in the admin: searchable, filterable, the repositories with their owners."""

from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet

from githubproxy.models import Repository, User


class RepositoryInline(admin.TabularInline):
    model = Repository
    fields = ("name", "visibility", "stars", "watchers", "updated_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("login", "github_id", "repository_count", "updated_at")
    search_fields = ("login", "=github_id")
    list_filter = ("created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    inlines = [RepositoryInline]

    def get_queryset(self, request) -> QuerySet[User]:
        return super().get_queryset(request).annotate(repository_count=Count("repositories"))

    @admin.display(description="Saved repositories", ordering="repository_count")
    def repository_count(self, user: User) -> int:
        return user.repository_count


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ("full_name", "visibility", "stars", "watchers", "size", "updated_at", "saved_at")
    list_select_related = ("owner",)
    search_fields = ("name", "full_name", "owner__login", "=github_id")
    list_filter = ("visibility", "private", "saved_at")
    autocomplete_fields = ("owner",)
    readonly_fields = ("saved_at",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    show_full_result_count = False
