"""The recharges in the Django admin: the catalogue is editable, purchases are history (read-only)."""

from django.contrib import admin

from recharges import services
from recharges.models import Company, IdempotencyKey, Product, Recharge


class ProductInline(admin.TabularInline):
    model = Product
    extra = 1
    fields = ("id", "value")


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    """Companies with their products inline; every change invalidates the cached `GET /CompanyProducts`."""

    inlines = [ProductInline]
    list_display = ("company_id", "product_count", "updated_at")
    search_fields = ("company_id", "products__id")
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="products")
    def product_count(self, company: Company) -> int:
        return company.products.count()

    def get_readonly_fields(self, request, obj=None):
        # The id is the primary key: renaming would create a second company.
        return (*self.readonly_fields, "company_id") if obj is not None else self.readonly_fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.catalogue_admin_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.catalogue_admin_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.catalogue_admin_changed()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Recharge)
class RechargeAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "company", "product", "phone_number", "value", "owner")
    list_filter = ("company", "created_at")
    search_fields = ("id", "phone_number", "owner__email", "product__id")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("key", "owner", "recharge", "created_at")
    search_fields = ("key", "owner__email")
    list_filter = ("created_at",)
    list_select_related = ("owner",)
    show_full_result_count = False
