"""Pages of 试点: the public list of sites and the case library (no sign-in), a site with its
checklist scores and reports, assessing, filing a monthly report, supervisors' editing,
publishing and recommending, the overdue list and the list of reports recommended upwards."""

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound, ValidationFailed
from wugong.core.http import run_then_redirect
from wugong.people.models import Person, RoleAssignment
from wugong.people.roles import CADRE_ROLES
from wugong.pilots import selectors, services
from wugong.pilots.models import Report, ReportStatus, Site
from wugong.places.models import Place


def _site(pk: int) -> Site:
    try:
        return selectors.site_get(pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from None


def _report(request: HttpRequest, pk: int) -> Report:
    try:
        return selectors.report_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from None


def _key(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None


def _date(value: str | None, default: dt.date | None = None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return default


def site_list(request: HttpRequest) -> HttpResponse:
    """Every pilot site with its latest score (public)."""
    viewer = request.viewer
    page = Paginator(selectors.sites_list(status=request.GET.get("status", "")), 50)
    sites = page.get_page(request.GET.get("page"))
    rows = [(s, selectors.site_score(s)) for s in sites]
    return render(
        request,
        "pilots/site_list.html",
        {
            "page": sites,
            "rows": rows,
            "can_manage": viewer.has_rule("pilot.manage"),
            "is_staff": viewer.has_rule("pilot.manage") or viewer.has_rule("pilot.report"),
        },
    )


def _manageable_places(request: HttpRequest) -> list[Place]:
    q = request.viewer.place_q("pilot.manage")
    return list(Place.objects.filter(q, kind__in=list(services.SITE_KINDS)).order_by("path")[:500])


def _team_candidates(request: HttpRequest) -> list[Person]:
    ids = RoleAssignment.objects.filter(
        request.viewer.path_q("pilot.manage"), role__in=list(CADRE_ROLES), active=True
    ).values_list("person_id", flat=True)
    return list(Person.objects.filter(pk__in=ids).order_by("name")[:300])


@login_required
def site_create(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not viewer.has_rule("pilot.manage"):
        raise PermissionDenied
    places = _manageable_places(request)
    error = None
    if request.method == "POST":
        place = next((p for p in places if str(p.pk) == request.POST.get("place")), None)
        try:
            if place is None:
                raise ValidationFailed(_("请选择试点地点。"), field="place")
            site = services.site_create(
                viewer=viewer,
                actor=request.user,
                place=place,
                name=request.POST.get("name", ""),
                started_on=_date(request.POST.get("started_on"), timezone.localdate()),
                team=[int(x) for x in request.POST.getlist("team") if x.isdigit()],
            )
        except DomainError as e:
            error = str(e)
        else:
            messages.success(request, _("试点已设立。"))
            return redirect("pilots:site_detail", pk=site.pk)
    return render(
        request,
        "pilots/site_form.html",
        {
            "places": places,
            "team": _team_candidates(request),
            "error": error,
            "today": timezone.localdate(),
        },
    )


def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = _site(pk)
    viewer = request.viewer
    return render(
        request,
        "pilots/site_detail.html",
        {
            "site": site,
            "score": selectors.site_score(site),
            "assessments": selectors.site_assessments(site)[:12],
            "reports": selectors.site_reports(viewer=viewer, site=site),
            "team": site.team.all().order_by("name"),
            "can_manage": selectors.can_manage(viewer, site),
            "can_report": selectors.can_report(viewer, site),
        },
    )


@login_required
@require_POST
def site_finish(request: HttpRequest, pk: int) -> HttpResponse:
    site = _site(pk)
    return run_then_redirect(
        request,
        lambda: services.site_finish(viewer=request.viewer, actor=request.user, site=site),
        ok=_("试点已结束。"),
        to="pilots:site_detail",
        pk=pk,
    )


@login_required
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    site = _site(pk)
    viewer = request.viewer
    if not (selectors.can_manage(viewer, site) or selectors.can_report(viewer, site)):
        raise Http404
    checklist = services.checklist_for(site.place)
    items = list(checklist.items.filter(active=True)) if checklist else []
    error = None
    if request.method == "POST":
        results = {
            i.pk: services.ItemResult(
                met=request.POST.get(f"met_{i.pk}") == "1",
                note=request.POST.get(f"note_{i.pk}", ""),
                photo=request.FILES.get(f"photo_{i.pk}"),
            )
            for i in items
            if request.POST.get(f"met_{i.pk}") in ("0", "1")
        }
        try:
            services.assessment_record(
                viewer=viewer,
                actor=request.user,
                site=site,
                assessed_on=_date(request.POST.get("assessed_on"), timezone.localdate()),
                results=results,
                note=request.POST.get("note", ""),
                idempotency_key=_key(request.POST.get("idempotency_key", "")),
            )
        except DomainError as e:
            error = str(e)
        else:
            messages.success(request, _("评估已保存。"))
            return redirect("pilots:site_detail", pk=pk)
    return render(
        request,
        "pilots/assess.html",
        {
            "site": site,
            "checklist": checklist,
            "items": items,
            "error": error,
            "today": timezone.localdate(),
            "key": request.POST.get("idempotency_key") if error else uuid.uuid4().hex,
        },
    )


@login_required
def report_new(request: HttpRequest, pk: int) -> HttpResponse:
    site = _site(pk)
    viewer = request.viewer
    if not selectors.can_report(viewer, site):
        raise Http404
    from wugong.pilots.scoring import previous_month

    error = None
    default_month = previous_month(timezone.localdate())
    if request.method == "POST":
        try:
            filed = services.report_file(
                viewer=viewer,
                actor=request.user,
                site=site,
                month=_date((request.POST.get("month") or "") + "-01", default_month),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                author_name=request.POST.get("author_name", ""),
                author_phone=request.POST.get("author_phone", ""),
                idempotency_key=_key(request.POST.get("idempotency_key", "")),
            )
        except DomainError as e:
            error = str(e)
        else:
            messages.success(request, _("经验材料已报送。"))
            for w in services.length_messages(filed.warnings):
                messages.warning(request, w)
            return redirect("pilots:report_detail", pk=filed.report.pk)
    return render(
        request,
        "pilots/report_form.html",
        {
            "site": site,
            "error": error,
            "month": request.POST.get("month") or default_month.strftime("%Y-%m"),
            "post": request.POST,
            "key": request.POST.get("idempotency_key") if error else uuid.uuid4().hex,
        },
    )


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    viewer = request.viewer
    can_manage = selectors.can_manage(viewer, report.site)
    return render(
        request,
        "pilots/report_detail.html",
        {
            "report": report,
            "phone": selectors.report_phone(viewer, report),
            "can_manage": can_manage,
            "is_published": report.status == ReportStatus.PUBLISHED,
            "revisions": report.revisions.order_by("-version") if can_manage else [],
            "chars": len(report.body),
        },
    )


@login_required
@require_POST
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    try:
        filed = services.report_edit(
            viewer=request.viewer,
            actor=request.user,
            report=report,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
        )
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("修改已保存，原文保留在修改记录中。"))
        for w in services.length_messages(filed.warnings):
            messages.warning(request, w)
    return redirect("pilots:report_detail", pk=pk)


@login_required
@require_POST
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return run_then_redirect(
        request,
        lambda: services.report_publish(viewer=request.viewer, actor=request.user, report=report),
        ok=_("已发布到案例库。"),
        to="pilots:report_detail",
        pk=pk,
    )


@login_required
@require_POST
def report_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return run_then_redirect(
        request,
        lambda: services.report_recommend(viewer=request.viewer, actor=request.user, report=report),
        ok=_("已向上级推荐。"),
        to="pilots:report_detail",
        pk=pk,
    )


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not (viewer.has_rule("pilot.manage") or viewer.has_rule("pilot.report")):
        raise PermissionDenied
    result = selectors.overdue_sites(viewer=viewer, today=timezone.localdate())
    return render(request, "pilots/overdue.html", {"o": result})


@login_required
def recommended(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not viewer.has_rule("pilot.manage"):
        raise PermissionDenied
    page = Paginator(selectors.reports_recommended(viewer=viewer), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "pilots/recommended.html", {"page": page})


def cases(request: HttpRequest) -> HttpResponse:
    """The case library (案例库): published experience reports, public."""
    query = (request.GET.get("q") or "").strip()[:50]
    page = Paginator(selectors.case_library(query=query), 20).get_page(request.GET.get("page"))
    return render(request, "pilots/cases.html", {"page": page, "q": query})
