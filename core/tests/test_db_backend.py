"""core.db.postgresql: Django's connection health check, skipped for a connection seen working within the delay."""

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the suite on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def wrapper():
    """A connection of its own to the test database, with health checks and a 60 s delay."""
    own = connections.create_connection("default")
    own.settings_dict = {**own.settings_dict, "CONN_HEALTH_CHECKS": True, "CONN_MAX_AGE": 600}
    own.settings_dict["HEALTH_CHECK_DELAY"] = 60
    yield own
    own.close()


def request(wrapper, sql: str = "SELECT 1") -> tuple:
    """What Django does around a request that runs one query: the checks at its start and end."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    wrapper.close_if_unusable_or_obsolete()
    return row


def count_checks(wrapper, monkeypatch) -> list:
    checks = []
    is_usable = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: checks.append(1) or is_usable())
    return checks


def test_engine_is_ours():
    assert connection.settings_dict["ENGINE"] == "core.db.postgresql"
    assert type(connections["default"]).__module__ == "core.db.postgresql.base"


def test_no_check_for_a_connection_seen_working_within_the_delay(wrapper, monkeypatch):
    checks = count_checks(wrapper, monkeypatch)
    request(wrapper)  # a new connection: healthy, Django does not check it
    for _ in range(5):
        assert request(wrapper) == (1,)
    assert checks == []


def test_checked_after_the_delay_as_django_checks(wrapper, monkeypatch):
    checks = count_checks(wrapper, monkeypatch)
    request(wrapper)
    wrapper.seen_working_at -= 61
    assert request(wrapper) == (1,)
    assert checks == [1]
    assert request(wrapper) == (1,)  # seen working again by that request
    assert checks == [1]


def test_delay_zero_checks_before_every_request(wrapper, monkeypatch):
    wrapper.settings_dict["HEALTH_CHECK_DELAY"] = 0
    checks = count_checks(wrapper, monkeypatch)
    for _ in range(3):
        request(wrapper)
    assert checks == [1, 1]  # every request but the first, on its new connection


def test_a_connection_the_server_dropped_is_replaced_once_the_delay_is_over(wrapper):
    request(wrapper)
    pid = wrapper.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wrapper.seen_working_at -= 61
    assert request(wrapper) == (1,)
    assert wrapper.connection.info.backend_pid != pid


def test_an_error_in_a_request_means_not_seen_working(wrapper, monkeypatch):
    request(wrapper)
    wrapper.seen_working_at -= 61
    before = wrapper.seen_working_at
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    wrapper.errors_occurred = True  # as Django's wrap_database_errors flags an OperationalError
    checks = count_checks(wrapper, monkeypatch)
    wrapper.close_if_unusable_or_obsolete()
    assert wrapper.seen_working_at == before
    assert checks == [1]  # Django's own check of a connection that had an error
