"""Pages for budget rounds: residents vote on a phone and read the outcome; cadres set a round
up, open it, enter paper ballots, close, compute, publish, and import/export ``.pb`` files.
Thin: parse, check, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from wugong.budgeting import selectors, services
from wugong.budgeting.forms import (
    ImportForm,
    ProjectForm,
    RoundForm,
    choice_from_post,
    pb_text,
)
from wugong.budgeting.models import BudgetRound, Project, RollEntry, RoundStatus
from wugong.core.errors import DomainError, NotFound, ValidationFailed
from wugong.core.http import is_htmx
from wugong.needs.models import Need
from wugong.needs.models import Status as NeedStatus
from wugong.places.models import Place
from wugong.places.paths import subtree_q


def _round(request: HttpRequest, pk: int) -> BudgetRound:
    try:
        return selectors.round_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from None


def _manage(request: HttpRequest, pk: int) -> BudgetRound:
    budget_round = _round(request, pk)
    if not selectors.can_manage(request.viewer, budget_round):
        raise DjangoPermissionDenied
    return budget_round


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    page = Paginator(selectors.round_list(viewer=viewer), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "budgeting/round_list.html",
        {"page": page, "can_create": viewer.has_rule("budget.manage")},
    )


def _place_from(request: HttpRequest, places: list[Place], pk: Any) -> Place:
    place = next((p for p in places if p.pk == pk), None)
    if place is None:
        raise DjangoPermissionDenied
    return place


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not viewer.has_rule("budget.manage"):
        raise DjangoPermissionDenied
    places = selectors.manageable_places(viewer=viewer)
    form = RoundForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        try:
            budget_round = services.round_create(
                viewer=viewer,
                actor=request.user,
                place=_place_from(request, places, form.cleaned_data["place"]),
                settings=form.settings(),
            )
        except ValidationFailed as e:
            form.add_domain_error(e)
        else:
            messages.success(request, _("已创建，请添加候选项目。"))
            return redirect("budgeting:project_add", pk=budget_round.pk)
    return render(request, "budgeting/round_form.html", {"form": form, "budget_round": None})


@login_required
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    budget_round = _manage(request, pk)
    if budget_round.status != RoundStatus.DRAFT:
        messages.error(request, _("投票开始后不能再修改预算设置。"))
        return redirect("budgeting:detail", pk=pk)
    form = RoundForm(request.POST or None, initial=RoundForm.initial_for(budget_round))
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(
                viewer=request.viewer,
                actor=request.user,
                budget_round=budget_round,
                settings=form.settings(),
            )
        except ValidationFailed as e:
            form.add_domain_error(e)
        else:
            messages.success(request, _("已保存。"))
            return redirect("budgeting:detail", pk=pk)
    return render(
        request, "budgeting/round_form.html", {"form": form, "budget_round": budget_round}
    )


def _ballot_context(
    budget_round: BudgetRound, projects: list[Project], choice: dict[int, int]
) -> dict[str, Any]:
    """The ballot's fields and the live hint: how many chosen against m..k, points left."""
    items = [(p, choice.get(p.pk, 0)) for p in projects]
    chosen = sum(1 for _p, v in items if v)
    spent = sum(v for _p, v in items)
    total = budget_round.total_points or 0
    problems = []
    if budget_round.max_choices is not None and chosen > budget_round.max_choices:
        problems.append(_("最多只能选%(k)d项。") % {"k": budget_round.max_choices})
    if chosen < budget_round.min_choices:
        problems.append(_("至少要选%(m)d项。") % {"m": budget_round.min_choices})
    if budget_round.is_points:
        if spent > total:
            problems.append(_("点数超出了%(t)d点。") % {"t": total})
        elif budget_round.points_exact and spent < total:
            problems.append(_("还有%(r)d点没有分。") % {"r": total - spent})
    return {
        "items": items,
        "chosen": chosen,
        "spent": spent,
        "remaining": total - spent,
        "problems": problems,
        "ready": not problems,
    }


