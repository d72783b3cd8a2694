import pytest
from django.core.cache import cache
from django.db import transaction

from core import caching
from core.caching import VersionedCache


@pytest.fixture
def versioned():
    return VersionedCache("tests.things", timeout=60)


class Builder:
    """Counts its calls; returns the current value of the "row"."""

    def __init__(self, value="v1"):
        self.value = value
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_value_is_built_once_then_served_from_the_cache(versioned):
    build = Builder()
    assert versioned.get_or_build("a", build) == "v1"
    assert versioned.get_or_build("a", build) == "v1"
    assert build.calls == 1


def test_invalidating_an_item_rebuilds_only_that_item(versioned):
    build_a, build_b = Builder(), Builder("b1")
    versioned.get_or_build("a", build_a)
    versioned.get_or_build("b", build_b)
    build_a.value = "v2"
    versioned.invalidate("a")
    assert versioned.get_or_build("a", build_a) == "v2"
    assert versioned.get_or_build("b", build_b) == "b1"
    assert (build_a.calls, build_b.calls) == (2, 1)


def test_invalidating_an_item_covers_all_its_variants(versioned):
    build = Builder()
    versioned.get_or_build("a", build, variant="http://one/")
    versioned.get_or_build("a", build, variant="http://two/")
    build.value = "v2"
    versioned.invalidate("a")
    assert versioned.get_or_build("a", build, variant="http://one/") == "v2"
    assert versioned.get_or_build("a", build, variant="http://two/") == "v2"


@pytest.mark.parametrize(
    ("invalidate", "other_rebuilt"),
    [(lambda versioned: versioned.invalidate_all(), False), (lambda versioned: caching.invalidate_everything(), True)],
    ids=["namespace", "everything"],
)
def test_invalidating_a_namespace_or_everything_rebuilds_its_items(versioned, invalidate, other_rebuilt):
    other = VersionedCache("tests.others", timeout=60)
    build, other_build = Builder(), Builder("o1")
    versioned.get_or_build("a", build)
    other.get_or_build("a", other_build)
    invalidate(versioned)
    versioned.get_or_build("a", build)
    other.get_or_build("a", other_build)
    assert (build.calls, other_build.calls) == (2, 2 if other_rebuilt else 1)


def test_a_value_built_while_a_write_committed_is_not_used_afterwards(versioned):
    build = Builder()
    versioned.get_or_build("a", build)
    versioned.invalidate("a")

    def build_racing_a_write():
        # The reader has read the tokens and the (old) row; the write commits now.
        value = build()
        build.value = "v2"
        versioned.invalidate("a")
        return value

    assert versioned.get_or_build("a", build_racing_a_write) == "v1"
    assert versioned.get_or_build("a", build) == "v2"


@pytest.mark.parametrize("lost", ["global", "namespace", "item"])
def test_a_lost_token_causes_a_miss_never_a_stale_value(versioned, lost):
    build = Builder()
    versioned.get_or_build("a", build)
    build.value = "v2"
    key = {"global": caching.GLOBAL_STAMP_KEY, "namespace": versioned._namespace_key, "item": versioned._item_key("a")}
    cache.delete(key[lost])
    assert versioned.get_or_build("a", build) == "v2"
    assert versioned.get_or_build("a", build) == "v2"
    assert build.calls == 2


def test_a_token_created_concurrently_by_another_reader_skips_storing(versioned, monkeypatch):
    build = Builder()
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: False)
    assert versioned.get_or_build("a", build) == "v1"
    monkeypatch.undo()
    assert versioned.get_or_build("a", build) == "v1"
    assert build.calls == 2


def test_a_write_during_an_items_first_read_refuses_its_store(versioned):
    versioned.get_or_build("other", Builder())  # the global and namespace tokens exist; "a"'s does not
    build = Builder()

    def first_build_racing_a_write():
        value = build()
        build.value = "v2"
        versioned.invalidate("a")  # commits and invalidates before the reader stores
        return value

    assert versioned.get_or_build("a", first_build_racing_a_write) == "v1"
    assert versioned.get_or_build("a", build) == "v2"
    assert versioned.get_or_build("a", build) == "v2"
    assert build.calls == 2


@pytest.mark.skipif(not hasattr(cache, "client"), reason="the one-round-trip store is django-redis's")
def test_an_items_first_read_stores_its_token_and_value_in_one_script(versioned, monkeypatch):
    versioned.get_or_build("other", Builder())
    build = Builder()

    def no_separate_round_trip(*args, **kwargs):
        raise AssertionError("the token and the value are stored by one script")

    monkeypatch.setattr(cache, "add", no_separate_round_trip)
    monkeypatch.setattr(cache, "set", no_separate_round_trip)
    assert versioned.get_or_build("a", build) == "v1"
    assert versioned.get_or_build("a", build) == "v1"
    assert build.calls == 1


def test_none_and_exceptions_are_not_stored(versioned):
    build = Builder(None)
    assert versioned.get_or_build("a", build) is None
    assert versioned.get_or_build("a", build) is None
    assert build.calls == 2

    def failing():
        raise LookupError("no such row")

    with pytest.raises(LookupError):
        versioned.get_or_build("b", failing)
    assert versioned.get_or_build("b", Builder("b1")) == "b1"


def test_zero_timeout_turns_the_cache_off():
    versioned = VersionedCache("tests.off", timeout=lambda: 0)
    build = Builder()
    versioned.get_or_build("a", build)
    versioned.get_or_build("a", build)
    assert build.calls == 2


@pytest.mark.django_db(transaction=True)
def test_invalidate_on_commit_waits_for_the_commit_and_skips_a_rollback(versioned):
    build = Builder()
    versioned.get_or_build("a", build)
    with transaction.atomic():
        versioned.invalidate_on_commit("a")
        versioned.get_or_build("a", build)
        assert build.calls == 1
    versioned.get_or_build("a", build)
    assert build.calls == 2

    def write_that_fails():
        with transaction.atomic():
            versioned.invalidate_on_commit("a")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_that_fails()
    versioned.get_or_build("a", build)
    assert build.calls == 2
