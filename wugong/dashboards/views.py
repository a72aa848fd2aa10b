"""Pages of 大屏 (dashboards: phone and big screen) and 晒成绩单 (public report cards).
Thin: find the place (scoped), read the rollups, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from wugong.core.errors import NotFound, PermissionDenied
from wugong.dashboards import exports, selectors
from wugong.places.models import Place


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _board(request: HttpRequest, place_id: int | None) -> selectors.Board:
    try:
        place = selectors.dashboard_place(viewer=request.viewer, place_id=place_id)
    except NotFound as e:
        raise Http404(str(e)) from None
    except PermissionDenied as e:
        raise Forbidden(str(e)) from None
    period = selectors.parse_period(request.GET.get("period"))
    return selectors.board_get(place=place, period=period, viewer=request.viewer)


@login_required
def board(request: HttpRequest, place_id: int | None = None) -> HttpResponse:
    """The phone dashboard of a place: the figures, charts and the places below it."""
    b = _board(request, place_id if place_id is not None else _int(request.GET.get("place")))
    return render(request, "dashboards/board.html", {"board": b, "charts": b.charts()})


@login_required
def big(request: HttpRequest, place_id: int) -> HttpResponse:
    """大屏: the same figures for a wall screen, dark, refreshed every few minutes by htmx."""
    b = _board(request, place_id)
    return render(request, "dashboards/big.html", {"board": b, "charts": b.charts()})


@login_required
def big_body(request: HttpRequest, place_id: int) -> HttpResponse:
    b = _board(request, place_id)
    return render(request, "dashboards/_big_body.html", {"board": b, "charts": b.charts()})


# --- report cards (public) --------------------------------------------------------------------
def _card(place_id: int) -> selectors.Board:
    try:
        place = selectors.reportcard_place(place_id=place_id)
    except NotFound as e:
        raise Http404(str(e)) from None
    return selectors.board_get(place=place)


def reportcard_index(request: HttpRequest) -> HttpResponse:
    """The top places, each linking to its report card (and down from there)."""
    tops = Place.objects.filter(parent=None).order_by("sort_key", "id")
    return render(request, "dashboards/reportcard_index.html", {"places": tops})


def reportcard(request: HttpRequest, place_id: int) -> HttpResponse:
    b = _card(place_id)
    projects = selectors.reportcard_projects(place=b.place)
    return render(
        request,
        "dashboards/reportcard.html",
        {"board": b, "projects": projects, "charts": b.charts()},
    )


def reportcard_file(request: HttpRequest, place_id: int, fmt: str) -> HttpResponse:
    b = _card(place_id)
    name = f"report-card-{b.place.pk}"
    if fmt == "csv":
        response = HttpResponse(exports.reportcard_csv(b), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            exports.reportcard_xlsx(b),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
