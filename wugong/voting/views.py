"""Pages for votes: a resident's open votes and casting; results and receipts; a cadre's
create, open, offline tally, proxy, close and publish. Thin: parse, check, call, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound
from wugong.core.http import is_htmx
from wugong.people.models import Person
from wugong.places.models import Place
from wugong.transparency.pdf import render_paper_ballot_pdf, render_tally_sheet_pdf
from wugong.voting import selectors, services
from wugong.voting.forms import (
    OfflineForm,
    VoteForm,
    choices_from_post,
    offline_counts_from_post,
    proxies_from_post,
)
from wugong.voting.models import RollEntry, Vote, VoteMethod, VoteStatus


def _vote(request: HttpRequest, pk: int) -> Vote:
    try:
        return selectors.vote_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from None


def _manage(request: HttpRequest, pk: int) -> Vote:
    vote = _vote(request, pk)
    if not selectors.can_manage(request.viewer, vote):
        raise DjangoPermissionDenied
    return vote


@login_required
def vote_list(request: HttpRequest) -> HttpResponse:
    """Open votes for me first (big buttons), then every vote I may see."""
    viewer = request.viewer
    page = Paginator(selectors.vote_list(viewer=viewer), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "voting/vote_list.html",
        {
            "mine": list(selectors.votes_for_me(viewer=viewer)),
            "page": page,
            "can_create": viewer.has_rule("vote.manage"),
        },
    )


def _detail_context(request: HttpRequest, vote: Vote) -> dict[str, Any]:
    viewer = request.viewer
    entry = services.roll_entry_for(vote=vote, viewer=viewer)
    current: dict[int, int] = {}
    if entry is not None and entry.voted_at and not vote.secret:
        ballot = getattr(entry, "ballot", None)
        if ballot is not None:
            current = dict(ballot.choices.values_list("option_id", "value"))
    options = list(vote.options.all())
    for o in options:
        o.current = current.get(o.pk)  # type: ignore[attr-defined]
    manage = selectors.can_manage(viewer, vote)
    try:
        services.cast_window_check(vote)
        in_window = True
    except DomainError as e:
        in_window, window_message = False, str(e)
    else:
        window_message = ""
    return {
        "vote": vote,
        "options": options,
        "entry": entry,
        "can_cast": bool(
            entry
            and in_window
            and (not entry.voted_at or (not vote.secret and entry.channel != "offline"))
        ),
        "window_message": window_message,
        "manage": manage,
        "counts": selectors.roll_counts(vote=vote) if manage else None,
        "rank_choices": range(1, len(options) + 1),
        "star_choices": range(0, 6),
    }


@login_required
def vote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vote = _vote(request, pk)
    return render(request, "voting/vote_detail.html", _detail_context(request, vote))


@login_required
@require_POST
def vote_cast(request: HttpRequest, pk: int) -> HttpResponse:
    """Cast (or change an open ballot); the receipt of a secret ballot is shown once, here."""
    vote = _vote(request, pk)
    options = list(vote.options.all())
    context = _detail_context(request, vote)
    try:
        choices = choices_from_post(vote, options, request.POST)
        outcome = services.ballot_cast(
            vote=vote, viewer=request.viewer, actor=request.user, choices=choices
        )
    except DomainError as e:
        context["error"] = str(e)
        status = 400 if e.status == 400 else e.status
        template = "voting/vote_detail.html#cast" if is_htmx(request) else "voting/vote_detail.html"
        return render(request, template, context, status=status)
    context.update(outcome=outcome)
    template = "voting/vote_detail.html#cast-done" if is_htmx(request) else "voting/cast_done.html"
    return render(request, template, context)


@login_required
def receipt_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone holding a receipt code can see that ballot was counted as cast."""
    vote = _vote(request, pk)
    code = request.GET.get("code", "")
    context: dict[str, Any] = {"vote": vote, "code": code}
    if code:
        try:
            ballot, choices = selectors.ballot_by_receipt(vote=vote, receipt=code)
        except NotFound as e:
            context["error"] = str(e)
        else:
            context["found"] = ballot
            context["choice_text"] = selectors.choice_text(vote, choices)
    template = "voting/receipt.html#check" if is_htmx(request) else "voting/receipt.html"
    return render(request, template, context)


