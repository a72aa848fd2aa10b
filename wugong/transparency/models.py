"""Public notices (公示): a decision, a result, a list or the accounts, published on the public
page of a place for a set period, during which anyone of the place may object (异议) and every
objection is answered in public (村务公开).

Lifecycle: draft → published → (period ended, computed from ``ends_at``, never stored);
a published notice may be withdrawn (撤回), which is recorded, never deleted. The text is frozen
at publication and its SHA-256 (``content_hash``) is printed on the PDF and shown on the page.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class NoticeKind(models.TextChoices):
    DECISION = "decision", _("决议")
    RESULT = "result", _("结果")
    LIST = "list", _("名单")
    ACCOUNTS = "accounts", _("账目")
    OTHER = "other", _("其他")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公示")
    WITHDRAWN = "withdrawn", _("已撤回")


class NoticePhase(models.TextChoices):
    """Where a notice stands at a moment: computed from status and dates, never stored."""

    DRAFT = "draft", _("草稿")
    UPCOMING = "upcoming", _("待公示")
    CURRENT = "current", _("公示中")
    ENDED = "ended", _("公示期满")
    WITHDRAWN = "withdrawn", _("已撤回")


class Notice(models.Model):
    """A public notice (公示) of a place."""

    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    kind = models.CharField(_("类型"), max_length=16, choices=NoticeKind.choices)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="notices", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    issuer = models.CharField(_("发布单位"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    starts_at = models.DateTimeField(_("公示开始"), null=True, blank=True)
    ends_at = models.DateTimeField(_("公示结束"), null=True, blank=True)
    content_hash = models.CharField(_("内容校验码（SHA-256）"), max_length=64, blank=True)
    # The record the notice publishes (a vote, a meeting's decision, a need …), if any.
    subject_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("关联记录类型"),
    )
    subject_id = models.PositiveBigIntegerField(_("关联记录编号"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("起草人"),
    )
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        indexes = [
            models.Index(fields=["place_path", "status", "ends_at"], name="notice_scope_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="notice_subject_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="notice_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status=NoticeStatus.DRAFT)
                | (
                    Q(starts_at__isnull=False, ends_at__isnull=False, published_at__isnull=False)
                    & ~Q(content_hash="")
                ),
                name="notice_published_has_period_and_hash",
            ),
            models.CheckConstraint(
                condition=~Q(status=NoticeStatus.WITHDRAWN) | Q(withdrawn_at__isnull=False),
                name="notice_withdrawn_has_time",
            ),
            models.CheckConstraint(
                condition=Q(subject_type__isnull=True, subject_id__isnull=True)
                | Q(subject_type__isnull=False, subject_id__isnull=False),
                name="notice_subject_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def phase_at(self, now) -> str:  # type: ignore[no-untyped-def]
        if self.status == NoticeStatus.DRAFT:
            return NoticePhase.DRAFT
        if self.status == NoticeStatus.WITHDRAWN:
            return NoticePhase.WITHDRAWN
        if now < self.starts_at:
            return NoticePhase.UPCOMING
        if now < self.ends_at:
            return NoticePhase.CURRENT
        return NoticePhase.ENDED


def attachment_upload_to(instance: "NoticeAttachment", filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"notices/{uuid.uuid4().hex}.{ext}"


class NoticeAttachment(models.Model):
    """A file published with a notice (a table, a scan). Its SHA-256 enters the notice's hash,
    so attachments are added only while the notice is a draft."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("公示")
    )
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=200)
    name = models.CharField(_("文件名"), max_length=100)
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公示附件")
        verbose_name_plural = _("公示附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


def objection_photo_upload_to(instance: "Objection", filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"objections/{uuid.uuid4().hex}.{ext}"


class Objection(models.Model):
    """An objection (异议) raised during the period, answered in public by a cadre."""

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("异议人")
    )
    text = models.TextField(_("异议内容"))
    photo = models.FileField(
        _("照片"), upload_to=objection_photo_upload_to, max_length=200, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交账号"),
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(answer="") & Q(answered_at__isnull=True))
                | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="objection_answer_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.notice_id}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


# --- the hash chain of published records (存证链) -------------------------------------------
GENESIS_HASH = "0" * 64


class Chain(models.Model):
    """One hash chain per village or community (county-level records: the county's), so that
    villages never wait on each other. The row is the chain's head: appending locks it."""

    place = models.OneToOneField(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    length = models.PositiveBigIntegerField(_("链长"), default=0)
    head_hash = models.CharField(_("链头校验码"), max_length=64, default=GENESIS_HASH)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("存证链")
        verbose_name_plural = _("存证链")
        indexes = [models.Index(fields=["place_path"], name="chain_scope_idx")]

    def __str__(self) -> str:
        return f"{self.place_id}#{self.length}"


class ChainLink(models.Model):
    """One published record on its chain (存证记录). Written once, never updated:
    ``hash = SHA-256(prev_hash + payload + kind + key + seq)`` over the canonical JSON payload
    (sorted keys, no whitespace, UTF-8), see wugong/transparency/chain.py."""

    chain = models.ForeignKey(
        Chain, on_delete=models.PROTECT, related_name="links", verbose_name=_("存证链")
    )
    seq = models.PositiveBigIntegerField(_("序号"))
    kind = models.CharField(_("记录类型"), max_length=32)
    key = models.CharField(_("记录键"), max_length=100, unique=True)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("记录地点")
    )
    payload = models.TextField(_("记录内容（规范JSON）"))
    prev_hash = models.CharField(_("上一条校验码"), max_length=64)
    hash = models.CharField(_("校验码"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("上链时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("存证记录")
        verbose_name_plural = _("存证记录")
        ordering = ["chain_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="chainlink_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} #{self.seq}"
