"""Key-household visits (五天一见面): the schedule of each key household, the visit log and
temporary assistance (临时救助) applied for on a visit.

``VisitDue`` is the schedule, one row per key household, kept by the visit services: the
interval (the shortest of its tags' intervals), when it was last visited and when the next
visit is due. It copies the household's grid, centre household and place path so that a
visitor's to-do list is one index range scan on (grid, next_due_at) and a county's coverage
one aggregate over an indexed place-path range.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField
from wugong.people.models import KeyTag

DEFAULT_VISIT_DAYS = 5


class VisitInterval(models.Model):
    """How often key households of one tag are visited (days). Tags without a row: 5 days."""

    tag = models.CharField(_("重点户类别"), max_length=20, choices=KeyTag.choices, unique=True)
    days = models.PositiveSmallIntegerField(
        _("走访间隔（天）"),
        default=DEFAULT_VISIT_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("走访间隔")
        verbose_name_plural = _("走访间隔")
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gte=1) & Q(days__lte=365), name="visit_interval_days_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_tag_display()}: {self.days}"


class VisitDue(models.Model):
    """The visit schedule of one key household (走访计划): kept by wugong.upkeep.visit_services."""

    household = models.OneToOneField(
        "people.Household",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="visit_due",
        verbose_name=_("住户"),
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    grid = models.ForeignKey(
        "places.MicroGrid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("微网格"),
    )
    centre = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("联系中心户"),
    )
    # The cadre who looks after this household (干部包户).
    cadre = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("包户干部"),
    )
    interval_days = models.PositiveSmallIntegerField(_("走访间隔（天）"))
    last_visited_at = models.DateTimeField(_("上次走访"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("下次应访"))
    visits = models.PositiveIntegerField(_("走访次数"), default=0)
    visits_on_time = models.PositiveIntegerField(_("按时走访次数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("走访计划")
        verbose_name_plural = _("走访计划")
        indexes = [
            models.Index(fields=["grid", "next_due_at"], name="visitdue_grid_idx"),
            models.Index(fields=["centre", "next_due_at"], name="visitdue_centre_idx"),
            models.Index(fields=["cadre", "next_due_at"], name="visitdue_cadre_idx"),
            # Coverage: an index-only aggregate over a place-path range.
            models.Index(
                fields=["place_path", "next_due_at", "last_visited_at"],
                name="visitdue_scope_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(interval_days__gte=1), name="visitdue_interval_pos"),
            models.CheckConstraint(
                condition=Q(visits_on_time__lte=models.F("visits")),
                name="visitdue_on_time_le_visits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} due {self.next_due_at:%Y-%m-%d}"


class VisitHow(models.TextChoices):
    HOME = "home", _("入户走访")
    MEET = "meet", _("当面见面")
    PHONE = "phone", _("电话联系")


class Visit(models.Model):
    """One visit to a key household (走访记录): what was found, what help was given, and the
    needs raised (which enter the needs list, source "入户走访")."""

    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="visits", verbose_name=_("住户")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    visitor = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("走访人")
    )
    visitor_role = models.CharField(_("走访人身份"), max_length=24)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    how = models.CharField(_("方式"), max_length=8, choices=VisitHow.choices, default=VisitHow.HOME)
    visited_at = models.DateTimeField(_("走访时间"))
    due_at = models.DateTimeField(_("应访时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按时"), default=True)
    found = models.TextField(_("发现情况"), blank=True, default="")
    help_given = models.TextField(_("帮助事项"), blank=True, default="")
    needs = models.ManyToManyField(
        "needs.Need", blank=True, related_name="+", verbose_name=_("问题")
    )
    # Sent by the form: a form submitted twice is one visit (the database holds the rule).
    idempotency_key = models.CharField(_("提交标识"), max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        indexes = [
            models.Index(fields=["household", "-visited_at"], name="visit_household_idx"),
            models.Index(fields=["visitor", "-visited_at"], name="visit_visitor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.visited_at:%Y-%m-%d}"


class AssistanceStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    APPROVED = "approved", _("已批准")
    PAID = "paid", _("已发放")
    REJECTED = "rejected", _("未批准")


class Assistance(models.Model):
    """Temporary assistance (临时救助) applied for on the spot during a visit and tracked to
    payment. Money in integer fen."""

    household = models.ForeignKey(
        "people.Household",
        on_delete=models.PROTECT,
        related_name="assistance",
        verbose_name=_("住户"),
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    visit = models.ForeignKey(
        Visit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assistance",
        verbose_name=_("走访记录"),
    )
    amount_fen = models.PositiveIntegerField(_("申请金额（分）"))
    reason = models.TextField(_("事由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=AssistanceStatus.choices, default=AssistanceStatus.APPLIED
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True, default="")
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    payment_ref = models.CharField(_("发放凭证号"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("临时救助")
        verbose_name_plural = _("临时救助")
        indexes = [models.Index(fields=["place_path", "status"], name="assistance_scope_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="assistance_amount_pos"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False), name="assistance_paid_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} ¥{self.amount_yuan}"

    @property
    def amount_yuan(self) -> str:
        return f"{self.amount_fen // 100}.{self.amount_fen % 100:02d}"
