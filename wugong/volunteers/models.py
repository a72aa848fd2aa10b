"""Volunteering (志愿服务): teams of a village, their activities, who signed up, who came, and
the service hours confirmed for each of them.

Every row copies two paths: ``place_path`` (its own place, for the subtree scope of cadres and
supervisors) and ``village_path`` (its village's or community's path, for residents, who see
the activities of their whole village, and for the per-village totals: one GROUP BY over an
indexed column). Hours are Decimals with two places, never floats.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField
from wugong.volunteers.hours import length_hours


class TeamKind(models.TextChoices):
    PARTY = "party", _("党员先锋队")
    WOMEN = "women", _("巾帼志愿服务队")
    YOUTH = "youth", _("青年志愿服务队")
    ELDERS = "elders", _("银龄志愿服务队")
    RIVER = "river", _("守水护水志愿服务队")
    NEIGHBOURS = "neighbours", _("邻里互助小组")
    OTHER = "other", _("其他志愿服务队")


class Team(models.Model):
    """A volunteer team (志愿服务队) of a village or community."""

    name = models.CharField(_("队名"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=TeamKind.choices)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="volunteer_teams"
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False, db_index=True)
    village_path = BinaryCharField(_("村（社区）路径"), max_length=255, editable=False)
    description = models.TextField(_("简介"), blank=True, default="")
    leader = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_teams_led",
        verbose_name=_("队长"),
    )
    members = models.ManyToManyField(
        "people.Person", through="TeamMember", related_name="volunteer_teams"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="volunteer_team_name_unique"),
        ]
        indexes = [models.Index(fields=["village_path"], name="volunteer_team_village_idx")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """A person in a team (队员)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="volunteer_memberships"
    )
    joined_on = models.DateField(_("入队日期"))

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        constraints = [
            models.UniqueConstraint(fields=["team", "person"], name="volunteer_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.person_id}"


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("报名中")
    UNDER_WAY = "under_way", _("进行中")
    FINISHED = "finished", _("已结束")
    CANCELLED = "cancelled", _("已取消")


def _checkin_key() -> str:
    return secrets.token_urlsafe(12)


class Activity(models.Model):
    """A volunteer activity (志愿活动) of a team: when, where, what is needed, how many."""

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="activities", verbose_name=_("服务队")
    )
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动内容"), blank=True, default="")
    place = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
        verbose_name=_("地点"),
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    village_path = BinaryCharField(_("村（社区）路径"), max_length=255, editable=False)
    location = models.CharField(_("集合地点"), max_length=100, blank=True, default="")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    needs = models.CharField(_("需要什么"), max_length=300, blank=True, default="")
    quota = models.PositiveSmallIntegerField(_("招募人数"))
    # None: the activity's length (ends_at - starts_at) is the cap.
    hours_cap = models.DecimalField(
        _("时长上限（小时）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    organiser = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_activities_organised",
        verbose_name=_("组织人"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.OPEN
    )
    # Part of every QR token: replacing it (换码) voids every code shown so far.
    checkin_key = models.CharField(max_length=32, default=_checkin_key, editable=False)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        indexes = [
            models.Index(fields=["village_path", "-starts_at"], name="volunteer_act_village_idx"),
            models.Index(fields=["place_path", "-starts_at"], name="volunteer_act_place_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="volunteer_act_ends_after"
            ),
            models.CheckConstraint(condition=Q(quota__gte=1), name="volunteer_act_quota_positive"),
            models.CheckConstraint(
                condition=Q(hours_cap__isnull=True) | Q(hours_cap__gt=0),
                name="volunteer_act_cap_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def cap(self) -> Decimal:
        """The most hours one attendance may earn: the set cap, else the activity's length."""
        if self.hours_cap is not None:
            return self.hours_cap
        return length_hours(self.starts_at, self.ends_at)

    @property
    def accepts_attendance(self) -> bool:
        return self.status in {ActivityStatus.OPEN, ActivityStatus.UNDER_WAY}


class AttendanceStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("已报名")
    CANCELLED = "cancelled", _("已取消报名")


class CheckMethod(models.TextChoices):
    QR = "qr", _("扫码")
    ORGANISER = "organiser", _("组织人登记")


class Attendance(models.Model):
    """One volunteer at one activity (参与记录): the sign-up, check-in and check-out, and the
    service hours (服务时长) the organiser confirmed. One row per person and activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="volunteer_attendances"
    )
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    village_path = BinaryCharField(_("村（社区）路径"), max_length=255, editable=False)
    status = models.CharField(
        _("报名状态"),
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.SIGNED_UP,
    )
    signed_up_at = models.DateTimeField(_("报名时间"))
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    check_in_method = models.CharField(
        _("签到方式"), max_length=10, choices=CheckMethod.choices, blank=True, default=""
    )
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    check_out_method = models.CharField(
        _("签退方式"), max_length=10, choices=CheckMethod.choices, blank=True, default=""
    )
    # Hours as recorded (from check-in/out, or entered by the organiser), then as confirmed.
    hours = models.DecimalField(
        _("服务时长（小时）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    confirmed_hours = models.DecimalField(
        _("确认时长（小时）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "person"], name="volunteer_attendance_unique"
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | (
                    Q(checked_in_at__isnull=False)
                    & Q(checked_out_at__gte=models.F("checked_in_at"))
                ),
                name="volunteer_checkout_after_checkin",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True)
                | (Q(confirmed_hours__isnull=False) & Q(confirmed_hours__gt=0)),
                name="volunteer_confirmed_has_hours",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "-signed_up_at"], name="volunteer_att_person_idx"),
            models.Index(
                fields=["village_path"],
                condition=Q(confirmed_at__isnull=False),
                name="volunteer_att_confirmed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.person_id}"

    @property
    def is_active(self) -> bool:
        return self.status == AttendanceStatus.SIGNED_UP

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class HoursChange(models.Model):
    """The history of an attendance's hours (时长变更记录): entered by hand or adjusted at
    confirmation, with the reason given."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="changes")
    hours_before = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    hours_after = models.DecimalField(max_digits=5, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=200)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("时长变更记录")
        verbose_name_plural = _("时长变更记录")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.hours_before} → {self.hours_after}"
