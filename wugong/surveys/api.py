"""API of surveys (问卷) at /api/v1/surveys: the same rules as the pages."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from wugong.core.errors import NotFound, PermissionDenied
from wugong.people.rules import viewer_for
from wugong.places.models import Place
from wugong.surveys import selectors, services
from wugong.surveys.models import Survey

router = Router(tags=["surveys"])


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class ChoiceOut(Schema):
    id: int
    text: str


class QuestionOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    required: bool
    choices: list[ChoiceOut]


class SurveyOut(Schema):
    id: int
    title: str
    description: str
    place_id: int
    place_name: str
    anonymous: bool
    status: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    accepts_answers: bool


class SurveyDetailOut(SurveyOut):
    questions: list[QuestionOut]
    responded: bool


class SurveyIn(Schema):
    place_id: int
    title: str
    description: str = ""
    anonymous: bool = True


class QuestionIn(Schema):
    kind: str
    text: str
    choices: list[str] = []
    required: bool = True


class OpenIn(Schema):
    closes_at: dt.datetime | None = None


class ResponseIn(Schema):
    """Question id → a choice id (single), a list of choice ids (multiple), 1–5 (stars) or a
    text."""

    answers: dict[str, Any]


class ParticipationOut(Schema):
    survey_id: int
    responded_on: dt.date


class ResultRowOut(Schema):
    label: str
    count: int
    percent: str


class TextOut(Schema):
    who: str
    text: str


class QuestionResultOut(Schema):
    id: int
    text: str
    kind: str
    answered: int
    average: str
    rows: list[ResultRowOut]
    texts: list[TextOut]


class ResultsOut(Schema):
    survey_id: int
    title: str
    anonymous: bool
    respondents: int
    questions: list[QuestionResultOut]


def _out(s: Survey) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "id": s.pk,
        "title": s.title,
        "description": s.description,
        "place_id": s.place_id,
        "place_name": s.place.name,
        "anonymous": s.anonymous,
        "status": s.status,
        "opens_at": s.opens_at,
        "closes_at": s.closes_at,
        "accepts_answers": s.accepts_at(timezone.now()),
    }


def _detail(request: HttpRequest, s: Survey) -> SurveyDetailOut:
    viewer = viewer_for(request.user)
    return SurveyDetailOut(
        **_out(s),
        responded=selectors.has_responded(viewer=viewer, survey=s),
        questions=[
            QuestionOut(
                id=q.pk,
                position=q.position,
                kind=q.kind,
                text=q.text,
                required=q.required,
                choices=[ChoiceOut(id=c.pk, text=c.text) for c in q.choices.all()],
            )
            for q in selectors.survey_questions(survey=s)
        ],
    )


@router.get("", response=list[SurveyOut], summary="Surveys to answer, and those one manages")
def survey_list(request: HttpRequest) -> list[dict[str, Any]]:
    viewer = viewer_for(request.user)
    seen: dict[int, Survey] = {s.pk: s for s in selectors.surveys_to_answer(viewer=viewer)[:100]}
    if viewer.has_rule("survey.manage"):
        for s in selectors.surveys_managed(viewer=viewer)[:100]:
            seen.setdefault(s.pk, s)
    return [_out(s) for s in seen.values()]


@router.get(
    "/{pk}", response={200: SurveyDetailOut, 404: ErrorOut}, summary="A survey with its questions"
)
def survey_detail(request: HttpRequest, pk: int) -> SurveyDetailOut:
    return _detail(request, selectors.survey_get(viewer=viewer_for(request.user), pk=pk))


@router.post(
    "",
    response={201: SurveyDetailOut, 400: ErrorOut, 403: ErrorOut},
    summary="Create a draft survey",
)
def survey_create(request: HttpRequest, payload: SurveyIn) -> Status[SurveyDetailOut]:
    place = Place.objects.filter(pk=payload.place_id).first()
    if place is None:
        raise NotFound(_("地点不存在。"))
    survey = services.survey_create(
        viewer=viewer_for(request.user),
        place=place,
        title=payload.title,
        description=payload.description,
        anonymous=payload.anonymous,
        actor=request.user,
    )
    return Status(201, _detail(request, survey))


@router.post(
    "/{pk}/questions",
    response={201: SurveyDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Add a question to a draft",
)
def question_add(request: HttpRequest, pk: int, payload: QuestionIn) -> Status[SurveyDetailOut]:
    viewer = viewer_for(request.user)
    survey = selectors.survey_get(viewer=viewer, pk=pk)
    services.question_add(
        viewer=viewer,
        survey=survey,
        kind=payload.kind,
        text=payload.text,
        choices=payload.choices,
        required=payload.required,
        actor=request.user,
    )
    return Status(201, _detail(request, survey))


@router.post(
    "/{pk}/open", response={200: SurveyDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def survey_open(request: HttpRequest, pk: int, payload: OpenIn) -> SurveyDetailOut:
    viewer = viewer_for(request.user)
    survey = services.survey_open(
        viewer=viewer,
        survey=selectors.survey_get(viewer=viewer, pk=pk),
        closes_at=payload.closes_at,
        actor=request.user,
    )
    return _detail(request, survey)


@router.post(
    "/{pk}/close", response={200: SurveyDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def survey_close(request: HttpRequest, pk: int) -> SurveyDetailOut:
    viewer = viewer_for(request.user)
    survey = services.survey_close(
        viewer=viewer, survey=selectors.survey_get(viewer=viewer, pk=pk), actor=request.user
    )
    return _detail(request, survey)


@router.post(
    "/{pk}/responses",
    response={201: ParticipationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Answer a survey (once per person)",
)
def survey_respond(request: HttpRequest, pk: int, payload: ResponseIn) -> Status[ParticipationOut]:
    viewer = viewer_for(request.user)
    survey = Survey.objects.select_related("place").filter(pk=pk).first()
    if survey is None:
        raise NotFound(_("问卷不存在。"))
    p = services.survey_respond(
        viewer=viewer, survey=survey, answers=payload.answers, actor=request.user
    )
    return Status(201, ParticipationOut(survey_id=survey.pk, responded_on=p.responded_on))


@router.get(
    "/{pk}/results",
    response={200: ResultsOut, 403: ErrorOut, 404: ErrorOut},
    summary="Exact counts and percentages per question",
)
def survey_results(request: HttpRequest, pk: int) -> dict[str, Any]:
    viewer = viewer_for(request.user)
    survey = selectors.survey_get(viewer=viewer, pk=pk)
    if not selectors.can_see_results(viewer=viewer, survey=survey):
        raise PermissionDenied(_("问卷结束后才能查看结果。"))
    manager = services.can_manage_survey(viewer, survey.place)
    return selectors.results_as_dict(selectors.survey_results(survey=survey, show_names=manager))
