"""API of 村规民约 at /api/v1/village-rules: the versions of a place, one version with its
diff, the text in force (public, no sign-in needed), and the writes: draft, edit, adopt by a
vote, submit for filing, accept or return the filing (the town), publish. Domain errors come
back as {code, detail, field} with their status (wugong/api.py)."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status as Reply

from wugong.core.errors import NotFound
from wugong.people.rules import Viewer, viewer_for
from wugong.places.models import Place
from wugong.villagerules import selectors, services
from wugong.villagerules.models import RulesVersion

router = Router(tags=["villagerules"])


def _viewer(request: HttpRequest) -> Viewer:
    return viewer_for(request.user)


class VoteOut(Schema):
    id: int
    title: str
    outcome: str
    outcome_label: str
    votes_for: int
    votes_against: int
    votes_abstain: int


class VersionRow(Schema):
    id: int
    place_id: int
    number: int
    title: str
    status: str
    status_label: str
    change_note: str
    published_at: dt.datetime | None
    filing_number: str


class VersionOut(VersionRow):
    text: str
    vote: VoteOut | None
    adopted_at: dt.datetime | None
    submitted_at: dt.datetime | None
    filed_on: dt.date | None
    return_reason: str
    superseded_at: dt.datetime | None
    previous_id: int | None


class DiffLineOut(Schema):
    kind: str
    text: str


class DiffOut(Schema):
    version_id: int
    previous_id: int | None
    lines: list[DiffLineOut]


class VersionIn(Schema):
    text: str
    change_note: str = ""
    title: str = ""


class AdoptIn(Schema):
    vote_id: int


class AcceptIn(Schema):
    filing_number: str
    filed_on: str = ""


class ReturnIn(Schema):
    reason: str


def _row(v: RulesVersion) -> VersionRow:
    return VersionRow(
        id=v.pk,
        place_id=v.place_id,
        number=v.number,
        title=v.title,
        status=v.status,
        status_label=v.get_status_display(),
        change_note=v.change_note,
        published_at=v.published_at,
        filing_number=v.filing_number,
    )


def _out(v: RulesVersion, viewer: Viewer) -> VersionOut:
    vote = None
    if v.vote_id:
        s = selectors.vote_summary(v)
        vote = VoteOut(
            id=v.vote_id,
            title=str(s["title"]),
            outcome=str(s["outcome"]),
            outcome_label=str(s["outcome_label"]),
            votes_for=int(s["for"]),
            votes_against=int(s["against"]),
            votes_abstain=int(s["abstain"]),
        )
    before = selectors.previous(v, viewer=viewer)
    return VersionOut(
        **_row(v).dict(),
        text=v.text,
        vote=vote,
        adopted_at=v.adopted_at,
        submitted_at=v.submitted_at,
        filed_on=v.filed_on,
        return_reason=v.return_reason,
        superseded_at=v.superseded_at,
        previous_id=before.pk if before else None,
    )


def _place(pk: int) -> Place:
    place = Place.objects.filter(pk=pk, kind__in=selectors.RULE_PLACE_KINDS).first()
    if place is None:
        raise NotFound("该村（社区）不存在。", field="place_id")
    return place


def _version(request: HttpRequest, pk: int) -> RulesVersion:
    return selectors.version_get(viewer=_viewer(request), pk=pk)


@router.get("/places/{place_id}/versions", response=list[VersionRow], auth=None, summary="Versions")
def version_list(request: HttpRequest, place_id: int) -> list[VersionRow]:
    """The versions of a place the asker may see (published and superseded ones: everyone)."""
    place = _place(place_id)
    return [_row(v) for v in selectors.version_list(viewer=_viewer(request), place=place)]


@router.get(
    "/places/{place_id}/current", response=VersionOut, auth=None, summary="The text in force"
)
def current(request: HttpRequest, place_id: int) -> VersionOut:
    version = selectors.current(_place(place_id))
    if version is None:
        raise NotFound("该地尚未公布村规民约。")
    return _out(version, _viewer(request))


@router.get("/versions/{pk}", response=VersionOut, auth=None, summary="One version")
def version_get(request: HttpRequest, pk: int) -> VersionOut:
    return _out(_version(request, pk), _viewer(request))


@router.get("/versions/{pk}/diff", response=DiffOut, auth=None, summary="Diff with the previous")
def version_diff(request: HttpRequest, pk: int) -> DiffOut:
    viewer = _viewer(request)
    version = _version(request, pk)
    before = selectors.previous(version, viewer=viewer)
    lines = selectors.text_diff(before.text if before else "", version.text)
    return DiffOut(
        version_id=version.pk,
        previous_id=before.pk if before else None,
        lines=[DiffLineOut(kind=line.kind, text=line.text) for line in lines],
    )


@router.post("/places/{place_id}/versions", response={201: VersionOut}, summary="Draft")
def version_create(request: HttpRequest, place_id: int, payload: VersionIn) -> Reply:
    viewer = _viewer(request)
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound("该地点不存在。", field="place_id")
    version = services.version_create(
        viewer=viewer,
        actor=request.user,
        place=place,
        text=payload.text,
        change_note=payload.change_note,
        title=payload.title,
    )
    return Reply(201, _out(version, viewer))


@router.post("/versions/{pk}/edit", response=VersionOut, summary="Edit a draft")
def version_edit(request: HttpRequest, pk: int, payload: VersionIn) -> VersionOut:
    viewer = _viewer(request)
    version = services.version_edit(
        viewer=viewer,
        actor=request.user,
        version=_version(request, pk),
        text=payload.text,
        change_note=payload.change_note,
        title=payload.title,
    )
    return _out(version, viewer)


@router.post("/versions/{pk}/adopt", response=VersionOut, summary="Adopted by a vote")
def version_adopt(request: HttpRequest, pk: int, payload: AdoptIn) -> VersionOut:
    viewer = _viewer(request)
    version = services.version_adopt(
        viewer=viewer, actor=request.user, version=_version(request, pk), vote_id=payload.vote_id
    )
    return _out(version, viewer)


@router.post("/versions/{pk}/submit", response=VersionOut, summary="Submit for filing")
def version_submit(request: HttpRequest, pk: int) -> VersionOut:
    viewer = _viewer(request)
    version = services.version_submit(
        viewer=viewer, actor=request.user, version=_version(request, pk)
    )
    return _out(version, viewer)


@router.post("/versions/{pk}/accept", response=VersionOut, summary="The town files it")
def filing_accept(request: HttpRequest, pk: int, payload: AcceptIn) -> VersionOut:
    viewer = _viewer(request)
    version = services.filing_accept(
        viewer=viewer,
        actor=request.user,
        version=_version(request, pk),
        filing_number=payload.filing_number,
        filed_on=payload.filed_on,
    )
    return _out(version, viewer)


@router.post("/versions/{pk}/return", response=VersionOut, summary="The town returns it")
def filing_return(request: HttpRequest, pk: int, payload: ReturnIn) -> VersionOut:
    viewer = _viewer(request)
    version = services.filing_return(
        viewer=viewer, actor=request.user, version=_version(request, pk), reason=payload.reason
    )
    return _out(version, viewer)


@router.post("/versions/{pk}/publish", response=VersionOut, summary="Publish")
def version_publish(request: HttpRequest, pk: int) -> VersionOut:
    viewer = _viewer(request)
    version = services.version_publish(
        viewer=viewer, actor=request.user, version=_version(request, pk)
    )
    return _out(version, viewer)
