"""Pages of 建设共管: visits (to-do list, visit form, coverage, assistance) and problem reports
(list, new, detail with its actions, figures). Thin: parse, call one service or selector,
render."""

import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.selectors import tags_visible
from wugong.places.models import Place
from wugong.upkeep import (
    report_selectors,
    report_services,
    visit_selectors,
    visit_services,
)
from wugong.upkeep.models import (
    AssistanceStatus,
    ReportCategory,
    ReportPhoto,
    UpkeepNotice,
    VisitHow,
)

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _default_place(request: HttpRequest, rule: str) -> Place | None:
    """The ?place= asked for, else the place of the viewer's first place-scoped assignment."""
    pk = _int(request.GET.get("place"))
    if pk is None:
        for a in request.viewer.granting(rule):
            if ROLE_SCOPE[a.role] in {Scope.PLACE, Scope.EVERYTHING} and a.place_id:
                pk = a.place_id
                break
    if pk is None:
        return (
            Place.objects.filter(parent=None).order_by("id").first()
            if any(ROLE_SCOPE[a.role] == Scope.EVERYTHING for a in request.viewer.granting(rule))
            else None
        )
    return Place.objects.filter(pk=pk).first()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    now = timezone.now()
    todo = visit_selectors.visit_todo(viewer=viewer)
    context = {
        "todo": list(todo[:5]),
        "todo_count": todo.count(),
        "overdue": visit_selectors.visit_overdue_count(viewer=viewer, now=now),
        "reports": list(report_selectors.report_list(viewer=viewer, status="open")[:5]),
        "notices": list(
            UpkeepNotice.objects.filter(person_id=viewer.person_id).order_by("-created_at")[:10]
        )
        if viewer.person_id
        else [],
        "can_visit": viewer.has_rule("visit.record"),
        "can_view": viewer.has_rule("visit.view"),
        "can_handle": viewer.has_rule("report.handle"),
        "now": now,
    }
    return render(request, "upkeep/home.html", context)


