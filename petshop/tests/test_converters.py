import uuid

from petshop.converters import PetIdConverter


def test_path_converter_gives_views_a_uuid_and_urls_the_hex_form():
    converter = PetIdConverter()
    value = converter.to_python("B7681B0E-E1BD-455B-81EC-B4E46A2F4346")

    assert value == uuid.UUID("b7681b0ee1bd455b81ecb4e46a2f4346")
    assert converter.to_url(value) == "b7681b0ee1bd455b81ecb4e46a2f4346"
