"""Photos and invoice images: decoded and re-encoded with Pillow, so what is stored is pixels
only — EXIF (GPS position, phone model, owner's name), comments and any trailing bytes are
dropped. The orientation from EXIF is applied first so the picture stays upright."""

from __future__ import annotations

import io
import uuid

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wugong.core.errors import ValidationFailed

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
ACCEPTED = {"JPEG", "PNG", "WEBP"}


def image_reencode(upload: UploadedFile, *, field: str = "photo") -> ContentFile:
    """Check an uploaded image and return it re-encoded as a JPEG without metadata, at most
    MAX_SIDE pixels on its longer side, under a random name."""
    if upload is None or not getattr(upload, "size", 0):
        raise ValidationFailed(_("请选择照片。"), field=field)
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("照片不能超过 10 MB。"), code="too_large", field=field)
    upload.seek(0)
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED:
                raise ValidationFailed(
                    _("只能上传 JPG、PNG 或 WEBP 照片。"), code="bad_type", field=field
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationFailed(_("照片太大。"), code="too_large", field=field)
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(_("无法识别的照片文件。"), code="bad_image", field=field) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
