"""Content negotiation: DRF's, with the commonest Accept headers answered without parsing."""

from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's default negotiation, short-cut for an Accept header that takes the first renderer as it is.

    Most API clients send no Accept header, `*/*` or exactly the first
    renderer's media type (`application/json`). DRF would parse that header
    into media-type objects and rank them on every request to reach the same
    answer: the first renderer and its own media type. Any other header (with
    parameters such as `; indent=2`, several types, `text/html`), a `?format=`
    override or a format suffix goes through DRF's negotiation unchanged.

    Shaped by a benchmark, not by clarity: it saves the header parsing that
    showed in the CPU profile of the cached `GET /pet/{petId}` (bench/README.md,
    "Pets"). It is project-wide because it gives DRF's exact answer for every
    route (tests/test_negotiation.py compares the two); a new app needs nothing
    from it.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        if renderers and not format_suffix and self.settings.URL_FORMAT_OVERRIDE not in request.query_params:
            first = renderers[0]
            if request.META.get("HTTP_ACCEPT", "*/*").strip() in ("*/*", first.media_type):
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
