"""The service's routes.

Each route is declared once, in the contract's spelling; the last pattern
serves its twin with or without the trailing slash.
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.dump.views import DumpView
from core.health import HealthView, ReadinessView
from core.urls import TrailingSlashTwinPattern

handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", HealthView.as_view(), name="healthz"),
    path("readyz", ReadinessView.as_view(), name="readyz"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("users.urls")),
    path("api/", include("dogs.urls")),
    path("api/", include("books.urls")),
    path("", include("petshop.urls")),
    path("", include("recharges.urls")),
    path("", include("githubproxy.urls")),
    path("dump.sql", DumpView.as_view(), name="dump"),
    TrailingSlashTwinPattern(),
]
