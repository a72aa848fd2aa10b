"""Reads of building together: project lists, a project's open accounts (算明白账), the
honour roll, the town/county programme view and the resources list.

Projects and their figures are public (村务公开): these reads take no viewer except where a
list is scoped (cadres' work lists). Contributors who asked to stay anonymous are shown as
爱心人士 on every public read; their gifts are still counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.people.rules import Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import path_ids, subtree_q
from wugong.projects.models import (
    Contribution,
    ContributionKind,
    Direction,
    LedgerEntry,
    Project,
    ProjectEvent,
    ProjectRollup,
    RequestStatus,
    Resource,
    ResourceCategory,
    ServiceRequest,
    SourceKind,
    SpendItem,
    Stage,
)
from wugong.projects.money import Compliance, compliance, leverage, m2_to_mu

ANONYMOUS_NAME = "爱心人士（匿名）"
CENT = Decimal("0.01")


def dec(value: Any, quantum: Decimal = CENT) -> Decimal:
    """A database sum as an exact Decimal (SQLite hands decimal sums back via float)."""
    return Decimal(str(value or 0)).quantize(quantum, rounding=ROUND_HALF_UP)


IN_KIND = (
    ContributionKind.MATERIAL,
    ContributionKind.LABOUR,
    ContributionKind.LAND,
    ContributionKind.DEMOLITION,
)


# --- projects ---------------------------------------------------------------------------------
def project_list(
    *, place: Place | None = None, stage: str = "", query: str = ""
) -> QuerySet[Project]:
    """Projects at or under a place (all when None), newest first."""
    qs = Project.objects.select_related("place")
    if place is not None:
        qs = qs.filter(subtree_q(place.path, "place_path"))
    if stage in Stage.values:
        qs = qs.filter(stage=stage)
    if query:
        qs = qs.filter(Q(title__contains=query) | Q(summary__contains=query))
    return qs.order_by("-created_at", "-id")


def project_manage_list(*, viewer: Viewer) -> QuerySet[Project]:
    """The projects a cadre manages."""
    return (
        Project.objects.filter(viewer.path_q("project.manage"))
        .select_related("place")
        .order_by("-created_at", "-id")
    )


def project_get(*, pk: int) -> Project:
    project = Project.objects.select_related("place", "programme", "need").filter(pk=pk).first()
    if project is None:
        raise NotFound(_("没有这个项目。"))
    return project


def timeline(project: Project) -> list[ProjectEvent]:
    return list(ProjectEvent.objects.filter(project=project).order_by("on", "id"))


# --- the accounts -----------------------------------------------------------------------------
@dataclass
class Accounts:
    """A project's open accounts, every figure derived from the ledger and contributions."""

    income_by_source: list[tuple[str, str, int]]
    government_by_department: list[tuple[str, int]]
    spending_by_item: list[tuple[str, str, int]]
    in_kind: list[dict[str, Any]]
    money_in: int
    money_out: int
    in_kind_value: int
    pledged: int
    pledged_received: int
    labour_days: Decimal
    labour_times: int
    land_mu: Decimal
    land_m2: Decimal
    donors: int
    work_relief_hours: Decimal
    work_relief_wages: int
    compliance: Compliance | None
    plan_compliance: Compliance | None
    funding_plan: list[dict[str, Any]] = field(default_factory=list)

    @property
    def balance(self) -> int:
        return self.money_in - self.money_out

    @property
    def total_value(self) -> int:
        """What went into the works: the money spent plus the value of gifts in kind."""
        return self.money_out + self.in_kind_value

    @property
    def mobilised(self) -> int:
        """Everything brought in: money received plus gifts in kind."""
        return self.money_in + self.in_kind_value

    def by_source(self) -> dict[str, int]:
        return {k: v for k, _label, v in self.income_by_source}


