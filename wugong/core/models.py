"""Cross-cutting records: the audit trail and the log of looks at sensitive personal data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class AuditEvent(models.Model):
    """An audit event (操作记录): who changed what, for whom, when.

    Written by services in the same transaction as the change it records. ``on_behalf_of`` is
    set when a cadre records for a resident without a phone (代录).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    on_behalf_of = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代录对象"),
    )
    action = models.CharField(_("动作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    place_path = BinaryCharField(_("地点路径"), max_length=255, blank=True, default="")
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class SensitiveAccess(models.Model):
    """One unmasked look at sensitive personal data (敏感个人信息查看记录), as PIPL requires."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("查看人"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被查看人"),
    )
    field = models.CharField(_("字段"), max_length=32)
    channel = models.CharField(_("渠道"), max_length=16, default="page")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.person_id}.{self.field}"


class LoadProbe(models.Model):
    """One row per request of the benchmark's minimal endpoint (bench/bench_ballots.py): the
    floor cost of an insert under a unique constraint, measured on the same server as ballots.
    The endpoint exists only when WUGONG_BENCH_ENDPOINTS=1."""

    key = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
