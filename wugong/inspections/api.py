"""API of 周五一检查 at /api/v1/inspections: checklists, rounds, a round's to-do list, posting a
score sheet (idempotent by ``idempotency_key``: 201 the first time, 200 on a repeat), a
household's results and the monthly ranking. Scoped exactly as the pages are; domain errors come
back as {code, detail, field} with their 4xx status (wugong/api.py)."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status as Reply

from wugong.core.errors import NotFound, ValidationFailed
from wugong.inspections import selectors, services
from wugong.inspections.models import ChecklistKind
from wugong.places.models import Place

router = Router(tags=["inspections"])


class ItemOut(Schema):
    id: int
    position: int
    text: str
    max_score: int


class ChecklistOut(Schema):
    id: int
    name: str
    kind: str
    target: str
    place_id: int | None
    active: bool
    full_score: int
    items: list[ItemOut]


class RoundOut(Schema):
    id: int
    place_id: int
    place: str
    checklist_id: int
    checklist: str
    target: str
    date: dt.date


class TodoOut(Schema):
    id: int
    kind: str  # "household" or "area"
    name: str
    address: str


class RoundTodoOut(Schema):
    round: RoundOut
    left: int
    items: list[TodoOut]


class SheetIn(Schema):
    round_id: int
    household_id: int | None = None
    area_id: int | None = None
    idempotency_key: str
    scores: dict[str, int]  # item id -> points
    remark: str = ""


class ItemScoreOut(Schema):
    item_id: int
    text: str
    max_score: int
    score: int


class SheetOut(Schema):
    id: int
    round_id: int
    household_id: int | None
    area_id: int | None
    date: dt.date
    checklist: str
    kind: str
    score: int
    full_score: int
    percent: Decimal
    remark: str
    created: bool = False
    items: list[ItemScoreOut]


class HouseholdResultsOut(Schema):
    household_id: int
    average_hygiene_last_year: Decimal | None
    sheets: list[SheetOut]


class RankingRowOut(Schema):
    rank: int
    household_id: int
    name: str
    address: str
    sheets: int
    mean: Decimal


class GroupRankingOut(Schema):
    group_id: int | None
    group: str
    rows: list[RankingRowOut]


class RankingOut(Schema):
    village_id: int
    village: str
    month: str
    kind: str
    groups: list[GroupRankingOut]


def _checklist(c) -> ChecklistOut:  # type: ignore[no-untyped-def]
    items = list(c.items.all())
    return ChecklistOut(
        id=c.pk,
        name=c.name,
        kind=c.kind,
        target=c.target,
        place_id=c.place_id,
        active=c.active,
        full_score=sum(i.max_score for i in items),
        items=[
            ItemOut(id=i.pk, position=i.position, text=i.text, max_score=i.max_score) for i in items
        ],
    )


def _round(r) -> RoundOut:  # type: ignore[no-untyped-def]
    return RoundOut(
        id=r.pk,
        place_id=r.place_id,
        place=r.place.name,
        checklist_id=r.checklist_id,
        checklist=r.checklist.name,
        target=r.checklist.target,
        date=r.date,
    )


def _sheet(s, created: bool = False) -> SheetOut:  # type: ignore[no-untyped-def]
    return SheetOut(
        id=s.pk,
        round_id=s.round_id,
        household_id=s.household_id,
        area_id=s.area_id,
        date=s.date,
        checklist=s.round.checklist.name,
        kind=s.kind,
        score=s.score,
        full_score=s.full_score,
        percent=s.percent,
        remark=s.remark,
        created=created,
        items=[
            ItemScoreOut(item_id=i.item_id, text=i.text, max_score=i.max_score, score=i.score)
            for i in s.items.all()
        ],
    )


@router.get("/checklists", response=list[ChecklistOut])
def checklist_list(request: HttpRequest) -> list[ChecklistOut]:
    """Checklists of the viewer's places (above and below) and the defaults."""
    return [_checklist(c) for c in selectors.checklists_visible(viewer=request.viewer)]


