"""Reads of 周五一检查, scoped to the viewer: checklists, rounds and their to-do lists, a
round's summary, a household's results over time, the monthly ranking per group, and
``household_average_score`` for the ten-star household rating (十星级文明户, hygiene star)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.inspections.models import (
    Area,
    Checklist,
    ChecklistKind,
    ItemScore,
    Round,
    ScoreSheet,
    TargetKind,
)
from wugong.inspections.scoring import Ranked, fraction_decimal, mean_percent, rank_competition
from wugong.people.models import Household
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.rules import Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import path_ids, subtree_q

LOW_PERCENT_CENTI = 6000  # below 60 %: a sheet the round's summary lists for follow-up


def ancestor_paths(path: str) -> list[str]:
    """Every path at or above ``path``: "/1/5/23/" → ["/1/", "/1/5/", "/1/5/23/"]."""
    ids = path_ids(path)
    return ["/" + "".join(f"{i}/" for i in ids[: n + 1]) for n in range(len(ids))]


def checklists_usable(place: Place) -> QuerySet[Checklist]:
    """Active checklists a place may use: the defaults and those of the place or above it."""
    return (
        Checklist.objects.filter(active=True, place_path__in=["", *ancestor_paths(place.path)])
        .prefetch_related("items")
        .order_by("kind", "place_path", "name")
    )


def checklists_visible(*, viewer: Viewer, rule: str = "inspection.view") -> QuerySet[Checklist]:
    """The checklists of the viewer's places, above and below, and the defaults."""
    q = Q(place_path="")
    for a in viewer.granting(rule):
        if ROLE_SCOPE[a.role] == Scope.EVERYTHING:
            q = Q()
            break
        q |= Q(place_path__in=ancestor_paths(a.place_path))
        if ROLE_SCOPE[a.role] == Scope.PLACE:
            q |= subtree_q(a.place_path, "place_path")
    return Checklist.objects.filter(q).prefetch_related("items").order_by("kind", "name")


def round_q(viewer: Viewer, rule: str = "inspection.record") -> Q:
    """Rounds reaching the viewer's scope: at or above their place (a village's round covers
    its groups), and below it for place- and grid-scoped roles."""
    q = Q(pk__in=[])
    for a in viewer.granting(rule):
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING:
            return Q()
        q |= Q(place_path__in=ancestor_paths(a.place_path))
        if scope in {Scope.PLACE, Scope.GRID}:
            q |= subtree_q(a.place_path, "place_path")
    return q


def rounds_list(*, viewer: Viewer, place: Place | None = None) -> QuerySet[Round]:
    qs = Round.objects.filter(round_q(viewer)).select_related("place", "checklist")
    if place is not None:
        qs = qs.filter(place=place)
    return qs.order_by("-date", "place_id", "pk")


def round_get(*, viewer: Viewer, pk: int) -> Round:
    row = (
        Round.objects.filter(round_q(viewer), pk=pk)
        .select_related("place", "checklist")
        .prefetch_related("checklist__items")
        .first()
    )
    if row is None:
        raise NotFound(_("检查轮次不存在或不在您的范围内。"))
    return row


def area_scorable(viewer: Viewer, area: Area) -> bool:
    """Public areas are scored by the place's inspectors: place- or grid-scoped ones whose
    place holds the area."""
    return any(
        ROLE_SCOPE[a.role] == Scope.EVERYTHING
        or (
            ROLE_SCOPE[a.role] in {Scope.PLACE, Scope.GRID}
            and area.place_path.startswith(a.place_path)
        )
        for a in viewer.granting("inspection.record")
    )


def round_households(*, viewer: Viewer, round: Round) -> QuerySet[Household]:
    """The households of the round the viewer scores (every one, scored or not)."""
    return Household.objects.filter(
        subtree_q(round.place_path, "place_path"), viewer.household_q("inspection.record")
    )


def round_areas(*, viewer: Viewer, round: Round) -> list[Area]:
    areas = Area.objects.filter(subtree_q(round.place_path, "place_path"), active=True)
    return [a for a in areas.order_by("place_path", "name") if area_scorable(viewer, a)]


