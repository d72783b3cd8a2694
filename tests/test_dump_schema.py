"""Which tables a dump holds, their order, and the statements creating them."""

import itertools

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from core.dump.schema import dumped_models, schema_statements, sort_by_dependencies

# Throwaway models that are never displayed.
# ruff: noqa: DJ008

with isolate_apps("core"):

    class Farm(models.Model):
        class Meta:
            app_label = "core"

    class Hen(models.Model):
        farm = models.ForeignKey(Farm, on_delete=models.CASCADE)
        favourite_egg = models.ForeignKey("Egg", null=True, on_delete=models.SET_NULL, related_name="+")

        class Meta:
            app_label = "core"

    class Egg(models.Model):
        hen = models.ForeignKey(Hen, on_delete=models.CASCADE)

        class Meta:
            app_label = "core"

    class Chick(models.Model):
        egg = models.OneToOneField(Egg, on_delete=models.CASCADE)
        mother = models.ForeignKey("self", null=True, on_delete=models.SET_NULL)

        class Meta:
            app_label = "core"


def tables(models_in_order) -> list[str]:
    return [model._meta.db_table for model in models_in_order]


def test_dumped_models_hold_every_app_table_many_to_many_tables_and_migrations():
    dumped = tables(dumped_models(include_migrations=True))

    assert {"users_user", "users_user_groups", "auth_permission", "petshop_pet", "django_session"} <= set(dumped)
    assert "django_migrations" in dumped
    assert "django_migrations" not in tables(dumped_models(include_migrations=False))
    assert len(dumped) == len(set(dumped))


def test_dumped_tables_come_after_the_tables_they_refer_to():
    dumped = dumped_models(include_migrations=True)
    position = {model: index for index, model in enumerate(dumped)}

    for model in dumped:
        for field in model._meta.local_concrete_fields:
            if field.is_relation and field.related_model is not model:
                assert position[field.related_model] < position[model], (model, field)


@pytest.mark.parametrize("given_order", list(itertools.permutations([Farm, Hen, Egg, Chick])))
def test_sort_releases_cycles_and_self_references_in_one_order_whatever_the_input(given_order):
    # Hen and Egg refer to each other; Chick refers to itself.
    assert sort_by_dependencies(given_order) == [Farm, Hen, Egg, Chick]


@pytest.mark.django_db
def test_schema_statements_create_tables_then_keys_and_indexes():
    dumped = dumped_models(include_migrations=True)

    tables, deferred = schema_statements(connection, dumped)

    created = [statement.split('"')[1] for statement in tables if statement.startswith("CREATE TABLE")]
    assert sorted(created) == sorted(model._meta.db_table for model in dumped)
    assert all(statement.endswith(";") for statement in tables + deferred)
    assert any(statement.startswith("CREATE INDEX") for statement in deferred)
    if connection.vendor == "postgresql":
        assert any("FOREIGN KEY" in statement for statement in deferred)
    else:
        assert any('REFERENCES "users_user"' in statement for statement in tables)
