"""API of building together at /api/v1/projects. Reads are public (村务公开); writes need a
signed-in user and the same rules as the pages. Amounts are integer fen; a domain error comes
back as {code, detail, field} with its 4xx status (wugong/api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status as Reply

from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.people.models import Household, Person
from wugong.people.rules import Viewer, viewer_for
from wugong.places.models import Place
from wugong.projects import selectors, services
from wugong.projects.models import LedgerEntry, Pledge, Project, ResourceCategory, Stage

router = Router(tags=["projects"])


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class ProjectOut(Schema):
    id: int
    title: str
    place_id: int
    place_name: str
    stage: str
    stage_label: str
    budget_fen: int | None
    tender_estimate_fen: int | None
    progress_pct: int
    started_on: dt.date | None
    finished_on: dt.date | None
    responsible: str
    caretaker: str

    @staticmethod
    def resolve_place_name(obj: Project) -> str:
        return obj.place.name

    @staticmethod
    def resolve_stage_label(obj: Project) -> str:
        return str(Stage(obj.stage).label)


class EntryOut(Schema):
    id: int
    direction: str
    amount_fen: int
    source_kind: str
    item: str
    contributor: str
    memo: str
    pledge_id: int | None
    reverses_id: int | None
    occurred_on: dt.date

    @staticmethod
    def resolve_contributor(obj: LedgerEntry) -> str:
        return selectors.public_name(obj) if obj.contributor_name else ""


class AccountsOut(Schema):
    money_in_fen: int
    money_out_fen: int
    balance_fen: int
    in_kind_value_fen: int
    total_value_fen: int
    tender_estimate_fen: int | None
    saving_fen: int | None
    days: int | None
    income_by_source: dict[str, int]
    spending_by_item: dict[str, int]
    in_kind_by_kind: dict[str, int]
    labour_days: str
    labour_times: int
    land_mu: str
    land_m2: str
    donors: int
    pledged_fen: int
    pledged_received_fen: int
    complies: bool | None
    residents_share_pct: str | None
    government_share_pct: str | None


class EventOut(Schema):
    on: dt.date
    kind: str
    from_stage: str
    to_stage: str
    text: str
    actor_name: str


class HonourOut(Schema):
    name: str
    money_fen: int
    materials: list[str]
    material_value_fen: int
    labour_days: str
    labour_times: int
    land_mu: str
    demolished: list[str]


class ProposeIn(Schema):
    place: int
    title: str
    summary: str = ""
    need: int | None = None
    motion: str = ""
    on: dt.date | None = None


class PlanIn(Schema):
    scope: str
    plan: str
    budget_fen: Any
    tender_estimate_fen: Any
    responsible: str
    labour_day_rate_fen: Any = None
    on: dt.date | None = None


class StageIn(Schema):
    stage: str
    on: dt.date | None = None
    text: str = ""
    acceptance_for: int = 0
    acceptance_against: int = 0
    caretaker: str = ""


class GiverIn(Schema):
    contributor_kind: str = "person"
    contributor_name: str = ""
    person: int | None = None
    household: int | None = None
    anonymous: bool = False


class PledgeIn(GiverIn):
    amount_fen: Any
    on: dt.date | None = None
    source_kind: str = ""


class ReceiptIn(GiverIn):
    amount_fen: Any
    source_kind: str = ""
    pledge: int | None = None
    memo: str = ""
    on: dt.date | None = None
    confirm_over_pledge: bool = False


class SpendingIn(Schema):
    amount_fen: Any
    item: str
    memo: str
    on: dt.date | None = None


class ReverseIn(Schema):
    reason: str
    on: dt.date | None = None


class ContributionIn(GiverIn):
    kind: str
    on: dt.date | None = None
    amount_fen: Any = None
    item: str = ""
    quantity: Any = None
    unit: str = ""
    unit_price_fen: Any = None
    person_days: Any = None
    person_times: Any = None
    land_mu: Any = None
    land_m2: Any = None
    hours: Any = None
    wages_fen: Any = None
    value_fen: Any = None
    note: str = ""


class ContributionOut(Schema):
    id: int
    kind: str
    contributor: str
    value_fen: int
    entry_id: int | None


class ResourceIn(GiverIn):
    place: int
    category: str
    title: str
    detail: str = ""


class ResourceOut(Schema):
    id: int
    category: str
    title: str
    detail: str
    place_id: int
    contributor: str
    available: bool

    @staticmethod
    def resolve_contributor(obj: Any) -> str:
        return selectors.public_name(obj)


# --- helpers ----------------------------------------------------------------------------------
def _viewer(request: HttpRequest) -> Viewer:
    return viewer_for(request.user)


def _project(pk: int) -> Project:
    return selectors.project_get(pk=pk)


def _place(pk: int) -> Place:
    place = Place.objects.filter(pk=pk).first()
    if place is None:
        raise NotFound(_t("没有这个地点。"))
    return place


def _t(text: str) -> str:
    from django.utils.translation import gettext

    return gettext(text)


def _giver(payload: GiverIn) -> services.Giver:
    person = household = None
    if payload.person:
        person = Person.objects.select_related("household").filter(pk=payload.person).first()
        if person is None:
            raise NotFound(_t("没有这个人。"))
    if payload.household:
        household = Household.objects.select_related("head").filter(pk=payload.household).first()
        if household is None:
            raise NotFound(_t("没有这户。"))
    return services.Giver(
        kind=payload.contributor_kind,
        name=payload.contributor_name,
        person=person,
        household=household,
        anonymous=payload.anonymous,
    )


def _accounts(project: Project) -> dict[str, Any]:
    a = selectors.project_accounts(project)
    story = selectors.project_story(project, a)
    c = a.compliance
    return {
        "money_in_fen": a.money_in,
        "money_out_fen": a.money_out,
        "balance_fen": a.balance,
        "in_kind_value_fen": a.in_kind_value,
        "total_value_fen": a.total_value,
        "tender_estimate_fen": project.tender_estimate_fen,
        "saving_fen": story["saving"],
        "days": story["days"],
        "income_by_source": {k: v for k, _l, v in a.income_by_source},
        "spending_by_item": {k: v for k, _l, v in a.spending_by_item},
        "in_kind_by_kind": {r["kind"]: r["value"] for r in a.in_kind},
        "labour_days": f"{a.labour_days:f}",
        "labour_times": a.labour_times,
        "land_mu": f"{a.land_mu:f}",
        "land_m2": f"{a.land_m2:f}",
        "donors": a.donors,
        "pledged_fen": a.pledged,
        "pledged_received_fen": a.pledged_received,
        "complies": c.ok if c else None,
        "residents_share_pct": str(c.residents_share) if c else None,
        "government_share_pct": str(c.government_share) if c else None,
    }


# --- reads ------------------------------------------------------------------------------------
@router.get("/", response=list[ProjectOut], auth=None, summary="Projects at or under a place")
def project_list(request: HttpRequest, place: int | None = None, stage: str = "") -> list:
    place_obj = _place(place) if place else None
    return list(selectors.project_list(place=place_obj, stage=stage)[:200])


@router.get("/resources", response=list[ResourceOut], auth=None, summary="The resources list")
def resource_list(
    request: HttpRequest, place: int | None = None, category: str = "", q: str = ""
) -> list:
    place_obj = _place(place) if place else None
    return list(selectors.resource_search(place=place_obj, category=category, query=q[:50])[:200])


@router.get(
    "/resources/for-need/{need_id}",
    response={200: list[ResourceOut], 404: ErrorOut},
    auth=None,
    summary="Offers near a need that its category calls for",
)
def resources_for_need(request: HttpRequest, need_id: int) -> list:
    from wugong.needs.models import Need

    need = Need.objects.select_related("place").filter(pk=need_id).first()
    if need is None:
        raise NotFound(_t("没有这个问题。"))
    return selectors.need_matches(need=need)


@router.get("/programme/{place_id}", auth=None, summary="A town's or county's figures")
def programme(request: HttpRequest, place_id: int) -> dict[str, Any]:
    v = selectors.programme_view(place=_place(place_id), page_size=20)
    return {
        "place": v["place"].name,
        "projects": v["count"],
        "by_source_fen": {k: fen for k, _l, fen in v["by_source"]},
        "money_in_fen": v["money_in"],
        "money_out_fen": v["money_out"],
        "in_kind_value_fen": v["in_kind_value"],
        "total_value_fen": v["total_value"],
        "government_fen": v["government"],
        "leverage_per_yuan": str(v["leverage"]) if v["leverage"] is not None else None,
        "labour_days": f"{v['labour_days']:f}",
        "labour_times": v["labour_times"],
        "land_mu": f"{v['land_mu']:f}",
        "stages": {s: n for s, _l, n in v["stages"]},
    }


@router.get("/{pk}", response={200: ProjectOut, 404: ErrorOut}, auth=None)
def project_detail(request: HttpRequest, pk: int) -> Project:
    return _project(pk)


@router.get("/{pk}/accounts", response={200: AccountsOut, 404: ErrorOut}, auth=None)
def project_accounts(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _accounts(_project(pk))


@router.get("/{pk}/ledger", response={200: list[EntryOut], 404: ErrorOut}, auth=None)
def project_ledger(request: HttpRequest, pk: int) -> list:
    return list(selectors.ledger_lines(_project(pk)))


@router.get("/{pk}/timeline", response={200: list[EventOut], 404: ErrorOut}, auth=None)
def project_timeline(request: HttpRequest, pk: int) -> list:
    return selectors.timeline(_project(pk))


@router.get("/{pk}/honour", response={200: list[HonourOut], 404: ErrorOut}, auth=None)
def project_honour(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    return [
        {
            "name": h.name,
            "money_fen": h.money,
            "materials": h.materials,
            "material_value_fen": h.material_value,
            "labour_days": f"{h.labour_days:f}",
            "labour_times": h.labour_times,
            "land_mu": f"{h.land_mu:f}",
            "demolished": h.demolished,
        }
        for h in selectors.honour_roll(project=_project(pk))
    ]


# --- writes -----------------------------------------------------------------------------------
W = {200: ProjectOut, 201: ProjectOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WE = {201: EntryOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.post("/", response=W)
def project_propose(request: HttpRequest, payload: ProposeIn) -> Reply:
    need = None
    if payload.need:
        from wugong.needs.models import Need

        need = Need.objects.filter(pk=payload.need).first()
        if need is None:
            raise NotFound(_t("没有这个问题。"))
    project = services.project_propose(
        viewer=_viewer(request),
        actor=request.user,
        place=_place(payload.place),
        title=payload.title,
        summary=payload.summary,
        need=need,
        motion=payload.motion,
        on=payload.on,
    )
    return Reply(201, _project(project.pk))


@router.post("/{pk}/plan", response=W)
def project_plan(request: HttpRequest, pk: int, payload: PlanIn) -> Project:
    services.project_plan(
        viewer=_viewer(request),
        actor=request.user,
        project=_project(pk),
        scope=payload.scope,
        plan=payload.plan,
        budget_fen=payload.budget_fen,
        tender_estimate_fen=payload.tender_estimate_fen,
        responsible=payload.responsible,
        labour_day_rate_fen=payload.labour_day_rate_fen,
        on=payload.on,
    )
    return _project(pk)


@router.post("/{pk}/stage", response=W)
def project_stage(request: HttpRequest, pk: int, payload: StageIn) -> Project:
    services.project_stage_change(
        viewer=_viewer(request),
        actor=request.user,
        project=_project(pk),
        stage=payload.stage,
        on=payload.on,
        text=payload.text,
        acceptance_for=payload.acceptance_for,
        acceptance_against=payload.acceptance_against,
        caretaker=payload.caretaker,
    )
    return _project(pk)


@router.post("/{pk}/pledges", response={201: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def pledge_make(request: HttpRequest, pk: int, payload: PledgeIn) -> Reply:
    pledge = services.pledge_make(
        viewer=_viewer(request),
        actor=request.user,
        project=_project(pk),
        giver=_giver(payload),
        amount_fen=payload.amount_fen,
        pledged_on=payload.on,
        source_kind=payload.source_kind,
    )
    return Reply(201, {"id": pledge.pk, "amount_fen": pledge.amount_fen})


@router.post("/{pk}/receipts", response=WE)
def receipt_post(request: HttpRequest, pk: int, payload: ReceiptIn) -> Reply:
    project = _project(pk)
    pledge = None
    if payload.pledge:
        pledge = Pledge.objects.filter(pk=payload.pledge, project=project).first()
        if pledge is None:
            raise NotFound(_t("没有这笔认捐。"))
    entry = services.receipt_post(
        viewer=_viewer(request),
        actor=request.user,
        project=project,
        amount_fen=payload.amount_fen,
        source_kind=payload.source_kind,
        giver=None if pledge else _giver(payload),
        pledge=pledge,
        memo=payload.memo,
        occurred_on=payload.on,
        confirm_over_pledge=payload.confirm_over_pledge,
    )
    return Reply(201, entry)


@router.post("/{pk}/spending", response=WE)
def spending_post(request: HttpRequest, pk: int, payload: SpendingIn) -> Reply:
    entry = services.spending_post(
        viewer=_viewer(request),
        actor=request.user,
        project=_project(pk),
        amount_fen=payload.amount_fen,
        item=payload.item,
        memo=payload.memo,
        occurred_on=payload.on,
    )
    return Reply(201, entry)


def _entry(pk: int, entry_id: int) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(pk=entry_id, project_id=pk).select_related("project").first()
    if entry is None:
        raise NotFound(_t("没有这笔账目。"))
    return entry


@router.post("/{pk}/ledger/{entry_id}/reverse", response=WE)
def entry_reverse(request: HttpRequest, pk: int, entry_id: int, payload: ReverseIn) -> Reply:
    entry = services.entry_reverse(
        viewer=_viewer(request),
        actor=request.user,
        entry=_entry(pk, entry_id),
        reason=payload.reason,
        on=payload.on,
    )
    return Reply(201, entry)


@router.api_operation(
    ["PUT", "PATCH", "DELETE"],
    "/{pk}/ledger/{entry_id}",
    response={400: ErrorOut, 404: ErrorOut},
    summary="Refused: posted entries are corrected by reversing entries",
)
def entry_edit(request: HttpRequest, pk: int, entry_id: int) -> None:
    services.entry_edit(viewer=_viewer(request), actor=request.user, entry=_entry(pk, entry_id))


@router.post(
    "/{pk}/contributions",
    response={201: ContributionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def contribution_record(request: HttpRequest, pk: int, payload: ContributionIn) -> Reply:
    c = services.contribution_record(
        viewer=_viewer(request),
        actor=request.user,
        project=_project(pk),
        kind=payload.kind,
        giver=_giver(payload),
        given_on=payload.on,
        amount_fen=payload.amount_fen,
        item=payload.item,
        quantity=payload.quantity,
        unit=payload.unit,
        unit_price_fen=payload.unit_price_fen,
        person_days=payload.person_days,
        person_times=payload.person_times,
        land_mu=payload.land_mu,
        land_m2=payload.land_m2,
        hours=payload.hours,
        wages_fen=payload.wages_fen,
        value_fen=payload.value_fen,
        note=payload.note,
    )
    return Reply(
        201,
        {
            "id": c.pk,
            "kind": c.kind,
            "contributor": selectors.public_name(c),
            "value_fen": c.value_fen,
            "entry_id": c.entry_id,
        },
    )


@router.post("/resources", response={201: ResourceOut, 400: ErrorOut, 403: ErrorOut})
def resource_offer(request: HttpRequest, payload: ResourceIn) -> Reply:
    viewer = _viewer(request)
    if payload.category not in ResourceCategory.values:
        raise ValidationFailed(_t("请选择资源类别。"), field="category")
    giver = _giver(payload)
    if not payload.person and not payload.household and not viewer.has_rule("project.manage"):
        if viewer.person_id is None:
            raise PermissionDenied(_t("请先关联本人信息。"))
        me = Person.objects.select_related("household").get(pk=viewer.person_id)
        giver = services.Giver(kind="person", person=me, anonymous=payload.anonymous)
    resource = services.resource_offer(
        viewer=viewer,
        actor=request.user,
        place=_place(payload.place),
        giver=giver,
        category=payload.category,
        title=payload.title,
        detail=payload.detail,
    )
    return Reply(201, resource)


class ProgressIn(Schema):
    progress_pct: int
    on: dt.date | None = None
    text: str = ""
    finished: bool = False


@router.post("/{pk}/progress", response=W)
def project_progress(request: HttpRequest, pk: int, payload: ProgressIn) -> Project:
    services.project_progress(
        viewer=_viewer(request),
        actor=request.user,
        project=_project(pk),
        progress_pct=payload.progress_pct,
        on=payload.on,
        text=payload.text,
        finished=payload.finished,
    )
    return _project(pk)


class FundingIn(Schema):
    source_kind: str
    planned_fen: Any
    source_name: str = ""


@router.post("/{pk}/funding", response={201: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def funding_add(request: HttpRequest, pk: int, payload: FundingIn) -> Reply:
    line = services.funding_line_add(
        viewer=_viewer(request),
        actor=request.user,
        project=_project(pk),
        source_kind=payload.source_kind,
        source_name=payload.source_name,
        planned_fen=payload.planned_fen,
    )
    return Reply(201, {"id": line.pk, "planned_fen": line.planned_fen})


class OrderIn(Schema):
    category: str
    title: str


class RequestOut(Schema):
    id: int
    category: str
    title: str
    status: str
    resource_id: int | None
    contribution_id: int | None


class AssignIn(Schema):
    resource: int


class FulfilIn(Schema):
    kind: str
    item: str = ""
    quantity: Any = None
    unit: str = ""
    unit_price_fen: Any = None
    person_days: Any = None
    person_times: Any = None
    hours: Any = None
    wages_fen: Any = None
    amount_fen: Any = None
    value_fen: Any = None


RQ = {200: RequestOut, 201: RequestOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _request(pk: int, request_id: int) -> Any:
    from wugong.projects.models import ServiceRequest

    req = ServiceRequest.objects.filter(pk=request_id, project_id=pk).first()
    if req is None:
        raise NotFound(_t("没有这张服务单。"))
    return req


def _resource(pk: int) -> Any:
    from wugong.projects.models import Resource

    res = Resource.objects.filter(pk=pk).first()
    if res is None:
        raise NotFound(_t("没有这项资源。"))
    return res


@router.post("/{pk}/requests", response=RQ, summary="点单: order a service for the project")
def request_order(request: HttpRequest, pk: int, payload: OrderIn) -> Reply:
    req = services.request_order(
        viewer=_viewer(request),
        actor=request.user,
        project=_project(pk),
        category=payload.category,
        title=payload.title,
    )
    return Reply(201, req)


@router.post("/{pk}/requests/{request_id}/take", response=RQ, summary="接单 with one's resource")
def request_take(request: HttpRequest, pk: int, request_id: int, payload: AssignIn) -> Any:
    return services.request_take(
        viewer=_viewer(request),
        actor=request.user,
        request=_request(pk, request_id),
        resource=_resource(payload.resource),
    )


@router.post("/{pk}/requests/{request_id}/dispatch", response=RQ, summary="派单 to a resource")
def request_dispatch(request: HttpRequest, pk: int, request_id: int, payload: AssignIn) -> Any:
    return services.request_dispatch(
        viewer=_viewer(request),
        actor=request.user,
        request=_request(pk, request_id),
        resource=_resource(payload.resource),
    )


@router.post(
    "/{pk}/requests/{request_id}/done",
    response={201: ContributionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="The service was given: it becomes a contribution",
)
def request_fulfil(request: HttpRequest, pk: int, request_id: int, payload: FulfilIn) -> Reply:
    measures = {k: v for k, v in payload.dict().items() if k != "kind" and v not in (None, "")}
    c = services.request_fulfil(
        viewer=_viewer(request),
        actor=request.user,
        request=_request(pk, request_id),
        kind=payload.kind,
        **measures,
    )
    return Reply(
        201,
        {
            "id": c.pk,
            "kind": c.kind,
            "contributor": selectors.public_name(c),
            "value_fen": c.value_fen,
            "entry_id": c.entry_id,
        },
    )
