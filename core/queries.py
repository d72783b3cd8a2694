"""One row by a unique key, through SQL that the ORM compiles once instead of on every call.

`Model.objects.get(key=value)` builds and compiles its query on every call:
on the development machine about 270 us of CPU for a pet, of which the
database's answer is about 60. `RowByKey` asks the ORM for the same query's
SQL on first use per database and then runs it through `Manager.raw()`, which
still applies the backend's converters and builds the model instance the ORM
would (`from_db`), for about 120 us.

Shaped by a benchmark, not by clarity: a detail route read at high rates with
keys spread over a large table, where most reads miss any cache (bench/README.md,
"Pets", the uniform ids). Use `get()` everywhere else.

The key must be unique and the lookup an `exact` one on a concrete field
(`pk` or a field name); anything the lookup would do to the value, such as
upper-casing a code, is the caller's to do first.
"""

from typing import Generic, TypeVar

from django.db import connections, models, router

ModelT = TypeVar("ModelT", bound=models.Model)


class RowByKey(Generic[ModelT]):
    def __init__(self, model: type[ModelT], field: str = "pk"):
        self.model = model
        self.field = model._meta.pk if field == "pk" else model._meta.get_field(field)
        self._lookup = field
        self._sql: dict[str, str] = {}

    def get(self, value) -> ModelT | None:
        """The row whose key is `value`, or None. Raises what the field raises for a value it cannot take."""
        alias = router.db_for_read(self.model)
        sql = self._sql.get(alias)
        if sql is None:
            # The SQL of `filter(key=value)`, without the model's default ordering, as the ORM writes it.
            query = self.model._default_manager.using(alias).order_by().filter(**{self._lookup: value}).query
            sql, params = query.sql_with_params()
            if len(params) != 1:
                raise ValueError(f"{self.model.__name__}.{self._lookup}: expected one query parameter, got {params}")
            self._sql[alias] = sql
        parameter = self.field.get_db_prep_value(value, connections[alias], prepared=False)
        return next(iter(self.model._default_manager.db_manager(alias).raw(sql, [parameter])), None)
