"""API of 大屏 and 晒成绩单 at /api/v1/dashboards: the rollup figures of a place and of the
places below it. Figures are exact (counts, fen, decimals as text); each share comes as its
numerator and denominator with the percentage for display. Report cards are public."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from wugong.dashboards import selectors
from wugong.dashboards.metrics import SOURCES, STAGES, money_total
from wugong.people.rules import viewer_for

router = Router(tags=["dashboards"])


class PlaceOut(Schema):
    id: int
    name: str
    kind: str


class ShareOut(Schema):
    numerator: int
    denominator: int
    percent: str


class ChildOut(Schema):
    place: PlaceOut
    figures: dict[str, int | str]
    refreshed_at: dt.datetime | None
    dashboard: str
    report_card: str


class ProjectOut(Schema):
    id: int
    title: str
    stage: str
    place: str
    url: str
    accounts_url: str


class BoardOut(Schema):
    place: PlaceOut
    period: str | None
    refreshed_at: dt.datetime | None
    figures: dict[str, int | str]
    shares: dict[str, ShareOut]
    money_total_fen: int
    leverage: str
    projects_by_stage: dict[str, int]
    money_by_source_fen: dict[str, int]
    children: list[ChildOut]


class ReportCardOut(BoardOut):
    projects: list[ProjectOut]
    exports: dict[str, str]


def _place(p: Any) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name, "kind": p.kind}


def _board(b: selectors.Board) -> dict[str, Any]:
    s = b.sections
    f = b.figures
    return {
        "place": _place(b.place),
        "period": b.period.strftime("%Y-%m") if b.period else None,
        "refreshed_at": b.refreshed_at,
        "figures": f,
        "shares": {
            "coverage": s["coverage"]["grassroots"],
            "visits_in_time": s["visits"],
            "reports_collected": s["reports"]["collect"],
            "reports_handled": s["reports"]["handle"],
            "reports_escalated": s["reports"]["escalate"],
            "reports_answered": s["reports"]["answer"],
            "reports_closed_in_time": s["reports"]["in_time"],
            "reports_satisfied": s["satisfaction"]["reports"],
        },
        "money_total_fen": money_total(f),
        "leverage": s["money"]["leverage"],
        "projects_by_stage": {k: int(f.get(f"projects_{k}", 0)) for k in STAGES},
        "money_by_source_fen": {k: int(f.get(f"money_{k}_fen", 0)) for k in SOURCES},
        "children": [
            {
                "place": _place(c.place),
                "figures": c.figures,
                "refreshed_at": c.refreshed_at,
                "dashboard": reverse("dashboards:place", args=[c.place.pk]),
                "report_card": reverse("reportcards:card", args=[c.place.pk]),
            }
            for c in b.children
        ],
    }


@router.get("/", response=BoardOut, summary="The dashboard of the viewer's own place")
def board_default(request: HttpRequest, period: str = "") -> dict[str, Any]:
    return board(request, None, period)


@router.get("/places/{place_id}", response=BoardOut, summary="The dashboard of a place")
def board(request: HttpRequest, place_id: int | None, period: str = "") -> dict[str, Any]:
    viewer = viewer_for(request.user)
    place = selectors.dashboard_place(viewer=viewer, place_id=place_id)
    b = selectors.board_get(place=place, period=selectors.parse_period(period), viewer=viewer)
    return _board(b)


@router.get(
    "/report-cards/{place_id}",
    response=ReportCardOut,
    auth=None,
    summary="The public report card (晒成绩单) of a place",
)
def report_card(request: HttpRequest, place_id: int) -> dict[str, Any]:
    place = selectors.reportcard_place(place_id=place_id)
    b = selectors.board_get(place=place)
    out = _board(b)
    out["projects"] = [
        {
            "id": p.pk,
            "title": p.title,
            "stage": p.stage,
            "place": p.place.name,
            "url": reverse("projects:detail", args=[p.pk]),
            "accounts_url": reverse("projects:accounts", args=[p.pk]),
        }
        for p in selectors.reportcard_projects(place=place)
    ]
    out["exports"] = {
        "xlsx": reverse("reportcards:file", args=[place.pk, "xlsx"]),
        "csv": reverse("reportcards:file", args=[place.pk, "csv"]),
    }
    return out
