"""矛盾纠纷调解 mediation of disputes.

A ``Matter`` (矛盾纠纷) belongs to a place and copies its path, so "the matters a cadre handles"
is one range scan. Its parties (当事人) are people of the roster or named outsiders; its
mediators (调解员) are people, who need no cadre role: a mediator sees the matters naming them
and nothing else. ``Session`` (调解记录) keeps each sitting and, when one ends in an agreement,
the agreement document (调解协议书), stored under a random name and served only by a view
that checks who asks (never by a public media URL).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class MatterKind(models.TextChoices):
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    FAMILY = "family", _("婚姻家庭纠纷")
    LAND = "land", _("土地山林纠纷")
    DEBT = "debt", _("债权债务纠纷")
    PROPERTY = "property", _("物业纠纷")
    LABOUR = "labour", _("劳务纠纷")
    OTHER = "other", _("其他纠纷")


class MatterSource(models.TextChoices):
    VISIT = "visit", _("走访发现")
    REPORT = "report", _("群众反映")
    WALK_IN = "walk_in", _("来访")


class MatterStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("调解成功")
    NOT_AGREED = "not_agreed", _("调解未成")
    FOLLOWED_UP = "followed_up", _("已回访")
    REFERRED = "referred", _("已上交")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")


class Matter(models.Model):
    """A dispute brought to mediation (矛盾纠纷)."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("纠纷类型"), max_length=16, choices=MatterKind.choices)
    summary = models.TextField(_("纠纷概要"))
    received_on = models.DateField(_("受理日期"))
    source = models.CharField(_("来源"), max_length=16, choices=MatterSource.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=MatterStatus.choices, default=MatterStatus.RECEIVED
    )
    outcome = models.TextField(_("调解结果"), blank=True, default="")
    concluded_on = models.DateField(_("结案日期"), null=True, blank=True)
    referred_to = models.CharField(_("上交至"), max_length=100, blank=True, default="")
    referred_reason = models.TextField(_("上交理由"), blank=True, default="")
    follow_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    followed_up_on = models.DateField(_("实际回访日期"), null=True, blank=True)
    follow_up_note = models.TextField(_("回访情况"), blank=True, default="")
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["place_path", "status"], name="matter_scope_idx"),
            models.Index(fields=["follow_up_on"], name="matter_follow_up_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="referred") | ~Q(referred_reason=""),
                name="matter_referred_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in {MatterStatus.RECEIVED, MatterStatus.MEDIATING}


class Party(models.Model):
    """A party (当事人): a person of the roster, or an outsider known by name only."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("身份"), max_length=16, choices=PartyRole.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "person"],
                condition=Q(person__isnull=False),
                name="party_unique_person",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Mediator(models.Model):
    """A mediator (调解员) named on a matter; sees that matter, whatever their roles."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="mediators")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "person"], name="mediator_unique_person"),
        ]
        indexes = [models.Index(fields=["person"], name="mediator_person_idx")]

    def __str__(self) -> str:
        return str(self.person_id)


class Session(models.Model):
    """One sitting of the mediation (调解记录), with its agreement document if one was signed."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("调解日期"))
    attended = models.TextField(_("参加人员"), blank=True, default="")
    notes = models.TextField(_("调解经过"))
    outcome = models.TextField(_("本次结果"), blank=True, default="")
    agreement = models.FileField(
        _("调解协议书"), upload_to="mediation/agreements/%Y/%m/", blank=True, default=""
    )
    agreement_type = models.CharField(max_length=64, blank=True, default="")
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.held_on}"
