"""试点 pilot sites: a place with its work team and start date, assessed against a standard
checklist (标准清单: "五有三无" for villager groups, "六有三无" for estates), filing a monthly
experience report (经验材料) that supervisors edit, publish to the case library (案例库) and
recommend upwards (向上推荐)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class Checklist(models.Model):
    """A standard checklist (标准清单), configurable: which place kinds it applies to."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    place_kinds = models.JSONField(_("适用地点类型"), default=list)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("标准清单")
        verbose_name_plural = _("标准清单")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One standard of a checklist: a "有" (must have) or a "无" (must not have)."""

    class Sort(models.TextChoices):
        HAVE = "have", _("有")
        FREE_OF = "free_of", _("无")

    checklist = models.ForeignKey(
        Checklist, on_delete=models.CASCADE, related_name="items", verbose_name=_("清单")
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    sort = models.CharField(_("类别"), max_length=8, choices=Sort.choices)
    text = models.CharField(_("标准"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("清单项目")
        verbose_name_plural = _("清单项目")
        ordering = ["checklist_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="pilot_item_position")
        ]

    def __str__(self) -> str:
        return self.text


class SiteStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    FINISHED = "finished", _("已结束")


class Site(models.Model):
    """A pilot site (试点): a villager group, village, estate or community with its team."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    # The village or community the site counts for (coverage): its own path for those.
    village_path = BinaryCharField(_("所属村（社区）路径"), max_length=255, editable=False)
    name = models.CharField(_("试点名称"), max_length=100)
    team = models.ManyToManyField(
        "people.Person", related_name="+", blank=True, verbose_name=_("工作队")
    )
    started_on = models.DateField(_("开始日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SiteStatus.choices, default=SiteStatus.ACTIVE
    )
    finished_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("试点")
        verbose_name_plural = _("试点")
        ordering = ["place_path", "id"]
        indexes = [
            models.Index(fields=["village_path", "status"], name="pilot_site_village_idx"),
            models.Index(fields=["place_path", "status"], name="pilot_site_scope_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["place"],
                condition=Q(status="active"),
                name="pilot_one_active_site_per_place",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def evidence_upload_to(instance: "AssessmentItem", filename: str) -> str:
    return f"pilots/evidence/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()}"


class Assessment(models.Model):
    """An assessment of a site against its checklist on a day (评估)."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("试点")
    )
    checklist = models.ForeignKey(
        Checklist, on_delete=models.PROTECT, related_name="+", verbose_name=_("清单")
    )
    assessed_on = models.DateField(_("评估日期"))
    met_count = models.PositiveSmallIntegerField(_("达标项数"))
    item_count = models.PositiveSmallIntegerField(_("项目数"))
    note = models.TextField(_("总体说明"), blank=True, default="")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("试点评估")
        verbose_name_plural = _("试点评估")
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.site} {self.assessed_on}"


class AssessmentItem(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="items", verbose_name=_("评估")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("标准")
    )
    met = models.BooleanField(_("达标"))
    note = models.CharField(_("说明"), max_length=500, blank=True, default="")
    photo = models.FileField(_("佐证照片"), upload_to=evidence_upload_to, blank=True)

    class Meta:
        verbose_name = _("评估项目")
        verbose_name_plural = _("评估项目")
        ordering = ["item__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="pilot_assessment_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}:{'✓' if self.met else '✗'}"


class ReportStatus(models.TextChoices):
    FILED = "filed", _("已报送")
    PUBLISHED = "published", _("已入案例库")


class Report(models.Model):
    """A monthly experience report (经验材料) of a site, about 2,500 characters, with the
    author's contact. ``month`` is the first day of the month it covers."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="reports", verbose_name=_("试点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    month = models.DateField(_("月份"))
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    author_name = models.CharField(_("撰写人"), max_length=50)
    author_phone = models.CharField(_("联系电话"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.FILED
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    # Recommended upwards (向上推荐): shown on the list of that place's supervisors.
    recommended_to = models.ForeignKey(
        "places.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("推荐至"),
    )
    recommended_to_path = BinaryCharField(max_length=255, blank=True, default="", editable=False)
    recommended_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("经验材料")
        verbose_name_plural = _("经验材料")
        ordering = ["-month", "-id"]
        indexes = [
            models.Index(fields=["place_path", "month"], name="pilot_report_scope_idx"),
            models.Index(fields=["status", "published_at"], name="pilot_report_cases_idx"),
            models.Index(fields=["recommended_to_path"], name="pilot_report_recommend_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="pilot_one_report_per_month"),
        ]

    def __str__(self) -> str:
        return self.title


class ReportRevision(models.Model):
    """A report's text before each edit (修改记录): the history is kept."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("经验材料")
    )
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(_("修改时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("修改记录")
        verbose_name_plural = _("修改记录")
        ordering = ["report_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="pilot_revision_version")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.version}"