def project_accounts(project: Project) -> Accounts:
    """Income by source (government by department), spending by item, the value of gifts in
    kind, pledges against receipts, and the matching rule's check: a handful of indexed
    aggregates over one project's rows."""
    income: dict[str, int] = defaultdict(int)
    departments: dict[str, int] = defaultdict(int)
    spending: dict[str, int] = defaultdict(int)
    rows = (
        LedgerEntry.objects.filter(project=project)
        .values("direction", "source_kind", "item", "contributor_kind", "contributor_name")
        .annotate(s=Sum("amount_fen"))
        .order_by()
    )
    for r in rows:
        if r["direction"] == Direction.IN:
            income[r["source_kind"]] += r["s"]
            if r["source_kind"] == SourceKind.GOVERNMENT:
                departments[r["contributor_name"]] += r["s"]
        else:
            spending[r["item"]] += r["s"]
    gifts = Contribution.objects.filter(project=project).exclude(entry__reversed_by__isnull=False)
    kinds = {
        r["kind"]: r
        for r in gifts.values("kind")
        .annotate(
            v=Sum("value_fen"),
            n=Count("id"),
            d=Sum("person_days"),
            t=Sum("person_times"),
            m2=Sum("land_m2"),
            mu=Sum("land_mu"),
            q=Sum("quantity"),
            h=Sum("hours"),
            w=Sum("wages_fen"),
        )
        .order_by()
    }
    in_kind = []
    for kind in IN_KIND:
        r = kinds.get(kind)
        if r:
            in_kind.append(
                {"kind": kind, "label": ContributionKind(kind).label, "value": r["v"] or 0, **r}
            )
    donors = (
        LedgerEntry.objects.filter(
            project=project, direction=Direction.IN, source_kind=SourceKind.RESIDENTS
        )
        .values("contributor_kind", "contributor_name", "person_id", "household_id")
        .annotate(s=Sum("amount_fen"))
        .filter(s__gt=0)
        .order_by()
        .count()
    )
    pledged = project.pledges.aggregate(s=Sum("amount_fen"))["s"] or 0
    pledged_received = (
        LedgerEntry.objects.filter(project=project, pledge__isnull=False).aggregate(
            s=Sum("amount_fen")
        )["s"]
        or 0
    )
    plan = [
        {
            "source_kind": line.source_kind,
            "label": SourceKind(line.source_kind).label,
            "name": line.source_name,
            "planned": line.planned_fen,
        }
        for line in project.funding_lines.all()
    ]
    rule = _rule(project)
    plan_split: dict[str, int] = defaultdict(int)
    for line in plan:
        plan_split[line["source_kind"]] += line["planned"]
    lab = kinds.get(ContributionKind.LABOUR) or {}
    land = kinds.get(ContributionKind.LAND) or {}
    relief = kinds.get(ContributionKind.WORK_RELIEF) or {}
    return Accounts(
        income_by_source=[
            (k, SourceKind(k).label, income[k]) for k in SourceKind.values if income.get(k)
        ],
        government_by_department=sorted(departments.items(), key=lambda kv: -kv[1]),
        spending_by_item=[
            (k, SpendItem(k).label, spending[k]) for k in SpendItem.values if spending.get(k)
        ],
        in_kind=in_kind,
        money_in=sum(income.values()),
        money_out=sum(spending.values()),
        in_kind_value=sum(x["value"] for x in in_kind),
        pledged=int(pledged),
        pledged_received=int(pledged_received),
        labour_days=dec(lab.get("d")),
        labour_times=int(lab.get("t") or 0),
        land_mu=dec(land.get("mu"), Decimal("0.0001")),
        land_m2=dec(land.get("m2")),
        donors=donors,
        work_relief_hours=dec(relief.get("h")),
        work_relief_wages=int(relief.get("w") or 0),
        compliance=compliance(dict(income), **rule) if income else None,
        plan_compliance=compliance(dict(plan_split), **rule) if plan_split else None,
        funding_plan=plan,
    )


def _rule(project: Project) -> dict[str, int]:
    if project.programme_id:
        p = project.programme
        return {"residents_max_bp": p.residents_max_bp, "government_min_bp": p.government_min_bp}
    return {"residents_max_bp": 5000, "government_min_bp": 5000}


def project_story(project: Project, accounts: Accounts) -> dict[str, Any]:
    """The figures the public page leads with: spent against the tender estimate, in how many
    days, what residents gave."""
    days = None
    if project.started_on and project.finished_on:
        days = (project.finished_on - project.started_on).days + 1
    saving = None
    done = project.finished_on is not None or project.stage in (Stage.ACCEPTED, Stage.UPKEEP)
    if project.tender_estimate_fen and done:  # before the end, what is unspent is not saved
        saving = project.tender_estimate_fen - accounts.money_out
    return {"days": days, "saving": saving, "tender": project.tender_estimate_fen}


def ledger_lines(project: Project) -> list[LedgerEntry]:
    """Every entry of the project in date order, each with ``reversal_id`` (the entry that
    reverses it, if any) and its documents: three indexed queries on the project."""
    lines = list(
        LedgerEntry.objects.filter(project=project)
        .prefetch_related("documents")
        .order_by("occurred_on", "id")
    )
    reversed_by = {e.reverses_id: e.pk for e in lines if e.reverses_id}
    for e in lines:
        e.reversal_id = reversed_by.get(e.pk)
    return lines


def public_name(row: Any) -> str:
    return ANONYMOUS_NAME if row.anonymous else row.contributor_name


