"""image_clean: uploads are images by content, within size, and leave without EXIF or GPS."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from wugong.core.errors import ValidationFailed
from wugong.core.uploads import image_clean

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def _jpeg_with_gps(size: tuple[int, int] = (64, 48), orientation: int | None = None) -> bytes:
    """A JPEG whose EXIF holds a camera make and a GPS position (30.5°N 114.3°E)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[MAKE] = "TestPhone"
    if orientation:
        exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update(
        {
            1: "N",
            2: (30.0, 30.0, 0.0),
            3: "E",
            4: (114.0, 18.0, 0.0),
        }
    )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def _upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_gps_and_exif_are_gone():
    """A phone photo's EXIF (camera, GPS position) and comment do not survive cleaning."""
    raw = _jpeg_with_gps()
    with Image.open(io.BytesIO(raw)) as before:
        assert before.getexif().get_ifd(GPS_IFD)  # the fixture really carries a position
    cleaned = image_clean(_upload(raw))
    body = cleaned.read()
    with Image.open(io.BytesIO(body)) as after:
        assert after.format == "JPEG"
        assert after.size == (64, 48)
        assert not after.getexif()
        assert not after.getexif().get_ifd(GPS_IFD)
        assert "exif" not in after.info and "comment" not in after.info
    assert b"Exif" not in body and b"TestPhone" not in body and b"secret" not in body
    assert cleaned.name.endswith(".jpg") and "photo" not in cleaned.name


def test_orientation_is_applied_then_dropped():
    """A photo taken sideways (EXIF orientation 6) is stored upright, without the tag."""
    cleaned = image_clean(_upload(_jpeg_with_gps(size=(64, 48), orientation=6)))
    with Image.open(cleaned) as after:
        assert after.size == (48, 64)
        assert ORIENTATION not in after.getexif()


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", "png"), ("WEBP", "webp"), ("GIF", "png")])
def test_other_image_types_are_reencoded(fmt, ext):
    """PNG and WebP keep their type; other image types become PNG."""
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 128, 0)).save(out, fmt)
    cleaned = image_clean(_upload(out.getvalue(), name=f"x.{fmt.lower()}"))
    assert cleaned.name.endswith(f".{ext}")
    with Image.open(cleaned) as after:
        assert after.format == {"png": "PNG", "webp": "WEBP"}[ext]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.4 not an image",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG header and nothing behind it
    ],
)
def test_non_images_are_refused_whatever_they_are_called(data):
    """The type comes from the content: a PDF, an SVG or a truncated JPEG named .jpg with an
    image content type is refused, in Chinese."""
    with pytest.raises(ValidationFailed) as e:
        image_clean(_upload(data))
    assert e.value.code == "not_image" and e.value.field == "file"
    assert "照片" in str(e.value)


def test_oversize_is_refused():
    """A file over the limit is refused before it is decoded."""
    raw = _jpeg_with_gps()
    with pytest.raises(ValidationFailed) as e:
        image_clean(_upload(raw), max_bytes=len(raw) - 1)
    assert e.value.code == "too_large"
    assert "不能超过" in str(e.value)
    assert image_clean(_upload(raw), max_bytes=len(raw))  # exactly at the limit is fine


def test_decompression_bomb_is_refused():
    """A small file that decodes to a huge picture is refused."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    assert len(out.getvalue()) < 5 * 1024 * 1024
    with pytest.raises(ValidationFailed):
        image_clean(_upload(out.getvalue(), name="bomb.png"))


def test_plain_file_objects_work():
    """Any binary file object works, not only Django uploads."""
    cleaned = image_clean(io.BytesIO(_jpeg_with_gps()))
    assert cleaned.size > 0