def round_todo(*, viewer: Viewer, round: Round) -> QuerySet[Household] | list[Area]:
    """What the viewer still has to score in the round (待检查): households or areas."""
    if round.checklist.target == TargetKind.AREA:
        done = set(round.sheets.values_list("area_id", flat=True))
        return [a for a in round_areas(viewer=viewer, round=round) if a.pk not in done]
    return (
        round_households(viewer=viewer, round=round)
        .exclude(inspection_sheets__round=round)
        .select_related("head", "place")
        .order_by("place_path", "sort_key", "pk")
    )


def round_target(*, viewer: Viewer, round: Round, household_pk: int | None, area_pk: int | None):  # type: ignore[no-untyped-def]
    """The household or area the viewer may score in this round, or NotFound."""
    if round.checklist.target == TargetKind.HOUSEHOLD and household_pk is not None:
        household = (
            round_households(viewer=viewer, round=round)
            .select_related("head", "place")
            .filter(pk=household_pk)
            .first()
        )
        if household is not None:
            return household
    if round.checklist.target == TargetKind.AREA and area_pk is not None:
        area = Area.objects.filter(
            subtree_q(round.place_path, "place_path"), pk=area_pk, active=True
        ).first()
        if area is not None and area_scorable(viewer, area):
            return area
    raise NotFound(_("住户或区域不存在，或不在您的检查范围内。"))


def sheets_of_round(*, viewer: Viewer, round: Round) -> QuerySet[ScoreSheet]:
    """The sheets of a round the viewer reaches (cadres: all; grid workers: their grid)."""
    qs = ScoreSheet.objects.filter(round=round)
    if not viewer.can_place("inspection.manage", round.place):
        households = round_households(viewer=viewer, round=round).values("pk")
        areas = [a.pk for a in round_areas(viewer=viewer, round=round)]
        qs = qs.filter(Q(household__in=households) | Q(area__in=areas))
    return qs.select_related("household__head", "area", "inspector").order_by("-created_at")


@dataclass
class ItemFigure:
    text: str
    max_score: int
    mean: Decimal  # mean points scored on the item


@dataclass
class RoundSummary:
    """A round in figures (检查情况): how many scored, the mean, the low ones, per item."""

    targets: int
    scored: int
    mean: Decimal | None
    low: list[ScoreSheet] = field(default_factory=list)
    items: list[ItemFigure] = field(default_factory=list)


def round_summary(*, viewer: Viewer, round: Round) -> RoundSummary:
    sheets = sheets_of_round(viewer=viewer, round=round)
    if round.checklist.target == TargetKind.AREA:
        targets = len(round_areas(viewer=viewer, round=round))
    else:
        targets = round_households(viewer=viewer, round=round).count()
    agg = sheets.aggregate(n=Count("pk"), total=Sum("percent_centi"))
    n = agg["n"] or 0
    mean = Fraction(agg["total"], 100 * n) if n else None
    low = list(sheets.filter(percent_centi__lt=LOW_PERCENT_CENTI).order_by("percent_centi")[:20])
    per_item = (
        ItemScore.objects.filter(sheet__in=sheets.values("pk"))
        .values("item_id", "text", "max_score")
        .annotate(n=Count("pk"), total=Sum("score"))
        .order_by("item_id")
    )
    items = [
        ItemFigure(r["text"], r["max_score"], fraction_decimal(Fraction(r["total"], r["n"]), 1))
        for r in per_item
    ]
    return RoundSummary(
        targets=targets,
        scored=n,
        mean=fraction_decimal(mean, 1) if mean is not None else None,
        low=low,
        items=items,
    )


# --- a household's results ----------------------------------------------------------------------
def household_for_results(*, viewer: Viewer, pk: int) -> Household:
    """A household whose results the viewer may see: its members, and those whose scope holds it
    (cadres, grid workers, …). Anyone else: NotFound."""
    household = (
        Household.objects.filter(viewer.household_q("inspection.view"), pk=pk)
        .select_related("head", "place")
        .first()
    )
    if household is None:
        raise NotFound(_("住户不存在或不在您的范围内。"))
    return household


def household_sheets(*, household: Household) -> QuerySet[ScoreSheet]:
    return (
        ScoreSheet.objects.filter(household=household)
        .select_related("round__checklist", "inspector")
        .prefetch_related("items", "photos")
        .order_by("-date", "-pk")
    )