def _result_for(request: HttpRequest, vote: Vote) -> dict[str, Any]:
    if vote.status == VoteStatus.PUBLISHED and vote.result is not None:
        return vote.result
    if vote.status == VoteStatus.CLOSED and selectors.can_manage(request.viewer, vote):
        return selectors.vote_result(vote=vote)  # a preview for the cadre, before publishing
    raise Http404(_("结果尚未公布。"))


@login_required
def vote_results(request: HttpRequest, pk: int) -> HttpResponse:
    vote = _vote(request, pk)
    result = _result_for(request, vote)
    return render(
        request,
        "voting/results.html",
        {"vote": vote, "result": result, "preview": vote.status != VoteStatus.PUBLISHED},
    )


@login_required
def receipt_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The published list of counted secret ballots: receipt code and choices."""
    vote = _vote(request, pk)
    if vote.status != VoteStatus.PUBLISHED:
        raise Http404(_("结果尚未公布。"))
    page = Paginator(selectors.receipt_list(vote=vote), 100).get_page(request.GET.get("page"))
    rows = [
        (
            b.receipt,
            selectors.choice_text(
                vote,
                [
                    (c.option.label, c.value)
                    for c in sorted(b.choices.all(), key=lambda c: c.option.position)
                ],
            ),
        )
        for b in page
    ]
    return render(request, "voting/receipts.html", {"vote": vote, "page": page, "rows": rows})


# --- cadre pages -------------------------------------------------------------------------------
@login_required
def vote_create(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not viewer.has_rule("vote.manage"):
        raise DjangoPermissionDenied
    places = list(Place.objects.filter(viewer.path_q("vote.manage", "path")).order_by("path")[:500])
    form = VoteForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        place = next(p for p in places if p.pk == form.cleaned_data["place"])
        try:
            vote = services.vote_create(
                viewer=viewer, actor=request.user, place=place, **form.service_kwargs()
            )
        except DomainError as e:
            form.add_error(e.field if e.field in form.fields else None, str(e))
        else:
            messages.success(request, _("表决已创建（草稿）。开启后名册即冻结。"))
            return redirect("voting:detail", pk=vote.pk)
    return render(request, "voting/vote_form.html", {"form": form})


def _lifecycle(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    vote = _manage(request, pk)
    try:
        action(viewer=request.viewer, actor=request.user, vote=vote)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, done)
    return redirect("voting:detail", pk=vote.pk)


@login_required
@require_POST
def vote_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, services.vote_open, _("表决已开启，投票名册已冻结。"))


@login_required
@require_POST
def vote_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, services.vote_close, _("表决已截止。"))


@login_required
@require_POST
def vote_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, services.vote_publish, _("结果已公布。"))


@login_required
def offline_tally(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a show of hands or a 正 blackboard count, its photo, and who was in the room."""
    vote = _manage(request, pk)
    options = list(vote.options.all())
    form = OfflineForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.offline_tally_record(
                vote=vote,
                viewer=request.viewer,
                actor=request.user,
                meeting=form.cleaned_data["meeting"],
                counts=offline_counts_from_post(options, request.POST),
                present_entry_ids=[int(i) for i in request.POST.getlist("present") if i.isdigit()],
                proxies=proxies_from_post(request.POST),
                photo=form.cleaned_data.get("photo"),
                note=form.cleaned_data.get("note", ""),
            )
        except DomainError as e:
            error = str(e)
        else:
            messages.success(request, _("线下计票已录入，到场人员已在名册上标记。"))
            return redirect("voting:detail", pk=vote.pk)
    roll = selectors.roll_list(vote=vote, only_not_voted=True)
    return render(
        request,
        "voting/offline.html",
        {
            "vote": vote,
            "options": options,
            "form": form,
            "roll": roll,
            "error": error,
            "posted": request.POST,
            "present_ids": set(request.POST.getlist("present")),
        },
        status=400 if error else 200,
    )


