"""API of 矛盾纠纷调解 at /api/v1/mediation: matters (list, receive, one), parties, mediators,
sessions (with the agreement document as a multipart upload), conclude, refer, follow up.
Scoped exactly as the pages: a matter one may not see answers 404; every read of one is
logged. Domain errors come back as {code, detail, field} with their status (wugong/api.py)."""

import datetime as dt

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from wugong.core.errors import NotFound
from wugong.mediation import selectors, services
from wugong.mediation.models import Matter
from wugong.people.rules import Viewer, viewer_for
from wugong.places.models import Place

router = Router(tags=["mediation"])


def _viewer(request: HttpRequest) -> Viewer:
    return viewer_for(request.user)


class MatterRow(Schema):
    id: int
    place_id: int
    place: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    received_on: dt.date
    follow_up_on: dt.date | None


class PartyOut(Schema):
    id: int
    person_id: int | None
    name: str
    role: str
    note: str


class SessionOut(Schema):
    id: int
    held_on: dt.date
    attended: str
    notes: str
    outcome: str
    agreement_url: str | None


class MatterOut(MatterRow):
    summary: str
    source: str
    outcome: str
    concluded_on: dt.date | None
    referred_to: str
    referred_reason: str
    followed_up_on: dt.date | None
    follow_up_note: str
    parties: list[PartyOut]
    mediators: list[int]
    sessions: list[SessionOut]


class MatterIn(Schema):
    place_id: int
    kind: str
    summary: str
    received_on: str
    source: str
    idempotency_key: str = ""


class PartyIn(Schema):
    role: str
    person_id: int | None = None
    name: str = ""
    note: str = ""


class MediatorIn(Schema):
    person_id: int


class SessionIn(Schema):
    held_on: str
    attended: str = ""
    notes: str = ""
    outcome: str = ""
    idempotency_key: str = ""


class ConcludeIn(Schema):
    agreed: bool
    outcome: str
    concluded_on: str = ""
    follow_up_on: str = ""


class ReferIn(Schema):
    reason: str
    referred_to: str = ""


class FollowUpIn(Schema):
    note: str
    followed_up_on: str = ""


def _row(m: Matter) -> MatterRow:
    return MatterRow(
        id=m.pk,
        place_id=m.place_id,
        place=m.place.name,
        kind=m.kind,
        kind_label=m.get_kind_display(),
        status=m.status,
        status_label=m.get_status_display(),
        received_on=m.received_on,
        follow_up_on=m.follow_up_on,
    )


def _out(m: Matter) -> MatterOut:
    return MatterOut(
        **_row(m).dict(),
        summary=m.summary,
        source=m.source,
        outcome=m.outcome,
        concluded_on=m.concluded_on,
        referred_to=m.referred_to,
        referred_reason=m.referred_reason,
        followed_up_on=m.followed_up_on,
        follow_up_note=m.follow_up_note,
        parties=[
            PartyOut(id=p.pk, person_id=p.person_id, name=p.name, role=p.role, note=p.note)
            for p in m.parties.all()
        ],
        mediators=list(m.mediators.values_list("person_id", flat=True)),
        sessions=[
            SessionOut(
                id=s.pk,
                held_on=s.held_on,
                attended=s.attended,
                notes=s.notes,
                outcome=s.outcome,
                agreement_url=f"/mediation/agreements/{s.pk}/" if s.agreement else None,
            )
            for s in m.sessions.all()
        ],
    )


def _matter(request: HttpRequest, pk: int) -> Matter:
    return selectors.matter_get(viewer=_viewer(request), pk=pk)


def _logged(request: HttpRequest, matter: Matter) -> MatterOut:
    """The matter as read back after a write or a read: each one is a logged look."""
    matter = selectors.matter_get(viewer=_viewer(request), pk=matter.pk)
    services.matter_view_log(
        viewer=_viewer(request), actor=request.user, matter=matter, channel="api"
    )
    return _out(matter)


@router.get("/matters", response=list[MatterRow], summary="Matters the viewer handles or mediates")
def matter_list(
    request: HttpRequest, status: str = "", follow_up_due: bool = False, limit: int = 100
) -> list[MatterRow]:
    viewer = _viewer(request)
    if not selectors.may_open(viewer):
        raise NotFound("没有可查看的矛盾纠纷。")
    due = timezone.localdate() if follow_up_due else None
    qs = selectors.matter_list(viewer=viewer, status=status, follow_up_due=due)
    return [_row(m) for m in qs[: max(1, min(limit, 500))]]


