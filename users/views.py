from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from core.openapi import error_response
from core.throttling import ScopedThrottle
from users import selectors, services
from users.permissions import IsSelfOrStaff
from users.serializers import UserSerializer

EMAIL_TAKEN_RESPONSE = error_response(
    "The e-mail address is taken (compared case-insensitively).",
    ("E-mail taken", "A user with this e-mail address already exists.", "email_taken"),
)
SIGN_UP_EXAMPLE = OpenApiExample(
    "Sign up",
    value={"name": "Ana", "last_name": "Silva", "email": "ana@example.org", "password": "a long passphrase"},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="List users", description="Needs a token."),
    retrieve=extend_schema(summary="Read a user", description="Needs a token."),
    create=extend_schema(
        summary="Sign up",
        description="Public. 409 when the e-mail address is taken (compared case-insensitively).",
        responses={201: UserSerializer, 409: EMAIL_TAKEN_RESPONSE},
        examples=[SIGN_UP_EXAMPLE],
        auth=[],
    ),
    update=extend_schema(
        summary="Replace a user",
        description="That user or staff. 409 when the new e-mail address is taken.",
        responses={200: UserSerializer, 409: EMAIL_TAKEN_RESPONSE},
    ),
    partial_update=extend_schema(
        summary="Update a user",
        description="That user or staff. 409 when the new e-mail address is taken.",
        responses={200: UserSerializer, 409: EMAIL_TAKEN_RESPONSE},
    ),
    destroy=extend_schema(summary="Delete a user", description="That user or staff."),
)
class UserViewSet(viewsets.ModelViewSet):
    serializer_class = UserSerializer

    def get_queryset(self):
        return selectors.user_list()

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        if self.action in ("list", "retrieve"):
            return [IsAuthenticated()]
        return [IsAuthenticated(), IsSelfOrStaff()]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(**serializer.validated_data)
        location = reverse("users:user-detail", kwargs={"pk": user.pk})
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED, headers={"Location": location})

    def update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user, **serializer.validated_data)
        return Response(self.get_serializer(user).data)

    def destroy(self, request, *args, **kwargs):
        services.user_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary="Get a token pair",
    description="`{email, password}` -> `{access, refresh}`; send `Authorization: Bearer <access>`.",
    responses={
        200: inline_serializer("TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()}),
        401: OpenApiResponse(description="Wrong e-mail or password, or an inactive account."),
    },
    examples=[
        OpenApiExample(
            "Credentials", value={"email": "ana@example.org", "password": "a long passphrase"}, request_only=True
        )
    ],
    auth=[],
)
class TokenObtainView(TokenObtainPairView):
    """`{"email", "password"}` -> `{"access", "refresh"}`; throttled against password guessing."""

    throttle_classes = [ScopedThrottle]
    throttle_scope = "token"


@extend_schema(
    summary="Refresh the access token",
    responses={
        200: inline_serializer("AccessToken", {"access": serializers.CharField()}),
        401: OpenApiResponse(description="The refresh token is invalid or expired."),
    },
    auth=[],
)
class TokenRefreshThrottledView(TokenRefreshView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "token"
