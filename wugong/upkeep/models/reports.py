"""Problem reports (接诉即办): a resident reports a problem; it is routed to the grid or the
village/community that handles it, answered within the category's deadlines, escalated a level
up when hard ("大事难事上交") or overdue, answered, rated and, if need be, reopened. The same
reports are served as Open311 GeoReport v2 (wugong/upkeep/open311)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class ReportCategory(models.Model):
    """A kind of problem (问题类别) with its deadlines; an Open311 service (``code``)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True, default="")
    group = models.CharField(_("分组"), max_length=40, blank=True, default="")
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, default="")
    respond_hours = models.PositiveIntegerField(_("响应时限（小时）"), default=24)
    resolve_hours = models.PositiveIntegerField(_("办结时限（小时）"), default=7 * 24)
    is_emergency = models.BooleanField(_("紧急"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["sort", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(respond_hours__gte=1) & Q(resolve_hours__gte=models.F("respond_hours")),
                name="report_category_deadlines",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReportStatus(models.TextChoices):
    NEW = "new", _("待响应")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已答复")
    CLOSED = "closed", _("已办结")


# Open311 "open": waiting for a response or being handled; "closed": answered or closed.
OPEN_STATUSES = frozenset({ReportStatus.NEW, ReportStatus.IN_PROGRESS})


class ReportChannel(models.TextChoices):
    WEB = "web", _("网页/手机")
    RECORDED = "recorded", _("代录")
    OPEN311 = "open311", _("Open311 接口")


class Report(models.Model):
    """A problem report (问题报告)."""

    category = models.ForeignKey(
        ReportCategory, on_delete=models.PROTECT, related_name="reports", verbose_name=_("类别")
    )
    text = models.TextField(_("内容"))
    # Where the problem is.
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    address = models.CharField(_("位置描述"), max_length=200, blank=True, default="")
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    grid = models.ForeignKey(
        "places.MicroGrid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("微网格"),
    )
    # Who handles it now: the village/community at first, a level up after each escalation.
    handler_place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )
    handler_path = BinaryCharField(_("承办路径"), max_length=255, editable=False)
    level = models.PositiveSmallIntegerField(_("上交次数"), default=0)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.NEW
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=ReportChannel.choices)
    reporter = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报告人"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代录人"),
    )
    api_client = models.ForeignKey(
        "ApiClient", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    # Contact given through Open311 (no account): kept to answer, never shown unmasked.
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True, default="")
    contact_email = models.CharField(_("联系邮箱"), max_length=120, blank=True, default="")
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)
    respond_due_at = models.DateTimeField(_("响应期限"))
    resolve_due_at = models.DateTimeField(_("办结期限"))
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    response_seconds = models.PositiveIntegerField(_("响应用时（秒）"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    answer = models.TextField(_("答复"), blank=True, default="")
    rating = models.PositiveSmallIntegerField(_("评价（星）"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=300, blank=True, default="")
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    # The hidden key of the web form: the same form sent twice (a bad network, an offline
    # draft sent on reconnecting) is one report. Empty for reports that came otherwise.
    idempotency_key = models.CharField(
        _("提交标识"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("报告时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("问题报告")
        verbose_name_plural = _("问题报告")
        indexes = [
            models.Index(fields=["place_path", "created_at"], name="report_scope_idx"),
            models.Index(fields=["handler_path", "status"], name="report_handler_idx"),
            models.Index(fields=["status", "respond_due_at"], name="report_respond_due_idx"),
            models.Index(fields=["status", "resolve_due_at"], name="report_resolve_due_idx"),
            models.Index(fields=["grid", "status"], name="report_grid_idx"),
            models.Index(fields=["reporter", "-created_at"], name="report_reporter_idx"),
            models.Index(fields=["created_at"], name="report_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                name="report_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | ~Q(answer=""),
                name="report_answered_has_text",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        return "open" if self.is_open else "closed"


class ReportPhoto(models.Model):
    """A photo of a report, re-encoded on upload (EXIF, and with it the location, removed)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to="upkeep/reports/%Y/%m/", max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报告照片")
        verbose_name_plural = _("报告照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


class ReportEventKind(models.TextChoices):
    SUBMITTED = "submitted", _("报告")
    RESPONDED = "responded", _("响应受理")
    ESCALATED = "escalated", _("上交")
    AUTO_ESCALATED = "auto_escalated", _("逾期自动上交")
    RESOLVED = "resolved", _("答复")
    RATED = "rated", _("评价")
    REOPENED = "reopened", _("重新办理")
    CLOSED = "closed", _("办结")


class ReportEvent(models.Model):
    """One step in a report's history (办理经过), shown to the reporter and the handlers."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=16, choices=ReportEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_place = models.ForeignKey(
        "places.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_place = models.ForeignKey(
        "places.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("说明"), blank=True, default="")
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("办理经过")
        verbose_name_plural = _("办理经过")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.report_id} {self.kind}"


class PlacePoint(models.Model):
    """The map point of a village or community: a report given only as a map point (Open311
    lat/long) goes to the nearest one within ``radius_m``."""

    place = models.OneToOneField(
        "places.Place", on_delete=models.CASCADE, related_name="+", verbose_name=_("地点")
    )
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    radius_m = models.PositiveIntegerField(_("范围（米）"), default=5000)

    class Meta:
        verbose_name = _("地点坐标")
        verbose_name_plural = _("地点坐标")

    def __str__(self) -> str:
        return f"{self.place} ({self.lat}, {self.long})"


class ApiClient(models.Model):
    """An Open311 client allowed to post requests (api_key). Only the key's SHA-256 is kept;
    the key is shown once when the client is added in the admin. Requests that cannot be
    placed more precisely go to the client's ``place``."""

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("受理地点")
    )
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 接口客户端")
        verbose_name_plural = _("Open311 接口客户端")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