def _detail_context(
    request: HttpRequest, budget_round: BudgetRound, choice: dict[int, int] | None = None
) -> dict[str, Any]:
    viewer = request.viewer
    projects = list(budget_round.projects.select_related("need"))
    entry = selectors.roll_entry_for(budget_round=budget_round, viewer=viewer)
    current = selectors.my_choice(entry=entry)
    try:
        services.window_check(budget_round)
        in_window, window_message = True, ""
    except DomainError as e:
        in_window, window_message = False, str(e)
    manage = selectors.can_manage(viewer, budget_round)
    context: dict[str, Any] = {
        "budget_round": budget_round,
        "projects": projects,
        "entry": entry,
        "can_cast": bool(entry and in_window and entry.channel != "paper"),
        "window_message": window_message,
        "manage": manage,
        "counts": selectors.roll_counts(budget_round=budget_round) if manage else None,
        "current": current,
    }
    context.update(_ballot_context(budget_round, projects, current if choice is None else choice))
    return context


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget_round = _round(request, pk)
    return render(request, "budgeting/round_detail.html", _detail_context(request, budget_round))


@login_required
@require_POST
def ballot_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The ballot re-shown with the live hint (or one point moved by a +/- stepper); nothing
    is saved. htmx swaps the ballot; without scripts the whole page comes back."""
    budget_round = _round(request, pk)
    projects = list(budget_round.projects.all())
    try:
        choice = choice_from_post(budget_round, projects, request.POST)
    except ValidationFailed:
        choice = {}
    context = _detail_context(request, budget_round, choice)
    template = (
        "budgeting/round_detail.html#ballot" if is_htmx(request) else "budgeting/round_detail.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def ballot_cast(request: HttpRequest, pk: int) -> HttpResponse:
    budget_round = _round(request, pk)
    projects = list(budget_round.projects.all())
    choice: dict[int, int] = {}
    try:
        choice = choice_from_post(budget_round, projects, request.POST)
        outcome = services.ballot_cast(
            viewer=request.viewer, actor=request.user, budget_round=budget_round, choice=choice
        )
    except DomainError as e:
        context = _detail_context(request, budget_round, choice)
        context["error"] = str(e)
        template = (
            "budgeting/round_detail.html#ballot"
            if is_htmx(request)
            else "budgeting/round_detail.html"
        )
        return render(request, template, context, status=e.status)
    context = _detail_context(request, budget_round)
    context["outcome"] = outcome
    template = (
        "budgeting/round_detail.html#ballot" if is_htmx(request) else "budgeting/round_detail.html"
    )
    return render(request, template, context)


@login_required
def project_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add candidate projects, picked from the needs list of the place."""
    budget_round = _manage(request, pk)
    needs = list(
        Need.objects.filter(subtree_q(budget_round.place_path, "place_path"))
        .exclude(status__in=[NeedStatus.MERGED, NeedStatus.DECLINED])
        .exclude(budget_projects__round=budget_round)
        .order_by("-created_at", "-id")[:200]
    )
    form = ProjectForm(request.POST or None, needs=needs)
    if request.method == "POST" and form.is_valid():
        need = next((n for n in needs if n.pk == form.cleaned_data.get("need")), None)
        try:
            services.project_add(
                viewer=request.viewer,
                actor=request.user,
                budget_round=budget_round,
                need=need,
                title=form.cleaned_data.get("title", ""),
                description=form.cleaned_data.get("description", ""),
                cost=form.cleaned_data["cost"] or 0,
            )
        except ValidationFailed as e:
            form.add_error(e.field if e.field in form.fields else None, str(e))
        else:
            messages.success(request, _("已添加候选项目。"))
            return redirect("budgeting:project_add", pk=pk)
    return render(
        request,
        "budgeting/project_form.html",
        {
            "budget_round": budget_round,
            "form": form,
            "projects": list(budget_round.projects.select_related("need")),
        },
    )


@login_required
@require_POST
def project_remove(request: HttpRequest, pk: int, project_pk: int) -> HttpResponse:
    budget_round = _manage(request, pk)
    project = Project.objects.filter(round=budget_round, pk=project_pk).first()
    if project is None:
        raise Http404
    try:
        services.project_remove(viewer=request.viewer, actor=request.user, project=project)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已移除。"))
    return redirect("budgeting:project_add", pk=pk)


def _lifecycle(action: Any, done: str) -> Any:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        budget_round = _manage(request, pk)
        try:
            action(viewer=request.viewer, actor=request.user, budget_round=budget_round)
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, done)
        target = "budgeting:outcome" if action is services.round_compute else "budgeting:detail"
        return redirect(target, pk=pk)

    view.__name__ = action.__name__
    return view


