"""Reads of surveys, scoped to the viewer, and their results."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.people.rules import Viewer
from wugong.surveys.charts import BarChart, average_text, bar_chart
from wugong.surveys.models import (
    Answer,
    Participation,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
)
from wugong.surveys.services import can_manage_survey, can_respond
from wugong.transparency.selectors import mask_name


def _ancestor_paths(path: str) -> list[str]:
    """ "/1/5/23/" → ["/1/", "/1/5/", "/1/5/23/"]."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def surveys_to_answer(*, viewer: Viewer) -> QuerySet[Survey]:
    """Open surveys of the places the viewer lives or works in, with ``responded`` set."""
    if viewer.person_id is None:
        return Survey.objects.none()
    paths = {p for a in viewer.granting("survey.respond") for p in _ancestor_paths(a.place_path)}
    return (
        Survey.objects.filter(
            place_path__in=paths, status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED]
        )
        .select_related("place")
        .annotate(
            responded=Exists(
                Participation.objects.filter(survey=OuterRef("pk"), person_id=viewer.person_id)
            )
        )
        .order_by("status", "-opens_at", "-id")
    )


def surveys_managed(*, viewer: Viewer) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(viewer.path_q("survey.manage"))
        .select_related("place")
        .annotate(respondents=Count("participations"))
        .order_by("-created_at", "-id")
    )


def survey_get(*, viewer: Viewer, pk: int) -> Survey:
    """A survey the viewer manages, or one of their place that has been opened."""
    survey = Survey.objects.select_related("place").filter(pk=pk).first()
    if survey is None:
        raise NotFound(_("问卷不存在。"))
    if can_manage_survey(viewer, survey.place):
        return survey
    if survey.status != SurveyStatus.DRAFT and can_respond(viewer, survey):
        return survey
    raise NotFound(_("问卷不存在或不面向您所在的地点。"))


def survey_questions(*, survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("choices").order_by("position"))


def has_responded(*, viewer: Viewer, survey: Survey) -> bool:
    return (
        bool(viewer.person_id)
        and Participation.objects.filter(survey=survey, person_id=viewer.person_id).exists()
    )


def can_see_results(*, viewer: Viewer, survey: Survey) -> bool:
    """Managers at any time; residents of the place once the survey has ended."""
    if can_manage_survey(viewer, survey.place):
        return True
    ended = survey.status == SurveyStatus.CLOSED or (
        survey.closes_at is not None and survey.closes_at <= timezone.now()
    )
    return ended and can_respond(viewer, survey)


@dataclass
class QuestionResult:
    question: Question
    answered: int
    chart: BarChart | None = None
    average: str = ""
    texts: list[tuple[str, str]] = field(default_factory=list)  # (who, text)


@dataclass
class SurveyResults:
    survey: Survey
    respondents: int
    questions: list[QuestionResult]


def survey_results(
    *, survey: Survey, show_names: bool = False, text_limit: int = 200
) -> SurveyResults:
    """Exact counts per choice and per star, the share of those who answered each question,
    and the text answers (for named surveys with names, masked unless ``show_names``). A fixed
    number of queries whatever the number of responses."""
    questions = survey_questions(survey=survey)
    respondents = Participation.objects.filter(survey=survey).count()
    answered = dict(
        Answer.objects.filter(question__survey=survey)
        .values("question")
        .annotate(n=Count("response", distinct=True))
        .values_list("question", "n")
    )
    choice_counts = dict(
        Answer.objects.filter(question__survey=survey, choice__isnull=False)
        .values("choice")
        .annotate(n=Count("id"))
        .values_list("choice", "n")
    )
    star_counts: dict[tuple[int, int], int] = {
        (r["question"], r["stars"]): r["n"]
        for r in Answer.objects.filter(question__survey=survey, stars__isnull=False)
        .values("question", "stars")
        .annotate(n=Count("id"))
    }
    star_sums = dict(
        Answer.objects.filter(question__survey=survey, stars__isnull=False)
        .values("question")
        .annotate(s=Sum("stars"))
        .values_list("question", "s")
    )
    out = []
    for q in questions:
        n = answered.get(q.pk, 0)
        r = QuestionResult(question=q, answered=n)
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            r.chart = bar_chart([(c.text, choice_counts.get(c.pk, 0)) for c in q.choices.all()], n)
        elif q.kind == QuestionKind.STARS:
            items = [("★" * s, star_counts.get((q.pk, s), 0)) for s in range(5, 0, -1)]
            r.chart = bar_chart(items, n)
            r.average = average_text(star_sums.get(q.pk) or 0, n)
        else:
            rows = (
                Answer.objects.filter(question=q)
                .exclude(text="")
                .select_related("response__person")
                .order_by("text", "id")[:text_limit]
            )
            for a in rows:
                who = ""
                if not survey.anonymous and a.response.person is not None:
                    name = a.response.person.name
                    who = name if show_names else mask_name(name)
                r.texts.append((who, a.text))
        out.append(r)
    return SurveyResults(survey=survey, respondents=respondents, questions=out)


def results_as_dict(results: SurveyResults) -> dict[str, Any]:
    """The results as plain data for the API."""
    return {
        "survey_id": results.survey.pk,
        "title": results.survey.title,
        "anonymous": results.survey.anonymous,
        "respondents": results.respondents,
        "questions": [
            {
                "id": r.question.pk,
                "text": r.question.text,
                "kind": r.question.kind,
                "answered": r.answered,
                "average": r.average,
                "rows": [
                    {"label": row.label, "count": row.count, "percent": row.percent}
                    for row in (r.chart.rows if r.chart else [])
                ],
                "texts": [{"who": who, "text": text} for who, text in r.texts],
            }
            for r in results.questions
        ],
    }


def response_count(*, survey: Survey) -> int:
    return Response.objects.filter(survey=survey).count()
