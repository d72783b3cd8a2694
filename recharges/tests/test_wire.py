"""The JSON parser and renderer: money stays a Decimal with its own digits on the way in and out."""

import io
from decimal import Decimal

import pytest
from rest_framework.exceptions import ParseError

from recharges.parsers import DecimalJSONParser
from recharges.renderers import ExactDecimalJSONRenderer, encode


def parse(text: str):
    return DecimalJSONParser().parse(io.BytesIO(text.encode()), "application/json", {})


def test_parser_reads_numbers_with_fractions_as_decimals():
    assert parse('{"value": 10.00, "n": 3, "tiny": 0.1}') == {"value": Decimal("10.00"), "n": 3, "tiny": Decimal("0.1")}
    assert parse('{"value": 10.0000000000000001}')["value"] == Decimal("10.0000000000000001")


@pytest.mark.parametrize("text", ["{", '{"value": NaN}', '{"value": Infinity}', '{"value": -Infinity}'])
def test_parser_refuses_malformed_json_and_non_finite_numbers(text):
    with pytest.raises(ParseError):
        parse(text)


def test_renderer_writes_decimals_with_their_digits_and_everything_else_as_json():
    data = {"value": Decimal("10.00"), "big": Decimal("99999999.99"), "text": 'Zoë "q" \\ \n', "items": [None, True, 1]}

    assert encode(data) == '{"value":10.00,"big":99999999.99,"text":"Zoë \\"q\\" \\\\ \\n","items":[null,true,1]}'
    assert ExactDecimalJSONRenderer().render(data) == encode(data).encode()
    assert ExactDecimalJSONRenderer().render(None) == b""


def test_renderer_refuses_non_finite_decimals():
    with pytest.raises(ValueError, match="not a JSON number"):
        encode(Decimal("NaN"))
