"""Reads of problem reports: scoped lists, one report, figures per place."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import subtree_q
from wugong.upkeep.models import Report, ReportStatus
from wugong.upkeep.models.reports import OPEN_STATUSES


def report_visible_q(viewer: Viewer) -> Q:
    """The reporter's own reports; the reports a handler's places or grid hold, whether they
    are handled there now or were sent up from there."""
    q = Q(reporter_id=viewer.person_id) if viewer.person_id else Q(pk__in=[])
    for a in viewer.granting("report.handle"):
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING:
            return Q()
        if scope == Scope.PLACE:
            q |= subtree_q(a.place_path, "place_path") | subtree_q(a.place_path, "handler_path")
        elif scope == Scope.GRID and a.grid_id:
            q |= Q(grid_id=a.grid_id)
    return q


def report_list(
    *, viewer: Viewer, status: str = "", mine: bool = False, place: Place | None = None
) -> QuerySet[Report]:
    qs = Report.objects.filter(report_visible_q(viewer))
    if mine:
        qs = qs.filter(reporter_id=viewer.person_id)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in ReportStatus.values:
        qs = qs.filter(status=status)
    if place is not None:
        qs = qs.filter(subtree_q(place.path, "place_path"))
    return qs.select_related("category", "place", "handler_place").order_by("-created_at", "-id")


def report_get(*, viewer: Viewer, pk: int) -> Report:
    report = (
        Report.objects.filter(report_visible_q(viewer), pk=pk)
        .select_related("category", "place", "handler_place", "reporter", "grid")
        .prefetch_related("photos", "events__actor", "events__to_place", "events__from_place")
        .first()
    )
    if report is None:
        raise NotFound(_("问题不存在或不在您的查看范围内。"))
    return report


@dataclass(frozen=True)
class ReportFigures:
    """Closure rate, response time and satisfaction of the reports made under a place."""

    place: Place
    total: int
    closed: int
    overdue: int
    avg_response_minutes: float | None
    avg_rating: float | None
    rated: int

    @property
    def closure_rate(self) -> float | None:
        return self.closed / self.total if self.total else None

    @property
    def closure_percent(self) -> str:
        rate = self.closure_rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


def _figures(place: Place, q: Q, now: dt.datetime) -> ReportFigures:
    row = Report.objects.filter(q).aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=~Q(status__in=OPEN_STATUSES)),
        overdue=Count(
            "pk",
            filter=Q(status=ReportStatus.NEW, respond_due_at__lt=now)
            | Q(status=ReportStatus.IN_PROGRESS, resolve_due_at__lt=now),
        ),
        resp=Avg("response_seconds"),
        avg_rating=Avg("rating"),
        rated=Count("rating"),
    )
    return ReportFigures(
        place=place,
        total=row["total"],
        closed=row["closed"],
        overdue=row["overdue"],
        avg_response_minutes=row["resp"] / 60 if row["resp"] is not None else None,
        avg_rating=float(row["avg_rating"]) if row["avg_rating"] is not None else None,
        rated=row["rated"],
    )


def report_figures(
    *, viewer: Viewer, place: Place, now: dt.datetime
) -> tuple[ReportFigures, list[ReportFigures]]:
    """Figures of a place and of each place directly under it."""
    if not viewer.can_place("report.handle", place) and not viewer.can_place("visit.view", place):
        raise NotFound(_("地点不存在或不在您的管辖范围内。"))
    total = _figures(place, subtree_q(place.path, "place_path"), now)
    rows = [
        _figures(c, subtree_q(c.path, "place_path"), now)
        for c in place.children.order_by("sort_key", "id")
    ]
    return total, rows
