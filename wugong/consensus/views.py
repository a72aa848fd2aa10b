"""Pages of common-ground conversations (最大公约数). Thin: parse, check, call one service or
selector, render. Residents vote one statement at a time, htmx swapping in the next card."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.consensus import selectors, services
from wugong.consensus.forms import ConversationForm, ImportForm, StatementForm
from wugong.consensus.models import Conversation, VoteValue
from wugong.core.errors import DomainError, NotFound
from wugong.core.errors import PermissionDenied as DomainPermissionDenied
from wugong.core.http import is_htmx


def _conversation(request: HttpRequest, pk: int) -> Conversation:
    try:
        return selectors.conversation_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e


def _managed(request: HttpRequest, pk: int) -> Conversation:
    conversation = _conversation(request, pk)
    if not selectors.can_manage(request.viewer, conversation):
        raise PermissionDenied(_("您无权管理这个讨论。"))
    return conversation


# --- list, create, import ------------------------------------------------------------------------
@login_required
def conversation_list(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    return render(
        request,
        "consensus/list.html",
        {
            "conversations": selectors.conversation_list(viewer=viewer)[:100],
            "can_manage": viewer.has_rule("conversation.manage"),
        },
    )


@login_required
def conversation_new(request: HttpRequest) -> HttpResponse:
    """A cadre opens a conversation of a place on a topic."""
    viewer = request.viewer
    if not viewer.has_rule("conversation.manage"):
        raise PermissionDenied
    places = selectors.place_choices(viewer=viewer)
    form = ConversationForm(request.POST or None, places=places)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_create(
                viewer=viewer,
                actor=request.user,
                place=selectors.place_get(viewer=viewer, place_id=form.cleaned_data["place"]),
                topic=form.cleaned_data["topic"],
                description=form.cleaned_data["description"],
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("讨论已发起。请先添加几条预设观点。"))
            return redirect("consensus:manage", pk=conversation.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "consensus/new.html", {"form": form, "error": error}, status=status)


@login_required
def conversation_import(request: HttpRequest) -> HttpResponse:
    """Import a Pol.is export (a zip of comments.csv and votes.csv, or the two files)."""
    viewer = request.viewer
    if not viewer.has_rule("conversation.manage"):
        raise PermissionDenied
    places = selectors.place_choices(viewer=viewer)
    form = ImportForm(request.POST or None, request.FILES or None, places=places)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            comments, votes = form.polis_files()
            conversation = services.conversation_import(
                viewer=viewer,
                actor=request.user,
                place=selectors.place_get(viewer=viewer, place_id=form.cleaned_data["place"]),
                topic=form.cleaned_data["topic"],
                description=form.cleaned_data["description"],
                comments_csv=comments,
                votes_csv=votes,
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("已导入。可以计算分组结果了。"))
            return redirect("consensus:manage", pk=conversation.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "consensus/import.html", {"form": form, "error": error}, status=status)


# --- taking part -------------------------------------------------------------------------------
def _card_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    viewer = request.viewer
    can_vote = selectors.can_take_part(viewer, conversation) and conversation.is_open
    return {
        "conversation": conversation,
        "can_vote": can_vote,
        "statement": selectors.next_statement(viewer=viewer, conversation=conversation)
        if can_vote
        else None,
        "progress": selectors.progress(viewer=viewer, conversation=conversation),
        "choices": [
            (VoteValue.AGREE, _("同意"), "agree"),
            (VoteValue.DISAGREE, _("不同意"), "disagree"),
            (VoteValue.PASS, _("跳过"), "pass"),
        ],
    }


@login_required
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The conversation: one statement at a time with three big buttons."""
    conversation = _conversation(request, pk)
    viewer = request.viewer
    context = _card_context(request, conversation)
    context.update(
        can_take_part=selectors.can_take_part(viewer, conversation),
        can_manage=selectors.can_manage(viewer, conversation),
        can_see_results=selectors.can_see_results(viewer, conversation),
        mine=selectors.statements_by(viewer=viewer, conversation=conversation),
    )
    return render(request, "consensus/detail.html", context)


