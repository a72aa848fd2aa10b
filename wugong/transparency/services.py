"""Every write to public notices (公示) and their objections (异议)."""

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.signals import record_published
from wugong.people.roles import ROLE_SCOPE, SUPERVISOR_ROLES, Scope
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.transparency.models import (
    Notice,
    NoticeAttachment,
    NoticeKind,
    NoticePhase,
    NoticeStatus,
    Objection,
)

DEFAULT_NOTICE_DAYS = 7
MAX_NOTICE_DAYS = 90
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def notice_days_default() -> int:
    """The default period in days (settings.WUGONG_NOTICE_DAYS, else 7)."""
    return int(getattr(settings, "WUGONG_NOTICE_DAYS", DEFAULT_NOTICE_DAYS))


# --- rules on a target ------------------------------------------------------------------------
def can_manage_notice_place(viewer: Viewer, place: Place, rule: str = "notice.manage") -> bool:
    """Cadres, work teams and the admin within their scope; a town supervisor only for notices
    of the town itself, not of its villages (those are the villages' own business)."""
    for a in viewer.granting(rule):
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING:
            return True
        if a.role in SUPERVISOR_ROLES:
            if place.pk == a.place_id:
                return True
        elif scope == Scope.PLACE and place.path.startswith(a.place_path):
            return True
    return False


def can_object(viewer: Viewer, notice: Notice) -> bool:
    """Anyone whose household or role lies in the notice's place subtree, signed in as a
    person (an objection is made by someone who can be answered)."""
    if viewer.person_id is None:
        return False
    return any(a.place_path.startswith(notice.place_path) for a in viewer.granting("notice.object"))


