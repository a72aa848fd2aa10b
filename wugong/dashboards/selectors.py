"""Reads of 大屏 and 晒成绩单, from the rollups only (a handful of indexed rows per page).

Dashboards are for ``dashboard.view`` holders at their place and below; report cards are
public (no personal data is in a rollup)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from wugong.core.errors import NotFound, PermissionDenied
from wugong.dashboards import present
from wugong.dashboards.metrics import zero
from wugong.dashboards.models import PlaceFigures
from wugong.dashboards.rollups import ROLLUP_KINDS
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import path_ids

RULE = "dashboard.view"
TREND_MONTHS = 12


@dataclass
class Line:
    """One place in a drill-down table."""

    place: Place
    figures: dict[str, Any]
    sections: dict[str, Any]
    refreshed_at: dt.datetime | None
    has_rows: bool


@dataclass
class Board:
    place: Place
    period: dt.date | None
    refreshed_at: dt.datetime | None
    figures: dict[str, Any]
    sections: dict[str, Any]
    children: list[Line] = field(default_factory=list)
    trend: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    crumbs: list[Place] = field(default_factory=list)

    def charts(self) -> dict[str, Any]:
        kids = [(c.place.name, c.figures) for c in self.children]
        return present.chart_data(self.figures, kids, self.trend)


def _not_found() -> NotFound:
    return NotFound(_("地点不存在或不在您的管辖范围内。"))


def dashboard_place(*, viewer: Viewer, place_id: int | None) -> Place:
    """The place a dashboard shows: the one asked for if the viewer covers it (else 404),
    by default the viewer's own place. No dashboard rule at all: 403."""
    if not viewer.has_rule(RULE):
        raise PermissionDenied(_("您没有查看数据大屏的权限。"))
    if place_id is None:
        for a in viewer.granting(RULE):
            if ROLE_SCOPE[a.role] == Scope.PLACE and a.place_id:
                place_id = a.place_id
                break
        else:
            top = Place.objects.filter(parent=None).order_by("id").first()
            if top is None:
                raise _not_found()
            place_id = top.pk
    place = Place.objects.filter(pk=place_id).first()
    if place is None or not viewer.covers_subtree(RULE, place):
        raise _not_found()
    if place.kind not in ROLLUP_KINDS:  # a group or estate: its village's figures
        parent = Place.objects.filter(pk__in=path_ids(place.path)).order_by("-depth")
        place = next(p for p in parent if p.kind in ROLLUP_KINDS)
    return place


def parse_period(text: str | None) -> dt.date | None:
    """ "2026-11" → 2026-11-01; anything else → None (the latest)."""
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return None


def board_get(
    *, place: Place, period: dt.date | None = None, viewer: Viewer | None = None
) -> Board:
    """A place's figures (its latest row up to ``period``), its children's, its trend and
    the way up (only the places the viewer covers, when a viewer is given)."""
    rows = PlaceFigures.objects.filter(place=place)
    if period is not None:
        rows = rows.filter(period__lte=period)
    trend_rows = list(rows.order_by("-period")[:TREND_MONTHS])
    row = trend_rows[0] if trend_rows else None
    figures = row.figures if row else zero()
    at = row.period if row else period
    latest: dict[int, PlaceFigures] = {}
    kids = PlaceFigures.objects.filter(parent=place)
    if at is not None:
        kids = kids.filter(period__lte=at)
    for r in kids.order_by("place_id", "-period"):
        latest.setdefault(r.place_id, r)
    children = []
    for child in Place.objects.filter(parent=place, kind__in=ROLLUP_KINDS).order_by(
        "sort_key", "id"
    ):
        r = latest.get(child.pk)
        f = r.figures if r else zero()
        children.append(
            Line(child, f, present.sections(f), r.refreshed_at if r else None, r is not None)
        )
    ancestors = Place.objects.filter(pk__in=path_ids(place.path)[:-1]).order_by("depth")
    crumbs = [a for a in ancestors if viewer is None or viewer.covers_subtree(RULE, a)]
    return Board(
        place=place,
        period=row.period if row else None,
        refreshed_at=row.refreshed_at if row else None,
        figures=figures,
        sections=present.sections(figures),
        children=children,
        trend=[(r.period.strftime("%Y-%m"), r.figures) for r in reversed(trend_rows)],
        crumbs=crumbs,
    )


def reportcard_place(*, place_id: int) -> Place:
    """Any place with a rollup (village and up) has a public report card."""
    place = Place.objects.filter(pk=place_id, kind__in=ROLLUP_KINDS).first()
    if place is None:
        raise NotFound(_("地点不存在。"))
    return place


def reportcard_projects(*, place: Place, limit: int = 50) -> list[Any]:
    """The newest projects at or under the place, with their public pages and accounts."""
    from wugong.projects.selectors import project_list

    return list(project_list(place=place).select_related("rollup")[:limit])
