"""HTTP layer of dogs, their registrations' tasks and the files service: three viewsets on a router."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from core import pictures, storage
from core.caching import CachedRetrieveMixin
from core.openapi import error_response
from dogs import selectors, services
from dogs.cache import dog_representations
from dogs.models import Dog
from dogs.permissions import IsOwnerOrStaff
from dogs.serializers import (
    DogNameSerializer,
    DogRegistrationAcceptedSerializer,
    DogRegistrationRequestSerializer,
    DogSerializer,
    FileUploadSerializer,
    StoredFileSerializer,
    TaskStateSerializer,
)
from dogs.validators import NAME_PATTERN, NAME_RULES
from users import selectors as user_selectors

ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/Error"}
DOG_EXAMPLE = {
    "id": 1,
    "name": "Lazy",
    "picture": "https://images.dog.ceo/breeds/papillon/n02086910_6483.jpg",
    "is_adopted": True,
    "create_date": "2020-02-20T20:58:55.164954Z",
    "id_user": 1,
}
DOG_RESPONSE_EXAMPLE = OpenApiExample("Dog", value=DOG_EXAMPLE, response_only=True)
TASK_ID_EXAMPLE = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
NAME_PARAMETER = OpenApiParameter(
    "name", OpenApiTypes.STR, OpenApiParameter.PATH, description=NAME_RULES, pattern=NAME_PATTERN
)
DOG_NOT_FOUND = error_response(
    "No dog has this name.",
    ("Unknown dog", "No dog has this name.", "not_found"),
)
NOT_OWNER = error_response(
    "Someone else's dog (dogs are public, so this is 403, not 404).",
    ("Not the owner", "Only the dog's owner or staff may change or delete it.", "permission_denied"),
)
NAME_TAKEN = error_response(
    "A dog has this name, or another registration of it is under way.",
    ("Taken", "A dog with this name already exists.", "dog_exists"),
    ("Under way", "A registration of a dog with this name is already under way.", "dog_registration_pending"),
)
WRITE_NOTE = (
    " Owner or staff; a dog without an owner, staff only. Someone else's dog is 403 (not 404: dogs are public)."
    " `id_user` must name an active user (400 otherwise); null leaves the dog without an owner."
)


class DogViewSet(CachedRetrieveMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Dogs: public reads; registration by token through a Celery task; changes by the owner or staff."""

    serializer_class = DogSerializer
    representations = dog_representations
    lookup_field = "name"
    # Any name without a slash (dots included, which DRF's default excludes).
    lookup_value_regex = "[^/]+"
    parser_classes = [JSONParser]

    def get_queryset(self):
        if self.action == "adopted":
            return selectors.dog_list_adopted()
        return selectors.dog_list()

    def get_permissions(self):
        if self.action in ("update", "partial_update", "destroy"):
            return [IsAuthenticated(), IsOwnerOrStaff()]
        return [IsAuthenticatedOrReadOnly()]

    def get_object(self) -> Dog:
        dog = selectors.dog_get(self.kwargs["name"])
        self.check_object_permissions(self.request, dog)
        return dog

    @extend_schema(
        summary="List dogs",
        description="Public. In registration order.",
        responses={200: DogSerializer(many=True)},
        examples=[OpenApiExample("Dogs", value=[DOG_EXAMPLE], response_only=True)],
        auth=[],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        operation_id="dogs_adopted_list",
        summary="List adopted dogs",
        description="Public. The dogs whose `is_adopted` is true, in registration order.",
        responses={200: DogSerializer(many=True)},
        examples=[OpenApiExample("Adopted dogs", value=[DOG_EXAMPLE], response_only=True)],
        auth=[],
    )
    @action(detail=False, methods=["get"], url_path="is_adopted")
    def adopted(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Read a dog",
        description="Public.",
        parameters=[NAME_PARAMETER],
        responses={200: DogSerializer, 404: DOG_NOT_FOUND},
        examples=[DOG_RESPONSE_EXAMPLE],
        auth=[],
    )
    def retrieve(self, request: Request, name: str) -> HttpResponse:
        """The dog's rendered body, from dogs.cache when it is there (core.caching.CachedRetrieveMixin)."""
        return super().retrieve(request, name=name)

    def cached_item(self) -> str:
        return self.kwargs["name"]

    @extend_schema(
        operation_id="dogs_register",
        summary="Register a dog",
        description="Needs a token. Checks the name (" + NAME_RULES + ") and answers 202 at once with the"
        " registration's task; a Celery worker then fetches a random picture URL from dog.ceo and creates the"
        " dog. Follow `status_url` (also `Location`) until `SUCCESS` (its `result` is the dog) or `FAILURE`"
        " (its `result` says why). The body is optional: `is_adopted` (default false) and `id_user` (default"
        " the caller; null for no owner; an id no active user has is 400). 409 when a dog has the name or"
        " another registration of it is under way.",
        parameters=[NAME_PARAMETER],
        request=DogRegistrationRequestSerializer,
        responses={
            202: OpenApiResponse(DogRegistrationAcceptedSerializer, description="Accepted; see `Location`."),
            409: NAME_TAKEN,
        },
        examples=[
            OpenApiExample("Adopted, owned by user 1", value={"is_adopted": True, "id_user": 1}, request_only=True),
            OpenApiExample(
                "Accepted",
                value={
                    "task_id": TASK_ID_EXAMPLE,
                    "status": "PENDING",
                    "status_url": f"/api/tasks/{TASK_ID_EXAMPLE}",
                },
                response_only=True,
            ),
        ],
    )
    def register(self, request: Request, name: str) -> Response:
        name_check = DogNameSerializer(data={"name": name})
        name_check.is_valid(raise_exception=True)
        # No body at all reads as {}; a body must be a JSON object (null, a list: 400).
        body = DogRegistrationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        options = dict(body.validated_data)
        if "id_user" in options:
            options["owner"] = options.pop("id_user")
        registration = services.dog_register(name=name, requested_by=request.user, **options)
        status_url = reverse("dogs:task-detail", kwargs={"task_id": registration.task_id})
        data = {"task_id": str(registration.task_id), "status": "PENDING", "status_url": status_url}
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": status_url})

    @extend_schema(
        summary="Replace a dog",
        description="Sets `name`, `is_adopted` and `id_user`; `name` is required, the others keep their value"
        " when absent. 409 when the new name is taken." + WRITE_NOTE,
        parameters=[NAME_PARAMETER],
        responses={200: DogSerializer, 403: NOT_OWNER, 404: DOG_NOT_FOUND, 409: NAME_TAKEN},
        examples=[
            OpenApiExample("Rename", value={"name": "Lazy", "is_adopted": True, "id_user": 1}, request_only=True),
            DOG_RESPONSE_EXAMPLE,
        ],
    )
    def update(self, request: Request, name: str) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        summary="Update some of a dog's fields",
        description="Any of `name`, `is_adopted`, `id_user`. 409 when the new name is taken." + WRITE_NOTE,
        parameters=[NAME_PARAMETER],
        responses={200: DogSerializer, 403: NOT_OWNER, 404: DOG_NOT_FOUND, 409: NAME_TAKEN},
        examples=[OpenApiExample("Adopted", value={"is_adopted": True}, request_only=True), DOG_RESPONSE_EXAMPLE],
    )
    def partial_update(self, request: Request, name: str) -> Response:
        return self._save(request, partial=True)

    @extend_schema(
        summary="Delete a dog",
        description="Owner or staff; a dog without an owner, staff only. Someone else's dog is 403.",
        parameters=[NAME_PARAMETER],
        responses={204: OpenApiResponse(description="Deleted."), 403: NOT_OWNER, 404: DOG_NOT_FOUND},
    )
    def destroy(self, request: Request, name: str) -> Response:
        services.dog_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _save(self, request: Request, *, partial: bool) -> Response:
        dog = self.get_object()
        serializer = self.get_serializer(dog, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        dog = services.dog_update(dog, **serializer.validated_data)
        return Response(self.get_serializer(dog).data)


class TaskViewSet(viewsets.ViewSet):
    """The state of a dog registration's Celery task, from django-celery-results."""

    permission_classes = [IsAuthenticated]
    lookup_field = "task_id"
    lookup_value_regex = "[^/]+"

    @extend_schema(
        operation_id="tasks_retrieve",
        summary="Follow a dog registration",
        description="Needs a token. `status` is Celery's: PENDING (queued), STARTED, RETRY (dog.ceo failed and the"
        " task waits to try again, with exponential backoff), SUCCESS (`result` is the dog) or FAILURE (`result`"
        " is `{error, detail}`: dog.ceo kept failing, answered something unusable, or another dog took the"
        " name). 404 for an id that is not a dog registration's task.",
        parameters=[OpenApiParameter("task_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            200: TaskStateSerializer,
            404: OpenApiResponse(ERROR_SCHEMA_REF, description="No dog registration has this task id."),
        },
        examples=[
            OpenApiExample(
                "Succeeded",
                value={"task_id": TASK_ID_EXAMPLE, "status": "SUCCESS", "result": DOG_EXAMPLE},
                response_only=True,
            ),
            OpenApiExample(
                "Failed",
                value={
                    "task_id": TASK_ID_EXAMPLE,
                    "status": "FAILURE",
                    "result": {"error": "DogCeoInvalidAnswer", "detail": "dog.ceo answered malformed JSON."},
                },
                response_only=True,
            ),
        ],
    )
    def retrieve(self, request: Request, task_id: str) -> Response:
        return Response(TaskStateSerializer(selectors.task_state(task_id)).data)


class StoredFileViewSet(viewsets.GenericViewSet):
    """The seed's files service: upload any file, download it by id."""

    serializer_class = StoredFileSerializer
    parser_classes = [MultiPartParser]
    permission_classes = [IsAuthenticatedOrReadOnly]
    lookup_value_regex = "[^/]+"

    @classmethod
    def get_max_request_body_bytes(cls, action: str | None) -> int | None:
        """core.middleware.RequestBodyLimitMiddleware: an upload may be `UPLOAD_MAX_BYTES` plus multipart framing."""
        return pictures.upload_body_limit() if action == "create" else None

    @extend_schema(
        operation_id="files_create",
        summary="Upload a file",
        description="Needs a token. `multipart/form-data` with the field `file`: any name, extension and type,"
        " at most `UPLOAD_MAX_BYTES` bytes (10 MiB unless configured; 413 beyond). Stored through the"
        " configured storage under a generated name; 201 with `Location` (the download URL).",
        request={"multipart/form-data": FileUploadSerializer},
        responses={201: StoredFileSerializer},
        examples=[
            OpenApiExample(
                "Stored",
                value={
                    "id": "5f0c1b6e9a7d4c2b8e3f1a2b3c4d5e6f",
                    "filename": "n02086910_6483.jpg",
                    "size": 48213,
                    "content_type": "image/jpeg",
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "url": "http://127.0.0.1:8000/api/files/5f0c1b6e-9a7d-4c2b-8e3f-1a2b3c4d5e6f",
                },
                response_only=True,
            )
        ],
    )
    def create(self, request: Request) -> Response:
        upload = FileUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        stored = services.stored_file_create(upload.validated_data["file"], uploaded_by=request.user)
        data = self.get_serializer(stored).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    @extend_schema(
        operation_id="files_retrieve",
        summary="Download a file",
        description="Public. The stored bytes, streamed, with the uploaded file's type and name.",
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            404: OpenApiResponse(ERROR_SCHEMA_REF, description="No file has this id."),
        },
        auth=[],
    )
    def retrieve(self, request: Request, pk: str) -> StreamingHttpResponse:
        stored = selectors.stored_file_get(pk)
        try:
            chunks = storage.open_chunks(stored.file.name)
        except storage.StoredFileMissing as exc:
            raise selectors.StoredFileNotFound("The file's bytes are missing from storage.") from exc
        safe_name = stored.filename.replace('"', "").replace("\\", "")
        headers = {
            "Content-Length": str(stored.size),
            "Content-Disposition": f'attachment; filename="{safe_name.encode("ascii", "replace").decode()}"',
            "ETag": f'"{stored.sha256}"',
            "X-Content-Type-Options": "nosniff",
        }
        return StreamingHttpResponse(chunks, content_type=stored.content_type, headers=headers)

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # A download answers the file's own type; the JSON renderer is only for errors.
        return super().perform_content_negotiation(request, force=force or self.action == "retrieve")


class UserDogsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET /api/users/{id}/dogs`: a user's dogs. Here, not in users, so that users knows nothing of dogs."""

    serializer_class = DogSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator, with no path
            return selectors.dog_list().none()
        # 404 for an unknown (or inactive) user, through the users app's own selector.
        user = user_selectors.user_get(self.kwargs["id"])
        return selectors.dog_list_for_user(user.pk)

    @extend_schema(
        operation_id="users_dogs_list",
        summary="List a user's dogs",
        description="Needs a token. The dogs whose `id_user` is this user, in registration order; 404 for an"
        " unknown user.",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The user's id.")],
        responses={200: DogSerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
