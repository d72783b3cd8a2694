"""The pet shop's routes: each one an explicit `as_view({method: action})` of a viewset.

DRF's routers cannot produce these routes: the `pet_id` path converter (a
dashed or upper-case id resolves, a malformed one does not, so it is 404),
`PUT /pet` on the collection (the pet is named in the body), and the picture
routes under `/picture/` rather than under `/pet/{petId}/`. Each mapping passes
what a router would (`basename`, `detail`, and `suffix` or `name`), so the
viewsets, OPTIONS and the OpenAPI document see them as routed viewsets. The
twin of each path, with or without a trailing slash, is served by
config.urls' last pattern.
"""

from django.urls import path, register_converter

from petshop.converters import PetIdConverter
from petshop.views import PetPictureViewSet, PetViewSet

app_name = "petshop"

register_converter(PetIdConverter, "pet_id")

pet_list = PetViewSet.as_view(
    {"get": "list", "post": "create", "put": "replace_by_body"}, basename="pet", detail=False, suffix="List"
)
pet_detail = PetViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
    basename="pet",
    detail=True,
    suffix="Instance",
)
picture = PetPictureViewSet.as_view(
    {"post": "upload", "delete": "destroy"}, basename="picture", detail=True, name="Pet picture"
)
picture_file = PetPictureViewSet.as_view({"get": "download"}, basename="picture", detail=True, name="Pet picture file")

urlpatterns = [
    path("pet", pet_list, name="pet-list"),
    path("pet/<pet_id:petId>", pet_detail, name="pet-detail"),
    path("picture/<pet_id:petId>.png", picture_file, name="picture-file"),
    path("picture/<pet_id:petId>", picture, name="picture"),
]
