"""The GitHub proxy's routes: explicit `as_view({method: action})` mappings of one viewset.

A DRF router cannot produce these: its detail route has a single lookup
argument, and `/repositories/{owner}/{repository_name}` needs two beside the
one-argument `/repositories/{repository_name}`; and the list is spelled with
the trailing slash the contract gives while the detail routes are not. Each
mapping passes what a router would (`basename`, `detail`, `suffix`/`name`).
Path segments are any text without `/`: the viewset validates them (400 for a
name GitHub could not have) before anything is sent. The twin of each path,
with or without a trailing slash, is served by config.urls' last pattern.
"""

from django.urls import path

from githubproxy.views import RepositoryViewSet

app_name = "githubproxy"

repository_list = RepositoryViewSet.as_view({"get": "list"}, basename="repository", detail=False, suffix="List")
repository_detail = RepositoryViewSet.as_view(
    {"get": "retrieve"}, basename="repository", detail=True, suffix="Instance"
)
owned_repository_detail = RepositoryViewSet.as_view(
    {"get": "retrieve_owned"}, basename="repository", detail=True, name="Owned repository"
)

urlpatterns = [
    path("repositories/", repository_list, name="repository-list"),
    path("repositories/<str:repository_name>", repository_detail, name="repository-detail"),
    path("repositories/<str:owner>/<str:repository_name>", owned_repository_detail, name="repository-owned-detail"),
]