# --- honour roll ------------------------------------------------------------------------------
@dataclass
class HonourLine:
    name: str
    kind: str
    money: int = 0
    materials: list[str] = field(default_factory=list)
    material_value: int = 0
    labour_days: Decimal = Decimal(0)
    labour_times: int = 0
    land_m2: Decimal = Decimal(0)
    demolished: list[str] = field(default_factory=list)
    other_value: int = 0

    @property
    def land_mu(self) -> Decimal:
        return m2_to_mu(self.land_m2) if self.land_m2 else Decimal(0)

    @property
    def total(self) -> int:
        return self.money + self.material_value + self.other_value


def honour_roll(
    *, project: Project | None = None, place: Place | None = None, public: bool = True
) -> list[HonourLine]:
    """Who gave what — money (all receipts, net of reversals), materials, days of work, land,
    demolition — for one project or every project under a place. Anonymous givers are merged
    into one 爱心人士 line on the public roll. Largest total first."""
    entries = LedgerEntry.objects.filter(direction=Direction.IN)
    gifts = Contribution.objects.exclude(kind__in=[ContributionKind.MONEY, "work_relief"])
    if project is not None:
        entries, gifts = entries.filter(project=project), gifts.filter(project=project)
    elif place is not None:
        entries = entries.filter(subtree_q(place.path, "project__place_path"))
        gifts = gifts.filter(subtree_q(place.path, "place_path"))
    lines: dict[tuple, HonourLine] = {}

    def line(kind: str, name: str, anonymous: bool, person: Any, household: Any) -> HonourLine:
        if anonymous and public:
            key: tuple = ("anonymous",)
            name = ANONYMOUS_NAME
        else:
            key = (kind, name, person, household)
        if key not in lines:
            lines[key] = HonourLine(name=name, kind=kind)
        return lines[key]

    money = entries.values(
        "contributor_kind", "contributor_name", "anonymous", "person_id", "household_id"
    ).annotate(s=Sum("amount_fen"))
    for r in money.order_by():
        if r["s"]:
            line(
                r["contributor_kind"],
                r["contributor_name"],
                r["anonymous"],
                r["person_id"],
                r["household_id"],
            ).money += r["s"]
    for g in gifts.only(
        "contributor_kind",
        "contributor_name",
        "anonymous",
        "person_id",
        "household_id",
        "kind",
        "item",
        "quantity",
        "unit",
        "value_fen",
        "person_days",
        "person_times",
        "land_m2",
    ).order_by("id"):
        h = line(g.contributor_kind, g.contributor_name, g.anonymous, g.person_id, g.household_id)
        if g.kind == ContributionKind.MATERIAL:
            h.materials.append(f"{g.item}{_qty(g.quantity)}{g.unit}")
            h.material_value += g.value_fen
        elif g.kind == ContributionKind.LABOUR:
            h.labour_days += g.person_days or 0
            h.labour_times += g.person_times or 0
            h.other_value += g.value_fen
        elif g.kind == ContributionKind.LAND:
            h.land_m2 += g.land_m2 or 0
            h.other_value += g.value_fen
        elif g.kind == ContributionKind.DEMOLITION:
            h.demolished.append(f"{g.item}{_qty(g.quantity)}{g.unit}")
            h.other_value += g.value_fen
    return sorted(lines.values(), key=lambda h: (-h.total, -h.labour_days, h.name))


def _qty(q: Decimal | None) -> str:
    if q is None:
        return ""
    return f"{q.normalize():f}"


# --- the programme view -----------------------------------------------------------------------
ROLLUP_SUMS = [
    "in_government_fen",
    "in_enterprise_fen",
    "in_residents_fen",
    "in_collective_fen",
    "in_other_fen",
    "out_fen",
    "material_fen",
    "labour_fen",
    "land_fen",
    "demolition_fen",
    "labour_days",
    "labour_times",
    "land_m2",
    "contributions",
]


