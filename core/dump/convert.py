"""Rows of one database written for the other, converted through their model fields.

A same-dialect dump writes the values exactly as they are stored. Across
dialects, the types that the two databases store differently are read as
Django reads them from the source and prepared as Django would save them in the
target, so a migrated database reads them back as the same Python values.
"""

from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field

# The internal types that SQLite and PostgreSQL store in different forms
# (0/1 and booleans, ISO text and temporal types, 32 hex digits and uuid,
# microseconds and interval, REAL and numeric). Every other field stores the same
# text, number or bytes in both (JSON and IP addresses as text, binary as bytes),
# so its value passes through as it is.
CONVERTED_TYPES = frozenset(
    {"BooleanField", "DateField", "DateTimeField", "DecimalField", "DurationField", "TimeField", "UUIDField"}
)


def value_converter(
    field: Field, source: BaseDatabaseWrapper, target: BaseDatabaseWrapper
) -> Callable[[Any], Any] | None:
    """A function from `field`'s stored value in `source` to the value `target` stores.

    None when both store the same value. A foreign key converts as the field it
    points to.
    """
    column = field.get_col(field.model._meta.db_table)
    if column.output_field.get_internal_type() not in CONVERTED_TYPES:
        return None
    converters = source.ops.get_db_converters(column) + column.get_db_converters(source)

    def convert(value: Any) -> Any:
        if value is None:
            return None
        for converter in converters:
            value = converter(value, column, source)
        return field.get_db_prep_save(value, connection=target)

    return convert