round_open = _lifecycle(services.round_open, _lazy("已开始投票，名册已冻结。"))
round_close = _lifecycle(services.round_close, _lazy("已截止投票。"))
round_compute = _lifecycle(services.round_compute, _lazy("已计算结果，请核对后公布。"))
round_publish = _lifecycle(services.round_publish, _lazy("结果已公布，并已发布结果公示。"))


@login_required
def paper_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter paper ballots quickly (纸质选票代录): find the voter on the roll, tick the
    projects on their paper, save; the page comes back ready for the next one."""
    budget_round = _manage(request, pk)
    projects = list(budget_round.projects.all())
    query = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"budget_round": budget_round, "projects": projects, "q": query}
    if request.method == "POST":
        entry = RollEntry.objects.filter(round=budget_round, pk=request.POST.get("entry") or 0)
        entry_obj = entry.first()
        try:
            if entry_obj is None:
                raise ValidationFailed(_("请先在名册中选中投票人。"), field="entry")
            choice = choice_from_post(budget_round, projects, request.POST)
            done = services.paper_ballot_record(
                viewer=request.viewer,
                actor=request.user,
                budget_round=budget_round,
                entry=entry_obj,
                choice=choice,
            )
        except DomainError as e:
            context["error"] = str(e)
            context["selected"] = entry_obj
            try:  # keep what was ticked, so only the mistake needs fixing
                kept = choice_from_post(budget_round, projects, request.POST)
            except DomainError:
                kept = {}
            context["items"] = [(p, kept.get(p.pk, 0)) for p in projects]
            status = e.status
        else:
            context["done"] = done
            status = 200
    else:
        status = 200
    context.setdefault("items", [(p, 0) for p in projects])
    context["entries"] = selectors.roll_search(budget_round=budget_round, query=query)
    context["counts"] = selectors.roll_counts(budget_round=budget_round)
    if is_htmx(request) and request.method == "GET":
        return render(request, "budgeting/paper.html#roll", context)
    return render(request, "budgeting/paper.html", context, status=status)


@login_required
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """The outcome with an explanation for every project; before publication only for those
    who run the round (to check it)."""
    budget_round = _round(request, pk)
    manage = selectors.can_manage(request.viewer, budget_round)
    visible = budget_round.status == RoundStatus.PUBLISHED or (
        manage and budget_round.status == RoundStatus.COMPUTED
    )
    if not visible:
        raise Http404(_("结果尚未公布。"))
    return render(
        request,
        "budgeting/outcome.html",
        {
            "budget_round": budget_round,
            "rows": selectors.outcome_rows(budget_round=budget_round),
            "counts": selectors.roll_counts(budget_round=budget_round),
            "result": budget_round.result or {},
            "voter_budget": selectors.fen_text((budget_round.result or {}).get("voter_budget")),
            "budget_left": selectors.fen_text((budget_round.result or {}).get("budget_left")),
            "manage": manage,
        },
    )


@login_required
def export_pb(request: HttpRequest, pk: int) -> HttpResponse:
    budget_round = _round(request, pk)
    if not selectors.can_export(request.viewer, budget_round):
        raise DjangoPermissionDenied
    text = selectors.round_pabulib(budget_round=budget_round)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="budget-{budget_round.pk}.pb"'
    return response


@login_required
def import_pb(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not viewer.has_rule("budget.manage"):
        raise DjangoPermissionDenied
    places = selectors.manageable_places(viewer=viewer)
    form = ImportForm(request.POST or None, request.FILES or None, places=places)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            budget_round = services.round_import(
                viewer=viewer,
                actor=request.user,
                place=_place_from(request, places, form.cleaned_data["place"]),
                text=pb_text(upload),
                title=form.cleaned_data.get("title", ""),
                source_name=upload.name,
            )
        except ValidationFailed as e:
            form.add_error("file" if e.field == "file" else None, str(e))
            status = 400
        else:
            messages.success(request, _("已导入，可以计算结果。"))
            return redirect("budgeting:detail", pk=budget_round.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "budgeting/import.html", {"form": form}, status=status)