@login_required
def proxy_cast(request: HttpRequest, pk: int) -> HttpResponse:
    """A cadre records a proxy ballot (委托投票): for which roll entry, held by whom."""
    vote = _manage(request, pk)
    options = list(vote.options.all())
    error = ""
    if request.method == "POST":
        try:
            entry = RollEntry.objects.filter(vote=vote, pk=request.POST.get("entry") or 0).first()
            if entry is None:
                raise NotFound(_("请选择名册中的委托人。"))
            holder = None
            if request.POST.get("holder"):
                holder = Person.objects.filter(pk=request.POST["holder"]).first()
            outcome = services.ballot_cast(
                vote=vote,
                viewer=request.viewer,
                actor=request.user,
                choices=choices_from_post(vote, options, request.POST),
                entry=entry,
                proxy_holder=holder,
            )
        except DomainError as e:
            error = str(e)
        else:
            if outcome.already:
                messages.error(request, _("该名册人员已经投过票，未重复计入。"))
            else:
                messages.success(request, _("委托投票已记录。"))
            return redirect("voting:detail", pk=vote.pk)
    roll = selectors.roll_list(vote=vote, only_not_voted=True)
    holders = [
        (e.person_id or e.household.head_id, e.name)
        for e in selectors.roll_list(vote=vote).select_related("household")
        if e.person_id or (e.household and e.household.head_id)
    ]
    return render(
        request,
        "voting/proxy.html",
        {
            "vote": vote,
            "options": options,
            "roll": roll,
            "holders": holders,
            "error": error,
            "rank_choices": range(1, len(options) + 1),
            "star_choices": range(0, 6),
            "is_motion": vote.method in {VoteMethod.MOTION, VoteMethod.ESTATE},
        },
        status=400 if error else 200,
    )


# Lazy: the language is the one of the request that prints the ballot.
_PAPER_INSTRUCTIONS = {
    VoteMethod.MOTION: gettext_lazy("请在赞成、反对、弃权中选一项，在方框内打√。"),
    VoteMethod.APPROVAL: gettext_lazy("最多选%(k)s项，在所选项后的方框内打√。"),
    VoteMethod.STARS: gettext_lazy("每项可给0至5颗星：在相应的星格内打√。"),
    VoteMethod.RANKED: gettext_lazy("按您的偏好在方框内填写名次，1为最想要。"),
    VoteMethod.ESTATE: gettext_lazy("业主在所选项后的方框内打√，并在选票背面签名。"),
}


def _manageable_vote(request: HttpRequest, pk: int) -> Vote:
    vote = _vote(request, pk)
    if not selectors.can_manage(request.viewer, vote):
        raise DjangoPermissionDenied
    return vote


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def paper_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    """An A4 paper ballot for a show of ballots in the room (纸质选票), with a QR code to the
    vote's page. No serial number: a paper ballot is as anonymous as the box it goes into."""
    vote = _manageable_vote(request, pk)
    instructions = _PAPER_INSTRUCTIONS[vote.method] % {"k": vote.max_choices or "—"}
    data = render_paper_ballot_pdf(
        vote.title,
        [o.label for o in vote.options.all()],
        instructions,
        stars=5 if vote.method == VoteMethod.STARS else 0,
        place=vote.place.name,
        qr_url=request.build_absolute_uri(reverse("voting:detail", args=[vote.pk])),
    )
    return _pdf(data, f"wugong-ballot-{vote.pk}.pdf")


@login_required
def tally_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The tally sheet (唱票计票单): a row per option for 正 strokes, totals and signatures."""
    vote = _manageable_vote(request, pk)
    data = render_tally_sheet_pdf(
        vote.title,
        [o.label for o in vote.options.all()],
        place=vote.place.name,
        held_at=timezone.localtime(vote.opens_at).strftime("%Y-%m-%d"),
    )
    return _pdf(data, f"wugong-tally-sheet-{vote.pk}.pdf")
