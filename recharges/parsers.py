"""JSON bodies with their numbers read as Decimals, so money never passes through a float."""

import codecs
import json
from decimal import Decimal

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class DecimalJSONParser(JSONParser):
    """DRF's JSON parser, except that `10.00` arrives as `Decimal("10.00")`, not `10.0`.

    A float would turn `10.001` into something that may or may not round to a
    cent and `0.1 + 0.2` into 0.30000000000000004; recharges.validators
    decides on the exact text the client sent.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
