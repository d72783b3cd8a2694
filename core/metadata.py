"""What `OPTIONS` answers on every API route."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


class APIMetadata(SimpleMetadata):
    """DRF's SimpleMetadata: name, description, media types and the fields of the POST and PUT bodies.

    The fields are listed for the methods the client may use (DRF checks the
    view's permissions, and for PUT the object's). One difference: on a
    collection route (a viewset routed with `detail=False`, as DRF's routers
    and the apps' explicit mappings mark it) the URL names no object, yet DRF
    looks one up for PUT and fails its assertion with a 500. `PUT /pet` is
    such a route: the body names the pet. There, PUT is listed like POST,
    after the view's permission check alone; whether the object exists is
    only known once the body is read.
    """

    def determine_actions(self, request, view):
        if getattr(view, "detail", None) is not False:
            return super().determine_actions(request, view)
        actions = {}
        for method in {"PUT", "POST"} & set(view.allowed_methods):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
            except (exceptions.APIException, PermissionDenied, Http404):
                pass
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
        return actions
