"""Home pages, health probes, display preferences and the audit trail."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wugong.core.context_processors import LARGE_TEXT_COOKIE
from wugong.core.models import LoadProbe
from wugong.core.selectors import audit_events, home_summary

# The five togethers, as big tiles on the home page: (label, url name, rule needed or "").
HOME_TILES: list[tuple[str, str, str]] = [
    (_("提需求"), "needs:new", "need.submit"),
    (_("问题清单"), "needs:list", ""),
    (_("表决"), "voting:list", ""),
    (_("会议"), "meetings:list", ""),
    (_("问卷"), "surveys:survey_list", ""),
    (_("公示"), "transparency:notice_list", "notice.manage"),
    (_("村级预算"), "budgeting:list", ""),
    (_("共识讨论"), "consensus:list", ""),
    (_("共建项目"), "projects:list", ""),
    (_("走访与报事"), "upkeep:home", ""),
    (_("周五检查"), "inspections:home", ""),
    (_("志愿服务"), "volunteers:list", ""),
    (_("我的积分"), "points:mine", ""),
    (_("积分兑换"), "points:counter", "points.counter"),
    (_("评价与星级"), "evaluations:index", ""),
    (_("村规民约"), "villagerules:index", ""),
    (_("矛盾调解"), "mediation:list", "mediation.handle"),
    (_("试点"), "pilots:site_list", "pilot.report"),
    (_("数据看板"), "dashboards:board", "dashboard.view"),
    (_("成绩单"), "reportcards:index", ""),
    (_("住户名册"), "people:household_list", ""),
    (_("地点与网格"), "places:browse", ""),
]
# Tiles that act as a person (raising a need): hidden for accounts tied to no person.
PERSON_TILES = {"needs:new", "points:mine", "points:counter"}


def _tiles(viewer: Any) -> list[tuple[str, str]]:
    tiles = []
    for label, name, rule in HOME_TILES:
        if (rule and not viewer.has_rule(rule)) or (name in PERSON_TILES and not viewer.person_id):
            continue
        try:
            tiles.append((label, reverse(name)))
        except NoReverseMatch:  # a capability not installed in this deployment
            continue
    if not viewer.has_rule("notice.manage") and viewer.assignments:
        # Everyone else reads the public notice board of their own place (村务公开).
        try:
            board = reverse("transparency:place_board", args=[viewer.assignments[0].place_id])
            tiles.insert(5, (_("公示"), board))
        except NoReverseMatch:
            pass
    return tiles


def home(request: HttpRequest) -> HttpResponse:
    """Each role's home page; the public landing page for visitors."""
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    context = home_summary(viewer=request.viewer)
    context["tiles"] = _tiles(request.viewer)
    return render(request, "core/home.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    """Switch large-text high-contrast mode (长辈模式) on or off; kept in a cookie."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    response = redirect(target)
    large = request.POST.get("large") == "1"
    response.set_cookie(
        LARGE_TEXT_COOKIE, "1" if large else "0", max_age=365 * 86400, samesite="Lax", httponly=True
    )
    return response


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not viewer.has_rule("audit.view"):
        raise PermissionDenied
    page = Paginator(audit_events(viewer=viewer), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page})


@csrf_exempt
@require_POST
def bench_insert(request: HttpRequest) -> HttpResponse:
    """The minimal endpoint for benchmarks: insert one row under a unique constraint.
    Only routed when settings.BENCH_ENDPOINTS is on (never in a normal deployment)."""
    _, created = LoadProbe.objects.get_or_create(key=request.GET.get("key", "")[:64])
    return JsonResponse({"created": created}, status=201 if created else 200)
