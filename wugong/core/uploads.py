"""Uploaded images, cleaned: the type is read from the content, never from the name or the
browser's word; every image is decoded and re-encoded, which drops EXIF (with its GPS position),
comments and anything hidden after the pixels.

    from wugong.core.uploads import image_clean
    photo = image_clean(request.FILES["photo"])          # a ContentFile named "<hash>.jpg"
    need_photo.file.save(photo.name, photo)
"""

import hashlib
import io
import warnings
from typing import IO, Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wugong.core.errors import ValidationFailed

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# A decompression bomb is refused before its pixels are decoded: 40 megapixels is more than
# any phone camera makes.
MAX_IMAGE_PIXELS = 40_000_000
# Decoded format -> (format written, extension). Everything else is refused.
_OUTPUT = {
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),  # some phones write JPEGs with a second frame
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
    "GIF": ("PNG", "png"),
    "BMP": ("PNG", "png"),
    "TIFF": ("PNG", "png"),
}


def _read_limited(uploaded_file: IO[bytes] | Any, max_bytes: int) -> bytes:
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > max_bytes:
        raise _too_big(max_bytes)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_big(max_bytes)
    return data


def _too_big(max_bytes: int) -> ValidationFailed:
    return ValidationFailed(
        _("图片不能超过 %(mb)s MB。") % {"mb": f"{max_bytes / 1024 / 1024:g}"},
        code="too_large",
        field="file",
    )


def _not_an_image() -> ValidationFailed:
    return ValidationFailed(
        _("只能上传照片（JPEG、PNG 或 WebP 格式）。"), code="not_image", field="file"
    )


def image_clean(uploaded_file: IO[bytes] | Any, *, max_bytes: int = MAX_IMAGE_BYTES) -> ContentFile:
    """Check an uploaded file is an image by its content and return a clean copy.

    The copy is re-encoded (JPEG stays JPEG, WebP stays WebP, anything else becomes PNG), turned
    upright by its EXIF orientation, and carries no EXIF, GPS, XMP or comments. Raises
    ValidationFailed (field "file") for a file over ``max_bytes``, or one that is not an image.
    The returned ContentFile is named by the SHA-256 of its bytes, so a name chosen by the
    uploader never reaches the disk.
    """
    data = _read_limited(uploaded_file, max_bytes)
    if not data:
        raise _not_an_image()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in _OUTPUT:
                    raise _not_an_image()
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise _not_an_image()
                probe.verify()  # structure and checksums; the image is unusable after this
            with Image.open(io.BytesIO(data)) as image:
                fmt, ext = _OUTPUT[image.format or ""]
                image.load()
                upright = ImageOps.exif_transpose(image)
    except ValidationFailed:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as e:
        raise _not_an_image() from e
    out = io.BytesIO()
    clean = _pixels_only(upright, fmt)
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "WEBP":
        clean.save(out, "WEBP", quality=85)
    else:
        clean.save(out, "PNG", optimize=True)
    body = out.getvalue()
    name = f"{hashlib.sha256(body).hexdigest()[:32]}.{ext}"
    return ContentFile(body, name=name)


def _pixels_only(image: Image.Image, fmt: str) -> Image.Image:
    """A new image holding only the pixels (and palette): no info dict, so no EXIF, XMP, ICC
    comments or text chunks are written out."""
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    clean = Image.new(image.mode, image.size)
    clean.paste(image, (0, 0))
    if image.mode == "P" and image.palette is not None:
        clean.putpalette(image.getpalette() or [])
        if "transparency" in image.info:
            clean.info["transparency"] = image.info["transparency"]
    return clean
