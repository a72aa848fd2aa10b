"""Uploaded photos, re-encoded with Pillow: only real JPEG, PNG or WebP images are accepted,
turned upright, shrunk to at most 2048 px and saved again as JPEG without any metadata, so
EXIF (the phone's GPS position, its model, the time) never reaches the server's disk."""

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wugong.core.errors import ValidationFailed

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}


@dataclass
class CleanPhoto:
    content: ContentFile
    width: int
    height: int


def photo_reencode(upload: UploadedFile) -> CleanPhoto:
    """One upload as a clean JPEG, or ValidationFailed (field "photos")."""
    name = (upload.name or "")[:40]
    if upload.size is None or upload.size > MAX_PHOTO_BYTES:
        raise ValidationFailed(
            _("照片“%(name)s”超过8MB，请换一张小一些的。") % {"name": name},
            code="photo_size",
            field="photos",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as img:
            if img.format not in FORMATS or img.width * img.height > MAX_PIXELS:
                raise ValidationFailed(
                    _("“%(name)s”不是可用的照片（jpg、png 或 webp）。") % {"name": name},
                    code="photo_type",
                    field="photos",
                )
            img.load()
            upright = ImageOps.exif_transpose(img) or img
            rgb = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationFailed(
            _("“%(name)s”不是可用的照片（jpg、png 或 webp）。") % {"name": name},
            code="photo_type",
            field="photos",
        ) from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=85, optimize=True)  # no exif= : nothing is carried over
    return CleanPhoto(ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg"), *rgb.size)


def photos_clean(uploads: Sequence[UploadedFile]) -> list[CleanPhoto]:
    uploads = [u for u in uploads if u]
    if len(uploads) > MAX_PHOTOS:
        raise ValidationFailed(
            _("最多上传%(n)d张照片。") % {"n": MAX_PHOTOS}, code="photos_many", field="photos"
        )
    return [photo_reencode(u) for u in uploads]