@login_required
@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Cast (or change) a vote; htmx gets the next card, other browsers the page again."""
    conversation = _conversation(request, pk)
    try:
        statement = selectors.statement_get(
            viewer=request.viewer, conversation=conversation, pk=int(request.POST["statement"])
        )
        services.statement_vote(
            viewer=request.viewer,
            actor=request.user,
            statement=statement,
            value=int(request.POST.get("value", "")),
        )
    except (KeyError, ValueError):
        messages.error(request, _("请选择同意、不同意或跳过。"))
    except DomainError as e:
        messages.error(request, str(e))
    if is_htmx(request):
        # htmx swaps only 2xx answers: a refused vote comes back as a card with the reason.
        context = _card_context(request, conversation)
        context["flash"] = list(messages.get_messages(request))
        return render(request, "consensus/detail.html#card", context)
    return redirect("consensus:detail", pk=pk)


@login_required
def statement_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a statement: a resident's waits for the cadres' review; a cadre's is a seed."""
    conversation = _conversation(request, pk)
    viewer = request.viewer
    manager = selectors.can_manage(viewer, conversation)
    if not manager and not selectors.can_take_part(viewer, conversation):
        raise PermissionDenied(_("只有本地居民可以在这个讨论中提出观点。"))
    form = StatementForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            statement = services.statement_submit(
                viewer=viewer,
                actor=request.user,
                conversation=conversation,
                text=form.cleaned_data["text"],
            )
        except DomainError as e:
            error = e
        else:
            if statement.status == "accepted":
                messages.success(request, _("观点已添加，大家现在就可以投票。"))
                return redirect("consensus:manage" if manager else "consensus:detail", pk=pk)
            messages.success(request, _("观点已提交，干部审核通过后大家就能看到。"))
            return redirect("consensus:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "consensus/statement_new.html",
        {"conversation": conversation, "form": form, "error": error},
        status=status,
    )


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """What the groups agree on, what divides them, and the map (from the stored result)."""
    conversation = _conversation(request, pk)
    viewer = request.viewer
    if not selectors.can_see_results(viewer, conversation):
        raise PermissionDenied(_("结果还未公布。"))
    context = selectors.results_view(viewer=viewer, conversation=conversation)
    context.update(conversation=conversation, can_manage=selectors.can_manage(viewer, conversation))
    return render(request, "consensus/results.html", context)


# --- managing ----------------------------------------------------------------------------------
@login_required
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    """Cadres: seed statements, the moderation queue, compute, publish, open/close, export."""
    conversation = _managed(request, pk)
    return render(
        request,
        "consensus/manage.html",
        {
            "conversation": conversation,
            "queue": selectors.moderation_queue(conversation),
            "statements": selectors.statements_all(conversation).exclude(status="pending"),
            "form": StatementForm(),
            "result": getattr(conversation, "result", None),
        },
    )


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int, statement_pk: int) -> HttpResponse:
    conversation = _managed(request, pk)
    try:
        statement = selectors.statement_get(
            viewer=request.viewer, conversation=conversation, pk=statement_pk
        )
        statement = services.statement_moderate(
            viewer=request.viewer,
            actor=request.user,
            statement=statement,
            accept=request.POST.get("accept") == "1",
            reason=request.POST.get("reason", ""),
        )
    except DomainError as e:
        if is_htmx(request):  # the row again, with the reason (htmx swaps only 2xx answers)
            s = selectors.statement_get(
                viewer=request.viewer, conversation=conversation, pk=statement_pk
            )
            return render(
                request,
                "consensus/manage.html#queue-row",
                {"conversation": conversation, "s": s, "error": e},
            )
        messages.error(request, str(e))
        return redirect("consensus:manage", pk=pk)
    if is_htmx(request):
        return render(
            request,
            "consensus/manage.html#queue-row",
            {"conversation": conversation, "s": statement},
        )
    messages.success(request, _("已审核。"))
    return redirect("consensus:manage", pk=pk)


def _action(
    request: HttpRequest, pk: int, run: Any, ok: str, to: str = "consensus:manage"
) -> HttpResponse:
    conversation = _managed(request, pk)
    try:
        run(conversation)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, ok)
    return redirect(to, pk=pk)


@login_required
@require_POST
def compute(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda c: services.conversation_compute(
            conversation=c, viewer=request.viewer, actor=request.user
        ),
        _("已重新计算。"),
        "consensus:results",
    )


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda c: services.conversation_publish(
            viewer=request.viewer, conversation=c, actor=request.user
        ),
        _("结果已公布，并已发布公示。"),
    )


@login_required
@require_POST
def set_open(request: HttpRequest, pk: int) -> HttpResponse:
    is_open = request.POST.get("open") == "1"
    return _action(
        request,
        pk,
        lambda c: services.conversation_set_open(
            viewer=request.viewer, conversation=c, is_open=is_open, actor=request.user
        ),
        _("讨论已重新开始。") if is_open else _("讨论已结束。"),
    )


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The Pol.is export (comments.csv + votes.csv) as a zip download."""
    conversation = _conversation(request, pk)
    try:
        data = services.conversation_export_zip(
            viewer=request.viewer, conversation=conversation, actor=request.user
        )
    except DomainPermissionDenied as e:
        raise PermissionDenied(str(e)) from e
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="conversation-{pk}-polis.zip"'
    return response