def household_average_score(*, household_id: int, since: dt.date) -> Decimal | None:
    """The household's mean hygiene score in percent (卫生得分) over its sheets of hygiene
    checklists on rounds dated on or after ``since``; None if it has none. Exact when the mean's
    decimal expansion ends (a single sheet, or two, four, five … sheets); otherwise to Decimal's
    28 significant digits (never rounded to two places)."""
    mean = mean_percent(
        ScoreSheet.objects.filter(
            household_id=household_id, kind=ChecklistKind.HYGIENE, date__gte=since
        ).values_list("percent_centi", flat=True)
    )
    return fraction_decimal(mean) if mean is not None else None


# --- the monthly ranking ------------------------------------------------------------------------
def village_of(place: Place) -> Place | None:
    """The village or community at or above a place."""
    if place.kind in GRASSROOTS_KINDS:
        return place
    return (
        Place.objects.filter(path__in=ancestor_paths(place.path), kind__in=GRASSROOTS_KINDS)
        .order_by("-depth")
        .first()
    )


def ranking_visible(viewer: Viewer, village: Place) -> bool:
    """The ranking is public within the village: its residents and everyone whose post is in it
    or above it."""
    for a in viewer.granting("inspection.view"):
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING or a.place_path.startswith(village.path):
            return True
        if scope == Scope.PLACE and village.path.startswith(a.place_path):
            return True
    return False


def ranking_villages(viewer: Viewer) -> list[Place]:
    """The villages whose ranking the viewer sees first: those of their own household or posts."""
    paths = {a.place_path for a in viewer.granting("inspection.view")}
    ancestors = {p for path in paths for p in ancestor_paths(path)}
    return list(
        Place.objects.filter(path__in=ancestors, kind__in=GRASSROOTS_KINDS).order_by("path")
    )


@dataclass
class RankingRow:
    rank: int
    household_id: int
    name: str
    address: str
    sheets: int
    mean: Decimal  # shown to one decimal


@dataclass
class GroupRanking:
    group: Place | None  # None: households directly under the village
    rows: list[RankingRow]


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def monthly_ranking(
    *, viewer: Viewer, village: Place, month: dt.date, kind: str = ChecklistKind.HYGIENE
) -> list[GroupRanking]:
    """Each group's (村民小组/小区) households ranked by their mean score in the month
    (月度评比), highest first; equal means share a rank. Names and addresses only."""
    if not ranking_visible(viewer, village):
        raise NotFound(_("地点不存在或不在您的范围内。"))
    start, end = month_bounds(month)
    rows = (
        ScoreSheet.objects.filter(
            subtree_q(village.path, "place_path"),
            household__isnull=False,
            kind=kind,
            date__gte=start,
            date__lt=end,
        )
        .values("household_id", "place_path")
        .annotate(n=Count("pk"), total=Sum("percent_centi"))
        .order_by()
    )
    depth = len(path_ids(village.path))
    by_group: dict[int | None, list[tuple[int, Fraction]]] = defaultdict(list)
    counts: dict[int, int] = {}
    for r in rows:
        ids = path_ids(r["place_path"])
        group_id = ids[depth] if len(ids) > depth else None
        by_group[group_id].append((r["household_id"], Fraction(r["total"], 100 * r["n"])))
        counts[r["household_id"]] = r["n"]
    households = {
        h.pk: h
        for h in Household.objects.filter(pk__in=list(counts)).select_related("head")
        if counts
    }
    groups = Place.objects.in_bulk([g for g in by_group if g is not None])
    out = []
    for group_id in sorted(by_group, key=lambda g: (g is None, groups[g].sort_key if g else "")):
        ranked: list[Ranked[int]] = rank_competition(
            sorted(by_group[group_id], key=lambda r: households[r[0]].sort_key)
        )
        out.append(
            GroupRanking(
                group=groups.get(group_id) if group_id else None,
                rows=[
                    RankingRow(
                        rank=r.rank,
                        household_id=r.key,
                        name=households[r.key].head.name if households[r.key].head else "",
                        address=households[r.key].address,
                        sheets=counts[r.key],
                        mean=fraction_decimal(r.score, 1),
                    )
                    for r in ranked
                ],
            )
        )
    return out
