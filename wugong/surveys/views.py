"""Survey pages: residents answer on a phone; cadres set questions, open, close, read results."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound
from wugong.core.http import run_then_redirect
from wugong.places.models import Place
from wugong.surveys import selectors, services
from wugong.surveys.forms import QuestionForm, SurveyForm
from wugong.surveys.models import Question, QuestionKind, Survey, SurveyStatus


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _survey(request: HttpRequest, pk: int) -> Survey:
    try:
        return selectors.survey_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from None


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    return render(
        request,
        "surveys/survey_list.html",
        {
            "to_answer": list(selectors.surveys_to_answer(viewer=viewer)[:50]),
            "managed": list(selectors.surveys_managed(viewer=viewer)[:50])
            if viewer.has_rule("survey.manage")
            else [],
            "can_create": viewer.has_rule("survey.manage"),
        },
    )


@login_required
def survey_create(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    places = [
        p
        for p in Place.objects.filter(viewer.place_q("survey.manage")).order_by("path")[:500]
        if services.can_manage_survey(viewer, p)
    ]
    if not places:
        raise PermissionDenied
    form = SurveyForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            survey = services.survey_create(
                viewer=viewer,
                place=next(p for p in places if p.pk == d["place"]),
                title=d["title"],
                description=d["description"],
                anonymous=d["anonymous"],
                actor=request.user,
            )
        except DomainError as e:
            _form_error(form, e)
        else:
            return redirect("surveys:survey_detail", pk=survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form})


def _question_rows(questions: list[Question], submitted: Any = None) -> list[dict[str, Any]]:
    """Questions for the answer form, with what was ticked or typed kept after an error."""
    rows = []
    for n, q in enumerate(questions, 1):
        key = f"q{q.pk}"
        picked = set(submitted.getlist(key)) if submitted is not None else set()
        rows.append(
            {
                "n": n,
                "q": q,
                "key": key,
                "choices": [(c, str(c.pk) in picked) for c in q.choices.all()],
                "stars": [(s, str(s) in picked) for s in range(1, 6)],
                "text": submitted.get(key, "") if submitted is not None else "",
            }
        )
    return rows


@login_required
def survey_detail(
    request: HttpRequest, pk: int, *, submitted: Any = None, error: str = ""
) -> HttpResponse:
    """The manager's view (questions, open/close) or the resident's answer form."""
    survey = _survey(request, pk)
    viewer = request.viewer
    questions = selectors.survey_questions(survey=survey)
    return render(
        request,
        "surveys/survey_detail.html",
        {
            "survey": survey,
            "rows": _question_rows(questions, submitted),
            "can_manage": services.can_manage_survey(viewer, survey.place),
            "can_respond": services.can_respond(viewer, survey),
            "accepts": survey.accepts_at(timezone.now()),
            "responded": selectors.has_responded(viewer=viewer, survey=survey),
            "can_see_results": selectors.can_see_results(viewer=viewer, survey=survey),
            "is_draft": survey.status == SurveyStatus.DRAFT,
            "is_open": survey.status == SurveyStatus.OPEN,
            "question_form": QuestionForm(),
            "error": error,
            "kinds": QuestionKind,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def survey_respond(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    answers: dict[int, Any] = {}
    for q in selectors.survey_questions(survey=survey):
        key = f"q{q.pk}"
        if q.kind == QuestionKind.MULTIPLE:
            answers[q.pk] = request.POST.getlist(key)
        else:
            answers[q.pk] = request.POST.get(key, "")
    try:
        services.survey_respond(
            viewer=request.viewer, survey=survey, answers=answers, actor=request.user
        )
    except DomainError as e:
        return survey_detail(request, pk, submitted=request.POST, error=str(e))
    messages.success(request, _("谢谢您！答卷已提交。"))
    return redirect("surveys:survey_detail", pk=pk)


def _manage_action(request: HttpRequest, pk: int, ok: str, action) -> HttpResponse:  # type: ignore[no-untyped-def]
    return run_then_redirect(request, action, ok=ok, to="surveys:survey_detail", pk=pk)


@login_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写题目并选择题型。"))
        return redirect("surveys:survey_detail", pk=pk)
    d = form.cleaned_data
    return _manage_action(
        request,
        pk,
        _("题目已添加。"),
        lambda: services.question_add(
            viewer=request.viewer,
            survey=survey,
            kind=d["kind"],
            text=d["text"],
            choices=d["choices"].splitlines(),
            required=d["required"],
            actor=request.user,
        ),
    )


@login_required
@require_POST
def question_remove(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk)
    return _manage_action(
        request,
        question.survey_id,
        _("题目已删除。"),
        lambda: services.question_remove(
            viewer=request.viewer, question=question, actor=request.user
        ),
    )


@login_required
@require_POST
def survey_open(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    closes_at = None
    if raw := request.POST.get("closes_on", "").strip():
        import datetime as dt

        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("截止日期格式不正确。"))
            return redirect("surveys:survey_detail", pk=pk)
        closes_at = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
    return _manage_action(
        request,
        pk,
        _("问卷已开始，居民现在可以填写。"),
        lambda: services.survey_open(
            viewer=request.viewer, survey=survey, closes_at=closes_at, actor=request.user
        ),
    )


@login_required
@require_POST
def survey_close(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    return _manage_action(
        request,
        pk,
        _("问卷已结束。"),
        lambda: services.survey_close(viewer=request.viewer, survey=survey, actor=request.user),
    )


@login_required
def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    viewer = request.viewer
    if not selectors.can_see_results(viewer=viewer, survey=survey):
        raise PermissionDenied
    manager = services.can_manage_survey(viewer, survey.place)
    results = selectors.survey_results(survey=survey, show_names=manager)
    return render(request, "surveys/survey_results.html", {"results": results, "survey": survey})
