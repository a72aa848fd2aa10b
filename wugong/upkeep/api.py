"""API of 建设共管 at /api/v1/upkeep: visits (to-do list, record, coverage) and problem
reports (submit, list, one, actions, figures), scoped exactly as the pages are. Domain errors
come back as {code, detail, field} with their 4xx status (wugong/api.py)."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status as Reply

from wugong.core.errors import NotFound, ValidationFailed
from wugong.places.models import Place
from wugong.upkeep import report_selectors, report_services, visit_selectors, visit_services
from wugong.upkeep.models import Report

router = Router(tags=["upkeep"])


class DueOut(Schema):
    household_id: int
    head: str
    place: str
    address: str
    next_due_at: dt.datetime
    last_visited_at: dt.datetime | None
    overdue: bool


class DueListOut(Schema):
    overdue: int
    items: list[DueOut]


class VisitIn(Schema):
    household_id: int
    idempotency_key: str
    how: str = "home"
    found: str = ""
    help_given: str = ""
    needs: list[str] = []
    assistance_fen: int | None = None
    assistance_reason: str = ""


class VisitOut(Schema):
    id: int
    household_id: int
    created: bool
    on_time: bool
    needs: list[int]


class CoverageOut(Schema):
    place_id: int
    place: str
    key_households: int
    in_time: int
    overdue: int
    never_visited: int
    share: float | None


class CoverageListOut(Schema):
    total: CoverageOut
    children: list[CoverageOut]


def _coverage(c: visit_selectors.Coverage) -> CoverageOut:
    return CoverageOut(
        place_id=c.place.pk if c.place else 0,
        place=c.place.name if c.place else "",
        key_households=c.key_households,
        in_time=c.in_time,
        overdue=c.overdue,
        never_visited=c.never_visited,
        share=c.share,
    )


def _place(pk: int) -> Place:
    place = Place.objects.filter(pk=pk).first()
    if place is None:
        raise NotFound("地点不存在。")
    return place


@router.get("/visits/due", response=DueListOut)
def visit_due(request: HttpRequest, limit: int = 50) -> DueListOut:
    """My to-do list of key-household visits, the most overdue first."""
    now = timezone.now()
    items = []
    for due in visit_selectors.visit_todo(viewer=request.viewer)[: max(1, min(limit, 200))]:
        h = due.household
        items.append(
            DueOut(
                household_id=h.pk,
                head=h.head.name if h.head else "",
                place=h.place.name,
                address=h.address,
                next_due_at=due.next_due_at,
                last_visited_at=due.last_visited_at,
                overdue=due.next_due_at < now,
            )
        )
    overdue = visit_selectors.visit_overdue_count(viewer=request.viewer, now=now)
    return DueListOut(overdue=overdue, items=items)


@router.post("/visits", response={200: VisitOut, 201: VisitOut})
def visit_create(request: HttpRequest, data: VisitIn) -> Reply:
    """Record a visit; the same idempotency_key twice is one visit (200 the second time)."""
    household = visit_selectors.household_for_visit(viewer=request.viewer, pk=data.household_id)
    visit, created = visit_services.visit_record(
        viewer=request.viewer,
        actor=request.user,
        household=household,
        idempotency_key=data.idempotency_key,
        how=data.how,
        found=data.found,
        help_given=data.help_given,
        needs=data.needs,
        assistance_fen=data.assistance_fen,
        assistance_reason=data.assistance_reason,
    )
    out = VisitOut(
        id=visit.pk,
        household_id=visit.household_id,
        created=created,
        on_time=visit.on_time,
        needs=sorted(n.pk for n in visit.needs.all()),
    )
    return Reply(201 if created else 200, out)


@router.get("/visits/coverage", response=CoverageListOut)
def visit_coverage(request: HttpRequest, place: int) -> CoverageListOut:
    total, rows = visit_selectors.visit_coverage(
        viewer=request.viewer, place=_place(place), now=timezone.now()
    )
    return CoverageListOut(total=_coverage(total), children=[_coverage(r) for r in rows])


class ReportIn(Schema):
    category: str
    text: str
    place_id: int | None = None
    lat: float | None = None
    long: float | None = None
    address: str = ""


class ReportOut(Schema):
    id: int
    category: str
    category_name: str
    text: str
    place_id: int
    handler_place_id: int
    handler: str
    level: int
    status: str
    status_label: str
    answer: str
    rating: int | None
    reopen_count: int
    respond_due_at: dt.datetime
    resolve_due_at: dt.datetime
    created_at: dt.datetime

    @staticmethod
    def resolve_category(obj: Report) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Report) -> str:
        return obj.category.name

    @staticmethod
    def resolve_handler(obj: Report) -> str:
        return obj.handler_place.name

    @staticmethod
    def resolve_status_label(obj: Report) -> str:
        return str(obj.get_status_display())


class ActionIn(Schema):
    text: str = ""
    stars: int | None = None


class FiguresOut(Schema):
    place_id: int
    place: str
    total: int
    closed: int
    closure_rate: float | None
    overdue: int
    avg_response_minutes: float | None
    avg_rating: float | None
    rated: int


def _figures(f: report_selectors.ReportFigures) -> FiguresOut:
    return FiguresOut(
        place_id=f.place.pk,
        place=f.place.name,
        total=f.total,
        closed=f.closed,
        closure_rate=f.closure_rate,
        overdue=f.overdue,
        avg_response_minutes=f.avg_response_minutes,
        avg_rating=f.avg_rating,
        rated=f.rated,
    )


@router.get("/reports", response=list[ReportOut])
def report_list(request: HttpRequest, status: str = "", mine: bool = False) -> list[Report]:
    return list(report_selectors.report_list(viewer=request.viewer, status=status, mine=mine)[:200])


@router.post("/reports", response={201: ReportOut})
def report_create(request: HttpRequest, data: ReportIn) -> Reply:
    place = _place(data.place_id) if data.place_id else None
    report = report_services.report_submit(
        viewer=request.viewer,
        actor=request.user,
        category_code=data.category,
        text=data.text,
        place=place,
        lat=data.lat,
        long=data.long,
        address=data.address,
    )
    return Reply(201, report_selectors.report_get(viewer=request.viewer, pk=report.pk))


@router.get("/reports/figures", response=list[FiguresOut])
def report_figures(request: HttpRequest, place: int) -> list[FiguresOut]:
    total, rows = report_selectors.report_figures(
        viewer=request.viewer, place=_place(place), now=timezone.now()
    )
    return [_figures(total), *[_figures(r) for r in rows]]


@router.get("/reports/{pk}", response=ReportOut)
def report_detail(request: HttpRequest, pk: int) -> Report:
    return report_selectors.report_get(viewer=request.viewer, pk=pk)


@router.post("/reports/{pk}/{action}", response=ReportOut)
def report_action(request: HttpRequest, pk: int, action: str, data: ActionIn) -> Report:
    """respond, escalate (text: the reason), resolve (text: the answer), rate (stars 1-5),
    reopen (text: the reason)."""
    report = report_selectors.report_get(viewer=request.viewer, pk=pk)
    v, u = request.viewer, request.user
    if action == "respond":
        report_services.report_respond(viewer=v, actor=u, report=report, note=data.text)
    elif action == "escalate":
        report_services.report_escalate(viewer=v, actor=u, report=report, reason=data.text)
    elif action == "resolve":
        report_services.report_resolve(viewer=v, actor=u, report=report, answer=data.text)
    elif action == "rate":
        if data.stars is None:
            raise ValidationFailed("请打1到5颗星。", field="stars")
        report_services.report_rate(
            viewer=v, actor=u, report=report, stars=data.stars, comment=data.text
        )
    elif action == "reopen":
        report_services.report_reopen(viewer=v, actor=u, report=report, reason=data.text)
    else:
        raise NotFound("未知的操作。")
    return report_selectors.report_get(viewer=request.viewer, pk=pk)