@router.post("/matters", response={200: MatterOut, 201: MatterOut}, summary="Receive a dispute")
def matter_receive(request: HttpRequest, payload: MatterIn) -> Reply:
    place = Place.objects.filter(pk=payload.place_id).first()
    if place is None:
        raise NotFound("该地点不存在。", field="place_id")
    matter, created = services.matter_receive(
        viewer=_viewer(request),
        actor=request.user,
        place=place,
        kind=payload.kind,
        summary=payload.summary,
        received_on=payload.received_on,
        source=payload.source,
        idempotency_key=payload.idempotency_key,
    )
    return Reply(201 if created else 200, _logged(request, matter))


@router.get("/matters/{pk}", response=MatterOut, summary="One matter (each read is logged)")
def matter_get(request: HttpRequest, pk: int) -> MatterOut:
    return _logged(request, _matter(request, pk))


@router.post("/matters/{pk}/parties", response={201: MatterOut}, summary="Name a party")
def party_add(request: HttpRequest, pk: int, payload: PartyIn) -> Reply:
    matter = _matter(request, pk)
    services.party_add(
        viewer=_viewer(request),
        actor=request.user,
        matter=matter,
        role=payload.role,
        person_id=payload.person_id,
        name=payload.name,
        note=payload.note,
    )
    return Reply(201, _logged(request, matter))


@router.post("/matters/{pk}/mediators", response={201: MatterOut}, summary="Name a mediator")
def mediator_add(request: HttpRequest, pk: int, payload: MediatorIn) -> Reply:
    matter = _matter(request, pk)
    services.mediator_add(
        viewer=_viewer(request), actor=request.user, matter=matter, person_id=payload.person_id
    )
    return Reply(201, _logged(request, matter))


@router.post("/matters/{pk}/sessions", response={200: MatterOut, 201: MatterOut})
def session_record(request: HttpRequest, pk: int, payload: SessionIn) -> Reply:
    """Record a mediation session (JSON; attach the agreement with the /agreement upload)."""
    matter = _matter(request, pk)
    _s, created = services.session_record(
        viewer=_viewer(request),
        actor=request.user,
        matter=matter,
        held_on=payload.held_on,
        attended=payload.attended,
        notes=payload.notes,
        outcome=payload.outcome,
        idempotency_key=payload.idempotency_key,
    )
    return Reply(201 if created else 200, _logged(request, matter))


@router.post("/sessions/{pk}/agreement", response=MatterOut, summary="Attach an agreement")
def agreement_attach(request: HttpRequest, pk: int, agreement: File[UploadedFile]) -> MatterOut:
    session = selectors.session_get(viewer=_viewer(request), pk=pk)
    services.agreement_attach(
        viewer=_viewer(request), actor=request.user, session=session, agreement=agreement
    )
    return _logged(request, session.matter)


@router.get("/sessions/{pk}/agreement", summary="The agreement document")
def agreement_get(request: HttpRequest, pk: int) -> FileResponse:
    session = selectors.session_get(viewer=_viewer(request), pk=pk)
    if not session.agreement:
        raise NotFound("该调解记录没有协议书。")
    services.matter_view_log(
        viewer=_viewer(request), actor=request.user, matter=session.matter, channel="document"
    )
    response = FileResponse(
        session.agreement.open("rb"), content_type=session.agreement_type or "application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/matters/{pk}/conclude", response=MatterOut, summary="Agreed or not agreed")
def matter_conclude(request: HttpRequest, pk: int, payload: ConcludeIn) -> MatterOut:
    matter = services.matter_conclude(
        viewer=_viewer(request),
        actor=request.user,
        matter=_matter(request, pk),
        agreed=payload.agreed,
        outcome=payload.outcome,
        concluded_on=payload.concluded_on,
        follow_up_on=payload.follow_up_on,
    )
    return _logged(request, matter)


@router.post("/matters/{pk}/refer", response=MatterOut, summary="Refer up (上交) with a reason")
def matter_refer(request: HttpRequest, pk: int, payload: ReferIn) -> MatterOut:
    matter = services.matter_refer(
        viewer=_viewer(request),
        actor=request.user,
        matter=_matter(request, pk),
        reason=payload.reason,
        referred_to=payload.referred_to,
    )
    return _logged(request, matter)


@router.post("/matters/{pk}/follow-up", response=MatterOut, summary="Record the follow-up")
def matter_follow_up(request: HttpRequest, pk: int, payload: FollowUpIn) -> MatterOut:
    matter = services.matter_follow_up(
        viewer=_viewer(request),
        actor=request.user,
        matter=_matter(request, pk),
        note=payload.note,
        followed_up_on=payload.followed_up_on,
    )
    return _logged(request, matter)
