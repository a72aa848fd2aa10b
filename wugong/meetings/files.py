"""Uploaded files, checked by their first bytes and size (Pillow is not installed)."""

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from wugong.core.errors import ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

IMAGE_KINDS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
DOCUMENT_KINDS = {
    **IMAGE_KINDS,
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff(head: bytes, filename: str) -> str | None:
    """The kind of a file from its first bytes: jpg, png, webp, pdf, docx/xlsx (a zip whose
    name says which); None when it is none of these."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        return ext if ext in {"docx", "xlsx"} else None
    return None


def upload_check(upload: UploadedFile, *, kinds: dict[str, str], field: str) -> tuple[str, str]:
    """Check an upload's size and kind; return (extension, content type) or raise."""
    if upload is None or not upload.size:
        raise ValidationFailed(_("请选择要上传的文件。"), field=field)
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("文件不能超过 5 MB。"), code="too_large", field=field)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head, upload.name or "")
    if kind not in kinds:
        allowed = "、".join(k.upper() for k in kinds)
        raise ValidationFailed(
            _("文件格式不支持，只能上传 %(allowed)s。") % {"allowed": allowed},
            code="bad_type",
            field=field,
        )
    return kind, kinds[kind]
