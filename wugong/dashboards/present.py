"""What a dashboard and a report card show, computed from a rollup row's figures (pure: no
ORM). Shares are computed here, at display, from the stored numerator and denominator."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from wugong.dashboards.metrics import (
    SOURCES,
    STAGES,
    leverage_text,
    money_total,
    percent_number,
    percent_text,
    yuan_text,
)


def _i(f: dict[str, Any], key: str) -> int:
    return int(f.get(key, 0) or 0)


def _d(f: dict[str, Any], key: str) -> Decimal:
    return Decimal(str(f.get(key, "0") or "0"))


def stage_labels() -> dict[str, str]:
    from wugong.projects.models import Stage

    return {s: str(Stage(s).label) for s in STAGES}


def source_labels() -> dict[str, str]:
    from wugong.projects.models import SourceKind

    return {s: str(SourceKind(s).label) for s in SOURCES}


def ratio(f: dict[str, Any], num: str, den: str) -> dict[str, Any]:
    n, d = _i(f, num), _i(f, den)
    return {"numerator": n, "denominator": d, "percent": percent_text(n, d)}


def stars_text(f: dict[str, Any], stars: str, rated: str) -> str:
    """The mean of 1–5 stars to one decimal ("4.3"), "—" when nobody rated."""
    n = _i(f, rated)
    if not n:
        return "—"
    return f"{(Decimal(_i(f, stars)) / Decimal(n)).quantize(Decimal('0.1'), ROUND_HALF_UP)}"


def sections(f: dict[str, Any]) -> dict[str, Any]:
    """The figures of one place grouped as the pages show them."""
    gov = _i(f, "money_government_fen")
    total = money_total(f)
    return {
        "coverage": {
            "sites": _i(f, "pilot_sites"),
            "grassroots": ratio(f, "grassroots_with_site", "grassroots"),
        },
        "participation": {
            "proposers": _i(f, "proposers"),
            "needs": _i(f, "needs"),
            "voters": _i(f, "voters"),
            "volunteers": _i(f, "volunteers"),
            "volunteer_hours": _d(f, "volunteer_hours"),
            "households": _i(f, "households"),
            "residents": _i(f, "residents"),
        },
        "decisions": {
            "total": _i(f, "decisions"),
            "votes": _i(f, "votes_published"),
            "meetings": _i(f, "meeting_decisions"),
        },
        "projects": {
            "total": _i(f, "projects"),
            "stages": [(s, label, _i(f, f"projects_{s}")) for s, label in stage_labels().items()],
        },
        "money": {
            "sources": [
                (k, label, _i(f, f"money_{k}_fen")) for k, label in source_labels().items()
            ],
            "in_kind_fen": _i(f, "in_kind_fen"),
            "total_fen": total,
            "total_text": yuan_text(total),
            "government_fen": gov,
            "spent_fen": _i(f, "money_out_fen"),
            "leverage": leverage_text(government_fen=gov, total_fen=total),
            "labour_days": _d(f, "labour_days"),
            "labour_times": _i(f, "labour_times"),
        },
        "visits": ratio(f, "visits_in_time", "key_households"),
        "reports": {
            "total": _i(f, "reports"),
            "collect": ratio(f, "reports", "reports"),
            "handle": ratio(f, "reports_handled", "reports"),
            "escalate": ratio(f, "reports_escalated", "reports_need_escalation"),
            "answer": ratio(f, "reports_answered", "reports"),
            "in_time": ratio(f, "reports_closed_in_time", "reports"),
        },
        "satisfaction": {
            "reports": ratio(f, "reports_satisfied", "reports_rated"),
            "rating": stars_text(f, "reports_rating_sum", "reports_rated"),
            "projects": stars_text(f, "project_ratings_stars", "project_ratings"),
            "project_ratings": _i(f, "project_ratings"),
        },
        "points": {
            "issued": _i(f, "points_issued"),
            "redeemed": _i(f, "points_redeemed"),
        },
    }


def chart_data(
    f: dict[str, Any],
    children: list[tuple[str, dict[str, Any]]],
    trend: list[tuple[str, dict[str, Any]]],
) -> dict[str, Any]:
    """The data the browser draws (read by static/dashboards/charts.js from a JSON block)."""
    return {
        "stages": {
            "title": _("项目阶段"),
            "labels": list(stage_labels().values()),
            "values": [_i(f, f"projects_{s}") for s in STAGES],
        },
        "sources": {
            "title": _("资金来源（元）"),
            "labels": list(source_labels().values()),
            "values": [_i(f, f"money_{s}_fen") // 100 for s in SOURCES],
        },
        "children": {
            "title": _("下级试点覆盖率（%）"),
            "labels": [name for name, _f in children],
            "values": [
                percent_number(_i(c, "grassroots_with_site"), _i(c, "grassroots")) or 0
                for _n, c in children
            ],
        },
        "trend": {
            "title": _("按月趋势（%）"),
            "labels": [p for p, _f in trend],
            "series": [
                {
                    "label": _("试点覆盖"),
                    "values": [
                        percent_number(_i(t, "grassroots_with_site"), _i(t, "grassroots"))
                        for _p, t in trend
                    ],
                },
                {
                    "label": _("按时办结"),
                    "values": [
                        percent_number(_i(t, "reports_closed_in_time"), _i(t, "reports"))
                        for _p, t in trend
                    ],
                },
                {
                    "label": _("按时走访"),
                    "values": [
                        percent_number(_i(t, "visits_in_time"), _i(t, "key_households"))
                        for _p, t in trend
                    ],
                },
            ],
        },
    }
