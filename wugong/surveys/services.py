"""Every write to surveys (问卷): creating, questions, opening and closing, responding."""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.surveys.models import (
    Answer,
    Choice,
    Participation,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
)

MAX_QUESTIONS = 50
MAX_CHOICES = 20
MAX_TEXT_ANSWER = 1000
STARS_MAX = 5


# --- rules on a target ------------------------------------------------------------------------
def can_manage_survey(viewer: Viewer, place: Place) -> bool:
    return viewer.can_place("survey.manage", place)


def can_respond(viewer: Viewer, survey: Survey) -> bool:
    """A person whose household or role lies in the survey's place may answer."""
    if viewer.person_id is None:
        return False
    return any(
        a.place_path.startswith(survey.place_path) for a in viewer.granting("survey.respond")
    )


def _manageable(viewer: Viewer, survey: Survey) -> None:
    if not can_manage_survey(viewer, survey.place):
        raise PermissionDenied(_("您无权管理这份问卷。"))


def _locked(survey_pk: int) -> Survey:
    return Survey.objects.select_for_update().select_related("place").get(pk=survey_pk)


# --- surveys and questions --------------------------------------------------------------------
@transaction.atomic
def survey_create(
    *,
    viewer: Viewer,
    place: Place,
    title: str,
    description: str = "",
    anonymous: bool = True,
    actor: Any = None,
) -> Survey:
    """Set up a survey (创建问卷) of a place, as a draft."""
    if not can_manage_survey(viewer, place):
        raise PermissionDenied(_("您无权在该地点发起问卷。"))
    title = (title or "").strip()
    description = (description or "").strip()
    if not title or len(title) > 100:
        raise ValidationFailed(_("请填写问卷标题（不超过100个字）。"), field="title")
    if len(description) > 2000:
        raise ValidationFailed(_("问卷说明不超过2000个字。"), field="description")
    survey = Survey.objects.create(
        title=title,
        description=description,
        place=place,
        place_path=place.path,
        anonymous=anonymous,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_event_record(
        actor=actor,
        action="survey.create",
        obj=survey,
        place_path=place.path,
        changes={"title": title, "place": place, "anonymous": anonymous},
    )
    return survey


@transaction.atomic
def question_add(
    *,
    viewer: Viewer,
    survey: Survey,
    kind: str,
    text: str,
    choices: list[str] | None = None,
    required: bool = True,
    actor: Any = None,
) -> Question:
    """Add a question to a draft survey. Single and multiple choice need 2–20 distinct
    choices; stars are 1–5; text is free (up to 1000 characters)."""
    survey = _locked(survey.pk)
    _manageable(viewer, survey)
    if survey.status != SurveyStatus.DRAFT:
        raise ValidationFailed(_("问卷已开始，不能再修改题目。"))
    if kind not in QuestionKind.values:
        raise ValidationFailed(_("请选择题型。"), field="kind")
    text = (text or "").strip()
    if not text or len(text) > 300:
        raise ValidationFailed(_("请填写题目（不超过300个字）。"), field="text")
    cleaned = [c.strip() for c in (choices or []) if c and c.strip()]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if not 2 <= len(cleaned) <= MAX_CHOICES:
            raise ValidationFailed(
                _("选择题需要2到%(n)d个选项，每行一个。") % {"n": MAX_CHOICES}, field="choices"
            )
        if len(set(cleaned)) != len(cleaned):
            raise ValidationFailed(_("选项不能重复。"), field="choices")
        if any(len(c) > 100 for c in cleaned):
            raise ValidationFailed(_("每个选项不超过100个字。"), field="choices")
    else:
        cleaned = []
    count = survey.questions.count()
    if count >= MAX_QUESTIONS:
        raise ValidationFailed(_("一份问卷最多%(n)d道题。") % {"n": MAX_QUESTIONS})
    last = survey.questions.order_by("-position").values_list("position", flat=True).first()
    question = Question.objects.create(
        survey=survey, position=(last or 0) + 1, kind=kind, text=text, required=required
    )
    Choice.objects.bulk_create(
        Choice(question=question, position=i, text=c) for i, c in enumerate(cleaned, 1)
    )
    audit_event_record(
        actor=actor,
        action="survey.question_add",
        obj=survey,
        place_path=survey.place_path,
        changes={"question": question.pk, "kind": kind, "text": text, "choices": cleaned},
    )
    return question


@transaction.atomic
def question_remove(*, viewer: Viewer, question: Question, actor: Any = None) -> None:
    survey = _locked(question.survey_id)
    _manageable(viewer, survey)
    if survey.status != SurveyStatus.DRAFT:
        raise ValidationFailed(_("问卷已开始，不能再修改题目。"))
    question.delete()
    audit_event_record(
        actor=actor,
        action="survey.question_remove",
        obj=survey,
        place_path=survey.place_path,
        changes={"question": question.text},
    )


@transaction.atomic
def survey_open(
    *,
    viewer: Viewer,
    survey: Survey,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    actor: Any = None,
) -> Survey:
    """Open a draft for answers (开始填写), from ``opens_at`` (default now) until
    ``closes_at`` (optional; it can also be closed by hand)."""
    survey = _locked(survey.pk)
    _manageable(viewer, survey)
    if survey.status != SurveyStatus.DRAFT:
        raise ValidationFailed(_("只有草稿状态的问卷可以开始。"))
    if not survey.questions.exists():
        raise ValidationFailed(_("请先添加至少一道题。"))
    now = timezone.now()
    opens_at = opens_at or now
    if closes_at is not None and closes_at <= max(opens_at, now):
        raise ValidationFailed(_("截止时间应晚于开始时间和现在。"), field="closes_at")
    survey.status = SurveyStatus.OPEN
    survey.opens_at, survey.closes_at = opens_at, closes_at
    survey.save(update_fields=["status", "opens_at", "closes_at"])
    audit_event_record(
        actor=actor,
        action="survey.open",
        obj=survey,
        place_path=survey.place_path,
        changes={"opens_at": opens_at, "closes_at": closes_at},
    )
    return survey


@transaction.atomic
def survey_close(*, viewer: Viewer, survey: Survey, actor: Any = None) -> Survey:
    """Close an open survey now (结束问卷); results become visible to residents."""
    survey = _locked(survey.pk)
    _manageable(viewer, survey)
    if survey.status != SurveyStatus.OPEN:
        raise ValidationFailed(_("只有进行中的问卷可以结束。"))
    now = timezone.now()
    survey.status = SurveyStatus.CLOSED
    if survey.closes_at is None or survey.closes_at > now:
        survey.closes_at = max(now, survey.opens_at + dt.timedelta(microseconds=1))
    survey.save(update_fields=["status", "closes_at"])
    audit_event_record(actor=actor, action="survey.close", obj=survey, place_path=survey.place_path)
    return survey


# --- responding -------------------------------------------------------------------------------
def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def answers_clean(
    *, questions: list[Question], raw: dict[Any, Any]
) -> list[tuple[Question, list[dict[str, Any]]]]:
    """Check every answer against its question before anything is written. ``raw`` maps a
    question id (int or str) to a choice id, a list of choice ids, a star count or a text."""
    by_id = {q.pk: q for q in questions}
    given: dict[int, Any] = {}
    for key, value in raw.items():
        qid = _as_int(key)
        if qid is None or qid not in by_id:
            raise ValidationFailed(_("答卷中有不属于本问卷的题目。"), field="answers")
        given[qid] = value
    out = []
    for n, q in enumerate(questions, 1):
        value = given.get(q.pk)
        field = f"q{q.pk}"
        if isinstance(value, str):
            value = value.strip()
        empty = value is None or value == "" or value == []
        if empty:
            if q.required:
                raise ValidationFailed(
                    _("请回答第%(n)d题：%(text)s") % {"n": n, "text": q.text}, field=field
                )
            continue
        choice_ids = {c.pk for c in q.choices.all()}
        rows: list[dict[str, Any]]
        if q.kind == QuestionKind.SINGLE:
            cid = _as_int(value)
            if cid not in choice_ids:
                raise ValidationFailed(_("第%(n)d题的选项无效。") % {"n": n}, field=field)
            rows = [{"choice_id": cid}]
        elif q.kind == QuestionKind.MULTIPLE:
            values = value if isinstance(value, list | tuple) else [value]
            ids = [_as_int(v) for v in values]
            if not ids or any(i not in choice_ids for i in ids):
                raise ValidationFailed(_("第%(n)d题的选项无效。") % {"n": n}, field=field)
            rows = [{"choice_id": i} for i in sorted(set(ids))]  # type: ignore[type-var]
        elif q.kind == QuestionKind.STARS:
            stars = _as_int(value)
            if stars is None or not 1 <= stars <= STARS_MAX:
                raise ValidationFailed(_("第%(n)d题请给1到5颗星。") % {"n": n}, field=field)
            rows = [{"stars": stars}]
        else:
            if not isinstance(value, str):
                raise ValidationFailed(_("第%(n)d题请填写文字。") % {"n": n}, field=field)
            if len(value) > MAX_TEXT_ANSWER:
                raise ValidationFailed(
                    _("第%(n)d题不超过%(max)d个字。") % {"n": n, "max": MAX_TEXT_ANSWER},
                    field=field,
                )
            rows = [{"text": value}]
        out.append((q, rows))
    return out


@transaction.atomic
def survey_respond(
    *, viewer: Viewer, survey: Survey, answers: dict[Any, Any], actor: Any = None
) -> Participation:
    """Answer a survey (填写问卷), once per person. In an anonymous survey the answers are
    stored without the person, without a time, under random keys; only the participation
    (that this person responded, on this day) names them. A second submission is refused."""
    from wugong.people.models import Person

    survey = Survey.objects.select_related("place").get(pk=survey.pk)
    if not can_respond(viewer, survey):
        raise PermissionDenied(_("这份问卷只面向%(place)s的居民。") % {"place": survey.place.name})
    now = timezone.now()
    if not survey.accepts_at(now):
        if survey.status == SurveyStatus.DRAFT or (survey.opens_at and now < survey.opens_at):
            raise ValidationFailed(_("问卷还没有开始，请稍后再来。"), code="not_open")
        raise ValidationFailed(_("问卷已经结束，不能再提交。"), code="closed")
    questions = list(survey.questions.prefetch_related("choices").order_by("position"))
    cleaned = answers_clean(questions=questions, raw=answers)
    if not cleaned:
        raise ValidationFailed(_("请至少回答一道题。"), field="answers")
    person = Person.objects.get(pk=viewer.person_id)
    try:
        with transaction.atomic():
            participation = Participation.objects.create(
                survey=survey, person=person, responded_on=timezone.localdate(now)
            )
    except IntegrityError:
        raise ValidationFailed(
            _("您已经填写过这份问卷，每人只能提交一次。"), code="already_responded"
        ) from None
    response = Response.objects.create(
        survey=survey,
        person=None if survey.anonymous else person,
        submitted_at=None if survey.anonymous else now,
    )
    Answer.objects.bulk_create(
        Answer(response=response, question=q, **row) for q, rows in cleaned for row in rows
    )
    # The trail records the participation only: never which response, never what was answered.
    audit_event_record(
        actor=actor,
        action="survey.respond",
        obj=participation,
        place_path=survey.place_path,
        changes={"survey": survey.pk, "anonymous": survey.anonymous},
    )
    return participation
