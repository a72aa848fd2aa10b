"""API of 试点 at /api/v1/pilots: sites, assessments, monthly experience reports, the overdue
list, reports recommended upwards and the case library, scoped as the pages are."""

import datetime as dt
import uuid

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status as Reply

from wugong.core.errors import NotFound, PermissionDenied
from wugong.pilots import selectors, services
from wugong.pilots.models import Checklist, Report
from wugong.places.models import Place

router = Router(tags=["pilots"])


class SiteIn(Schema):
    place_id: int
    name: str = ""
    started_on: dt.date
    team: list[int] = []


class SiteOut(Schema):
    id: int
    name: str
    place_id: int
    place: str
    place_kind: str
    status: str
    started_on: dt.date
    finished_on: dt.date | None
    team: list[str]
    score_percent: str | None
    score_met: int | None
    score_total: int | None


def _site_out(site) -> dict:  # type: ignore[no-untyped-def]
    score = selectors.site_score(site)
    return {
        "id": site.pk,
        "name": site.name,
        "place_id": site.place_id,
        "place": site.place.name,
        "place_kind": site.place.kind,
        "status": site.status,
        "started_on": site.started_on,
        "finished_on": site.finished_on,
        "team": [p.name for p in site.team.all().order_by("name")],
        "score_percent": str(score.percent) if score else None,
        "score_met": score.met if score else None,
        "score_total": score.total if score else None,
    }


@router.get("/sites", response=list[SiteOut], auth=None)
def sites(request: HttpRequest, status: str = "", under: int | None = None):  # type: ignore[no-untyped-def]
    path = get_object_or_404(Place, pk=under).path if under else ""
    return [_site_out(s) for s in selectors.sites_list(status=status, under=path)[:500]]


@router.post("/sites", response={201: SiteOut})
def site_create(request: HttpRequest, data: SiteIn):  # type: ignore[no-untyped-def]
    place = Place.objects.filter(pk=data.place_id).first()
    if place is None or not request.viewer.can_place("pilot.manage", place):
        raise NotFound(_("地点不存在。"))
    site = services.site_create(
        viewer=request.viewer,
        actor=request.user,
        place=place,
        name=data.name,
        started_on=data.started_on,
        team=data.team,
    )
    return Reply(201, _site_out(site))


