"""Pages of 矛盾纠纷调解: the list, a new matter, follow-ups due, one matter with its actions,
and its agreement documents. Anyone who may not see a matter gets 404, page or file alike."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound
from wugong.mediation import selectors, services
from wugong.mediation.models import (
    Matter,
    MatterKind,
    MatterSource,
    MatterStatus,
    PartyRole,
)
from wugong.places.models import Place, PlaceKind

PAGE_SIZE = 50
PLACE_KINDS = (
    PlaceKind.TOWN,
    PlaceKind.STREET,
    PlaceKind.VILLAGE,
    PlaceKind.COMMUNITY,
    PlaceKind.GROUP,
)


def _int(value: Any) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _gate(request: HttpRequest) -> None:
    if not selectors.may_open(request.viewer):
        raise Http404


def _places(request: HttpRequest) -> list[Place]:
    """Places the viewer receives disputes for (their own first)."""
    return list(
        Place.objects.filter(
            request.viewer.place_q("mediation.handle"), kind__in=PLACE_KINDS
        ).order_by("path")[:300]
    )


@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    _gate(request)
    status = request.GET.get("status", "")
    qs = selectors.matter_list(
        viewer=request.viewer, status=status if status in MatterStatus.values else ""
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    due = selectors.matter_list(viewer=request.viewer, follow_up_due=timezone.localdate()).count()
    return render(
        request,
        "mediation/list.html",
        {
            "page": page,
            "status": status,
            "statuses": MatterStatus.choices,
            "due": due,
            "can_receive": request.viewer.has_rule("mediation.handle"),
        },
    )


@login_required
def follow_up_due(request: HttpRequest) -> HttpResponse:
    """Matters whose follow-up visit (回访) is due today or overdue."""
    _gate(request)
    today = timezone.localdate()
    qs = selectors.matter_list(viewer=request.viewer, follow_up_due=today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mediation/follow_up.html", {"page": page, "today": today})


@login_required
def matter_new(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not viewer.has_rule("mediation.handle"):
        raise Http404
    error = None
    if request.method == "POST":
        try:
            place = Place.objects.filter(pk=_int(request.POST.get("place")) or 0).first()
            if place is None:
                raise NotFound(_("请选择地点。"), field="place")
            matter, created = services.matter_receive(
                viewer=viewer,
                actor=request.user,
                place=place,
                kind=request.POST.get("kind", ""),
                summary=request.POST.get("summary", ""),
                received_on=request.POST.get("received_on", ""),
                source=request.POST.get("source", ""),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except DomainError as e:
            error = e
        else:
            if created:
                messages.success(request, _("纠纷已受理，请添加当事人和调解员。"))
            return redirect("mediation:detail", pk=matter.pk)
    return render(
        request,
        "mediation/new.html",
        {
            "places": _places(request),
            "kinds": MatterKind.choices,
            "sources": MatterSource.choices,
            "error": error,
            "values": request.POST if error else {"received_on": timezone.localdate().isoformat()},
            "key": request.POST.get("idempotency_key") if error else uuid.uuid4().hex,
        },
        status=error.status if error else 200,
    )


def _matter(request: HttpRequest, pk: int) -> Matter:
    try:
        return selectors.matter_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e


@login_required
def matter_detail(request: HttpRequest, pk: int, error: DomainError | None = None) -> HttpResponse:
    """One matter. Every look is logged like a look at sensitive personal data."""
    matter = _matter(request, pk)
    viewer = request.viewer
    services.matter_view_log(viewer=viewer, actor=request.user, matter=matter, channel="page")
    handles = services.handles(viewer, matter)
    works = handles or services.mediates(viewer, matter)
    query = request.GET.get("q", "").strip()
    candidates = (
        list(selectors.person_candidates(place_path=matter.place_path, query=query))
        if handles and query
        else []
    )
    context = {
        "matter": matter,
        "parties": list(matter.parties.select_related("person__household")),
        "mediators": list(matter.mediators.select_related("person__household")),
        "sessions": list(matter.sessions.all()),
        "handles": handles,
        "works": works,
        "query": query,
        "candidates": candidates,
        "roles": PartyRole.choices,
        "today": timezone.localdate().isoformat(),
        "key": uuid.uuid4().hex,
        "error": error,
        "values": request.POST if error else {},
    }
    return render(request, "mediation/detail.html", context, status=error.status if error else 200)


def _file(request: HttpRequest) -> Any:
    return request.FILES.get("agreement") or None


ACTIONS = {
    "party": lambda r, m: services.party_add(
        viewer=r.viewer,
        actor=r.user,
        matter=m,
        role=r.POST.get("role", ""),
        person_id=r.POST.get("person") or None,
        name=r.POST.get("name", ""),
        note=r.POST.get("note", ""),
    ),
    "party-remove": lambda r, m: services.party_remove(
        viewer=r.viewer, actor=r.user, matter=m, party_id=_int(r.POST.get("party")) or 0
    ),
    "mediator": lambda r, m: services.mediator_add(
        viewer=r.viewer, actor=r.user, matter=m, person_id=r.POST.get("person")
    ),
    "mediator-remove": lambda r, m: services.mediator_remove(
        viewer=r.viewer, actor=r.user, matter=m, person_id=_int(r.POST.get("person")) or 0
    ),
    "session": lambda r, m: services.session_record(
        viewer=r.viewer,
        actor=r.user,
        matter=m,
        held_on=r.POST.get("held_on", ""),
        attended=r.POST.get("attended", ""),
        notes=r.POST.get("notes", ""),
        outcome=r.POST.get("outcome", ""),
        agreement=_file(r),
        idempotency_key=r.POST.get("idempotency_key", ""),
    ),
    "conclude": lambda r, m: services.matter_conclude(
        viewer=r.viewer,
        actor=r.user,
        matter=m,
        agreed=r.POST.get("agreed") == "1",
        outcome=r.POST.get("outcome", ""),
        concluded_on=r.POST.get("concluded_on", ""),
        follow_up_on=r.POST.get("follow_up_on", ""),
    ),
    "refer": lambda r, m: services.matter_refer(
        viewer=r.viewer,
        actor=r.user,
        matter=m,
        reason=r.POST.get("reason", ""),
        referred_to=r.POST.get("referred_to", ""),
    ),
    "follow-up": lambda r, m: services.matter_follow_up(
        viewer=r.viewer,
        actor=r.user,
        matter=m,
        note=r.POST.get("note", ""),
        followed_up_on=r.POST.get("followed_up_on", ""),
    ),
}


@login_required
@require_POST
def matter_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    matter = _matter(request, pk)
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](request, matter)
    except DomainError as e:
        return matter_detail(request, pk, error=e)
    messages.success(request, _("已保存。"))
    return redirect("mediation:detail", pk=pk)


@login_required
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement document of a session, to those who may see its matter; logged."""
    try:
        session = selectors.session_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e
    if not session.agreement:
        raise Http404
    services.matter_view_log(
        viewer=request.viewer, actor=request.user, matter=session.matter, channel="document"
    )
    ext = session.agreement.name.rsplit(".", 1)[-1]
    response = FileResponse(
        session.agreement.open("rb"),
        content_type=session.agreement_type or "application/octet-stream",
        as_attachment=session.agreement_type == "application/pdf",
        filename=f"agreement-{session.matter_id}-{session.pk}.{ext}",
    )
    response["Cache-Control"] = "private, no-store"
    return response
