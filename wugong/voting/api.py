"""API for votes: my open votes, detail, cast (idempotent), receipt check, results, and the
cadre's create / open / offline tally / proxy / close / publish. Thin over services."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.people.models import Person
from wugong.places.models import Place
from wugong.voting import selectors, services
from wugong.voting.models import RollEntry, Vote, VoteStatus

router = Router(tags=["votes"])


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class OptionOut(Schema):
    id: int
    label: str
    code: str


class VoteOut(Schema):
    id: int
    title: str
    place_id: int
    place_name: str
    method: str
    unit: str
    secret: bool
    status: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    max_choices: int | None = None
    seats: int
    roll_size: int


class VoteDetailOut(VoteOut):
    description: str
    options: list[OptionOut]
    on_roll: bool
    voted: bool
    channel: str
    my_choices: dict[int, int] | None = None


class CastIn(Schema):
    choices: dict[int, int]


class CastOut(Schema):
    receipt: str | None
    created: bool
    changed: bool
    already: bool
    secret: bool
    detail: str


class ProxyIn(CastIn):
    entry_id: int
    holder_person_id: int | None = None


class ReceiptOut(Schema):
    receipt: str
    choices: list[tuple[str, int]]
    text: str


class VoteIn(Schema):
    place_id: int
    title: str
    method: str
    unit: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    options: list[str] = []
    description: str = ""
    secret: bool = False
    preset: str = ""
    majority: tuple[int, int] | None = None
    majority_comparison: str = "at_least"
    majority_base: str = "present"
    estate_matter: str = ""
    building_unit: str = ""
    max_choices: int | None = None
    seats: int = 1
    ranked_rule: str = "irv"
    cost_total_fen: int | None = None
    floor_weights: dict[str, str] | None = None
    cost_by_area: bool = False


class OfflineIn(Schema):
    meeting: str
    counts: dict[int, str]
    present: list[int]
    proxies: dict[int, int] = {}
    note: str = ""


class OfflineOut(Schema):
    id: int
    present: int


class RollOut(Schema):
    id: int
    name: str
    voted: bool
    channel: str
    floor_area: str | None = None
    building_unit: str
    floor: int | None = None


def _vote_out(v: Vote) -> dict[str, Any]:
    return {
        "id": v.pk,
        "title": v.title,
        "place_id": v.place_id,
        "place_name": v.place.name,
        "method": v.method,
        "unit": v.unit,
        "secret": v.secret,
        "status": v.status,
        "opens_at": v.opens_at,
        "closes_at": v.closes_at,
        "max_choices": v.max_choices,
        "seats": v.seats,
        "roll_size": v.roll_size,
    }


def _manage(request: HttpRequest, pk: int) -> Vote:
    vote = selectors.vote_get(viewer=request.viewer, pk=pk)
    if not selectors.can_manage(request.viewer, vote):
        raise PermissionDenied(_("您无权管理该表决。"))
    return vote


@router.get("/mine", response=list[VoteOut], summary="Open votes whose roll holds me")
def votes_mine(request: HttpRequest) -> list[dict[str, Any]]:
    return [_vote_out(v) for v in selectors.votes_for_me(viewer=request.viewer)]


@router.get("/", response=list[VoteOut], summary="Votes I may see")
@paginate(PageNumberPagination, page_size=50)
def votes_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [_vote_out(v) for v in selectors.vote_list(viewer=request.viewer, status=status)]


@router.post("/", response={201: VoteOut, 400: ErrorOut, 403: ErrorOut}, summary="Draft a vote")
def vote_create(request: HttpRequest, payload: VoteIn) -> Status:
    place = Place.objects.filter(pk=payload.place_id).first()
    if place is None:
        raise ValidationFailed(_("地点不存在。"), field="place_id")
    data = payload.dict()
    data.pop("place_id")
    vote = services.vote_create(viewer=request.viewer, actor=request.user, place=place, **data)
    return Status(201, _vote_out(vote))


@router.get("/{pk}", response={200: VoteDetailOut, 404: ErrorOut}, summary="A vote")
def vote_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    vote = selectors.vote_get(viewer=request.viewer, pk=pk)
    entry = services.roll_entry_for(vote=vote, viewer=request.viewer)
    mine = None
    if entry and entry.voted_at and not vote.secret:
        ballot = getattr(entry, "ballot", None)
        if ballot is not None:
            mine = dict(ballot.choices.values_list("option_id", "value"))
    return {
        **_vote_out(vote),
        "description": vote.description,
        "options": [{"id": o.pk, "label": o.label, "code": o.code} for o in vote.options.all()],
        "on_roll": entry is not None,
        "voted": bool(entry and entry.voted_at),
        "channel": entry.channel if entry else "",
        "my_choices": mine,
    }


def _cast_out(outcome: services.CastOutcome) -> dict[str, Any]:
    if outcome.already and outcome.secret:
        detail = _("您已投过票。不记名投票一经投出不能更改，也不会重复计票。")
    elif outcome.already:
        detail = _("您的选票已记录，内容没有变化。")
    elif outcome.changed:
        detail = _("选票已修改，以本次为准。")
    else:
        detail = _("投票成功。")
    return {**outcome.__dict__, "detail": detail}


@router.post(
    "/{pk}/cast",
    response={200: CastOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Cast (idempotent); change an open ballot until the close",
)
def vote_cast(request: HttpRequest, pk: int, payload: CastIn) -> dict[str, Any]:
    outcome = services.ballot_cast_mine(
        vote_id=pk, viewer=request.viewer, actor=request.user, choices=payload.choices
    )
    return _cast_out(outcome)


@router.get(
    "/{pk}/receipts/{code}",
    response={200: ReceiptOut, 404: ErrorOut},
    summary="Check that the ballot with this receipt was counted as cast",
)
def receipt_check(request: HttpRequest, pk: int, code: str) -> dict[str, Any]:
    vote = selectors.vote_get(viewer=request.viewer, pk=pk)
    ballot, choices = selectors.ballot_by_receipt(vote=vote, receipt=code)
    return {
        "receipt": ballot.receipt,
        "choices": choices,
        "text": selectors.choice_text(vote, choices),
    }


@router.get(
    "/{pk}/receipts", response={200: list[ReceiptOut], 404: ErrorOut}, summary="Counted ballots"
)
@paginate(PageNumberPagination, page_size=200)
def receipts(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    vote = selectors.vote_get(viewer=request.viewer, pk=pk)
    if vote.status != VoteStatus.PUBLISHED:
        raise NotFound(_("结果尚未公布。"))
    out = []
    for b in selectors.receipt_list(vote=vote):
        choices = [
            (c.option.label, c.value)
            for c in sorted(b.choices.all(), key=lambda c: c.option.position)
        ]
        out.append(
            {
                "receipt": b.receipt,
                "choices": choices,
                "text": selectors.choice_text(vote, choices),
            }
        )
    return out


@router.get("/{pk}/results", response={200: dict, 404: ErrorOut}, summary="Exact results")
def results(request: HttpRequest, pk: int) -> dict[str, Any]:
    vote = selectors.vote_get(viewer=request.viewer, pk=pk)
    if vote.status == VoteStatus.PUBLISHED and vote.result is not None:
        return vote.result
    if vote.status == VoteStatus.CLOSED and selectors.can_manage(request.viewer, vote):
        return selectors.vote_result(vote=vote)
    raise NotFound(_("结果尚未公布。"))


# --- management ------------------------------------------------------------------------------
def _lifecycle(request: HttpRequest, pk: int, action: Any) -> dict[str, Any]:
    vote = _manage(request, pk)
    vote = action(viewer=request.viewer, actor=request.user, vote=vote)
    return _vote_out(Vote.objects.select_related("place").get(pk=vote.pk))


@router.post("/{pk}/open", response={200: VoteOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def vote_open(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _lifecycle(request, pk, services.vote_open)


@router.post("/{pk}/close", response={200: VoteOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def vote_close(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _lifecycle(request, pk, services.vote_close)


@router.post("/{pk}/publish", response={200: VoteOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def vote_publish(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _lifecycle(request, pk, services.vote_publish)


@router.get("/{pk}/roll", response={200: list[RollOut], 403: ErrorOut, 404: ErrorOut})
@paginate(PageNumberPagination, page_size=200)
def roll(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    vote = _manage(request, pk)
    return [
        {
            "id": e.pk,
            "name": e.name,
            "voted": e.voted_at is not None,
            "channel": e.channel,
            "floor_area": str(e.floor_area) if e.floor_area is not None else None,
            "building_unit": e.building_unit,
            "floor": e.floor,
        }
        for e in selectors.roll_list(vote=vote)
    ]


@router.post(
    "/{pk}/offline",
    response={201: OfflineOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Enter an offline tally (photo: use the page)",
)
def offline(request: HttpRequest, pk: int, payload: OfflineIn) -> Status:
    vote = _manage(request, pk)
    record = services.offline_tally_record(
        vote=vote,
        viewer=request.viewer,
        actor=request.user,
        meeting=payload.meeting,
        counts=payload.counts,
        present_entry_ids=payload.present,
        proxies=payload.proxies,
        note=payload.note,
    )
    return Status(201, {"id": record.pk, "present": record.present})


@router.post(
    "/{pk}/proxy",
    response={200: CastOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Record a proxy ballot for a roll entry",
)
def proxy(request: HttpRequest, pk: int, payload: ProxyIn) -> dict[str, Any]:
    vote = _manage(request, pk)
    entry = RollEntry.objects.filter(vote=vote, pk=payload.entry_id).first()
    if entry is None:
        raise NotFound(_("名册中没有这一项。"))
    holder = None
    if payload.holder_person_id:
        holder = Person.objects.filter(pk=payload.holder_person_id).first()
    outcome = services.ballot_cast(
        vote=vote,
        viewer=request.viewer,
        actor=request.user,
        choices=payload.choices,
        entry=entry,
        proxy_holder=holder,
    )
    return _cast_out(outcome)
