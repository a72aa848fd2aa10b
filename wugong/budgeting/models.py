"""Participatory budget rounds (参与式预算): residents decide together how a fund is spent.

- ``BudgetRound``: a fund for a place (integer fen), plus matching money when a programme adds
  some (e.g. 镇财政配套); the budget is their sum. Candidate projects come from the needs list.
  A voting window, a ballot kind (approval: pick between m and k projects; points: spread e.g.
  10 points) and an allocation rule (MES, MES with add-one completion, greedy). Lifecycle:
  draft → open → closed → computed → published.
- ``Project``: one candidate (候选项目), usually linked to a ``Need``; ``code`` is its id in the
  allocation and in ``.pb`` files, so an export and its re-import break ties the same way.
- ``RollEntry``: the roll (投票名册) frozen when the round opens: adults with a household in
  the place's subtree. ``channel`` says how they voted: online, or on paper entered by a cadre
  (代录, ``recorded_by``); one or the other, never both.
- ``Ballot``: one ballot per roll entry (a unique constraint: casting is idempotent). ``key``
  is its canonical text (approval ``"12,15"``, points ``"12:3,15:7"``, project pks in order),
  so the tally groups identical ballots in one GROUP BY. Imported ballots have no entry.

Money is integer fen everywhere; the allocation works on exact fractions of fen.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已截止")
    COMPUTED = "computed", _("已计算")
    PUBLISHED = "published", _("已公布")


class BallotKind(models.TextChoices):
    APPROVAL = "approval", _("勾选投票（可选多项）")
    POINTS = "points", _("分配点数（如10点）")


class Rule(models.TextChoices):
    MES = "mes", _("平等份额法（MES）")
    MES_ADD1 = "mes-add1", _("平等份额法＋补足（MES-add1）")
    GREEDY = "greedy", _("得票优先（贪心）")


class Channel(models.TextChoices):
    ONLINE = "online", _("线上投票")
    PAPER = "paper", _("纸质选票（代录）")
    IMPORTED = "imported", _("导入")


def yuan(fen: int | None) -> str:
    """An amount of fen as ¥ with exact fen: 20000000 → "¥200,000.00"."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