# --- the canonical text and its hash ----------------------------------------------------------
def _utc(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def notice_canonical_text(notice: Notice) -> str:
    """The text the hash covers: every published field, one per line, in a fixed order, times
    in UTC, the body with normalised line ends, each attachment by name and SHA-256."""
    body = notice.body.replace("\r\n", "\n").replace("\r", "\n").strip()
    lines = [
        "wugong-notice/1",
        f"id:{notice.pk}",
        f"title:{notice.title}",
        f"kind:{notice.kind}",
        f"place:{notice.place_id}:{notice.place.name}",
        f"issuer:{notice.issuer}",
        f"starts:{_utc(notice.starts_at)}",
        f"ends:{_utc(notice.ends_at)}",
    ]
    lines += [f"attachment:{a.sha256}:{a.name}" for a in notice.attachments.order_by("id")]
    lines += ["body:", body]
    return "\n".join(lines)


def notice_hash(notice: Notice) -> str:
    return hashlib.sha256(notice_canonical_text(notice).encode("utf-8")).hexdigest()


# --- notices ---------------------------------------------------------------------------------
def _clean_fields(*, title: str, body: str, kind: str, issuer: str) -> dict[str, str]:
    title = (title or "").strip()
    body = (body or "").strip()
    issuer = (issuer or "").strip()
    if not title or len(title) > 100:
        raise ValidationFailed(_("请填写公示标题（不超过100个字）。"), field="title")
    if not body or len(body) > 20000:
        raise ValidationFailed(_("请填写公示正文（不超过20000个字）。"), field="body")
    if kind not in NoticeKind.values:
        raise ValidationFailed(_("请选择公示类型。"), field="kind")
    if len(issuer) > 100:
        raise ValidationFailed(_("发布单位不超过100个字。"), field="issuer")
    return {"title": title, "body": body, "kind": kind, "issuer": issuer}


def default_issuer(place: Place) -> str:
    suffix = {"village": "村民委员会", "community": "社区居民委员会", "town": "人民政府"}
    return f"{place.name}{suffix.get(place.kind, '')}"


@transaction.atomic
def notice_create(
    *,
    viewer: Viewer,
    place: Place,
    title: str,
    body: str,
    kind: str,
    issuer: str = "",
    subject: models.Model | None = None,
    actor: Any = None,
) -> Notice:
    """Draft a notice (起草公示) for a place; ``subject`` is the record it publishes."""
    if not can_manage_notice_place(viewer, place):
        raise PermissionDenied(_("您无权在该地点发布公示。"))
    fields = _clean_fields(title=title, body=body, kind=kind, issuer=issuer)
    fields["issuer"] = fields["issuer"] or default_issuer(place)
    notice = Notice.objects.create(
        place=place,
        place_path=place.path,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=subject.pk if subject is not None else None,
        created_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    audit_event_record(
        actor=actor,
        action="notice.create",
        obj=notice,
        place_path=place.path,
        changes={
            **fields,
            "place": place,
            "subject": f"{notice.subject_type_id}:{notice.subject_id}",
        },
    )
    return notice


def _draft_for_edit(viewer: Viewer, notice: Notice) -> None:
    if not can_manage_notice_place(viewer, notice.place):
        raise PermissionDenied(_("您无权管理这条公示。"))
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationFailed(_("公示已发布，内容不能再修改；如有错误请撤回后重新发布。"))


@transaction.atomic
def notice_update(
    *,
    viewer: Viewer,
    notice: Notice,
    title: str,
    body: str,
    kind: str,
    issuer: str,
    actor: Any = None,
) -> Notice:
    """Change a draft. Published text is frozen (its hash is printed)."""
    notice = Notice.objects.select_for_update().select_related("place").get(pk=notice.pk)
    _draft_for_edit(viewer, notice)
    fields = _clean_fields(title=title, body=body, kind=kind, issuer=issuer)
    fields["issuer"] = fields["issuer"] or default_issuer(notice.place)
    for k, v in fields.items():
        setattr(notice, k, v)
    notice.save(update_fields=list(fields))
    audit_event_record(
        actor=actor,
        action="notice.update",
        obj=notice,
        place_path=notice.place_path,
        changes=fields,
    )
    return notice


def _sniff_ok(head: bytes, content_type: str) -> bool:
    signatures = {
        "application/pdf": (b"%PDF",),
        "image/jpeg": (b"\xff\xd8\xff",),
        "image/png": (b"\x89PNG\r\n\x1a\n",),
        "image/webp": (b"RIFF",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    }
    return any(head.startswith(sig) for sig in signatures.get(content_type, ()))


@transaction.atomic
def notice_attachment_add(
    *, viewer: Viewer, notice: Notice, upload: UploadedFile, actor: Any = None
) -> NoticeAttachment:
    """Attach a file (PDF, image or .xlsx, up to 10 MB) to a draft."""
    notice = Notice.objects.select_for_update().select_related("place").get(pk=notice.pk)
    _draft_for_edit(viewer, notice)
    content_type = (upload.content_type or "").split(";")[0].strip()
    if content_type not in ATTACHMENT_TYPES or upload.size is None:
        raise ValidationFailed(_("附件只能是 PDF、JPG、PNG 或 Excel（.xlsx）文件。"), field="file")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(_("附件不能超过10MB。"), field="file")
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.chunks():
        head = head or chunk[:16]
        digest.update(chunk)
    if not _sniff_ok(head, content_type):
        raise ValidationFailed(_("文件内容与类型不符。"), field="file")
    name = (upload.name or "附件").rsplit("/", 1)[-1][:100]
    upload.seek(0)
    attachment = NoticeAttachment(
        notice=notice,
        name=name,
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit_event_record(
        actor=actor,
        action="notice.attach",
        obj=notice,
        place_path=notice.place_path,
        changes={"name": name, "sha256": attachment.sha256, "size": upload.size},
    )
    return attachment


@transaction.atomic
def notice_publish(
    *,
    viewer: Viewer,
    notice: Notice,
    days: int | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    actor: Any = None,
) -> Notice:
    """Publish a draft (发布公示) for a period: ``starts_at`` (default now) to ``ends_at``
    (default ``days`` later, default 7 days). Freezes the text and records its SHA-256."""
    notice = Notice.objects.select_for_update().select_related("place").get(pk=notice.pk)
    _draft_for_edit(viewer, notice)
    now = timezone.now().replace(microsecond=0)
    start = (starts_at or now).replace(microsecond=0)
    if start < now - dt.timedelta(minutes=5):
        raise ValidationFailed(_("公示开始时间不能早于现在。"), field="starts_at")
    if ends_at is None:
        n = notice_days_default() if days is None else days
        if not 1 <= n <= MAX_NOTICE_DAYS:
            raise ValidationFailed(
                _("公示期应为1到%(n)d天。") % {"n": MAX_NOTICE_DAYS}, field="days"
            )
        ends_at = start + dt.timedelta(days=n)
    ends_at = ends_at.replace(microsecond=0)
    if ends_at <= start:
        raise ValidationFailed(_("公示结束时间应晚于开始时间。"), field="ends_at")
    if ends_at - start > dt.timedelta(days=MAX_NOTICE_DAYS):
        raise ValidationFailed(
            _("公示期不能超过%(n)d天。") % {"n": MAX_NOTICE_DAYS}, field="ends_at"
        )
    notice.starts_at, notice.ends_at = start, ends_at
    notice.content_hash = notice_hash(notice)
    notice.status = NoticeStatus.PUBLISHED
    notice.published_at = now
    notice.published_by = actor if getattr(actor, "pk", None) else None
    notice.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "content_hash",
            "status",
            "published_at",
            "published_by",
        ]
    )
    audit_event_record(
        actor=actor,
        action="notice.publish",
        obj=notice,
        place_path=notice.place_path,
        changes={"starts_at": start, "ends_at": ends_at, "content_hash": notice.content_hash},
    )
    record_published.send(
        sender=Notice,
        kind="notice",
        place=notice.place,
        key=f"notice:{notice.pk}",
        payload={"notice": notice.pk, "title": notice.title, "content_hash": notice.content_hash},
    )
    return notice


@transaction.atomic
def notice_withdraw(*, viewer: Viewer, notice: Notice, reason: str, actor: Any = None) -> Notice:
    """Withdraw a published notice (撤回). It stays on the public page, marked withdrawn with
    the reason; nothing is deleted."""
    notice = Notice.objects.select_for_update().select_related("place").get(pk=notice.pk)
    if not can_manage_notice_place(viewer, notice.place):
        raise PermissionDenied(_("您无权管理这条公示。"))
    if notice.status != NoticeStatus.PUBLISHED:
        raise ValidationFailed(_("只有已发布的公示才能撤回。"))
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed(_("请填写撤回原因（不超过200个字）。"), field="reason")
    notice.status = NoticeStatus.WITHDRAWN
    notice.withdrawn_at = timezone.now()
    notice.withdrawn_by = actor if getattr(actor, "pk", None) else None
    notice.withdraw_reason = reason
    notice.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit_event_record(
        actor=actor,
        action="notice.withdraw",
        obj=notice,
        place_path=notice.place_path,
        changes={"reason": reason},
    )
    return notice


# --- objections ------------------------------------------------------------------------------
@transaction.atomic
def objection_submit(
    *,
    viewer: Viewer,
    notice: Notice,
    text: str,
    photo: UploadedFile | None = None,
    actor: Any = None,
) -> Objection:
    """Object to a notice (提出异议) within its period, if one's household or role is in its
    place. Refused before and after the period, and on drafts and withdrawn notices."""
    from wugong.people.models import Person

    notice = Notice.objects.select_related("place").get(pk=notice.pk)
    if not can_object(viewer, notice):
        raise PermissionDenied(_("只有本地点的居民和工作人员可以对这条公示提出异议。"))
    phase = notice.phase_at(timezone.now())
    if phase == NoticePhase.ENDED:
        raise ValidationFailed(
            _("公示期已于%(end)s结束，不能再提出异议。如有问题请直接联系%(issuer)s。")
            % {
                "end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M"),
                "issuer": notice.issuer,
            },
            code="period_ended",
        )
    if phase != NoticePhase.CURRENT:
        raise ValidationFailed(_("这条公示当前不在公示期内，不能提出异议。"), code="not_current")
    text = (text or "").strip()
    if not text or len(text) > 1000:
        raise ValidationFailed(_("请填写异议内容（不超过1000个字）。"), field="text")
    objection = Objection(
        notice=notice,
        person=Person.objects.get(pk=viewer.person_id),
        text=text,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if photo is not None:
        content_type = (photo.content_type or "").split(";")[0].strip()
        if content_type not in PHOTO_TYPES or photo.size is None:
            raise ValidationFailed(_("照片只能是 JPG、PNG 或 WebP 格式。"), field="photo")
        if photo.size > MAX_PHOTO_BYTES:
            raise ValidationFailed(_("照片不能超过5MB。"), field="photo")
        head = photo.read(16)
        photo.seek(0)
        if not _sniff_ok(head, content_type):
            raise ValidationFailed(_("文件内容与类型不符。"), field="photo")
        objection.photo.save(photo.name or "photo", photo, save=False)
    objection.save()
    audit_event_record(
        actor=actor,
        action="notice.object",
        obj=objection,
        place_path=notice.place_path,
        changes={"notice": notice, "photo": bool(objection.photo)},
    )
    return objection


@transaction.atomic
def objection_answer(
    *, viewer: Viewer, objection: Objection, text: str, actor: Any = None
) -> Objection:
    """Answer an objection in public (公开答复). An answer may be added after the period
    ends (objections raised in time are always answered); it is not edited once given."""
    objection = (
        Objection.objects.select_for_update().select_related("notice__place").get(pk=objection.pk)
    )
    if not can_manage_notice_place(viewer, objection.notice.place, "notice.answer"):
        raise PermissionDenied(_("您无权答复这条异议。"))
    if objection.is_answered:
        raise ValidationFailed(_("这条异议已经答复过了。"))
    text = (text or "").strip()
    if not text or len(text) > 2000:
        raise ValidationFailed(_("请填写答复内容（不超过2000个字）。"), field="text")
    objection.answer = text
    objection.answered_at = timezone.now()
    objection.answered_by = actor if getattr(actor, "pk", None) else None
    objection.save(update_fields=["answer", "answered_at", "answered_by"])
    audit_event_record(
        actor=actor,
        action="notice.answer",
        obj=objection,
        place_path=objection.notice.place_path,
        changes={"notice": objection.notice_id, "answer": text},
    )
    return objection
