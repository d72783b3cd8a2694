"""HTTP layer of the pet register: parse, call a selector or service, answer."""

import logging
from functools import cached_property

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core import storage
from core.errors import NotFound
from core.images import ACCEPTED_CONTENT_TYPES, RawImageParser
from petshop import selectors, services
from petshop.filters import PetFilter
from petshop.serializers import PetReplaceSerializer, PetSerializer, PictureSerializer, PictureUploadSerializer

logger = logging.getLogger(__name__)

# Multipart framing around the file: boundaries and part headers.
MULTIPART_OVERHEAD_BYTES = 64 * 1024

# Stored under a stable URL whose content changes when the picture is replaced:
# caches may keep it but must revalidate, which the ETag makes a cheap 304.
PICTURE_CACHE_CONTROL = "public, no-cache"

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
# The shared error schema that core.openapi adds to the components.
ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/Error"}
DUPLICATE_RESPONSE = OpenApiResponse(
    ERROR_SCHEMA_REF,
    description="The petId is taken.",
    examples=[
        OpenApiExample("Duplicate", value={"detail": "A pet with this petId already exists.", "code": "pet_exists"})
    ],
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


def _pet_response(request, pet, status_code=status.HTTP_200_OK, headers=None) -> Response:
    return Response(PetSerializer(pet, context={"request": request}).data, status=status_code, headers=headers)


@extend_schema_view(
    get=extend_schema(
        summary="List pets",
        description="Public. Ordered by creation. Filters combine with AND.",
        responses={200: PetSerializer(many=True)},
        examples=[OpenApiExample("Pets", value=[PET_EXAMPLE], response_only=True)],
        auth=[],
    ),
    post=extend_schema(
        summary="Register a pet",
        description="Needs a token. `petId` is generated when absent; 409 when it is taken."
        " Answers 201 with `Location: /pet/{petId}`." + UNKNOWN_FIELDS_NOTE,
        request=PetSerializer,
        responses={201: PetSerializer, 409: DUPLICATE_RESPONSE},
        examples=[CREATE_EXAMPLE, PET_RESPONSE_EXAMPLE],
    ),
    put=extend_schema(
        operation_id="pet_replace_by_body",
        summary="Replace the pet named in the body",
        description="Needs a token. The pet shop's original client sends the id in the body; every field is"
        " required and 404 answers an id no pet has." + UNKNOWN_FIELDS_NOTE,
        request=PetReplaceSerializer,
        responses={200: PetSerializer, 404: OpenApiResponse(ERROR_SCHEMA_REF, description="No pet has this petId.")},
        examples=[REPLACE_EXAMPLE, PET_RESPONSE_EXAMPLE],
    ),
)
class PetCollectionView(generics.ListAPIView):
    serializer_class = PetSerializer
    filterset_class = PetFilter

    def get_queryset(self):
        return selectors.pet_list()

    def post(self, request):
        serializer = PetSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        pet = services.pet_create(**serializer.validated_data)
        location = reverse("petshop:pet-detail", kwargs={"petId": pet.pk})
        return _pet_response(request, pet, status.HTTP_201_CREATED, {"Location": location})

    def put(self, request):
        serializer = PetReplaceSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        pet = selectors.pet_get(serializer.validated_data["id"])
        return _pet_response(request, services.pet_update(pet, **serializer.validated_data))


@extend_schema_view(
    get=extend_schema(
        summary="Read a pet",
        description="Public." + PET_ID_NOTE,
        responses={200: PetSerializer},
        examples=[PET_RESPONSE_EXAMPLE],
        auth=[],
    ),
    put=extend_schema(
        summary="Replace a pet",
        description="Needs a token. Every field is required; a `petId` in the body must be the one in the path"
        " (400 otherwise)." + PET_ID_NOTE + UNKNOWN_FIELDS_NOTE,
        request=PetSerializer,
        responses={200: PetSerializer},
        examples=[REPLACE_EXAMPLE, PET_RESPONSE_EXAMPLE],
    ),
    patch=extend_schema(
        summary="Update some of a pet's fields",
        description="Needs a token. A `petId` in the body must be the one in the path (400 otherwise)."
        + PET_ID_NOTE
        + UNKNOWN_FIELDS_NOTE,
        request=PetSerializer,
        responses={200: PetSerializer},
        examples=[PATCH_EXAMPLE, PET_RESPONSE_EXAMPLE],
    ),
    delete=extend_schema(
        summary="Delete a pet",
        description="Needs a token. Its picture is removed from storage too." + PET_ID_NOTE,
        responses={204: OpenApiResponse(description="Deleted.")},
    ),
)
class PetDetailView(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = PetSerializer

    def get_object(self):
        return selectors.pet_get(self.kwargs["petId"])

    # The busiest route: its rendered body is cached until the pet changes
    # (selectors.pet_representations), once per host (the picture URL is
    # absolute) and accepted media type (which may ask for indentation). The
    # throttle's cache round trip fetches it (core.throttling).

    def cache_keys_to_prefetch(self, request) -> list[str]:
        if request.method not in ("GET", "HEAD"):
            return []
        return selectors.pet_representations.keys(self.kwargs["petId"].hex, self._representation_variant)

    def retrieve(self, request, *args, **kwargs):
        body = selectors.pet_representations.get_or_build(
            self.kwargs["petId"].hex,
            lambda: self._render(self.get_object()),
            self._representation_variant,
            found=getattr(request, "prefetched_cache", None),
        )
        # The Content-Type DRF's Response gives: the renderer's media type, without the Accept's parameters.
        renderer = request.accepted_renderer
        content_type = f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type
        return HttpResponse(body, content_type=content_type)

    @cached_property
    def _representation_variant(self) -> str:
        request = self.request
        return f"{request.scheme}://{request.get_host()} {request.accepted_media_type}"

    def _render(self, pet) -> bytes:
        """The body DRF's Response would carry, as bytes."""
        request = self.request
        data = PetSerializer(pet, context=self.get_serializer_context()).data
        return request.accepted_renderer.render(data, request.accepted_media_type, self.get_renderer_context())

    def update(self, request, *args, **kwargs):
        pet = self.get_object()
        serializer = self.get_serializer(pet, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        return _pet_response(request, services.pet_update(pet, **serializer.validated_data))

    def destroy(self, request, *args, **kwargs):
        services.pet_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PictureNotFound(NotFound):
    default_detail = "This pet has no picture."


@extend_schema_view(
    post=extend_schema(
        operation_id="picture_upload",
        summary="Upload a pet's picture",
        description=(
            "Needs a token. The body is the image itself (`Content-Type` image/png, image/jpeg, image/webp or"
            " image/gif) or `multipart/form-data` with the field `file`. The bytes must decode as one of those"
            " formats whatever the declared type (415 otherwise, also for truncated files); animated images keep"
            f" their first frame. At most {settings.UPLOAD_MAX_BYTES} bytes and {settings.UPLOAD_MAX_PIXELS}"
            " pixels (413; the pixel count is checked before decoding). The picture is turned upright by its"
            " EXIF orientation, stripped of all metadata (EXIF, GPS, ICC, text), stored as PNG under a"
            " generated name and replaces any earlier one." + PET_ID_NOTE
        ),
        request={
            **dict.fromkeys(ACCEPTED_CONTENT_TYPES, OpenApiTypes.BINARY),
            "multipart/form-data": PictureUploadSerializer,
        },
        responses={201: PictureSerializer},
        examples=[PICTURE_EXAMPLE],
    ),
    delete=extend_schema(
        operation_id="picture_delete",
        summary="Delete a pet's picture",
        description="Needs a token. Deleting a picture the pet does not have is a no-op." + PET_ID_NOTE,
        responses={204: OpenApiResponse(description="Deleted.")},
    ),
)
class PictureView(APIView):
    parser_classes = [RawImageParser, MultiPartParser]
    max_request_body_bytes = settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD_BYTES

    def post(self, request, petId):
        pet = selectors.pet_get(petId)
        upload = PictureUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        pet = services.pet_picture_upload(pet, upload.validated_data["file"])
        return Response(PictureSerializer(pet, context={"request": request}).data, status=status.HTTP_201_CREATED)

    def delete(self, request, petId):
        services.pet_picture_delete(selectors.pet_get(petId))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        operation_id="picture_download",
        summary="Download a pet's picture",
        description=(
            "Public. The stored PNG, streamed, with `ETag` and `Cache-Control: public, no-cache`; a matching"
            " `If-None-Match` answers 304 without a body. 404 when the pet or its picture is missing." + PET_ID_NOTE
        ),
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The picture as PNG."),
            304: OpenApiResponse(description="Not modified: the `If-None-Match` ETag is current."),
        },
        auth=[],
    ),
)
class PictureFileView(APIView):
    def get(self, request, petId):
        pet = selectors.pet_get(petId)
        if not pet.picture:
            raise PictureNotFound()
        headers = {"ETag": quote_etag(pet.picture_sha256), "Cache-Control": PICTURE_CACHE_CONTROL}
        not_modified = get_conditional_response(request, etag=headers["ETag"])
        if not_modified is not None:
            for header, value in headers.items():
                not_modified[header] = value
            return not_modified
        try:
            chunks = storage.open_chunks(pet.picture.name)
        except storage.StoredFileMissing as exc:
            logger.error("pet %s refers to a missing picture file %s", pet.pet_id, pet.picture.name)
            raise PictureNotFound() from exc
        return StreamingHttpResponse(
            chunks,
            content_type="image/png",
            headers={
                **headers,
                "Content-Length": str(pet.picture_bytes),
                "Content-Disposition": f'inline; filename="{pet.pet_id}.png"',
            },
        )
