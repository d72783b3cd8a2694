from django.urls import path
from rest_framework.routers import SimpleRouter

from users.views import TokenObtainView, TokenRefreshThrottledView, UserViewSet

app_name = "users"

router = SimpleRouter(trailing_slash=False)
router.register("users", UserViewSet, basename="user")

urlpatterns = [
    path("token/", TokenObtainView.as_view(), name="token-obtain"),
    path("token/refresh/", TokenRefreshThrottledView.as_view(), name="token-refresh"),
    *router.urls,
]
