"""API for budget rounds: list, detail, cast a ballot, outcome; the cadre's set-up, projects,
open, paper ballots, roll search, close, compute, publish; .pb export and import. Thin over
services. Money is integer fen, with a display string beside it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from wugong.budgeting import selectors, services
from wugong.budgeting.forms import pb_text
from wugong.budgeting.models import BudgetRound, Project, RollEntry, RoundStatus
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.needs.models import Need
from wugong.places.models import Place

router = Router(tags=["budgets"])


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class ProjectOut(Schema):
    id: int
    code: str
    title: str
    description: str
    cost: int
    cost_display: str
    need_id: int | None = None


class RoundOut(Schema):
    id: int
    title: str
    place_id: int
    place_name: str
    status: str
    fund: int
    matching: int
    matching_source: str
    budget: int
    budget_display: str
    ballot_kind: str
    min_choices: int
    max_choices: int | None = None
    total_points: int | None = None
    points_exact: bool
    rule: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    imported: bool
    roll_size: int


class RoundDetailOut(RoundOut):
    description: str
    projects: list[ProjectOut]
    on_roll: bool
    voted: bool
    channel: str
    my_choice: dict[int, int] | None = None
    can_manage: bool


class RoundIn(Schema):
    place_id: int
    title: str
    fund: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    description: str = ""
    matching: int = 0
    matching_source: str = ""
    ballot_kind: str = "approval"
    min_choices: int = 0
    max_choices: int | None = None
    total_points: int | None = None
    points_exact: bool = True
    rule: str = "mes"


class ProjectIn(Schema):
    cost: int
    need_id: int | None = None
    title: str = ""
    description: str = ""


class BallotIn(Schema):
    """Approval: ``approvals`` (project ids). Points: ``points`` (project id → points)."""

    approvals: list[int] | None = None
    points: dict[int, int] | None = None


class PaperBallotIn(BallotIn):
    entry_id: int


class CastOut(Schema):
    created: bool
    changed: bool
    already: bool
    detail: str


class RollOut(Schema):
    id: int
    name: str
    address: str
    voted: bool
    channel: str


class OutcomeProjectOut(Schema):
    id: int | None
    code: str
    title: str
    cost: str
    funded: bool
    position: int | None
    support: int
    supporters: int
    explanation: str
    explanation_en: str


class OutcomeOut(Schema):
    round_id: int
    status: str
    rule: str
    budget: int
    budget_display: str
    budget_used: int
    budget_used_display: str
    ballots: int
    selected: list[int]
    projects: list[OutcomeProjectOut]
    notice_id: int | None = None


def _round_out(r: BudgetRound) -> dict[str, Any]:
    return {
        "id": r.pk,
        "title": r.title,
        "place_id": r.place_id,
        "place_name": r.place.name,
        "status": r.status,
        "fund": r.fund,
        "matching": r.matching,
        "matching_source": r.matching_source,
        "budget": r.budget,
        "budget_display": r.budget_display,
        "ballot_kind": r.ballot_kind,
        "min_choices": r.min_choices,
        "max_choices": r.max_choices,
        "total_points": r.total_points,
        "points_exact": r.points_exact,
        "rule": r.rule,
        "opens_at": r.opens_at,
        "closes_at": r.closes_at,
        "imported": r.imported,
        "roll_size": r.roll_size,
    }


def _project_out(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "code": p.code,
        "title": p.title,
        "description": p.description,
        "cost": p.cost,
        "cost_display": p.cost_display,
        "need_id": p.need_id,
    }


def _manage(request: HttpRequest, pk: int) -> BudgetRound:
    budget_round = selectors.round_get(viewer=request.viewer, pk=pk)
    if not selectors.can_manage(request.viewer, budget_round):
        raise PermissionDenied(_("您无权管理该地点的参与式预算。"))
    return budget_round


def _place(place_id: int) -> Place:
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise ValidationFailed(_("地点不存在。"), field="place_id")
    return place


def _settings(payload: RoundIn) -> services.RoundSettings:
    data = payload.dict()
    data.pop("place_id")
    return services.round_settings_clean(**data)


def _choice(budget_round: BudgetRound, payload: BallotIn) -> dict[int, int]:
    if budget_round.is_points:
        return dict(payload.points or {})
    ids = payload.approvals or []
    if len(set(ids)) != len(ids):
        raise ValidationFailed(_("同一项目不能重复选择。"), field="approvals")
    return dict.fromkeys(ids, 1)


@router.get("/", response=list[RoundOut], summary="Budget rounds I may see")
@paginate(PageNumberPagination, page_size=50)
def rounds_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_round_out(r) for r in selectors.round_list(viewer=request.viewer)]


@router.post("/", response={201: RoundOut, 400: ErrorOut, 403: ErrorOut}, summary="Set up")
def round_create(request: HttpRequest, payload: RoundIn) -> Status:
    budget_round = services.round_create(
        viewer=request.viewer,
        actor=request.user,
        place=_place(payload.place_id),
        settings=_settings(payload),
    )
    return Status(201, _round_out(budget_round))


@router.post(
    "/import",
    response={201: RoundOut, 400: ErrorOut, 403: ErrorOut},
    summary="Create a round from a pabulib .pb file (closed, with its anonymous ballots)",
)
def round_import(
    request: HttpRequest,
    place_id: Form[int],
    file: File[UploadedFile],
    title: Form[str] = "",
) -> Status:
    budget_round = services.round_import(
        viewer=request.viewer,
        actor=request.user,
        place=_place(place_id),
        text=pb_text(file),
        title=title,
        source_name=file.name or "",
    )
    return Status(201, _round_out(budget_round))


@router.get("/{pk}", response={200: RoundDetailOut, 404: ErrorOut}, summary="A round")
def round_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    budget_round = selectors.round_get(viewer=request.viewer, pk=pk)
    entry = selectors.roll_entry_for(budget_round=budget_round, viewer=request.viewer)
    return {
        **_round_out(budget_round),
        "description": budget_round.description,
        "projects": [_project_out(p) for p in budget_round.projects.all()],
        "on_roll": entry is not None,
        "voted": bool(entry and entry.voted_at),
        "channel": entry.channel if entry else "",
        "my_choice": selectors.my_choice(entry=entry) if entry and entry.voted_at else None,
        "can_manage": selectors.can_manage(request.viewer, budget_round),
    }


@router.put("/{pk}", response={200: RoundOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def round_update(request: HttpRequest, pk: int, payload: RoundIn) -> dict[str, Any]:
    budget_round = _manage(request, pk)
    budget_round = services.round_update(
        viewer=request.viewer,
        actor=request.user,
        budget_round=budget_round,
        settings=_settings(payload),
    )
    return _round_out(budget_round)


@router.post(
    "/{pk}/projects",
    response={201: ProjectOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Add a candidate project (cost in fen), usually from a need",
)
def project_add(request: HttpRequest, pk: int, payload: ProjectIn) -> Status:
    budget_round = _manage(request, pk)
    need = None
    if payload.need_id is not None:
        need = Need.objects.filter(pk=payload.need_id).first()
        if need is None:
            raise ValidationFailed(_("问题不存在。"), field="need_id")
    project = services.project_add(
        viewer=request.viewer,
        actor=request.user,
        budget_round=budget_round,
        need=need,
        title=payload.title,
        description=payload.description,
        cost=payload.cost,
    )
    return Status(201, _project_out(project))


@router.delete(
    "/{pk}/projects/{project_pk}", response={204: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def project_remove(request: HttpRequest, pk: int, project_pk: int) -> Status:
    budget_round = _manage(request, pk)
    project = Project.objects.filter(round=budget_round, pk=project_pk).first()
    if project is None:
        raise NotFound(_("没有这个候选项目。"))
    services.project_remove(viewer=request.viewer, actor=request.user, project=project)
    return Status(204, None)


def _lifecycle(action: Any, request: HttpRequest, pk: int) -> dict[str, Any]:
    budget_round = _manage(request, pk)
    return _round_out(action(viewer=request.viewer, actor=request.user, budget_round=budget_round))


_LIFECYCLE_RESPONSES = {200: RoundOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.post("/{pk}/open", response=_LIFECYCLE_RESPONSES, summary="Open (freeze the roll)")
def round_open(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _lifecycle(services.round_open, request, pk)


@router.post("/{pk}/close", response=_LIFECYCLE_RESPONSES, summary="Close the voting")
def round_close(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _lifecycle(services.round_close, request, pk)


@router.post("/{pk}/compute", response=_LIFECYCLE_RESPONSES, summary="Run the allocation")
def round_compute(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _lifecycle(services.round_compute, request, pk)


@router.post("/{pk}/publish", response=_LIFECYCLE_RESPONSES, summary="Publish the outcome")
def round_publish(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _lifecycle(services.round_publish, request, pk)


@router.post(
    "/{pk}/ballot",
    response={200: CastOut, 201: CastOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Cast or change my ballot (idempotent)",
)
def ballot_cast(request: HttpRequest, pk: int, payload: BallotIn) -> Status:
    budget_round = selectors.round_get(viewer=request.viewer, pk=pk)
    outcome = services.ballot_cast(
        viewer=request.viewer,
        actor=request.user,
        budget_round=budget_round,
        choice=_choice(budget_round, payload),
    )
    if outcome.already:
        detail = _("您的选票已记录，内容没有变化。")
    elif outcome.changed:
        detail = _("选票已修改，以这一次为准。")
    else:
        detail = _("投票成功。")
    return Status((201 if outcome.created else 200), {**outcome.__dict__, "detail": detail})


@router.get(
    "/{pk}/roll", response={200: list[RollOut], 403: ErrorOut, 404: ErrorOut}, summary="Roll"
)
def roll_search(request: HttpRequest, pk: int, q: str = "") -> list[dict[str, Any]]:
    budget_round = _manage(request, pk)
    return [
        {
            "id": e.pk,
            "name": e.name,
            "address": e.address,
            "voted": e.voted_at is not None,
            "channel": e.channel,
        }
        for e in selectors.roll_search(budget_round=budget_round, query=q, limit=50)
    ]


@router.post(
    "/{pk}/paper-ballots",
    response={201: RollOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Enter a paper ballot for a person on the roll (代录)",
)
def paper_ballot(request: HttpRequest, pk: int, payload: PaperBallotIn) -> Status:
    budget_round = _manage(request, pk)
    entry = RollEntry.objects.filter(round=budget_round, pk=payload.entry_id).first()
    if entry is None:
        raise NotFound(_("名册中没有这个人。"))
    entry = services.paper_ballot_record(
        viewer=request.viewer,
        actor=request.user,
        budget_round=budget_round,
        entry=entry,
        choice=_choice(budget_round, payload),
    )
    return Status(
        201,
        {
            "id": entry.pk,
            "name": entry.name,
            "address": entry.address,
            "voted": True,
            "channel": entry.channel,
        },
    )


@router.get(
    "/{pk}/outcome",
    response={200: OutcomeOut, 404: ErrorOut},
    summary="The outcome, with why each project was or was not funded",
)
def outcome(request: HttpRequest, pk: int) -> dict[str, Any]:
    budget_round = selectors.round_get(viewer=request.viewer, pk=pk)
    manage = selectors.can_manage(request.viewer, budget_round)
    if not (
        budget_round.status == RoundStatus.PUBLISHED
        or (manage and budget_round.status == RoundStatus.COMPUTED)
    ):
        raise NotFound(_("结果尚未公布。"))
    result = budget_round.result or {}
    return {
        "round_id": budget_round.pk,
        "status": budget_round.status,
        "rule": budget_round.rule,
        "budget": budget_round.budget,
        "budget_display": budget_round.budget_display,
        "budget_used": budget_round.budget_used or 0,
        "budget_used_display": budget_round.budget_used_display,
        "ballots": result.get("voters", 0),
        "selected": result.get("selected", []),
        "projects": [
            {
                "id": row.project.pk if row.project else None,
                "code": row.code,
                "title": row.title,
                "cost": row.cost,
                "funded": row.funded,
                "position": row.position,
                "support": row.support,
                "supporters": row.supporters,
                "explanation": row.text,
                "explanation_en": row.text_en,
            }
            for row in selectors.outcome_rows(budget_round=budget_round)
        ],
        "notice_id": budget_round.notice_id,
    }


@router.get("/{pk}/export.pb", response={200: None, 403: ErrorOut, 404: ErrorOut})
def export_pb(request: HttpRequest, pk: int) -> HttpResponse:
    """The round in pabulib format (anonymous ballots; amounts in yuan)."""
    budget_round = selectors.round_get(viewer=request.viewer, pk=pk)
    if not selectors.can_export(request.viewer, budget_round):
        raise PermissionDenied(_("结果公布前只有组织者可以导出。"))
    response = HttpResponse(
        selectors.round_pabulib(budget_round=budget_round),
        content_type="text/plain; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="budget-{budget_round.pk}.pb"'
    return response
