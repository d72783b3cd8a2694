import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.response import Response
from rest_framework.views import APIView

from core import throttling
from core.throttling import ClientRateThrottle, ScopedThrottle, prefetched_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates


def test_anonymous_clients_are_throttled_by_address(api_client, rates):
    rates(anon="3/minute")

    statuses = [api_client.get("/pet", REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
    other_address = api_client.get("/pet", REMOTE_ADDR="10.0.0.2")

    assert statuses == [200, 200, 200, 429]
    assert other_address.status_code == 200


def test_throttled_answer_has_the_error_shape_and_retry_after(api_client, rates):
    rates(anon="1/hour")
    api_client.get("/pet")

    response = api_client.get("/pet")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 3600


def test_authenticated_clients_use_the_user_rate_per_user(auth_client, other_client, user, rates):
    rates(anon="1/minute", user="2/minute")

    statuses = [auth_client.get(f"/api/users/{user.pk}").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert other_client.get(f"/api/users/{user.pk}").status_code == 200


class ThrottledView(APIView):
    """Answers what the throttle prefetched for it."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [ClientRateThrottle]

    def get(self, request):
        return Response({"prefetched": prefetched_cache(request)})


class PrefetchingView(ThrottledView):
    """Follows core.throttling.PrefetchesCacheKeys: it names the keys its handler reads."""

    def cache_keys_to_prefetch(self, request) -> list[str]:
        return ["prefetch:present", "prefetch:absent"]


def test_the_throttles_round_trip_fetches_the_keys_a_view_names():
    cache.set("prefetch:present", "value")

    response = PrefetchingView.as_view()(RequestFactory().get("/"))

    # What get_many() answers: keys missing from the cache are absent.
    assert response.data == {"prefetched": {"prefetch:present": "value"}}


def test_a_view_that_names_no_keys_gets_nothing_prefetched():
    response = ThrottledView.as_view()(RequestFactory().get("/"))

    assert response.data == {"prefetched": None}


class TwoCountersView(PrefetchingView):
    """The default throttle and a scoped one, as the books' code lookups have."""

    throttle_classes = [ClientRateThrottle, ScopedThrottle]
    throttle_scope = "scoped_for_test"


def test_one_round_trip_increments_every_counter_of_the_view(rates, monkeypatch):
    rates(anon="3/minute", scoped_for_test="2/minute")
    calls = []
    increment = throttling._increment
    monkeypatch.setattr(throttling, "_increment", lambda *args: calls.append(args) or increment(*args))
    view = TwoCountersView.as_view()

    statuses = [view(RequestFactory().get("/", REMOTE_ADDR="10.0.0.9")).status_code for _ in range(4)]

    # The scoped counter refuses the third request, the default one the fourth too.
    assert statuses == [200, 200, 429, 429]
    assert len(calls) == 4  # one per request, with both counters and the view's keys
    counters, fetch = calls[0]
    assert sorted(key.split(":")[1] for key in counters) == ["anon", "scoped_for_test"]
    assert fetch == ["prefetch:present", "prefetch:absent"]
    assert sorted(cache.get(key) for key in counters) == [4, 4]  # each counted each request once


def test_an_unreachable_cache_allows_every_counter(rates, monkeypatch):
    rates(anon="1/minute", scoped_for_test="1/minute")
    monkeypatch.setattr(throttling, "_increment", lambda counters, fetch: (None, None))
    view = TwoCountersView.as_view()

    assert [view(RequestFactory().get("/")).status_code for _ in range(3)] == [200, 200, 200]
