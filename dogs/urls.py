"""The dogs app's routes: three viewsets on one router, and a user's dogs.

The router's detail route also maps POST to `DogViewSet.register`:
`POST /api/dogs/{name}` names the dog it registers, as the seed asks. The
list-level `is_adopted` action is matched before the detail route, and the
name is reserved, so no dog can hide it.
"""

from django.urls import path
from rest_framework.routers import Route, SimpleRouter

from dogs.views import DogViewSet, StoredFileViewSet, TaskViewSet, UserDogsViewSet

app_name = "dogs"


class DogRouter(SimpleRouter):
    """SimpleRouter whose detail route also maps POST, to a viewset's `register` action when it has one."""

    routes = [
        Route(
            url=route.url,
            mapping={**route.mapping, "post": "register"},
            name=route.name,
            detail=route.detail,
            initkwargs=route.initkwargs,
        )
        if isinstance(route, Route) and route.detail
        else route
        for route in SimpleRouter.routes
    ]


router = DogRouter(trailing_slash=False)
router.register("dogs", DogViewSet, basename="dog")
router.register("tasks", TaskViewSet, basename="task")
router.register("files", StoredFileViewSet, basename="file")

urlpatterns = [
    *router.urls,
    # A user's dogs, under the users' path as the contract has it; the router's
    # prefixes are this app's own resources, so it is mapped by hand.
    path(
        "users/<int:id>/dogs",
        UserDogsViewSet.as_view({"get": "list"}, basename="user-dogs", detail=False, suffix="List"),
        name="user-dogs",
    ),
]
