"""Bearer tokens: simplejwt's authentication with the user read by a query compiled once.

Every request with a token reads its user. simplejwt does it with
`User.objects.get(pk=...)`, which builds and compiles the query on every call
(about 270 us of CPU on the development machine); `core.queries.RowByKey` runs
the same SQL compiled once (about 120 us). Everything else, the token's checks
and the user's (active, the password-change revocation when it is on), is
simplejwt's, with its messages and codes.

Shaped by the benchmarks of the routes that need a token (bench/README.md,
"Recharges" and "Dogs"), not by clarity: a plain `JWTAuthentication` subclass
would be the normal way.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from core.queries import RowByKey


class JWTAuthentication(authentication.JWTAuthentication):
    _users_by_id: RowByKey | None = None

    def get_user(self, validated_token: Token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as error:
            raise InvalidToken(_("Token contained no recognizable user identification")) from error

        users = type(self)._users_by_id
        if users is None or users.model is not self.user_model:
            users = type(self)._users_by_id = RowByKey(self.user_model, api_settings.USER_ID_FIELD)
        user = users.get(user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")

        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")

        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")

        return user


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of simplejwt's class, for this one (drf-spectacular matches exact classes)."""

    target_class = "users.authentication.JWTAuthentication"
