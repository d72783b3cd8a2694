import io

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from core.errors import PayloadTooLarge, UnsupportedMediaType
from core.images import EmptyUpload, normalise_image, read_upload
from tests.fixtures.images import jpeg_with_gps, png_bytes, png_header_only


def test_normalise_turns_jpeg_upright_and_strips_exif_gps_and_icc():
    original = jpeg_with_gps(width=64, height=32, orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = normalise_image(original)

    stored = Image.open(io.BytesIO(result.content))
    assert stored.format == "PNG"
    assert (result.width, result.height) == stored.size == (32, 64)
    assert dict(stored.getexif()) == {}
    assert stored.info == {}
    assert b"PhoneCo" not in result.content
    assert b"private-icc-profile" not in result.content
    assert result.size == len(result.content)
    assert len(result.sha256) == 64


def test_normalise_drops_png_text_chunks_but_keeps_transparency():
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken at home, Rua X 123")
    original = png_bytes(Image.new("RGBA", (8, 8), (0, 0, 255, 0)), pnginfo=text)

    result = normalise_image(original)

    stored = Image.open(io.BytesIO(result.content))
    assert b"Rua X" not in result.content
    assert stored.mode == "RGBA"
    assert stored.getpixel((0, 0)) == (0, 0, 255, 0)


@pytest.mark.parametrize(("image_format", "mode"), [("GIF", "P"), ("WEBP", "RGB"), ("JPEG", "CMYK")])
def test_normalise_accepts_each_accepted_format_as_png(image_format, mode):
    output = io.BytesIO()
    Image.new(mode, (20, 10)).save(output, image_format)

    result = normalise_image(output.getvalue())

    assert Image.open(io.BytesIO(result.content)).format == "PNG"
    assert (result.width, result.height) == (20, 10)


def test_normalise_refuses_text_that_claims_to_be_an_image():
    with pytest.raises(UnsupportedMediaType) as caught:
        normalise_image(b"name,owner\nRex,Ana\n")

    assert caught.value.get_codes() == "not_an_image"


def test_normalise_refuses_truncated_jpeg():
    original = jpeg_with_gps(width=256, height=256)

    with pytest.raises(UnsupportedMediaType) as caught:
        normalise_image(original[: len(original) // 2])

    assert caught.value.get_codes() == "corrupt_image"


def test_normalise_refuses_formats_outside_the_accepted_four():
    output = io.BytesIO()
    Image.new("RGB", (4, 4)).save(output, "BMP")

    with pytest.raises(UnsupportedMediaType):
        normalise_image(output.getvalue())


def test_normalise_refuses_50_megapixel_png():
    fifty_megapixels = png_bytes(Image.new("1", (10_000, 5_000)))
    assert len(fifty_megapixels) < 100_000

    with pytest.raises(PayloadTooLarge) as caught:
        normalise_image(fifty_megapixels)

    assert caught.value.get_codes() == "image_too_many_pixels"


def test_normalise_checks_pixels_from_the_header_before_decoding():
    # Decoding this file would fail (no pixel data), so 413 proves the header check came first.
    with pytest.raises(PayloadTooLarge):
        normalise_image(png_header_only(8_000, 8_000), max_pixels=1_000_000)

    with pytest.raises(UnsupportedMediaType):
        normalise_image(png_header_only(100, 100), max_pixels=1_000_000)


@pytest.mark.parametrize("pixels", [100_000_000, 400_000_000])
def test_normalise_refuses_decompression_bombs_above_a_raised_limit(pixels):
    # Past Pillow's own limits (a warning above ~89 MP, an error above ~179 MP).
    side = int(pixels**0.5)

    with pytest.raises(PayloadTooLarge):
        normalise_image(png_header_only(side, side), max_pixels=10**12)


def test_read_upload_refuses_more_bytes_than_the_limit_even_when_size_is_not_declared():
    with pytest.raises(PayloadTooLarge) as caught:
        read_upload(io.BytesIO(b"x" * 1001), max_bytes=1000)

    assert caught.value.get_codes() == "image_too_large"
    assert read_upload(io.BytesIO(b"x" * 1000), max_bytes=1000) == b"x" * 1000


def test_read_upload_refuses_a_declared_size_over_the_limit_without_reading():
    class Declared(io.BytesIO):
        size = 10**9

        def read(self, *args):
            raise AssertionError("must not be read")

    with pytest.raises(PayloadTooLarge):
        read_upload(Declared(), max_bytes=1000)


def test_read_upload_refuses_an_empty_file():
    with pytest.raises(EmptyUpload):
        read_upload(io.BytesIO(b""))


def test_read_upload_uses_the_configured_limit(settings):
    settings.UPLOAD_MAX_BYTES = 10

    with pytest.raises(PayloadTooLarge):
        read_upload(io.BytesIO(b"x" * 11))
