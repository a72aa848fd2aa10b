"""Reading the figures from the source apps: one grouped query per source over a place-path
filter (a county's range, or one place's exact path), never one query per village.

Each collector yields ``(place_path, {metric: value})`` rows as recorded (a group, an estate,
a village ...); rollups.py adds each row to the village, town ... it belongs to. Sources whose
app offers a village-totals selector (pilots, volunteers, evaluations, points) are read through
it when it exists, and count as nothing when it does not yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum

from wugong.dashboards.metrics import SOURCES

Row = tuple[str, dict[str, Any]]
HUNDREDTH = Decimal("0.01")


def _hundredths(value: Any) -> Decimal:
    """A sum of two-decimal columns (hours, person-days) as an exact two-decimal Decimal:
    SQLite hands sums back with float-width trailing digits ("86.5800000000000")."""
    return Decimal(str(value or 0)).quantize(HUNDREDTH)


# A filter on a place-path field: ``where("place_path")`` or ``where("vote__place_path")``.
Where = Callable[[str], Q]


def households(where: Where, now: dt.datetime) -> Iterator[Row]:
    from wugong.people.models import Household, Person

    rows = Household.objects.filter(where("place_path")).values("place_path").order_by()
    for r in rows.annotate(n=Count("place_path")):
        yield r["place_path"], {"households": r["n"]}
    people = (
        Person.objects.filter(where("household__place_path"))
        .values("household__place_path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in people:
        yield r["household__place_path"], {"residents": r["n"]}


def needs(where: Where, now: dt.datetime) -> Iterator[Row]:
    """Needs raised and the residents who raised them (distinct per place, a set per row)."""
    from wugong.needs.models import Need

    qs = Need.objects.filter(where("place_path"))
    for r in qs.values("place_path").annotate(n=Count("place_path")).order_by():
        yield r["place_path"], {"needs": r["n"]}
    pairs = qs.values_list("place_path", "reporter_id").distinct().order_by()
    for path, person_id in pairs:
        yield path, {"_proposers": {person_id}}


def voting(where: Where, now: dt.datetime) -> Iterator[Row]:
    """Published votes (decisions) and who took part. A secret ballot keeps only that a roll
    entry voted, which is all that is counted here."""
    from wugong.voting.models import RollEntry, Vote, VoteStatus

    published = (
        Vote.objects.filter(where("place_path"), status=VoteStatus.PUBLISHED)
        .values("place_path")
        .annotate(n=Count("place_path"))
        .order_by()
    )
    for r in published:
        yield r["place_path"], {"votes_published": r["n"], "decisions": r["n"]}
    voted = (
        RollEntry.objects.filter(where("vote__place_path"), voted_at__isnull=False)
        .values_list("vote__place_path", "person_id", "household_id")
        .distinct()
        .order_by()
    )
    for path, person_id, household_id in voted:
        key = ("p", person_id) if person_id else ("h", household_id)
        yield path, {"_voters": {key}}


def meetings(where: Where, now: dt.datetime) -> Iterator[Row]:
    """Decisions passed at meetings, except those taken by a vote (counted with the vote)."""
    from wugong.meetings.models import DecisionOutcome, MeetingDecision

    rows = (
        MeetingDecision.objects.filter(
            where("meeting__place_path"), outcome=DecisionOutcome.PASSED, vote__isnull=True
        )
        .values("meeting__place_path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rows:
        yield r["meeting__place_path"], {"meeting_decisions": r["n"], "decisions": r["n"]}


def projects(where: Where, now: dt.datetime) -> Iterator[Row]:
    """Projects by stage and their money, from the projects app's per-project rollup."""
    from wugong.projects.models import ProjectRollup

    sums = {f"in_{s}_fen": Sum(f"in_{s}_fen") for s in SOURCES}
    rows = (
        ProjectRollup.objects.filter(where("place_path"))
        .values("place_path", "stage")
        .annotate(
            n=Count("place_path"),
            out=Sum("out_fen"),
            kind=Sum(F("material_fen") + F("labour_fen") + F("land_fen") + F("demolition_fen")),
            days=Sum("labour_days"),
            times=Sum("labour_times"),
            **sums,
        )
        .order_by()
    )
    for r in rows:
        figures = {
            "projects": r["n"],
            f"projects_{r['stage']}": r["n"],
            "money_out_fen": r["out"] or 0,
            "in_kind_fen": r["kind"] or 0,
            "labour_days": _hundredths(r["days"]),
            "labour_times": r["times"] or 0,
        }
        for s in SOURCES:
            figures[f"money_{s}_fen"] = r[f"in_{s}_fen"] or 0
        yield r["place_path"], figures


