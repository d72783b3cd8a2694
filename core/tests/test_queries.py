import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.queries import RowByKey


@pytest.fixture
def users():
    model = get_user_model()
    return [model.objects.create_user(email=f"{name}@example.org", password="x") for name in ("ana", "bruno")]


@pytest.mark.django_db
def test_the_row_is_the_one_get_returns(users):
    by_pk = RowByKey(get_user_model())
    for user in users:
        found = by_pk.get(user.pk)
        expected = get_user_model().objects.get(pk=user.pk)
        assert found is not None
        assert found._state.adding is False
        assert found._state.db == "default"
        assert {f.attname: getattr(found, f.attname) for f in found._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in expected._meta.concrete_fields
        }


@pytest.mark.django_db
def test_by_another_unique_field_and_missing_keys(users):
    by_name = RowByKey(get_user_model(), "email")
    assert by_name.get("bruno@example.org").pk == users[1].pk
    assert by_name.get("nobody@example.org") is None
    assert by_name.get("ana@example.org").pk == users[0].pk


@pytest.mark.django_db
def test_one_query_each_call_from_sql_compiled_once(users):
    by_name = RowByKey(get_user_model(), "email")
    by_name.get("ana@example.org")
    with CaptureQueriesContext(connection) as queries:
        assert by_name.get("bruno@example.org").email == "bruno@example.org"
    assert len(queries) == 1
    assert "ORDER BY" not in queries[0]["sql"]


@pytest.mark.django_db
def test_values_are_prepared_as_the_field_prepares_them(users):
    by_pk = RowByKey(get_user_model())
    assert by_pk.get(users[0].pk).pk == users[0].pk
    assert by_pk.get(str(users[1].pk)).pk == users[1].pk  # as the field's get_prep_value() takes it
    assert by_pk.get(10**9) is None