@router.get("/rounds", response=list[RoundOut])
def round_list(request: HttpRequest, place: int | None = None, limit: int = 50) -> list[RoundOut]:
    """Rounds the viewer inspects, newest first (optionally of one place)."""
    place_row = Place.objects.filter(pk=place).first() if place else None
    if place and place_row is None:
        raise NotFound(_("地点不存在。"), field="place")
    rows = selectors.rounds_list(viewer=request.viewer, place=place_row)
    return [_round(r) for r in rows[: max(1, min(limit, 200))]]


@router.get("/rounds/{round_id}/todo", response=RoundTodoOut)
def round_todo(request: HttpRequest, round_id: int, limit: int = 500) -> RoundTodoOut:
    """What the viewer still has to score in a round."""
    r = selectors.round_get(viewer=request.viewer, pk=round_id)
    todo = selectors.round_todo(viewer=request.viewer, round=r)
    limit = max(1, min(limit, 2000))
    if isinstance(todo, list):
        items = [TodoOut(id=a.pk, kind="area", name=a.name, address="") for a in todo[:limit]]
        left = len(todo)
    else:
        items = [
            TodoOut(
                id=h.pk, kind="household", name=h.head.name if h.head else "", address=h.address
            )
            for h in todo[:limit]
        ]
        left = todo.count()
    return RoundTodoOut(round=_round(r), left=left, items=items)


@router.post("/sheets", response={200: SheetOut, 201: SheetOut})
def sheet_create(request: HttpRequest, data: SheetIn) -> Reply:
    """Post a score sheet; the same idempotency_key again is the same sheet (200)."""
    viewer = request.viewer
    r = selectors.round_get(viewer=viewer, pk=data.round_id)
    if (data.household_id is None) == (data.area_id is None):
        raise ValidationFailed(_("请选择要检查的住户或区域。"), field="household_id")
    target = selectors.round_target(
        viewer=viewer, round=r, household_pk=data.household_id, area_pk=data.area_id
    )
    is_household = data.household_id is not None
    sheet, created = services.sheet_record(
        viewer=viewer,
        actor=request.user,
        round=r,
        household=target if is_household else None,
        area=None if is_household else target,
        idempotency_key=data.idempotency_key,
        scores=data.scores,
        remark=data.remark,
    )
    return Reply(201 if created else 200, _sheet(sheet, created))


@router.get("/households/{household_id}/results", response=HouseholdResultsOut)
def household_results(request: HttpRequest, household_id: int) -> HouseholdResultsOut:
    """A household's results over time: its members and those whose scope holds it."""
    household = selectors.household_for_results(viewer=request.viewer, pk=household_id)
    since = timezone.localdate() - dt.timedelta(days=365)
    return HouseholdResultsOut(
        household_id=household.pk,
        average_hygiene_last_year=selectors.household_average_score(
            household_id=household.pk, since=since
        ),
        sheets=[_sheet(s) for s in selectors.household_sheets(household=household)[:200]],
    )


@router.get("/ranking", response=RankingOut)
def ranking(
    request: HttpRequest, place: int, month: str = "", kind: str = ChecklistKind.HYGIENE
) -> RankingOut:
    """The monthly ranking per group of a village or community (``month``: YYYY-MM, default this
    month); public within the village."""
    place_row = Place.objects.filter(pk=place).first()
    village = selectors.village_of(place_row) if place_row else None
    if village is None:
        raise NotFound(_("地点不存在。"), field="place")
    try:
        first = (
            dt.datetime.strptime(month, "%Y-%m").date()
            if month
            else timezone.localdate().replace(day=1)
        )
    except ValueError:
        raise ValidationFailed(_("月份格式应为 YYYY-MM。"), field="month") from None
    if kind not in ChecklistKind.values:
        raise ValidationFailed(_("检查类别无效。"), field="kind")
    groups = selectors.monthly_ranking(
        viewer=request.viewer, village=village, month=first, kind=kind
    )
    return RankingOut(
        village_id=village.pk,
        village=village.name,
        month=first.strftime("%Y-%m"),
        kind=kind,
        groups=[
            GroupRankingOut(
                group_id=g.group.pk if g.group else None,
                group=g.group.name if g.group else "",
                rows=[RankingRowOut(**vars(row)) for row in g.rows],
            )
            for g in groups
        ],
    )
