"""API of public notices (公示) at /api/v1/notices. Reading is public, like the pages
(村务公开); drafting, publishing, objecting and answering need a signed-in caller."""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from wugong.core.errors import NotFound
from wugong.people.rules import Viewer, viewer_for
from wugong.people.signin import api_token_user
from wugong.places.models import Place
from wugong.transparency import selectors, services
from wugong.transparency.models import Notice, Objection
from wugong.transparency.pdf import render_notice_pdf

router = Router(tags=["notices"])


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class NoticeSummaryOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    place_id: int
    place_name: str
    issuer: str
    status: str
    phase: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    url: str


class ObjectionOut(Schema):
    id: int
    objector: str
    text: str
    created_at: dt.datetime
    has_photo: bool
    answer: str
    answered_at: dt.datetime | None


class NoticeOut(NoticeSummaryOut):
    body: str
    subject: str  # "app_label.model:id" of the record it publishes, or ""
    content_hash: str
    withdraw_reason: str
    attachments: list[str]
    objections: list[ObjectionOut]
    pdf_url: str


class PlaceBoardOut(Schema):
    place_id: int
    place_name: str
    current: list[NoticeSummaryOut]
    past: list[NoticeSummaryOut]


class NoticeIn(Schema):
    place_id: int
    title: str
    body: str
    kind: str
    issuer: str = ""


class PublishIn(Schema):
    days: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


class WithdrawIn(Schema):
    reason: str


class TextIn(Schema):
    text: str


def _viewer(request: HttpRequest) -> Viewer:
    """The caller on public endpoints too: the session, else a bearer token, else anonymous."""
    user = request.user
    if not user.is_authenticated:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            user = api_token_user(header[7:].strip()) or user
    return viewer_for(user)


def _summary(request: HttpRequest, n: Notice) -> NoticeSummaryOut:
    return NoticeSummaryOut(
        id=n.pk,
        title=n.title,
        kind=n.kind,
        kind_label=str(n.get_kind_display()),
        place_id=n.place_id,
        place_name=n.place.name,
        issuer=n.issuer,
        status=n.status,
        phase=selectors.notice_facts(n)["phase"],
        starts_at=n.starts_at,
        ends_at=n.ends_at,
        url=selectors.absolute_url(request, selectors.notice_url(n)),
    )


def _detail(request: HttpRequest, n: Notice) -> NoticeOut:
    return NoticeOut(
        **_summary(request, n).dict(),
        body=n.body,
        subject=f"{n.subject_type.app_label}.{n.subject_type.model}:{n.subject_id}"
        if n.subject_type
        else "",
        content_hash=n.content_hash,
        withdraw_reason=n.withdraw_reason,
        attachments=[a.name for a in n.attachments.all()],
        objections=[
            ObjectionOut(
                id=o.id,
                objector=o.objector,
                text=o.text,
                created_at=o.created_at,
                has_photo=o.has_photo,
                answer=o.answer,
                answered_at=o.answered_at,
            )
            for o in selectors.notice_objections(notice=n)
        ],
        pdf_url=selectors.absolute_url(request, f"{selectors.notice_url(n)}pdf/"),
    )


@router.get(
    "/place/{place_id}",
    auth=None,
    response=PlaceBoardOut,
    summary="A place's public notice board: current and past notices (no sign-in)",
)
def place_board(request: HttpRequest, place_id: int) -> PlaceBoardOut:
    place = get_object_or_404(Place, pk=place_id)
    board = selectors.place_notices_public(place=place)
    return PlaceBoardOut(
        place_id=place.pk,
        place_name=place.name,
        current=[_summary(request, n) for n in board.current],
        past=[_summary(request, n) for n in board.past],
    )


@router.get("/{pk}", auth=None, response={200: NoticeOut, 404: ErrorOut}, summary="A notice")
def notice_detail(request: HttpRequest, pk: int) -> NoticeOut:
    return _detail(request, selectors.notice_get(viewer=_viewer(request), pk=pk))


@router.get("/{pk}/pdf", auth=None, summary="The notice as an A4 PDF (QR code, hash in footer)")
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(viewer=_viewer(request), pk=pk)
    url = selectors.absolute_url(request, selectors.notice_url(notice))
    response = HttpResponse(
        render_notice_pdf(selectors.notice_print(notice=notice, url=url)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


@router.post("", response={201: NoticeOut, 400: ErrorOut, 403: ErrorOut}, summary="Draft a notice")
def notice_create(request: HttpRequest, payload: NoticeIn) -> Status[NoticeOut]:
    viewer = viewer_for(request.user)
    place = Place.objects.filter(pk=payload.place_id).first()
    if place is None:
        raise NotFound(_("地点不存在。"))
    notice = services.notice_create(
        viewer=viewer,
        place=place,
        title=payload.title,
        body=payload.body,
        kind=payload.kind,
        issuer=payload.issuer,
        actor=request.user,
    )
    return Status(201, _detail(request, selectors.notice_get(viewer=viewer, pk=notice.pk)))


@router.post(
    "/{pk}/publish",
    response={200: NoticeOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Publish a draft for a period (default 7 days)",
)
def notice_publish(request: HttpRequest, pk: int, payload: PublishIn) -> NoticeOut:
    viewer = viewer_for(request.user)
    notice = selectors.notice_get(viewer=viewer, pk=pk)
    services.notice_publish(
        viewer=viewer,
        notice=notice,
        days=payload.days,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        actor=request.user,
    )
    return _detail(request, selectors.notice_get(viewer=viewer, pk=pk))


@router.post(
    "/{pk}/withdraw",
    response={200: NoticeOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Withdraw a published notice (kept, marked withdrawn)",
)
def notice_withdraw(request: HttpRequest, pk: int, payload: WithdrawIn) -> NoticeOut:
    viewer = viewer_for(request.user)
    notice = selectors.notice_get(viewer=viewer, pk=pk)
    services.notice_withdraw(
        viewer=viewer, notice=notice, reason=payload.reason, actor=request.user
    )
    return _detail(request, selectors.notice_get(viewer=viewer, pk=pk))


@router.post(
    "/{pk}/objections",
    response={201: ObjectionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Object to a notice within its period",
)
def objection_submit(request: HttpRequest, pk: int, payload: TextIn) -> Status[ObjectionOut]:
    viewer = viewer_for(request.user)
    notice = selectors.notice_get(viewer=viewer, pk=pk)
    o = services.objection_submit(
        viewer=viewer, notice=notice, text=payload.text, actor=request.user
    )
    return Status(
        201,
        ObjectionOut(
            id=o.pk,
            objector=selectors.mask_name(o.person.name),
            text=o.text,
            created_at=o.created_at,
            has_photo=False,
            answer="",
            answered_at=None,
        ),
    )


@router.post(
    "/{pk}/objections/{objection_id}/answer",
    response={200: ObjectionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Answer an objection in public",
)
def objection_answer(
    request: HttpRequest, pk: int, objection_id: int, payload: TextIn
) -> ObjectionOut:
    viewer = viewer_for(request.user)
    objection = Objection.objects.filter(pk=objection_id, notice_id=pk).first()
    if objection is None:
        raise NotFound(_("异议不存在。"))
    o = services.objection_answer(
        viewer=viewer, objection=objection, text=payload.text, actor=request.user
    )
    return ObjectionOut(
        id=o.pk,
        objector=selectors.mask_name(o.person.name),
        text=o.text,
        created_at=o.created_at,
        has_photo=bool(o.photo),
        answer=o.answer,
        answered_at=o.answered_at,
    )
