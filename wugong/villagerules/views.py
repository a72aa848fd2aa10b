"""Pages of 村规民约: the public index and each place's rules in force (no sign-in, large text,
printable), the history of versions with diffs, drafting, and the steps of adoption, filing
and publication. Thin: parse, call one service or selector, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound
from wugong.places.models import Place
from wugong.villagerules import selectors, services
from wugong.villagerules.models import RulesStatus, RulesVersion
from wugong.voting.models import Vote, VoteMethod, VoteStatus


def _place(pk: int) -> Place:
    place = Place.objects.filter(pk=pk, kind__in=selectors.RULE_PLACE_KINDS).first()
    if place is None:
        raise Http404
    return place


def index(request: HttpRequest) -> HttpResponse:
    """Every place's rules in force (public), the places one manages, filings waiting."""
    viewer = request.viewer
    return render(
        request,
        "villagerules/index.html",
        {
            "published": list(selectors.places_published(viewer=viewer)[:500]),
            "managed": list(selectors.places_managed(viewer=viewer)[:200]),
            "pending": list(selectors.pending_filings(viewer=viewer)[:200]),
        },
    )


def place_rules(request: HttpRequest, place_pk: int) -> HttpResponse:
    """The public page: the version in force, its adopting vote and filing number."""
    place = _place(place_pk)
    version = selectors.current(place)
    return render(
        request,
        "villagerules/place.html",
        {
            "place": place,
            "name": selectors.rules_name(place),
            "version": version,
            "vote": selectors.vote_summary(version) if version else {},
            "can_manage": request.viewer.can_place("village_rules.manage", place),
        },
    )


def history(request: HttpRequest, place_pk: int) -> HttpResponse:
    place = _place(place_pk)
    viewer = request.viewer
    return render(
        request,
        "villagerules/history.html",
        {
            "place": place,
            "name": selectors.rules_name(place),
            "versions": list(selectors.version_list(viewer=viewer, place=place)),
            "can_manage": viewer.can_place("village_rules.manage", place),
        },
    )


@login_required
def version_new(request: HttpRequest, place_pk: int) -> HttpResponse:
    """Draft a new version, starting from the latest text."""
    place = _place(place_pk)
    viewer = request.viewer
    if not viewer.can_place("village_rules.manage", place):
        raise Http404
    error = None
    if request.method == "POST":
        try:
            version = services.version_create(
                viewer=viewer,
                actor=request.user,
                place=place,
                text=request.POST.get("text", ""),
                change_note=request.POST.get("change_note", ""),
                title=request.POST.get("title", ""),
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("草稿已保存。"))
            return redirect("villagerules:version", pk=version.pk)
    latest = RulesVersion.objects.filter(place=place).order_by("-number").first()
    values: Any = (
        request.POST
        if error
        else {"text": latest.text if latest else "", "title": latest.title if latest else ""}
    )
    return render(
        request,
        "villagerules/new.html",
        {"place": place, "name": selectors.rules_name(place), "values": values, "error": error},
        status=error.status if error else 200,
    )


def _version(request: HttpRequest, pk: int) -> RulesVersion:
    try:
        return selectors.version_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e


def _votes(version: RulesVersion) -> list[Vote]:
    """Votes of the place that could adopt this draft (closed or published motions)."""
    used = RulesVersion.objects.filter(vote__isnull=False).values("vote_id")
    return list(
        Vote.objects.filter(
            place_id=version.place_id,
            method=VoteMethod.MOTION,
            status__in=[VoteStatus.CLOSED, VoteStatus.PUBLISHED],
        )
        .exclude(pk__in=used)
        .order_by("-closes_at")[:50]
    )


def version_detail(request: HttpRequest, pk: int, error: DomainError | None = None) -> HttpResponse:
    version = _version(request, pk)
    viewer = request.viewer
    before = selectors.previous(version, viewer=viewer)
    manage = viewer.can_place("village_rules.manage", version.place)
    context = {
        "version": version,
        "place": version.place,
        "name": selectors.rules_name(version.place),
        "previous": before,
        "diff": selectors.text_diff(before.text, version.text) if before else [],
        "vote": selectors.vote_summary(version) if version.vote_id else {},
        "can_manage": manage,
        "can_file": viewer.can_place("village_rules.file", version.place),
        "votes": _votes(version) if manage and version.status == RulesStatus.DRAFT else [],
        "today": timezone.localdate().isoformat(),
        "error": error,
        "values": request.POST if error else {},
    }
    return render(
        request, "villagerules/version.html", context, status=error.status if error else 200
    )


ACTIONS = {
    "edit": lambda r, v: services.version_edit(
        viewer=r.viewer,
        actor=r.user,
        version=v,
        text=r.POST.get("text", ""),
        change_note=r.POST.get("change_note", ""),
        title=r.POST.get("title", ""),
    ),
    "adopt": lambda r, v: services.version_adopt(
        viewer=r.viewer, actor=r.user, version=v, vote_id=r.POST.get("vote")
    ),
    "submit": lambda r, v: services.version_submit(viewer=r.viewer, actor=r.user, version=v),
    "accept": lambda r, v: services.filing_accept(
        viewer=r.viewer,
        actor=r.user,
        version=v,
        filing_number=r.POST.get("filing_number", ""),
        filed_on=r.POST.get("filed_on", ""),
    ),
    "return": lambda r, v: services.filing_return(
        viewer=r.viewer, actor=r.user, version=v, reason=r.POST.get("reason", "")
    ),
    "publish": lambda r, v: services.version_publish(viewer=r.viewer, actor=r.user, version=v),
}
DONE = {
    "edit": gettext_lazy("草稿已保存。"),
    "adopt": gettext_lazy("已记录表决通过。"),
    "submit": gettext_lazy("已报乡镇（街道）备案。"),
    "accept": gettext_lazy("已予备案。"),
    "return": gettext_lazy("已退回。"),
    "publish": gettext_lazy("已公布施行。"),
}


@login_required
@require_POST
def version_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    version = _version(request, pk)
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](request, version)
    except DomainError as e:
        return version_detail(request, pk, error=e)
    messages.success(request, DONE[action])
    return redirect("villagerules:version", pk=pk)