def programme_view(*, place: Place, page_size: int = 50, page: int = 1) -> dict[str, Any]:
    """A town's or county's projects: counts by stage, money by source, in-kind value,
    labour days, land, and money leveraged per yuan of government money (撬动). Reads the
    per-project rollup with one range scan on place_path; the project table is one page."""
    scope = ProjectRollup.objects.filter(subtree_q(place.path, "place_path"))
    totals = scope.aggregate(n=Count("pk"), **{f: Sum(f) for f in ROLLUP_SUMS})
    totals = {k: (v or 0) for k, v in totals.items()}
    stages = dict(scope.values("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    by_source = [(k, SourceKind(k).label, int(totals[f"in_{k}_fen"])) for k in SourceKind.values]
    money_in = sum(v for _k, _l, v in by_source)
    in_kind = int(
        totals["material_fen"] + totals["labour_fen"] + totals["land_fen"]
        + totals["demolition_fen"]
    )  # fmt: skip
    government = int(totals["in_government_fen"])
    offset = (max(page, 1) - 1) * page_size
    rows = list(
        scope.select_related("project", "project__place").order_by("-project_id")[
            offset : offset + page_size
        ]
    )
    return {
        "place": place,
        "count": totals["n"],
        "stages": [(s, Stage(s).label, stages.get(s, 0)) for s in Stage.values],
        "by_source": by_source,
        "money_in": money_in,
        "money_out": int(totals["out_fen"]),
        "in_kind": [
            ("material", ContributionKind.MATERIAL.label, int(totals["material_fen"])),
            ("labour", ContributionKind.LABOUR.label, int(totals["labour_fen"])),
            ("land", ContributionKind.LAND.label, int(totals["land_fen"])),
            ("demolition", ContributionKind.DEMOLITION.label, int(totals["demolition_fen"])),
        ],
        "in_kind_value": in_kind,
        "total_value": money_in + in_kind,
        "government": government,
        "leverage": leverage(government_fen=government, total_value_fen=money_in + in_kind),
        "labour_days": dec(totals["labour_days"]),
        "labour_times": int(totals["labour_times"]),
        "land_m2": dec(totals["land_m2"]),
        "land_mu": m2_to_mu(dec(totals["land_m2"])),
        "contributions": int(totals["contributions"]),
        "rows": rows,
        "page": page,
        "has_next": offset + page_size < totals["n"],
    }


def rollup_mismatches(*, place: Place | None = None) -> list[int]:
    """Projects whose rollup differs from their facts (should be none)."""
    from wugong.projects.services import rollup_figures

    qs = ProjectRollup.objects.all()
    if place is not None:
        qs = qs.filter(subtree_q(place.path, "place_path"))
    bad = []
    for r in qs.iterator():
        facts = rollup_figures(r.project_id)
        if any(dec(getattr(r, k)) != dec(v) for k, v in facts.items()):
            bad.append(r.project_id)
    return bad


def grassroots_place(place: Place) -> Place:
    ids = path_ids(place.path)
    for p in Place.objects.filter(pk__in=ids).order_by("-depth"):
        if p.kind in GRASSROOTS_KINDS:
            return p
    return place


# --- resources --------------------------------------------------------------------------------
def resource_search(
    *, place: Place | None = None, category: str = "", query: str = "", available: bool = True
) -> QuerySet[Resource]:
    qs = Resource.objects.select_related("place")
    if place is not None:
        qs = qs.filter(subtree_q(place.path, "place_path"))
    if category in ResourceCategory.values:
        qs = qs.filter(category=category)
    if query:
        qs = qs.filter(Q(title__contains=query) | Q(detail__contains=query))
    if available:
        qs = qs.filter(available=True)
    return qs.order_by("category", "-created_at", "-id")


# What each need category usually calls for.
NEED_CATEGORY_RESOURCES: dict[str, list[str]] = {
    "roads": ["labour", "material", "equipment", "money"],
    "lighting": ["skill", "material", "money"],
    "water": ["skill", "labour", "material", "equipment"],
    "sanitation": ["labour", "equipment"],
    "greening": ["labour", "material"],
    "public_space": ["labour", "material", "venue", "money"],
    "elderly_care": ["skill", "venue", "money"],
    "children": ["skill", "venue"],
    "safety": ["skill", "equipment"],
}


def resource_matches(*, project: Project, limit: int = 20) -> list[Resource]:
    """Offers in the project's village/community (and above it) that fit it: the categories
    of its open service requests first, then those its need's category calls for, then any
    whose words appear in the project's title."""
    anchor = grassroots_place(project.place)
    ancestors = path_ids(anchor.path)
    near = subtree_q(anchor.path, "place_path") | Q(place_id__in=ancestors)
    wanted = list(
        ServiceRequest.objects.filter(project=project, status=RequestStatus.ORDERED)
        .values_list("category", flat=True)
        .distinct()
    )
    if project.need_id:
        wanted += NEED_CATEGORY_RESOURCES.get(project.need.category, [])
    qs = Resource.objects.filter(near, available=True).select_related("place")
    bigrams = {project.title[i : i + 2] for i in range(len(project.title) - 1)}
    words = Q(pk__in=[])
    for b in list(bigrams)[:20]:
        words |= Q(title__contains=b) | Q(detail__contains=b)
    candidates = list(qs.filter(Q(category__in=wanted) | words)[:200])
    order = {c: i for i, c in enumerate(dict.fromkeys(wanted))}
    candidates.sort(key=lambda r: (order.get(r.category, 99), -r.pk))
    return candidates[:limit]


def need_matches(*, need: Any, limit: int = 20) -> list[Resource]:
    """Offers near a need that its category usually calls for."""
    place = grassroots_place(need.place)
    cats = NEED_CATEGORY_RESOURCES.get(need.category, [])
    return list(
        Resource.objects.filter(
            subtree_q(place.path, "place_path"), available=True, category__in=cats
        ).order_by("-id")[:limit]
    )


def open_requests(*, project: Project) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(project=project).select_related("resource")
