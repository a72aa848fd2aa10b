"""API of meetings and 四议两公开: scoped exactly as the pages are; every write is a service."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from wugong.core.errors import NotFound, ValidationFailed
from wugong.meetings import selectors, services
from wugong.meetings.models import Meeting, VillageDecision
from wugong.people.models import Household, Organisation, Person
from wugong.people.rules import Viewer, viewer_for
from wugong.places.models import Place

router = Router(tags=["meetings"])


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class QuorumCheckOut(Schema):
    basis: str
    basis_label: str
    present: int
    eligible: int
    threshold: str
    minimum: int
    met: bool


class QuorumOut(Schema):
    met: bool
    live: bool
    legal_basis: str
    headcount: int
    checks: list[QuorumCheckOut]


class AgendaItemOut(Schema):
    position: int
    need_id: int | None
    text: str


class DecisionOut(Schema):
    id: int
    text: str
    outcome: str
    agenda_item_id: int | None
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    explanation: str


class MeetingOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    place_id: int
    place_name: str
    starts_at: dt.datetime
    location: str
    status: str


class MeetingDetailOut(MeetingOut):
    minutes: str
    agenda: list[AgendaItemOut]
    decisions: list[DecisionOut]
    quorum: QuorumOut


class MeetingIn(Schema):
    place_id: int
    kind: str
    title: str
    starts_at: dt.datetime
    location: str
    organisation_id: int | None = None
    quorum: str | None = None  # e.g. "2/3"
    quorum_comparison: str = "at_least"


class CheckInIn(Schema):
    token: str


class CheckInOut(Schema):
    meeting_id: int
    created: bool


class AttendanceIn(Schema):
    person_id: int | None = None
    household_id: int | None = None
    present: bool = True


class ChangedOut(Schema):
    changed: bool
    quorum: QuorumOut


class DecisionIn(Schema):
    text: str
    agenda_item_id: int | None = None
    outcome: str = ""
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None


class StepOut(Schema):
    step: int
    label: str
    date: dt.date
    body: str
    present: int | None
    expected: int | None
    meeting_id: int | None
    outcome: str
    note: str
    merged: bool


class VillageDecisionOut(Schema):
    id: int
    place_id: int
    title: str
    status: str
    merged_first_two: bool
    next_step: int | None
    steps: list[StepOut]


class VillageDecisionIn(Schema):
    place_id: int
    title: str
    description: str = ""


class StepIn(Schema):
    step: int
    date: dt.date
    body: str = ""
    outcome: str
    present: int | None = None
    expected: int | None = None
    meeting_id: int | None = None
    note: str = ""
    merge_first_two: bool = False


def _viewer(request: HttpRequest) -> Viewer:
    return viewer_for(request.user)


def _meeting_out(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "title": m.title,
        "place_id": m.place_id,
        "place_name": m.place.name,
        "starts_at": m.starts_at,
        "location": m.location,
        "status": m.status,
    }


def _quorum_out(m: Meeting) -> dict[str, Any]:
    return {**selectors.quorum_view(m), "headcount": selectors.headcount(m)}


def _decision_out(d: VillageDecision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "place_id": d.place_id,
        "title": d.title,
        "status": d.status,
        "merged_first_two": d.merged_first_two,
        "next_step": selectors.next_step(d),
        "steps": [
            {
                "step": s.step,
                "label": s.get_step_display(),
                "date": s.date,
                "body": s.body,
                "present": s.present,
                "expected": s.expected,
                "meeting_id": s.meeting_id,
                "outcome": s.outcome,
                "note": s.note,
                "merged": s.merged,
            }
            for s in d.steps.all()
        ],
    }


def _place(viewer: Viewer, pk: int) -> Place:
    place = Place.objects.filter(viewer.place_q("place.view"), pk=pk).first()
    if place is None:
        raise NotFound(_("地点不存在或不在您的管辖范围内。"), field="place_id")
    return place


# --- meetings --------------------------------------------------------------------------------
@router.get("/", response=list[MeetingOut], summary="Meetings in scope, newest first")
def meeting_list(request: HttpRequest, place: int | None = None) -> list[dict[str, Any]]:
    viewer = _viewer(request)
    place_obj = _place(viewer, place) if place is not None else None
    return [_meeting_out(m) for m in selectors.meeting_list(viewer=viewer, place=place_obj)[:200]]


@router.post(
    "/",
    response={201: MeetingDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Convene a meeting",
)
def meeting_create(request: HttpRequest, payload: MeetingIn) -> Status:
    viewer = _viewer(request)
    quorum = None
    if payload.quorum:
        quorum = (*services.fraction_parse(payload.quorum), payload.quorum_comparison)
    organisation = None
    if payload.organisation_id is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    meeting = services.meeting_create(
        viewer=viewer,
        actor=request.user,
        place=_place(viewer, payload.place_id),
        kind=payload.kind,
        title=payload.title,
        starts_at=payload.starts_at,
        location=payload.location,
        organisation=organisation,
        quorum=quorum,
    )
    return Status(201, meeting_detail(request, meeting.pk))


@router.get("/decisions", response=list[VillageDecisionOut], summary="四议两公开 in scope")
def decision_list(request: HttpRequest) -> list[dict[str, Any]]:
    rows = selectors.village_decision_list(viewer=_viewer(request)).prefetch_related("steps")
    return [_decision_out(d) for d in rows[:200]]


@router.post(
    "/decisions",
    response={201: VillageDecisionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Open a matter for 四议两公开",
)
def decision_create(request: HttpRequest, payload: VillageDecisionIn) -> Status:
    viewer = _viewer(request)
    decision = services.village_decision_create(
        viewer=viewer,
        actor=request.user,
        place=_place(viewer, payload.place_id),
        title=payload.title,
        description=payload.description,
    )
    return Status(201, _decision_out(selectors.village_decision_get(viewer=viewer, pk=decision.pk)))


@router.get("/decisions/{pk}", response={200: VillageDecisionOut, 404: ErrorOut})
def decision_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _decision_out(selectors.village_decision_get(viewer=_viewer(request), pk=pk))


@router.post(
    "/decisions/{pk}/steps",
    response={201: VillageDecisionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Record the next step (documents: use the page)",
)
def decision_step(request: HttpRequest, pk: int, payload: StepIn) -> Status:
    viewer = _viewer(request)
    decision = selectors.village_decision_get(viewer=viewer, pk=pk)
    meeting = None
    if payload.meeting_id is not None:
        meeting = selectors.meeting_get(viewer=viewer, pk=payload.meeting_id)
    services.decision_step_record(
        viewer=viewer,
        actor=request.user,
        decision=decision,
        step=payload.step,
        date=payload.date,
        body=payload.body,
        outcome=payload.outcome,
        present=payload.present,
        expected=payload.expected,
        meeting=meeting,
        note=payload.note,
        merge_first_two=payload.merge_first_two,
    )
    return Status(201, _decision_out(selectors.village_decision_get(viewer=viewer, pk=pk)))


@router.post(
    "/checkin",
    response={200: CheckInOut, 400: ErrorOut, 403: ErrorOut},
    summary="Check in with the token from a meeting's QR",
)
def checkin(request: HttpRequest, payload: CheckInIn) -> dict[str, Any]:
    attendance, created = services.attendance_check_in(
        viewer=_viewer(request), actor=request.user, token=payload.token
    )
    return {"meeting_id": attendance.meeting_id, "created": created}


@router.get("/{pk}", response={200: MeetingDetailOut, 404: ErrorOut})
def meeting_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    m = selectors.meeting_get(viewer=_viewer(request), pk=pk)
    return {
        **_meeting_out(m),
        "minutes": m.minutes,
        "agenda": [
            {"position": a.position, "need_id": a.need_id, "text": a.text} for a in m.agenda.all()
        ],
        "decisions": [
            {
                "id": d.pk,
                "text": d.text,
                "outcome": d.outcome,
                "agenda_item_id": d.agenda_item_id,
                "votes_for": d.votes_for,
                "votes_against": d.votes_against,
                "votes_abstain": d.votes_abstain,
                "explanation": d.explanation,
            }
            for d in m.decisions.all()
        ],
        "quorum": _quorum_out(m),
    }


@router.get("/{pk}/quorum", response={200: QuorumOut, 404: ErrorOut}, summary="Live quorum")
def meeting_quorum(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _quorum_out(selectors.meeting_get(viewer=_viewer(request), pk=pk))


@router.post(
    "/{pk}/attendance",
    response={200: ChangedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Roll call: mark a person or a household present or absent",
)
def meeting_attendance(request: HttpRequest, pk: int, payload: AttendanceIn) -> dict[str, Any]:
    viewer = _viewer(request)
    meeting = selectors.meeting_get(viewer=viewer, pk=pk)
    person = household = None
    if payload.person_id is not None:
        person = Person.objects.select_related("household").filter(pk=payload.person_id).first()
        if person is None:
            raise ValidationFailed(_("人员不存在。"), field="person_id")
    if payload.household_id is not None:
        household = Household.objects.filter(pk=payload.household_id).first()
        if household is None:
            raise ValidationFailed(_("住户不存在。"), field="household_id")
    changed = services.roll_call_mark(
        viewer=viewer,
        actor=request.user,
        meeting=meeting,
        present=payload.present,
        person=person,
        household=household,
    )
    return {"changed": changed, "quorum": _quorum_out(meeting)}


@router.post(
    "/{pk}/decisions",
    response={201: DecisionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Record a decision of the meeting",
)
def meeting_decision(request: HttpRequest, pk: int, payload: DecisionIn) -> Status:
    viewer = _viewer(request)
    meeting = selectors.meeting_get(viewer=viewer, pk=pk)
    item = None
    if payload.agenda_item_id is not None:
        item = meeting.agenda.filter(pk=payload.agenda_item_id).first()
        if item is None:
            raise ValidationFailed(_("所选议题不属于本次会议。"), field="agenda_item_id")
    d = services.meeting_decision_record(
        viewer=viewer,
        actor=request.user,
        meeting=meeting,
        text=payload.text,
        agenda_item=item,
        outcome=payload.outcome,
        votes_for=payload.votes_for,
        votes_against=payload.votes_against,
        votes_abstain=payload.votes_abstain,
    )
    return Status(
        201,
        {
            "id": d.pk,
            "text": d.text,
            "outcome": d.outcome,
            "agenda_item_id": d.agenda_item_id,
            "votes_for": d.votes_for,
            "votes_against": d.votes_against,
            "votes_abstain": d.votes_abstain,
            "explanation": d.explanation,
        },
    )
