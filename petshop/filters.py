from django_filters import rest_framework as filters

from petshop import selectors
from petshop.models import Pet


class PetFilter(filters.FilterSet):
    """`GET /pet` filters; values compare case-insensitively, an empty value is ignored."""

    raca = filters.CharFilter(field_name="breed", lookup_expr="iexact", help_text="Breed, exact but any case.")
    dono = filters.CharFilter(field_name="owner", lookup_expr="iexact", help_text="Owner, exact but any case.")
    search = filters.CharFilter(
        method="filter_search", help_text="Text contained in the name, owner or breed, in any case."
    )

    class Meta:
        model = Pet
        fields = ["raca", "dono", "search"]

    def filter_search(self, queryset, name, value):
        return selectors.pet_search(queryset, value)