@router.get("/sites/{pk}", response=SiteOut, auth=None)
def site_get(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    return _site_out(selectors.site_get(pk=pk))


@router.post("/sites/{pk}/finish", response=SiteOut)
def site_finish(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    site = selectors.site_get(pk=pk)
    if not selectors.can_manage(request.viewer, site):
        raise NotFound(_("试点不存在。"))
    return _site_out(services.site_finish(viewer=request.viewer, actor=request.user, site=site))


class ChecklistItemOut(Schema):
    id: int
    sort: str
    text: str


class ChecklistOut(Schema):
    id: int
    name: str
    place_kinds: list[str]
    items: list[ChecklistItemOut]


@router.get("/checklists", response=list[ChecklistOut])
def checklists(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [
        {
            "id": c.pk,
            "name": c.name,
            "place_kinds": c.place_kinds,
            "items": list(c.items.filter(active=True).values("id", "sort", "text")),
        }
        for c in Checklist.objects.filter(active=True).order_by("id")
    ]


class ItemIn(Schema):
    item_id: int
    met: bool
    note: str = ""


class AssessmentIn(Schema):
    assessed_on: dt.date
    items: list[ItemIn]
    note: str = ""
    idempotency_key: uuid.UUID | None = None


class AssessmentOut(Schema):
    id: int
    site_id: int
    checklist: str
    assessed_on: dt.date
    met: int
    total: int
    score_percent: str


@router.post("/sites/{pk}/assessments", response={201: AssessmentOut})
def assessment_create(request: HttpRequest, pk: int, data: AssessmentIn):  # type: ignore[no-untyped-def]
    site = selectors.site_get(pk=pk)
    viewer = request.viewer
    if not (selectors.can_manage(viewer, site) or selectors.can_report(viewer, site)):
        raise NotFound(_("试点不存在。"))
    a = services.assessment_record(
        viewer=viewer,
        actor=request.user,
        site=site,
        assessed_on=data.assessed_on,
        results={i.item_id: services.ItemResult(met=i.met, note=i.note) for i in data.items},
        note=data.note,
        idempotency_key=data.idempotency_key,
    )
    from wugong.pilots.scoring import checklist_score

    return Reply(
        201,
        {
            "id": a.pk,
            "site_id": site.pk,
            "checklist": a.checklist.name,
            "assessed_on": a.assessed_on,
            "met": a.met_count,
            "total": a.item_count,
            "score_percent": str(checklist_score(a.met_count, a.item_count)),
        },
    )


class ReportIn(Schema):
    month: str  # YYYY-MM
    title: str
    body: str
    author_name: str
    author_phone: str
    idempotency_key: uuid.UUID | None = None


class ReportEdit(Schema):
    title: str
    body: str


class ReportOut(Schema):
    id: int
    site_id: int
    site: str
    month: str
    title: str
    body: str
    chars: int
    author_name: str
    author_phone: str
    status: str
    version: int
    recommended_to: str | None
    warnings: list[str] = []


def _report_out(request: HttpRequest, r: Report, warnings: list[str] | None = None) -> dict:
    return {
        "id": r.pk,
        "site_id": r.site_id,
        "site": r.site.name,
        "month": r.month.strftime("%Y-%m"),
        "title": r.title,
        "body": r.body,
        "chars": len(r.body),
        "author_name": r.author_name,
        "author_phone": selectors.report_phone(request.viewer, r),
        "status": r.status,
        "version": r.version,
        "recommended_to": r.recommended_to.name if r.recommended_to_id else None,
        "warnings": services.length_messages(warnings or []),
    }


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip()[:7] + "-01")
    except ValueError:
        raise services.ValidationFailed(_("月份格式应为YYYY-MM。"), field="month") from None


@router.post("/sites/{pk}/reports", response={201: ReportOut, 200: ReportOut})
def report_create(request: HttpRequest, pk: int, data: ReportIn):  # type: ignore[no-untyped-def]
    site = selectors.site_get(pk=pk)
    if not selectors.can_report(request.viewer, site):
        if selectors.sees_contact(request.viewer, site):
            raise PermissionDenied(_("只有试点工作队可以报送经验材料。"))
        raise NotFound(_("试点不存在。"))
    filed = services.report_file(
        viewer=request.viewer,
        actor=request.user,
        site=site,
        month=_month(data.month),
        title=data.title,
        body=data.body,
        author_name=data.author_name,
        author_phone=data.author_phone,
        idempotency_key=data.idempotency_key,
    )
    return Reply(201 if filed.created else 200, _report_out(request, filed.report, filed.warnings))


@router.get("/reports", response=list[ReportOut])
def reports(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [
        _report_out(request, r) for r in selectors.reports_in_scope(viewer=request.viewer)[:500]
    ]


@router.get("/reports/recommended", response=list[ReportOut])
def reports_recommended(request: HttpRequest):  # type: ignore[no-untyped-def]
    qs = selectors.reports_recommended(viewer=request.viewer)[:500]
    return [_report_out(request, r) for r in qs]


@router.get("/reports/{pk}", response=ReportOut)
def report_get(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    return _report_out(request, selectors.report_get(viewer=request.viewer, pk=pk))


@router.patch("/reports/{pk}", response=ReportOut)
def report_edit(request: HttpRequest, pk: int, data: ReportEdit):  # type: ignore[no-untyped-def]
    r = selectors.report_get(viewer=request.viewer, pk=pk)
    filed = services.report_edit(
        viewer=request.viewer, actor=request.user, report=r, title=data.title, body=data.body
    )
    return _report_out(request, filed.report, filed.warnings)


@router.post("/reports/{pk}/publish", response=ReportOut)
def report_publish(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    r = selectors.report_get(viewer=request.viewer, pk=pk)
    return _report_out(
        request, services.report_publish(viewer=request.viewer, actor=request.user, report=r)
    )


@router.post("/reports/{pk}/recommend", response=ReportOut)
def report_recommend(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    r = selectors.report_get(viewer=request.viewer, pk=pk)
    return _report_out(
        request, services.report_recommend(viewer=request.viewer, actor=request.user, report=r)
    )


class OverdueOut(Schema):
    month: str
    due_day: int
    past_due: bool
    sites: list[SiteOut]


@router.get("/overdue", response=OverdueOut)
def overdue(request: HttpRequest, today: dt.date | None = None):  # type: ignore[no-untyped-def]
    viewer = request.viewer
    if not (viewer.has_rule("pilot.manage") or viewer.has_rule("pilot.report")):
        raise PermissionDenied(_("您无权查看报送情况。"))
    o = selectors.overdue_sites(viewer=viewer, today=today or timezone.localdate())
    return {
        "month": o.month.strftime("%Y-%m"),
        "due_day": o.due_day,
        "past_due": o.past_due,
        "sites": [_site_out(s) for s in o.sites],
    }


@router.get("/cases", response=list[ReportOut], auth=None)
def cases(request: HttpRequest, q: str = ""):  # type: ignore[no-untyped-def]
    return [_report_out(request, r) for r in selectors.case_library(query=q[:50])[:200]]
