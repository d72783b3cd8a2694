from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core import images
from core.errors import ServiceError
from petshop import services, validators
from petshop.models import Pet

PET_FIELDS = ("name", "owner", "breed", "birth_year")


class PetAdminForm(forms.ModelForm):
    """The API's rules for every field, and a picture upload through the same image checks."""

    upload = forms.FileField(
        required=False,
        label="New picture",
        help_text="PNG, JPEG, WebP or GIF; stored as PNG without metadata, replacing the current picture.",
    )
    remove_picture = forms.BooleanField(required=False, label="Remove the current picture")

    class Meta:
        model = Pet
        fields = PET_FIELDS

    def clean_name(self):
        return _clean(validators.clean_text, self.cleaned_data["name"])

    def clean_owner(self):
        return _clean(validators.clean_text, self.cleaned_data["owner"])

    def clean_breed(self):
        return _clean(validators.clean_text, self.cleaned_data["breed"])

    def clean_birth_year(self):
        return _clean(validators.clean_birth_year, self.cleaned_data["birth_year"])

    def clean_upload(self) -> images.NormalisedImage | None:
        upload = self.cleaned_data.get("upload")
        if not upload:
            return None
        try:
            return images.normalise_image(images.read_upload(upload))
        except ServiceError as exc:
            raise forms.ValidationError(str(exc.detail), code=str(exc.detail.code)) from exc

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("upload") and cleaned.get("remove_picture"):
            raise forms.ValidationError("Either upload a new picture or remove the current one, not both.")
        return cleaned


def _clean(rule, value):
    # The model form has already turned an empty input into a "required" error.
    return rule(value) if value is not None else value


@admin.register(Pet)
class PetAdmin(admin.ModelAdmin):
    form = PetAdminForm
    list_display = ("thumbnail", "name", "owner", "breed", "birth_year", "pet_id", "updated_at")
    list_display_links = ("thumbnail", "name")
    search_fields = ("name", "owner", "breed")
    list_filter = ("breed", "birth_year")
    readonly_fields = ("pet_id", "picture_preview", "picture_details", "created_at", "updated_at")
    fields = (
        "pet_id",
        *PET_FIELDS,
        "picture_preview",
        "picture_details",
        "upload",
        "remove_picture",
        "created_at",
        "updated_at",
    )
    # Counting a million pets on every changelist page is not worth it.
    show_full_result_count = False

    @admin.display(description="petId")
    def pet_id(self, pet: Pet) -> str:
        return pet.pet_id

    @admin.display(description="Picture")
    def thumbnail(self, pet: Pet) -> str:
        return _picture_tag(pet, 48)

    @admin.display(description="Current picture")
    def picture_preview(self, pet: Pet) -> str:
        return _picture_tag(pet, 240) or "-"

    @admin.display(description="Stored as")
    def picture_details(self, pet: Pet) -> str:
        if not pet.picture:
            return "-"
        return f"{pet.picture.name}, {pet.picture_width}x{pet.picture_height} px, {pet.picture_bytes} bytes"

    def save_model(self, request, obj, form, change):
        fields = {field: form.cleaned_data[field] for field in PET_FIELDS}
        if change:
            services.pet_update(obj, **fields)
        else:
            services.pet_create(id=obj.pk, **fields)
        if form.cleaned_data.get("upload"):
            services.pet_picture_replace(obj, form.cleaned_data["upload"])
        elif form.cleaned_data.get("remove_picture"):
            services.pet_picture_delete(obj)

    def delete_model(self, request, obj):
        services.pet_delete(obj)

    def delete_queryset(self, request, queryset):
        services.pet_delete_many(list(queryset.values_list("pk", flat=True)))


def _picture_tag(pet: Pet, size: int) -> str:
    if not pet.picture:
        return ""
    url = reverse("petshop:picture-file", kwargs={"petId": pet.pk})
    return format_html(
        '<img src="{}" alt="" style="max-width:{}px;max-height:{}px;object-fit:contain">', url, size, size
    )