class BudgetRound(models.Model):
    """A participatory budget round (参与式预算) of a place."""

    title = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True, default="")
    place = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="budget_rounds",
        verbose_name=_("地点"),
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    fund = models.PositiveBigIntegerField(_("资金（分）"))
    matching = models.PositiveBigIntegerField(_("配套资金（分）"), default=0)
    matching_source = models.CharField(_("配套来源"), max_length=60, blank=True, default="")
    ballot_kind = models.CharField(
        _("投票方式"), max_length=12, choices=BallotKind.choices, default=BallotKind.APPROVAL
    )
    min_choices = models.PositiveSmallIntegerField(_("至少选几项"), default=0)
    max_choices = models.PositiveSmallIntegerField(_("最多选几项"), null=True, blank=True)
    total_points = models.PositiveSmallIntegerField(_("每人点数"), null=True, blank=True)
    points_exact = models.BooleanField(_("须用完全部点数"), default=True)
    rule = models.CharField(_("分配规则"), max_length=12, choices=Rule.choices, default=Rule.MES)
    opens_at = models.DateTimeField(_("投票开始"))
    closes_at = models.DateTimeField(_("投票截止"))
    status = models.CharField(
        _("状态"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    imported = models.BooleanField(_("从 .pb 文件导入"), default=False)
    source_name = models.CharField(_("导入文件"), max_length=200, blank=True, default="")
    roll_size = models.PositiveIntegerField(_("名册人数"), default=0)
    # The stored outcome: selection in order, budget used, one explanation per project.
    result = models.JSONField(_("计算结果"), null=True, blank=True)
    budget_used = models.PositiveBigIntegerField(_("已分配（分）"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    notice = models.ForeignKey(
        "transparency.Notice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("结果公示"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("参与式预算")
        verbose_name_plural = _("参与式预算")
        indexes = [models.Index(fields=["place_path", "status"], name="budget_round_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="budget_round_window_ordered"
            ),
            models.CheckConstraint(condition=Q(fund__gt=0), name="budget_round_fund_positive"),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=F("min_choices")),
                name="budget_round_choices_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(ballot_kind=BallotKind.POINTS) | Q(total_points__gt=0),
                name="budget_round_points_total",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[RoundStatus.COMPUTED, RoundStatus.PUBLISHED])
                | Q(budget_used__isnull=False, computed_at__isnull=False),
                name="budget_round_computed_has_result",
            ),
            models.CheckConstraint(
                condition=~Q(status=RoundStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="budget_round_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def budget(self) -> int:
        """The amount to allocate, in fen: the fund plus any matching money."""
        return self.fund + self.matching

    @property
    def budget_display(self) -> str:
        return yuan(self.budget)

    @property
    def fund_display(self) -> str:
        return yuan(self.fund)

    @property
    def matching_display(self) -> str:
        return yuan(self.matching)

    @property
    def budget_used_display(self) -> str:
        return yuan(self.budget_used)

    @property
    def is_points(self) -> bool:
        return self.ballot_kind == BallotKind.POINTS


class Project(models.Model):
    """A candidate project (候选项目) of a round, with its estimated cost in fen."""

    round = models.ForeignKey(
        BudgetRound, on_delete=models.CASCADE, related_name="projects", verbose_name=_("预算")
    )
    code = models.CharField(_("编号"), max_length=32)
    need = models.ForeignKey(
        "needs.Need",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budget_projects",
        verbose_name=_("来自问题"),
    )
    title = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True, default="")
    cost = models.PositiveBigIntegerField(_("估算费用（分）"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("候选项目")
        verbose_name_plural = _("候选项目")
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="budget_project_code_unique"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="budget_project_cost_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def cost_display(self) -> str:
        return yuan(self.cost)


class RollEntry(models.Model):
    """One person on a round's roll (投票名册), frozen when the round opens."""

    round = models.ForeignKey(BudgetRound, on_delete=models.CASCADE, related_name="roll")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    sort_key = BinaryCharField(max_length=200, default="")
    address = models.CharField(_("住址"), max_length=200, blank=True, default="")
    voted_at = models.DateTimeField(_("投票时间"), null=True, blank=True)
    channel = models.CharField(
        _("投票渠道"), max_length=12, choices=Channel.choices, blank=True, default=""
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代录人"),
    )

    class Meta:
        verbose_name = _("预算投票名册")
        verbose_name_plural = _("预算投票名册")
        ordering = ["round", "sort_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="budget_roll_unique_person"),
            models.CheckConstraint(
                condition=Q(voted_at__isnull=True, channel="")
                | (Q(voted_at__isnull=False) & Q(channel__in=[Channel.ONLINE, Channel.PAPER])),
                name="budget_roll_voted_has_channel",
            ),
            models.CheckConstraint(
                condition=~Q(channel=Channel.PAPER) | Q(recorded_by__isnull=False),
                name="budget_roll_paper_has_recorder",
            ),
        ]
        indexes = [models.Index(fields=["round", "sort_key"], name="budget_roll_search_idx")]

    def __str__(self) -> str:
        return self.name


class Ballot(models.Model):
    """One ballot of a round. Open (记名): linked to its roll entry, changeable until the close."""

    round = models.ForeignKey(BudgetRound, on_delete=models.CASCADE, related_name="ballots")
    entry = models.OneToOneField(
        RollEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="ballot"
    )
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    # Canonical text of the choice, see the module docstring.
    key = models.TextField(_("选票内容"), blank=True, default="")
    size = models.PositiveSmallIntegerField(_("所选项数"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代录人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("预算选票")
        verbose_name_plural = _("预算选票")
        constraints = [
            models.CheckConstraint(
                condition=(Q(channel=Channel.IMPORTED) & Q(entry__isnull=True))
                | (~Q(channel=Channel.IMPORTED) & Q(entry__isnull=False)),
                name="budget_ballot_entry_unless_imported",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.key}"
