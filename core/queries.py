"""Rows by a key, through SQL that the ORM compiles once instead of on every call.

`Model.objects.get(key=value)` builds and compiles its query on every call:
on the development machine about 270 us of CPU for a pet, of which the
database's answer is about 60. `RowByKey` asks the ORM for the same query's
SQL on first use per database and then runs it through `Manager.raw()`, which
still applies the backend's converters and builds the model instance the ORM
would (`from_db`), for about 120 us.

Shaped by a benchmark, not by clarity: a detail route read at high rates with
keys spread over a large table, where most reads miss any cache (bench/README.md,
"Pets", the uniform ids). Use `get()` everywhere else.

`RowByKey` reads one row by a unique key, `RowsByKey` the rows that share a
key (a book's pages by `book_id`), in a given order. The lookup is an
`exact` one on a concrete field (`pk` or a field name); anything the lookup
would do to the value, such as upper-casing a code, is the caller's to do
first.
"""

from collections.abc import Iterator
from typing import Generic, TypeVar

from django.db import connections, models, router

ModelT = TypeVar("ModelT", bound=models.Model)


class _KeyedQuery(Generic[ModelT]):
    def __init__(self, model: type[ModelT], field: str = "pk", order_by: tuple[str, ...] = ()):
        self.model = model
        self.field = model._meta.pk if field == "pk" else model._meta.get_field(field)
        self._lookup = field
        self._order_by = order_by
        self._sql: dict[str, str] = {}

    def _rows(self, value) -> Iterator[ModelT]:
        alias = router.db_for_read(self.model)
        sql = self._sql.get(alias)
        if sql is None:
            # The SQL of `filter(key=value).order_by(...)` (no default ordering), as the ORM writes it.
            queryset = self.model._default_manager.using(alias).filter(**{self._lookup: value})
            sql, params = queryset.order_by(*self._order_by).query.sql_with_params()
            if len(params) != 1:
                raise ValueError(f"{self.model.__name__}.{self._lookup}: expected one query parameter, got {params}")
            self._sql[alias] = sql
        parameter = self.field.get_db_prep_value(value, connections[alias], prepared=False)
        return iter(self.model._default_manager.db_manager(alias).raw(sql, [parameter]))


class RowByKey(_KeyedQuery[ModelT]):
    """One row by a unique key."""

    def __init__(self, model: type[ModelT], field: str = "pk"):
        super().__init__(model, field)

    def get(self, value) -> ModelT | None:
        """The row whose key is `value`, or None. Raises what the field raises for a value it cannot take."""
        return next(self._rows(value), None)


class RowsByKey(_KeyedQuery[ModelT]):
    """The rows that share a key, in the order of `order_by` (field names, as for `QuerySet.order_by`)."""

    def all(self, value) -> list[ModelT]:
        return list(self._rows(value))
