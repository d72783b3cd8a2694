"""HTTP layer of the pet register: two viewsets, thin over selectors and services.

The shape the other apps copy: a viewset per resource whose actions read the
body with a serializer, call a selector or a service and answer with a
serializer's data; `@extend_schema` on every action; the routes in urls.py.
Pictures follow `core.pictures`, as every app's do. One thing here is not for
copying: `PetViewSet.retrieve` serves a cached rendered body (petshop.cache),
a trick a benchmark asked for.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core import pictures
from core.caching import CachedRetrieveMixin
from core.errors import NotFound
from core.openapi import ERROR_SCHEMA_REF, error_response
from petshop import selectors, services
from petshop.cache import pet_representations
from petshop.filters import PetFilter
from petshop.models import Pet
from petshop.serializers import PetReplaceSerializer, PetSerializer, PictureSerializer

UNKNOWN_FIELDS_NOTE = (
    " Unknown fields are ignored, as are the read-only `picture_url`, `created_at` and `updated_at`,"
    " so a body read with GET can be sent back as it is."
)
PET_ID_NOTE = (
    " `petId` in the path is 32 hexadecimal characters or a dashed UUID (either case);"
    " anything else, or an id no pet has, is 404."
)

PET_EXAMPLE = {
    "petId": "b7681b0ee1bd455b81ecb4e46a2f4346",
    "nome_pet": "Duke",
    "dono": "Miguel",
    "raca": "Labrador Retriever",
    "data_nascimento": "2018",
    "picture_url": "https://petshop.example.org/picture/b7681b0ee1bd455b81ecb4e46a2f4346.png",
    "created_at": "2026-11-23T17:00:00Z",
    "updated_at": "2026-11-23T17:05:00Z",
}
CREATE_EXAMPLE = OpenApiExample(
    "Create",
    value={
        "petId": "0f8fad5bd9cb469fa16570867728950e",
        "nome_pet": "Pit",
        "dono": "melissa",
        "raca": "bull terrier",
        "data_nascimento": "2010",
    },
    request_only=True,
)
REPLACE_EXAMPLE = OpenApiExample(
    "Replace",
    value={
        "petId": "b7681b0ee1bd455b81ecb4e46a2f4346",
        "nome_pet": "Duke",
        "dono": "Miguel",
        "raca": "Labrador Retriever",
        "data_nascimento": 2018,
    },
    request_only=True,
)
PATCH_EXAMPLE = OpenApiExample("Change the owner", value={"dono": "Ana"}, request_only=True)
PET_RESPONSE_EXAMPLE = OpenApiExample("Pet", value=PET_EXAMPLE, response_only=True)
DUPLICATE_RESPONSE = error_response(
    "The petId is taken.",
    ("Duplicate", "A pet with this petId already exists.", "pet_exists"),
)
PICTURE_EXAMPLE = OpenApiExample(
    "Stored picture",
    value={
        "petId": "b7681b0ee1bd455b81ecb4e46a2f4346",
        "picture_url": "https://petshop.example.org/picture/b7681b0ee1bd455b81ecb4e46a2f4346.png",
        "width": 1024,
        "height": 768,
        "bytes": 482113,
    },
    response_only=True,
)


class PetViewSet(CachedRetrieveMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The pet register: list, register, read, replace, update and delete pets."""

    serializer_class = PetSerializer
    filterset_class = PetFilter
    representations = pet_representations
    # Set by the `pet_id` path converter (petshop/urls.py): a UUID, whatever the spelling.
    lookup_url_kwarg = "petId"

    def get_queryset(self):
        return selectors.pet_list()

    def get_object(self) -> Pet:
        """The pet named in the path; 404 when no pet has that id."""
        return selectors.pet_get(self.kwargs[self.lookup_url_kwarg])

    def get_serializer_class(self):
        # `PUT /pet` names its pet in the body, which must then carry the petId
        # (also when OPTIONS describes that PUT: core.metadata).
        if self.detail is False and self.request.method == "PUT":
            return PetReplaceSerializer
        return PetSerializer

    @extend_schema(
        summary="List pets",
        description="Public. Ordered by creation. Filters combine with AND.",
        responses={200: PetSerializer(many=True)},
        examples=[OpenApiExample("Pets", value=[PET_EXAMPLE], response_only=True)],
        auth=[],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Register a pet",
        description="Needs a token. `petId` is generated when absent; 409 when it is taken."
        " Answers 201 with `Location: /pet/{petId}`." + UNKNOWN_FIELDS_NOTE,
        request=PetSerializer,
        responses={201: PetSerializer, 409: DUPLICATE_RESPONSE},
        examples=[CREATE_EXAMPLE, PET_RESPONSE_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pet = services.pet_create(**serializer.validated_data)
        location = reverse("petshop:pet-detail", kwargs={"petId": pet.pk})
        return self._pet_response(pet, status.HTTP_201_CREATED, {"Location": location})

    @extend_schema(
        operation_id="pet_replace_by_body",
        summary="Replace the pet named in the body",
        description="Needs a token. The pet shop's original client sends the id in the body; every field is"
        " required and 404 answers an id no pet has." + UNKNOWN_FIELDS_NOTE,
        request=PetReplaceSerializer,
        responses={200: PetSerializer, 404: OpenApiResponse(ERROR_SCHEMA_REF, description="No pet has this petId.")},
        examples=[REPLACE_EXAMPLE, PET_RESPONSE_EXAMPLE],
    )
    def replace_by_body(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pet = selectors.pet_get(serializer.validated_data["id"])
        return self._pet_response(services.pet_update(pet, **serializer.validated_data))

    @extend_schema(
        summary="Read a pet",
        description="Public." + PET_ID_NOTE,
        responses={200: PetSerializer},
        examples=[PET_RESPONSE_EXAMPLE],
        auth=[],
    )
    def retrieve(self, request, *args, **kwargs):
        """The pet's rendered body, from petshop.cache when it is there (core.caching.CachedRetrieveMixin)."""
        return super().retrieve(request, *args, **kwargs)

    def cached_item(self) -> str:
        return self.kwargs["petId"].hex

    @extend_schema(
        summary="Replace a pet",
        description="Needs a token. Every field is required; a `petId` in the body must be the one in the path"
        " (400 otherwise)." + PET_ID_NOTE + UNKNOWN_FIELDS_NOTE,
        request=PetSerializer,
        responses={200: PetSerializer},
        examples=[REPLACE_EXAMPLE, PET_RESPONSE_EXAMPLE],
    )
    def update(self, request, *args, **kwargs):
        return self._save(request, partial=False)

    @extend_schema(
        summary="Update some of a pet's fields",
        description="Needs a token. A `petId` in the body must be the one in the path (400 otherwise)."
        + PET_ID_NOTE
        + UNKNOWN_FIELDS_NOTE,
        request=PetSerializer,
        responses={200: PetSerializer},
        examples=[PATCH_EXAMPLE, PET_RESPONSE_EXAMPLE],
    )
    def partial_update(self, request, *args, **kwargs):
        return self._save(request, partial=True)

    @extend_schema(
        summary="Delete a pet",
        description="Needs a token. Its picture is removed from storage too." + PET_ID_NOTE,
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def destroy(self, request, *args, **kwargs):
        services.pet_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _save(self, request, *, partial: bool) -> Response:
        pet = self.get_object()
        serializer = self.get_serializer(pet, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self._pet_response(services.pet_update(pet, **serializer.validated_data))

    def _pet_response(self, pet: Pet, status_code: int = status.HTTP_200_OK, headers=None) -> Response:
        return Response(
            PetSerializer(pet, context=self.get_serializer_context()).data, status=status_code, headers=headers
        )


class PictureNotFound(NotFound):
    default_detail = "This pet has no picture."


class PetPictureViewSet(pictures.PictureActionsMixin, viewsets.ViewSet):
    """A pet's picture: upload, download and delete it (the rules of core.pictures)."""

    picture_upload_actions = ("upload",)
    picture_download_actions = ("download",)

    @extend_schema(
        operation_id="picture_upload",
        summary="Upload a pet's picture",
        description="Needs a token. " + pictures.UPLOAD_DESCRIPTION + PET_ID_NOTE,
        request=pictures.UPLOAD_REQUEST,
        responses={201: PictureSerializer},
        examples=[PICTURE_EXAMPLE],
    )
    def upload(self, request, petId):
        pet = selectors.pet_get(petId)
        upload = pictures.PictureUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        pet = services.pet_picture_upload(pet, upload.validated_data["file"])
        location = reverse("petshop:picture-file", kwargs={"petId": pet.pk})
        data = PictureSerializer(pet, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        operation_id="picture_download",
        summary="Download a pet's picture",
        description="Public. "
        + pictures.DOWNLOAD_DESCRIPTION
        + " 404 when the pet or its picture is missing."
        + PET_ID_NOTE,
        responses=pictures.DOWNLOAD_RESPONSES,
        auth=[],
    )
    def download(self, request, petId):
        pet = selectors.pet_get(petId)
        return pictures.picture_response(
            request,
            name=pet.picture.name,
            sha256=pet.picture_sha256,
            size=pet.picture_bytes,
            filename=f"{pet.pet_id}.png",
            not_found=PictureNotFound,
        )

    @extend_schema(
        operation_id="picture_delete",
        summary="Delete a pet's picture",
        description="Needs a token. Deleting a picture the pet does not have is a no-op." + PET_ID_NOTE,
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def destroy(self, request, petId):
        services.pet_picture_delete(selectors.pet_get(petId))
        return Response(status=status.HTTP_204_NO_CONTENT)
