"""周五一检查 Friday inspections: checklists (检查表) with scored items, weekly schedules and
rounds (检查轮次) per place, and one score sheet (评分表) per household or area per round.

A checklist belongs to a place (a county's or town's is used by every village below it) or to
no place (a default available everywhere). Its full score divides 10,000, so a sheet's score in
percent is exact to the hundredth: sheets keep it as an integer of hundredths (``percent_centi``)
and averages are computed from integers, never floats.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class ChecklistKind(models.TextChoices):
    HYGIENE = "hygiene", _("环境卫生")
    SAFETY = "safety", _("安全")
    EPIDEMIC = "epidemic", _("防疫")
    OTHER = "other", _("其他")


class TargetKind(models.TextChoices):
    HOUSEHOLD = "household", _("住户")
    AREA = "area", _("公共区域")


class Checklist(models.Model):
    """A checklist template (检查表): what is inspected and the items scored."""

    place = models.ForeignKey(
        "places.Place",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属地点"),
    )
    # "" for a default checklist (no place): every place's path starts with it.
    place_path = BinaryCharField(_("地点路径"), max_length=255, blank=True, default="")
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=ChecklistKind.choices)
    target = models.CharField(
        _("检查对象"), max_length=16, choices=TargetKind.choices, default=TargetKind.HOUSEHOLD
    )
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")
        constraints = [
            models.UniqueConstraint(fields=["place_path", "name"], name="checklist_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_score(self) -> int:
        return sum(i.max_score for i in self.items.all())


class ChecklistItem(models.Model):
    """One scored item of a checklist (检查项目), with its full score."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("内容"), max_length=200)
    max_score = models.PositiveSmallIntegerField(_("满分"))

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = _("检查项目")
        ordering = ["checklist_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="item_unique_position"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="item_max_score_pos"),
        ]

    def __str__(self) -> str:
        return self.text


class Area(models.Model):
    """A public area inspected like a household (公共区域: square, public toilet, ditch)."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("检查区域")
        verbose_name_plural = _("检查区域")
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="area_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Schedule(models.Model):
    """A place's weekly inspection (每周检查安排): which checklist, which weekday (Friday by
    default). The scheduled task makes each week's round from it."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.CASCADE, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, db_index=True)
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("星期"), default=4)  # Monday 0 … Friday 4
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查安排")
        verbose_name_plural = _("检查安排")
        constraints = [
            models.UniqueConstraint(fields=["place", "checklist"], name="schedule_unique"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="schedule_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.place_id}:{self.checklist_id}@{self.weekday}"


class Round(models.Model):
    """One inspection round (检查轮次): a checklist applied at a place on a day."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255)
    checklist = models.ForeignKey(
        Checklist, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("检查表")
    )
    date = models.DateField(_("检查日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查轮次")
        verbose_name_plural = _("检查轮次")
        constraints = [
            models.UniqueConstraint(fields=["place", "checklist", "date"], name="round_unique"),
        ]
        indexes = [models.Index(fields=["place_path", "-date"], name="round_scope_idx")]

    def __str__(self) -> str:
        return f"{self.place_id} {self.date}"


class ScoreSheet(models.Model):
    """The scores of one household or area in one round (评分表). The full score and the items'
    texts are copied, so later changes of the checklist never change a past result."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("检查轮次")
    )
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_sheets",
        verbose_name=_("住户"),
    )
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sheets",
        verbose_name=_("区域"),
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255)
    # Copied from the round for the household's history and the ranking (no join needed).
    date = models.DateField(_("检查日期"))
    kind = models.CharField(_("类别"), max_length=16, choices=ChecklistKind.choices)
    score = models.PositiveSmallIntegerField(_("得分"))
    full_score = models.PositiveSmallIntegerField(_("满分"))
    percent_centi = models.PositiveIntegerField(_("百分制得分×100"))
    remark = models.CharField(_("备注"), max_length=500, blank=True, default="")
    inspector = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("检查人"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Sent by the form: the same form submitted twice is one sheet (the database holds the rule).
    idempotency_key = models.CharField(_("提交标识"), max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household"],
                condition=Q(household__isnull=False),
                name="sheet_unique_household",
            ),
            models.UniqueConstraint(
                fields=["round", "area"], condition=Q(area__isnull=False), name="sheet_unique_area"
            ),
            models.CheckConstraint(
                condition=Q(household__isnull=False, area__isnull=True)
                | Q(household__isnull=True, area__isnull=False),
                name="sheet_household_xor_area",
            ),
            models.CheckConstraint(
                condition=Q(score__lte=models.F("full_score")), name="sheet_score_le_full"
            ),
            models.CheckConstraint(
                condition=Q(percent_centi__lte=10000), name="sheet_percent_range"
            ),
        ]
        indexes = [
            models.Index(fields=["household", "kind", "date"], name="sheet_household_idx"),
            models.Index(fields=["place_path", "date"], name="sheet_scope_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.household_id or self.area_id} {self.score}"

    @property
    def percent(self) -> Decimal:
        """The score in percent, exact (hundredths)."""
        return Decimal(self.percent_centi) / 100


class ItemScore(models.Model):
    """The score of one item on a sheet (0 … the item's full score)."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("内容"), max_length=200)
    max_score = models.PositiveSmallIntegerField(_("满分"))
    score = models.PositiveSmallIntegerField(_("得分"))

    class Meta:
        verbose_name = _("项目得分")
        verbose_name_plural = _("项目得分")
        ordering = ["sheet_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "item"], name="itemscore_unique"),
            models.CheckConstraint(
                condition=Q(score__lte=models.F("max_score")), name="itemscore_le_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.text}: {self.score}/{self.max_score}"


class SheetPhoto(models.Model):
    """A photo on a sheet, re-encoded without EXIF (wugong.core.uploads.image_clean)."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to="inspections/%Y/%m/", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name