def visits(where: Where, now: dt.datetime) -> Iterator[Row]:
    """Key households and those visited in time (not overdue), as upkeep's coverage counts."""
    from wugong.upkeep.models import VisitDue

    rows = (
        VisitDue.objects.filter(where("place_path"))
        .values("place_path")
        .annotate(n=Count("place_path"), late=Count("place_path", filter=Q(next_due_at__lt=now)))
        .order_by()
    )
    for r in rows:
        yield r["place_path"], {"key_households": r["n"], "visits_in_time": r["n"] - r["late"]}


def reports(where: Where, now: dt.datetime) -> Iterator[Row]:
    """Problem reports: collected (every report), handled (responded to), escalated (of
    those that needed it: sent up, or overdue and still at the first level), answered, closed
    in time, and the reporters' ratings (4 or 5 stars count as satisfied)."""
    from wugong.upkeep.models import Report, ReportStatus

    late = Q(status=ReportStatus.NEW, respond_due_at__lt=now) | Q(
        status=ReportStatus.IN_PROGRESS, resolve_due_at__lt=now
    )
    done = Q(status__in=[ReportStatus.RESOLVED, ReportStatus.CLOSED])
    rows = (
        Report.objects.filter(where("place_path"))
        .values("place_path")
        .annotate(
            n=Count("place_path"),
            handled=Count("place_path", filter=~Q(status=ReportStatus.NEW)),
            escalated=Count("place_path", filter=Q(level__gt=0)),
            stuck=Count("place_path", filter=Q(level=0) & late),
            answered=Count("place_path", filter=done),
            in_time=Count(
                "place_path",
                filter=done & Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due_at")),
            ),
            rated=Count("rating"),
            rating_sum=Sum("rating"),
            satisfied=Count("place_path", filter=Q(rating__gte=4)),
        )
        .order_by()
    )
    for r in rows:
        yield (
            r["place_path"],
            {
                "reports": r["n"],
                "reports_handled": r["handled"],
                "reports_escalated": r["escalated"],
                "reports_need_escalation": r["escalated"] + r["stuck"],
                "reports_answered": r["answered"],
                "reports_closed_in_time": r["in_time"],
                "reports_rated": r["rated"],
                "reports_rating_sum": r["rating_sum"] or 0,
                "reports_satisfied": r["satisfied"],
            },
        )


def pilots(where: Where, now: dt.datetime) -> Iterator[Row]:
    """Active pilot sites (试点), counted where they are (a group's site under its village)."""
    try:
        from wugong.pilots.models import Site, SiteStatus
    except ImportError:  # the pilots app is not there yet
        return
    rows = (
        Site.objects.filter(where("place_path"), status=SiteStatus.ACTIVE)
        .values("place_path")
        .annotate(n=Count("place_path"))
        .order_by()
    )
    for r in rows:
        yield r["place_path"], {"pilot_sites": r["n"]}


ORM_SOURCES: tuple[Callable[[Where, dt.datetime], Iterator[Row]], ...] = (
    households,
    needs,
    voting,
    meetings,
    projects,
    visits,
    reports,
    pilots,
)


# --- sources read through other apps' selectors (subtree only) --------------------------------
def _selector(module: str, name: str) -> Callable[..., Any] | None:
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


def selector_rows(path_prefix: str) -> Iterator[Row]:
    """Pilot sites, volunteers, project satisfaction and points under ``path_prefix``."""
    sites = _selector("wugong.pilots.selectors", "active_site_paths")
    if sites is not None:  # the villages and communities with an active site (coverage)
        for path in sites(path_prefix=path_prefix):
            yield path, {"_sites": {path}}
    vol = _selector("wugong.volunteers.selectors", "village_volunteer_totals")
    if vol is not None:
        for path, (people, hours) in vol(path_prefix=path_prefix).items():
            yield path, {"volunteers": people, "volunteer_hours": _hundredths(hours)}
    sat = _selector("wugong.evaluations.selectors", "village_satisfaction")
    if sat is not None:
        # (after-stage "satisfied?" ratings, the sum of their stars) per village
        for path, (rated, stars) in sat(path_prefix=path_prefix).items():
            yield path, {"project_ratings": rated, "project_ratings_stars": stars}
    pts = _selector("wugong.points.selectors", "village_points_totals")
    if pts is not None:
        for path, (issued, redeemed) in pts(path_prefix=path_prefix).items():
            yield path, {"points_issued": issued, "points_redeemed": redeemed}


def collect(where: Where, now: dt.datetime, path_prefix: str | None) -> Iterator[Row]:
    for source in ORM_SOURCES:
        yield from source(where, now)
    if path_prefix is not None:
        yield from selector_rows(path_prefix)
