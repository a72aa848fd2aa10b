"""Building together (发展共建): micro-projects (小微项目), their funding plan, pledges, the
append-only ledger (算明白账), contributions of every kind, the resources list (资源清单) and
service requests (点单、接单、派单).

Money is integer fen everywhere. A project's balance is never stored: it is the sum of its
ledger entries (index ``ledger_project_idx``). ``ProjectRollup`` is a read model for the
town/county programme view only — one row per project, moved in the same transaction as the
entry or contribution it counts, rebuildable from the facts (services.rollup_rebuild) and
checked against them (selectors.rollup_mismatches); no rule ever reads it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class Stage(models.TextChoices):
    PROPOSED = "proposed", _("提议")
    PLANNED = "planned", _("已规划")
    FUNDRAISING = "fundraising", _("筹资中")
    BUILDING = "building", _("建设中")
    ACCEPTED = "accepted", _("已验收")
    UPKEEP = "upkeep", _("管护中")
    CANCELLED = "cancelled", _("已终止")


STAGE_ORDER = [
    Stage.PROPOSED,
    Stage.PLANNED,
    Stage.FUNDRAISING,
    Stage.BUILDING,
    Stage.ACCEPTED,
    Stage.UPKEEP,
]

# A project with money of its own may skip fund-raising (a fence built with donated bamboo).
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.PROPOSED: frozenset({Stage.PLANNED, Stage.CANCELLED}),
    Stage.PLANNED: frozenset({Stage.FUNDRAISING, Stage.BUILDING, Stage.CANCELLED}),
    Stage.FUNDRAISING: frozenset({Stage.BUILDING, Stage.CANCELLED}),
    Stage.BUILDING: frozenset({Stage.ACCEPTED}),
    Stage.ACCEPTED: frozenset({Stage.UPKEEP}),
    Stage.UPKEEP: frozenset(),
    Stage.CANCELLED: frozenset(),
}


class SourceKind(models.TextChoices):
    """Where money comes from (三个一点 and the rest)."""

    GOVERNMENT = "government", _("政府支持")
    ENTERPRISE = "enterprise", _("企业捐赠")
    RESIDENTS = "residents", _("群众自筹")
    COLLECTIVE = "collective", _("村集体")
    OTHER = "other", _("其他")


class ContributorKind(models.TextChoices):
    PERSON = "person", _("个人")
    HOUSEHOLD = "household", _("住户")
    ENTERPRISE = "enterprise", _("企业")
    DEPARTMENT = "department", _("政府部门")
    COLLECTIVE = "collective", _("村集体")
    OTHER = "other", _("其他单位")


# The money source a contributor's gift counts under.
SOURCE_OF_CONTRIBUTOR: dict[str, str] = {
    ContributorKind.PERSON: SourceKind.RESIDENTS,
    ContributorKind.HOUSEHOLD: SourceKind.RESIDENTS,
    ContributorKind.ENTERPRISE: SourceKind.ENTERPRISE,
    ContributorKind.DEPARTMENT: SourceKind.GOVERNMENT,
    ContributorKind.COLLECTIVE: SourceKind.COLLECTIVE,
    ContributorKind.OTHER: SourceKind.OTHER,
}


class Programme(models.Model):
    """A funding programme of a town or county (e.g. 以奖代补) with its matching rules.

    Shares are in basis points (1/100 of a percent): residents raise at most
    ``residents_max_bp`` of the money, the government adds at least ``government_min_bp``.
    ``labour_day_rate_fen`` values a person-day of voluntary labour (投工投劳)."""

    name = models.CharField(_("名称"), max_length=100)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    residents_max_bp = models.PositiveIntegerField(_("群众自筹上限（万分比）"), default=5000)
    government_min_bp = models.PositiveIntegerField(_("政府补助下限（万分比）"), default=5000)
    labour_day_rate_fen = models.PositiveIntegerField(_("投工日单价（分）"), default=10000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资金政策")
        verbose_name_plural = _("资金政策")
        constraints = [
            models.CheckConstraint(
                condition=Q(residents_max_bp__lte=10000) & Q(government_min_bp__lte=10000),
                name="programme_shares_at_most_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A micro-project (小微项目) from proposal to upkeep."""

    title = models.CharField(_("名称"), max_length=100)
    summary = models.TextField(_("简介"), blank=True, default="")
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="projects", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("资金政策"),
    )
    stage = models.CharField(_("阶段"), max_length=12, choices=Stage.choices, default="proposed")
    # Where it came from: a decided need, or a motion (议题/决议) named in words.
    need = models.ForeignKey(
        "needs.Need",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("来源问题"),
    )
    motion = models.CharField(_("来源决议"), max_length=200, blank=True, default="")
    # The plan.
    scope = models.TextField(_("建设内容"), blank=True, default="")
    plan = models.TextField(_("实施方案"), blank=True, default="")
    budget_fen = models.BigIntegerField(_("预算（分）"), null=True, blank=True)
    tender_estimate_fen = models.BigIntegerField(_("常规招标估价（分）"), null=True, blank=True)
    responsible = models.CharField(_("负责人"), max_length=100, blank=True, default="")
    labour_day_rate_fen = models.PositiveIntegerField(_("投工日单价（分）"), null=True, blank=True)
    # Building.
    progress_pct = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    finished_on = models.DateField(_("完工日期"), null=True, blank=True)
    # Acceptance (群众验收) and upkeep (管护).
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    acceptance_note = models.TextField(_("验收意见"), blank=True, default="")
    acceptance_for = models.PositiveIntegerField(_("验收同意人数"), default=0)
    acceptance_against = models.PositiveIntegerField(_("验收不同意人数"), default=0)
    caretaker = models.CharField(_("管护人"), max_length=100, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("小微项目")
        verbose_name_plural = _("小微项目")
        indexes = [models.Index(fields=["place_path", "stage"], name="project_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_fen__isnull=True) | Q(budget_fen__gte=0),
                name="project_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(tender_estimate_fen__isnull=True) | Q(tender_estimate_fen__gte=0),
                name="project_tender_not_negative",
            ),
            models.CheckConstraint(condition=Q(progress_pct__lte=100), name="project_progress"),
        ]

    def __str__(self) -> str:
        return self.title


class EventKind(models.TextChoices):
    STAGE = "stage", _("阶段变更")
    PLAN = "plan", _("方案")
    MILESTONE = "milestone", _("节点")
    PROGRESS = "progress", _("进度")
    PHOTO = "photo", _("照片")
    NOTE = "note", _("记事")


class ProjectEvent(models.Model):
    """One step on a project's public timeline, dated as it happened (``on``)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("项目")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=EventKind.choices)
    from_stage = models.CharField(max_length=12, blank=True, default="")
    to_stage = models.CharField(max_length=12, blank=True, default="")
    on = models.DateField(_("日期"))
    text = models.CharField(_("说明"), max_length=500, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=100, blank=True, default="")
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("项目经过")
        verbose_name_plural = _("项目经过")
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["project", "on"], name="project_event_idx")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.on}"

    @property
    def to_label(self) -> str:
        return str(Stage(self.to_stage).label) if self.to_stage else ""


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("项目")
    )
    title = models.CharField(_("节点"), max_length=100)
    due_on = models.DateField(_("计划日期"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("建设节点")
        verbose_name_plural = _("建设节点")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class PhotoPhase(models.TextChoices):
    BEFORE = "before", _("建设前")
    DURING = "during", _("建设中")
    AFTER = "after", _("建成后")


class ProjectPhoto(models.Model):
    """A dated photo, re-encoded on upload (EXIF and anything else in the file dropped)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="photos", verbose_name=_("项目")
    )
    phase = models.CharField(_("阶段"), max_length=8, choices=PhotoPhase.choices)
    taken_on = models.DateField(_("拍摄日期"))
    caption = models.CharField(_("说明"), max_length=200, blank=True, default="")
    file = models.FileField(_("照片"), upload_to="projects/photos/%Y/%m/", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目照片")
        verbose_name_plural = _("项目照片")
        ordering = ["taken_on", "id"]

    def __str__(self) -> str:
        return self.file.name


class FundingLine(models.Model):
    """One line of the funding plan: how much is expected from a source (a department for
    government money)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="funding_lines", verbose_name=_("项目")
    )
    source_kind = models.CharField(_("来源"), max_length=12, choices=SourceKind.choices)
    source_name = models.CharField(_("部门或单位"), max_length=100, blank=True, default="")
    planned_fen = models.BigIntegerField(_("计划金额（分）"))

    class Meta:
        verbose_name = _("筹资计划")
        verbose_name_plural = _("筹资计划")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_fen__gt=0), name="funding_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()} {self.planned_fen}"


class Contributor(models.Model):
    """Who gave (abstract): a person, a household, an enterprise, a department … by name.
    ``anonymous`` asks to stay anonymous in public (the honour roll shows 爱心人士)."""

    contributor_kind = models.CharField(
        _("出资方类型"), max_length=12, choices=ContributorKind.choices
    )
    contributor_name = models.CharField(_("出资方"), max_length=100)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    anonymous = models.BooleanField(_("不公开姓名"), default=False)

    class Meta:
        abstract = True


class Pledge(Contributor):
    """A promise of money (认捐). Receipts against it are ledger entries naming it."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("项目")
    )
    source_kind = models.CharField(_("来源"), max_length=12, choices=SourceKind.choices)
    amount_fen = models.BigIntegerField(_("认捐金额（分）"))
    pledged_on = models.DateField(_("认捐日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("认捐")
        verbose_name_plural = _("认捐")
        ordering = ["pledged_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="pledge_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contributor_name} {self.amount_fen}"


class Direction(models.TextChoices):
    IN = "in", _("收入")
    OUT = "out", _("支出")


class SpendItem(models.TextChoices):
    MATERIALS = "materials", _("材料")
    LABOUR = "labour", _("人工")
    MACHINERY = "machinery", _("机械")
    WORK_RELIEF = "work_relief", _("以工代赈工资")
    TECHNICAL = "technical", _("技术服务")
    OTHER = "other", _("其他")


class LedgerEntry(Contributor):
    """One posted line of a project's accounts. Append-only: never updated or deleted. A
    correction is a new entry that ``reverses`` the wrong one with the opposite amount.

    Income names its source (kind + department/enterprise) and, for a receipt against a
    pledge, the pledge; spending names its item. ``contributor_*`` are blank for spending."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("项目")
    )
    direction = models.CharField(_("收支"), max_length=3, choices=Direction.choices)
    # Signed: positive when posted, negative only on a reversing entry.
    amount_fen = models.BigIntegerField(_("金额（分）"))
    source_kind = models.CharField(
        _("来源"), max_length=12, choices=SourceKind.choices, blank=True, default=""
    )
    item = models.CharField(
        _("支出项目"), max_length=12, choices=SpendItem.choices, blank=True, default=""
    )
    memo = models.CharField(_("摘要"), max_length=200)
    pledge = models.ForeignKey(
        Pledge, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    occurred_on = models.DateField(_("发生日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(_("入账时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("账目")
        verbose_name_plural = _("账目")
        ordering = ["occurred_on", "id"]
        indexes = [
            models.Index(
                fields=["project", "direction", "source_kind", "item", "amount_fen"],
                name="ledger_project_idx",
            ),
            models.Index(fields=["pledge", "amount_fen"], name="ledger_pledge_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount_fen__gt=0))
                | (Q(reverses__isnull=False) & Q(amount_fen__lt=0)),
                name="ledger_sign",
            ),
            models.CheckConstraint(
                condition=(Q(direction="in") & ~Q(source_kind="") & Q(item=""))
                | (Q(direction="out") & Q(source_kind="") & ~Q(item="")),
                name="ledger_in_has_source_out_has_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.amount_fen} {self.memo}"


class LedgerDocument(models.Model):
    """A document of an entry (an invoice or receipt photo), re-encoded without EXIF."""

    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="documents", verbose_name=_("账目")
    )
    file = models.FileField(_("票据"), upload_to="projects/ledger/%Y/%m/", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("票据")
        verbose_name_plural = _("票据")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


class ContributionKind(models.TextChoices):
    MONEY = "money", _("捐款")
    MATERIAL = "material", _("捐物")
    LABOUR = "labour", _("投工投劳")
    LAND = "land", _("让地")
    DEMOLITION = "demolition", _("拆除")
    WORK_RELIEF = "work_relief", _("以工代赈")


class Contribution(Contributor):
    """What someone gave, of any kind, with its value in fen as stated when recorded.

    Money (捐款) also posts a ledger receipt (``entry``); 以工代赈 is paid work, its wages
    post a ledger spending entry (``entry``) and its value is not counted as a gift."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("项目")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    kind = models.CharField(_("类型"), max_length=12, choices=ContributionKind.choices)
    item = models.CharField(_("物品或内容"), max_length=100, blank=True, default="")
    quantity = models.DecimalField(
        _("数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("单位"), max_length=12, blank=True, default="")
    unit_price_fen = models.BigIntegerField(_("单价（分）"), null=True, blank=True)
    person_days = models.DecimalField(
        _("工日"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    person_times = models.PositiveIntegerField(_("人次"), null=True, blank=True)
    land_mu = models.DecimalField(_("亩"), max_digits=10, decimal_places=4, null=True, blank=True)
    land_m2 = models.DecimalField(
        _("平方米"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    hours = models.DecimalField(_("工时"), max_digits=10, decimal_places=2, null=True, blank=True)
    wages_fen = models.BigIntegerField(_("工资（分）"), null=True, blank=True)
    value_fen = models.BigIntegerField(_("折价（分）"), default=0)
    entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="contribution"
    )
    resource = models.ForeignKey(
        "Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="uses"
    )
    given_on = models.DateField(_("日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("贡献")
        verbose_name_plural = _("贡献")
        ordering = ["given_on", "id"]
        indexes = [
            models.Index(fields=["project", "kind", "value_fen"], name="contribution_project_idx"),
            models.Index(fields=["place_path", "kind"], name="contribution_scope_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(value_fen__gte=0), name="contribution_value"),
        ]

    def __str__(self) -> str:
        return f"{self.contributor_name} {self.get_kind_display()}"


class ProjectRollup(models.Model):
    """Per-project figures for the programme view (town/county rollups): a read model moved
    with F() in the same transaction as each fact, rebuildable from the facts. Never used for
    a rule — the overdraw check and a project's own accounts read the ledger itself."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="rollup"
    )
    place_path = BinaryCharField(max_length=255, editable=False)
    stage = models.CharField(max_length=12, default="proposed")
    in_government_fen = models.BigIntegerField(default=0)
    in_enterprise_fen = models.BigIntegerField(default=0)
    in_residents_fen = models.BigIntegerField(default=0)
    in_collective_fen = models.BigIntegerField(default=0)
    in_other_fen = models.BigIntegerField(default=0)
    out_fen = models.BigIntegerField(default=0)
    material_fen = models.BigIntegerField(default=0)
    labour_fen = models.BigIntegerField(default=0)
    land_fen = models.BigIntegerField(default=0)
    demolition_fen = models.BigIntegerField(default=0)
    labour_days = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    labour_times = models.BigIntegerField(default=0)
    land_m2 = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    contributions = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["place_path"], name="rollup_scope_idx")]

    def __str__(self) -> str:
        return f"rollup {self.project_id}"


class ResourceCategory(models.TextChoices):
    SKILL = "skill", _("技能")
    LABOUR = "labour", _("劳力")
    MATERIAL = "material", _("材料")
    EQUIPMENT = "equipment", _("设备")
    VENUE = "venue", _("场地")
    MONEY = "money", _("资金")


class Resource(Contributor):
    """An offer on the resources list (资源清单): what a resident, enterprise or unit can give."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    category = models.CharField(_("类别"), max_length=12, choices=ResourceCategory.choices)
    title = models.CharField(_("内容"), max_length=100)
    detail = models.TextField(_("说明"), blank=True, default="")
    available = models.BooleanField(_("可用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资源")
        verbose_name_plural = _("资源清单")
        indexes = [models.Index(fields=["place_path", "category"], name="resource_scope_idx")]

    def __str__(self) -> str:
        return self.title


class RequestStatus(models.TextChoices):
    ORDERED = "ordered", _("已点单")
    TAKEN = "taken", _("已接单")
    DISPATCHED = "dispatched", _("已派单")
    DONE = "done", _("已完成")


class ServiceRequest(models.Model):
    """点单、接单、派单: a project orders a service; a resource's holder takes it, or a cadre
    dispatches it to a resource; when done, the use becomes a contribution."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="requests", verbose_name=_("项目")
    )
    category = models.CharField(_("类别"), max_length=12, choices=ResourceCategory.choices)
    title = models.CharField(_("需要什么"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=12, choices=RequestStatus.choices, default="ordered"
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    contribution = models.OneToOneField(
        Contribution, null=True, blank=True, on_delete=models.PROTECT, related_name="request"
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("服务单")
        verbose_name_plural = _("服务单")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
