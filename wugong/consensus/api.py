"""API of common-ground conversations at /api/v1/common-ground, scoped exactly as the pages.
Domain errors come back as {code, detail, field} with their 4xx status (wugong/api.py)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.responses import Status as Reply

from wugong.consensus import selectors, services
from wugong.consensus.models import ComputedResult, Conversation, Statement
from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.people.rules import Viewer, viewer_for

router = Router(tags=["consensus"])


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class ConversationOut(Schema):
    id: int
    topic: str
    description: str
    place_id: int
    place_name: str
    is_open: bool
    published: bool
    imported_from: str
    created_at: dt.datetime
    can_take_part: bool
    can_manage: bool


class ConversationIn(Schema):
    place: int
    topic: str
    description: str = ""


class StatementOut(Schema):
    id: int
    number: int
    text: str
    status: str
    is_seed: bool
    reject_reason: str = ""


class StatementIn(Schema):
    text: str


class VoteIn(Schema):
    value: int


class VoteOut(Schema):
    statement_id: int
    value: int
    updated_at: dt.datetime


class ModerateIn(Schema):
    accept: bool
    reason: str = ""


class OpenIn(Schema):
    open: bool


class ConsensusOut(Schema):
    agree: list[int]
    disagree: list[int]


class ResultsOut(Schema):
    """The CLI's shape (groups by participant number, consensus and repness by statement
    number) plus group-informed consensus; ``status`` says whether groups could be found."""

    status: str
    detail: str = ""
    computed_at: dt.datetime | None = None
    n_participants: int = 0
    n_votes: int = 0
    groups: dict[str, int] = {}
    consensus: ConsensusOut = ConsensusOut(agree=[], disagree=[])
    group_informed_consensus: ConsensusOut = ConsensusOut(agree=[], disagree=[])
    repness: dict[str, list[int]] = {}
    repness_detail: dict[str, list[dict[str, Any]]] = {}
    statements: dict[str, str] = {}


def _viewer(request: HttpRequest) -> Viewer:
    return viewer_for(request.user)


def _get(viewer: Viewer, pk: int) -> Conversation:
    return selectors.conversation_get(viewer=viewer, pk=pk)


def _out(viewer: Viewer, c: Conversation) -> dict[str, Any]:
    return {
        "id": c.pk,
        "topic": c.topic,
        "description": c.description,
        "place_id": c.place_id,
        "place_name": c.place.name,
        "is_open": c.is_open,
        "published": c.published,
        "imported_from": c.imported_from,
        "created_at": c.created_at,
        "can_take_part": selectors.can_take_part(viewer, c),
        "can_manage": selectors.can_manage(viewer, c),
    }


def _manage(viewer: Viewer, c: Conversation) -> None:
    if not selectors.can_manage(viewer, c):
        raise PermissionDenied(_("您无权管理这个讨论。"))


@router.get("/", response=list[ConversationOut], summary="Conversations in scope")
def conversation_list(request: HttpRequest, open_only: bool = False) -> list[dict[str, Any]]:
    viewer = _viewer(request)
    return [
        _out(viewer, c)
        for c in selectors.conversation_list(viewer=viewer, open_only=open_only)[:200]
    ]


@router.post("/", response={201: ConversationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def conversation_create(request: HttpRequest, payload: ConversationIn) -> Reply:
    viewer = _viewer(request)
    c = services.conversation_create(
        viewer=viewer,
        actor=request.user,
        place=selectors.place_get(viewer=viewer, place_id=payload.place),
        topic=payload.topic,
        description=payload.description,
    )
    return Reply(201, _out(viewer, _get(viewer, c.pk)))


@router.post(
    "/import",
    response={201: ConversationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Import a Pol.is export (zip, or comments.csv + votes.csv)",
)
def conversation_import(
    request: HttpRequest,
    place: Form[int],
    topic: Form[str],
    description: Form[str] = "",
    file: File[UploadedFile] = None,  # type: ignore[assignment]
    comments: File[UploadedFile] = None,  # type: ignore[assignment]
    votes: File[UploadedFile] = None,  # type: ignore[assignment]
) -> Reply:
    viewer = _viewer(request)
    if not viewer.has_rule("conversation.manage"):
        raise PermissionDenied(_("您无权导入讨论。"))
    if file is not None:
        comments_csv, votes_csv = services.polis_files_from_zip(file.read())
    elif comments is not None and votes is not None:
        comments_csv, votes_csv = comments.read(), votes.read()
    else:
        raise ValidationFailed(
            _("请上传 Pol.is 导出的 zip 压缩包，或同时上传 comments.csv 和 votes.csv。"),
            field="file",
        )
    c = services.conversation_import(
        viewer=viewer,
        actor=request.user,
        place=selectors.place_get(viewer=viewer, place_id=place),
        topic=topic,
        description=description,
        comments_csv=comments_csv,
        votes_csv=votes_csv,
    )
    return Reply(201, _out(viewer, _get(viewer, c.pk)))


@router.get("/{pk}", response={200: ConversationOut, 404: ErrorOut})
def conversation_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    viewer = _viewer(request)
    return _out(viewer, _get(viewer, pk))


@router.get(
    "/{pk}/statements",
    response={200: list[StatementOut], 404: ErrorOut},
    summary="Accepted statements (managers: all, with pending and rejected)",
)
def statement_list(request: HttpRequest, pk: int) -> list[Statement]:
    viewer = _viewer(request)
    c = _get(viewer, pk)
    if selectors.can_manage(viewer, c):
        return list(selectors.statements_all(c))
    return list(selectors.statements_accepted(c))


@router.get(
    "/{pk}/next",
    response={200: StatementOut | None, 404: ErrorOut},
    summary="The next statement for me to vote on (null when none is left)",
)
def statement_next(request: HttpRequest, pk: int) -> Statement | None:
    viewer = _viewer(request)
    return selectors.next_statement(viewer=viewer, conversation=_get(viewer, pk))


@router.post(
    "/{pk}/statements",
    response={201: StatementOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Submit a statement (a resident's waits for moderation; a cadre's is a seed)",
)
def statement_submit(request: HttpRequest, pk: int, payload: StatementIn) -> Reply:
    viewer = _viewer(request)
    s = services.statement_submit(
        viewer=viewer, actor=request.user, conversation=_get(viewer, pk), text=payload.text
    )
    return Reply(201, s)


@router.post(
    "/{pk}/statements/{statement_id}/vote",
    response={200: VoteOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Vote 1 agree, -1 disagree, 0 pass; voting again changes the vote",
)
def statement_vote(request: HttpRequest, pk: int, statement_id: int, payload: VoteIn) -> dict:
    viewer = _viewer(request)
    c = _get(viewer, pk)
    statement = selectors.statement_get(viewer=viewer, conversation=c, pk=statement_id)
    vote = services.statement_vote(
        viewer=viewer, actor=request.user, statement=statement, value=payload.value
    )
    return {"statement_id": statement.pk, "value": vote.value, "updated_at": vote.updated_at}


@router.post(
    "/{pk}/statements/{statement_id}/moderate",
    response={200: StatementOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def statement_moderate(
    request: HttpRequest, pk: int, statement_id: int, payload: ModerateIn
) -> Statement:
    viewer = _viewer(request)
    c = _get(viewer, pk)
    _manage(viewer, c)
    statement = selectors.statement_get(viewer=viewer, conversation=c, pk=statement_id)
    return services.statement_moderate(
        viewer=viewer,
        actor=request.user,
        statement=statement,
        accept=payload.accept,
        reason=payload.reason,
    )


def _results(c: Conversation, result: ComputedResult | None) -> dict[str, Any]:
    if result is None:
        return {"status": "not_computed", "detail": _("还没有计算结果。")}
    out: dict[str, Any] = {
        "status": result.status,
        "detail": result.message,
        "computed_at": result.computed_at,
        "n_participants": result.n_participants,
        "n_votes": result.n_votes,
    }
    if result.status == "grouped":
        data = result.data
        out.update(
            groups=data["groups"],
            consensus=data["consensus"],
            group_informed_consensus=data["group_informed_consensus"],
            repness=data["repness"],
            repness_detail=data["repness_detail"],
            statements={
                str(n): t
                for n, t in Statement.objects.filter(conversation=c).values_list("number", "text")
            },
        )
    return out


@router.get(
    "/{pk}/results",
    response={200: ResultsOut, 403: ErrorOut, 404: ErrorOut},
    summary="The stored result: groups, consensus (majority and group-informed), repness",
)
def results(request: HttpRequest, pk: int) -> dict[str, Any]:
    viewer = _viewer(request)
    c = _get(viewer, pk)
    if not selectors.can_see_results(viewer, c):
        raise PermissionDenied(_("结果还未公布。"))
    return _results(c, ComputedResult.objects.filter(conversation=c).first())


@router.post("/{pk}/compute", response={200: ResultsOut, 403: ErrorOut, 404: ErrorOut})
def compute(request: HttpRequest, pk: int) -> dict[str, Any]:
    viewer = _viewer(request)
    c = _get(viewer, pk)
    result = services.conversation_compute(conversation=c, viewer=viewer, actor=request.user)
    return _results(c, result)


@router.post(
    "/{pk}/publish", response={200: ConversationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def publish(request: HttpRequest, pk: int) -> dict[str, Any]:
    viewer = _viewer(request)
    services.conversation_publish(viewer=viewer, conversation=_get(viewer, pk), actor=request.user)
    return _out(viewer, _get(viewer, pk))


@router.post("/{pk}/open", response={200: ConversationOut, 403: ErrorOut, 404: ErrorOut})
def set_open(request: HttpRequest, pk: int, payload: OpenIn) -> dict[str, Any]:
    viewer = _viewer(request)
    services.conversation_set_open(
        viewer=viewer, conversation=_get(viewer, pk), is_open=payload.open, actor=request.user
    )
    return _out(viewer, _get(viewer, pk))


@router.get(
    "/{pk}/export",
    response={200: None, 403: ErrorOut, 404: ErrorOut},
    summary="Pol.is export: a zip of comments.csv and votes.csv",
)
def export(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    data = services.conversation_export_zip(
        viewer=viewer, conversation=_get(viewer, pk), actor=request.user
    )
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="conversation-{pk}-polis.zip"'
    return response
