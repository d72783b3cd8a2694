"""JSON with money written as the stored Decimal: `10.00` stays `10.00` on the wire.

DRF's JSON encoder turns a Decimal into a float (`10.0`) unless it is coerced
to a string; the contract asks for JSON numbers with exactly the stored
decimals. Python's `json` cannot write a number from its text, so the few
shapes this app answers (objects, arrays, strings, numbers, booleans, null)
are written here, with the standard library encoding every scalar but the
Decimals.
"""

import json
from decimal import Decimal

from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_SCALAR = JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(value) -> str:
    """`value` as compact JSON, each Decimal written with its own digits."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return format(value, "f")
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{json.dumps(str(key), ensure_ascii=False)}:{encode(item)}" for key, item in value.items())
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(encode(item) for item in value) + "]"
    return _SCALAR.encode(value)


class ExactDecimalJSONRenderer(JSONRenderer):
    """`application/json` as DRF writes it (compact, UTF-8), with exact Decimals; indentation is not offered."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return encode(data).encode()