# --- visits ----------------------------------------------------------------------------------
@login_required
def visit_todo(request: HttpRequest) -> HttpResponse:
    """My to-do list (待走访): the most overdue first, overdue ones marked."""
    viewer = request.viewer
    if not viewer.has_rule("visit.record"):
        raise Http404
    now = timezone.now()
    page = Paginator(visit_selectors.visit_todo(viewer=viewer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    overdue = visit_selectors.visit_overdue_count(viewer=viewer, now=now)
    return render(request, "upkeep/visit_todo.html", {"page": page, "now": now, "overdue": overdue})


@login_required
def visit_new(request: HttpRequest, household_pk: int) -> HttpResponse:
    """The visit form: a new idempotency key with every form shown, so sending it twice
    records one visit."""
    viewer = request.viewer
    try:
        household = visit_selectors.household_for_visit(viewer=viewer, pk=household_pk)
    except NotFound as e:
        raise Http404(str(e)) from e
    error = None
    if request.method == "POST":
        fen = None
        if amount := request.POST.get("assistance_yuan", "").strip():
            try:
                fen = int((Decimal(amount) * 100).to_integral_value(ROUND_HALF_UP))
            except (InvalidOperation, ValueError, OverflowError):
                fen = -1
        try:
            _visit, created = visit_services.visit_record(
                viewer=viewer,
                actor=request.user,
                household=household,
                idempotency_key=request.POST.get("idempotency_key", ""),
                how=request.POST.get("how", VisitHow.HOME),
                found=request.POST.get("found", ""),
                help_given=request.POST.get("help_given", ""),
                needs=request.POST.getlist("needs"),
                assistance_fen=fen,
                assistance_reason=request.POST.get("assistance_reason", ""),
            )
        except DomainError as e:
            error = e
        else:
            if created:
                messages.success(request, _("走访已记录。"))
            else:
                messages.info(request, _("这次走访已经记录过了。"))
            return redirect("upkeep:visit_todo")
    shown, hidden = tags_visible(list(household.tags.all()))
    context = {
        "household": household,
        "tags": shown,
        "hidden_tags": hidden,
        "log": list(visit_selectors.visit_log(viewer=viewer, household=household)[:10]),
        "key": request.POST.get("idempotency_key") if error else uuid.uuid4().hex,
        "hows": VisitHow.choices,
        "error": error,
        "values": request.POST,
    }
    return render(request, "upkeep/visit_new.html", context, status=400 if error else 200)


@login_required
def visit_coverage(request: HttpRequest) -> HttpResponse:
    """Coverage per place: the share of key households visited in time."""
    place = _default_place(request, "visit.view")
    if place is None:
        raise Http404
    try:
        total, rows = visit_selectors.visit_coverage(
            viewer=request.viewer, place=place, now=timezone.now()
        )
    except NotFound as e:
        raise Http404(str(e)) from e
    return render(request, "upkeep/coverage.html", {"place": place, "total": total, "rows": rows})


@login_required
def assistance_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = visit_selectors.assistance_list(
        viewer=request.viewer, status=status if status in AssistanceStatus.values else ""
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "upkeep/assistance_list.html",
        {"page": page, "statuses": AssistanceStatus.choices, "status": status},
    )


@login_required
@require_POST
def assistance_act(request: HttpRequest, pk: int) -> HttpResponse:
    row = visit_selectors.assistance_list(viewer=request.viewer).filter(pk=pk).first()
    if row is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action in {"approve", "reject"}:
            visit_services.assistance_decide(
                viewer=request.viewer,
                actor=request.user,
                assistance=row,
                approve=action == "approve",
                note=request.POST.get("note", ""),
            )
        elif action == "pay":
            visit_services.assistance_pay(
                viewer=request.viewer,
                actor=request.user,
                assistance=row,
                payment_ref=request.POST.get("payment_ref", ""),
            )
        else:
            raise Http404
    except DomainError as e:
        messages.error(request, str(e))
    return redirect("upkeep:assistance_list")


# --- reports ---------------------------------------------------------------------------------
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    mine = request.GET.get("mine") == "1"
    qs = report_selectors.report_list(viewer=request.viewer, status=status, mine=mine)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "upkeep/report_list.html",
        {"page": page, "status": status, "mine": mine, "now": timezone.now()},
    )


@login_required
def report_new(request: HttpRequest) -> HttpResponse:
    """Report a problem: category, what and where (your household's place by default, or a
    map point), photos."""
    viewer = request.viewer
    error = None
    if request.method == "POST":
        try:
            place = None
            if pk := _int(request.POST.get("place")):
                place = Place.objects.filter(pk=pk).first()
                if place is None:
                    raise NotFound(_("所选地点不存在。"), field="place")
            report = report_services.report_submit(
                viewer=viewer,
                actor=request.user,
                category_code=request.POST.get("category", ""),
                text=request.POST.get("text", ""),
                place=place,
                lat=request.POST.get("lat") or None,
                long=request.POST.get("long") or None,
                address=request.POST.get("address", ""),
                photos=request.FILES.getlist("photos"),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("问题已提交，我们会按时限响应并答复您。"))
            return redirect("upkeep:report_detail", pk=report.pk)
    categories = ReportCategory.objects.filter(active=True).order_by("sort", "code")
    # A new key with every form shown: sending the same form twice makes one report.
    key = request.POST.get("idempotency_key") if error else uuid.uuid4().hex
    return render(
        request,
        "upkeep/report_new.html",
        {"categories": categories, "error": error, "values": request.POST, "key": key},
        status=400 if error else 200,
    )


def _report(request: HttpRequest, pk: int) -> Any:
    try:
        return report_selectors.report_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e


@login_required
def report_detail(request: HttpRequest, pk: int, error: DomainError | None = None) -> HttpResponse:
    report = _report(request, pk)
    viewer = request.viewer
    context = {
        "report": report,
        "can_handle": report_services.handles(viewer, report),
        "can_escalate": report_services.handles(viewer, report, "report.escalate"),
        "is_reporter": bool(viewer.person_id) and report.reporter_id == viewer.person_id,
        "now": timezone.now(),
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "upkeep/report_detail.html", context, status=status)


ACTIONS = {
    "respond": lambda v, u, r, p: report_services.report_respond(
        viewer=v, actor=u, report=r, note=p.get("text", "")
    ),
    "escalate": lambda v, u, r, p: report_services.report_escalate(
        viewer=v, actor=u, report=r, reason=p.get("text", "")
    ),
    "resolve": lambda v, u, r, p: report_services.report_resolve(
        viewer=v, actor=u, report=r, answer=p.get("text", "")
    ),
    "rate": lambda v, u, r, p: report_services.report_rate(
        viewer=v, actor=u, report=r, stars=_int(p.get("stars")) or 0, comment=p.get("text", "")
    ),
    "reopen": lambda v, u, r, p: report_services.report_reopen(
        viewer=v, actor=u, report=r, reason=p.get("text", "")
    ),
}


@login_required
@require_POST
def report_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    report = _report(request, pk)
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](request.viewer, request.user, report, request.POST)
    except DomainError as e:
        return report_detail(request, pk, error=e)
    return redirect("upkeep:report_detail", pk=pk)


@login_required
def report_figures(request: HttpRequest) -> HttpResponse:
    """Closure rate, response time and satisfaction per place."""
    place = _default_place(request, "report.handle") or _default_place(request, "visit.view")
    if place is None:
        raise Http404
    try:
        total, rows = report_selectors.report_figures(
            viewer=request.viewer, place=place, now=timezone.now()
        )
    except NotFound as e:
        raise Http404(str(e)) from e
    return render(
        request, "upkeep/report_figures.html", {"place": place, "total": total, "rows": rows}
    )


@login_required
def report_photo(request: HttpRequest, pk: int) -> HttpResponse:
    photo = ReportPhoto.objects.filter(pk=pk).first()
    if photo is None:
        raise Http404
    _report(request, photo.report_id)  # scope
    return FileResponse(photo.file.open("rb"), content_type="image/jpeg")


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    rows = UpkeepNotice.objects.filter(person_id=request.viewer.person_id).order_by("-created_at")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    if request.viewer.person_id:
        UpkeepNotice.objects.filter(person_id=request.viewer.person_id, read_at=None).update(
            read_at=timezone.now()
        )
    return render(request, "upkeep/notices.html", {"page": page})
