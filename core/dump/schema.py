"""Which tables a dump holds, in which order, and the statements creating them."""

from collections.abc import Iterable

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Field, Model


def dumped_models(*, include_migrations: bool) -> list[type[Model]]:
    """Every model with a table of its own, referenced tables first.

    That covers every installed app, the auto-created many-to-many tables and,
    with `include_migrations`, the `django_migrations` table, so that a
    restored database knows which migrations it has.
    """
    models = [
        model for model in apps.get_models(include_auto_created=True) if model._meta.managed and not model._meta.proxy
    ]
    if include_migrations:
        models.append(MigrationRecorder.Migration)
    return sort_by_dependencies(models)


def sort_by_dependencies(models: Iterable[type[Model]]) -> list[type[Model]]:
    """`models` ordered so that each comes after the models its foreign keys point to.

    A depth-first walk in table-name order, so the same models always give the
    same order. A cycle (or a self-reference) cannot be ordered away: the walk
    breaks it where it meets it, and Django creates foreign keys deferrable, so
    they are checked at COMMIT anyway.
    """
    by_table = {model._meta.db_table: model for model in models}
    ordered: list[type[Model]] = []
    seen: set[str] = set()

    def visit(table: str) -> None:
        if table in seen:
            return
        seen.add(table)
        for target in sorted(_referenced_tables(by_table[table]) & by_table.keys()):
            visit(target)
        ordered.append(by_table[table])

    for table in sorted(by_table):
        visit(table)
    return ordered


def _referenced_tables(model: type[Model]) -> set[str]:
    return {
        field.related_model._meta.db_table
        for field in model._meta.local_concrete_fields
        if field.is_relation and field.related_model is not None
    }


def columns(model: type[Model]) -> list[Field]:
    """The fields stored in the model's own table; generated columns are computed, not written."""
    return [field for field in model._meta.local_concrete_fields if not getattr(field, "generated", False)]


def schema_statements(connection: BaseDatabaseWrapper, models: Iterable[type[Model]]) -> tuple[list[str], list[str]]:
    """The statements creating the models' tables in `connection`'s dialect.

    Returns the CREATE TABLE statements, and the indexes and foreign keys that
    are cheaper to create once the rows are in (as pg_dump does); Django's
    schema editor writes both, exactly as a migration would.
    """
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    # The editor is used without its context manager, which only prepares
    # deferred_sql here and, on SQLite, would run PRAGMA foreign_key_check over
    # the whole database on exit: slow, and a failure on any old dangling row.
    editor.deferred_sql = []
    for model in models:
        # Auto-created many-to-many tables come with the model that declares them.
        if not model._meta.auto_created:
            editor.create_model(model)
    deferred = [f"{statement};" for statement in editor.deferred_sql]
    return editor.collected_sql, deferred
