"""Pages of the needs list. Thin: parse, check, call one service or selector, render."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound
from wugong.core.http import is_htmx
from wugong.needs import selectors, services
from wugong.needs.models import (
    TRANSITIONS,
    Category,
    Need,
    NeedPhoto,
    Source,
    Status,
    Urgency,
)
from wugong.people.models import Person
from wugong.people.selectors import household_list

PAGE_SIZE = 20
DEFAULT_DAYS = 7


def _need(request: HttpRequest, pk: int) -> Need:
    try:
        return selectors.need_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e


def _choice(value: str | None, choices: list[str]) -> str:
    return value if value in choices else ""


def _detail_redirect(pk: int) -> HttpResponse:
    return redirect("needs:detail", pk=pk)


# --- the list ----------------------------------------------------------------------------------
@login_required
def need_list(request: HttpRequest) -> HttpResponse:
    """The needs in the viewer's village/community, filtered by place, category, status and a
    Chinese search; htmx swaps the results."""
    viewer = request.viewer
    scope = selectors.need_scope(viewer, "need.view")
    try:
        place = selectors.need_place_get(
            viewer=viewer, place_id=request.GET.get("place"), rule="need.view", scope=scope
        )
    except DomainError:
        place = None
    category = _choice(request.GET.get("category"), Category.values)
    status = _choice(request.GET.get("status"), Status.values)
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.need_list(
        viewer=viewer, place=place, category=category, status=status, query=q, scope=scope
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "place": place,
        "category": category,
        "status": status,
        "q": q,
        "places": selectors.need_place_choices(viewer=viewer, rule="need.view", scope=scope),
        "categories": Category.choices,
        "statuses": Status.choices,
        "can_record": viewer.has_rule("need.record"),
        "can_manage": viewer.has_rule("need.manage"),
        "unread": selectors.unread_count(viewer=viewer),
    }
    template = "needs/list.html"
    if is_htmx(request) and request.headers.get("HX-Target") == "results":
        template += "#results"
    return render(request, template, context)


# --- raising a need ----------------------------------------------------------------------------
def _form_context(request: HttpRequest, rule: str, error: DomainError | None) -> dict[str, Any]:
    return {
        "places": selectors.need_place_choices(viewer=request.viewer, rule=rule),
        "error": error,
        "values": request.POST,
        "categories": Category.choices,
    }


@login_required
def need_new(request: HttpRequest) -> HttpResponse:
    """Raise a need in three taps: write (or dictate) it, optionally add photos, send. The
    place is the household's unless another is chosen."""
    viewer = request.viewer
    if not viewer.person_id:
        raise PermissionDenied(_("请先关联本人信息。"))
    error = None
    if request.method == "POST":
        try:
            need = services.need_submit(
                viewer=viewer,
                actor=request.user,
                text=request.POST.get("text", ""),
                place=selectors.need_place_get(
                    viewer=viewer, place_id=request.POST.get("place"), rule="need.submit"
                ),
                photos=request.FILES.getlist("photos"),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("问题已提交，村（社区）干部会尽快回复您。"))
            return _detail_redirect(need.pk)
    context = _form_context(request, "need.submit", error)
    context["home_place_id"] = _home_place_id(request)
    # A new key with every form shown: sending the same form twice raises one need.
    context["key"] = request.POST.get("idempotency_key") if error else uuid.uuid4().hex
    return render(request, "needs/new.html", context, status=400 if error else 200)


def _home_place_id(request: HttpRequest) -> int | None:
    from wugong.people.models import Household

    if request.method == "POST" and request.POST.get("place"):
        return int(request.POST["place"]) if request.POST["place"].isdigit() else None
    if not request.viewer.household_id:
        return None
    return (
        Household.objects.filter(pk=request.viewer.household_id)
        .values_list("place_id", flat=True)
        .first()
    )


@login_required
def need_record(request: HttpRequest) -> HttpResponse:
    """Record a need for a resident (代录): find the person, note the source, write it down."""
    viewer = request.viewer
    if not viewer.has_rule("need.record"):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()[:50]
    person = None
    person_pk = request.POST.get("person") or request.GET.get("person")
    if person_pk and person_pk.isdigit():
        person = Person.objects.select_related("household").filter(pk=person_pk).first()
        if person is not None and not viewer.can_person("need.record", person):
            person = None
    error = None
    if request.method == "POST":
        try:
            if person is None:
                raise NotFound(_("请先选择要代录的居民。"), field="person")
            need = services.need_record(
                viewer=viewer,
                actor=request.user,
                on_behalf_of=person,
                text=request.POST.get("text", ""),
                source=request.POST.get("source", ""),
                place=selectors.need_place_get(
                    viewer=viewer, place_id=request.POST.get("place"), rule="need.record"
                ),
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("已为%(name)s代录问题。") % {"name": person.name})
            return _detail_redirect(need.pk)
    candidates: list[Person] = []
    if q:
        households = list(
            household_list(viewer=viewer, query=q, rule="need.record").values_list("pk", flat=True)[
                :10
            ]
        )
        candidates = list(
            Person.objects.filter(household_id__in=households)
            .select_related("household")
            .order_by("sort_key")[:30]
        )
    context = _form_context(request, "need.record", error)
    context.update(
        {
            "q": q,
            "person": person,
            "candidates": candidates,
            "sources": [c for c in Source.choices if c[0] != Source.ONLINE],
            "home_place_id": person.household.place_id if person and person.household else None,
        }
    )
    return render(request, "needs/record.html", context, status=400 if error else 200)


# --- one need ----------------------------------------------------------------------------------
@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A need with its photos, history, "me too" count, followers, the 代录 line and the
    answer; the cadre's actions. A merged need leads to the need it was merged into."""
    viewer = request.viewer
    need = _need(request, pk)
    if need.merged_into_id:
        messages.info(
            request,
            _("问题 #%(n)d 与本问题是同一件事，已合并到这里。") % {"n": need.pk},
        )
        return _detail_redirect(need.merged_into_id)
    can_manage = selectors.manages_path(viewer, need.place_path)
    context = {
        "need": need,
        "recorded_by": selectors.recorded_by_name(need),
        "answered_by": selectors.recorded_by_name_of(need.answered_by),
        "is_following": selectors.need_is_followed(viewer=viewer, need=need),
        "is_reporter": need.reporter_id == viewer.person_id,
        "can_manage": can_manage,
        "followers": selectors.need_followers(need=need) if can_manage else [],
        "categories": Category.choices,
        "urgencies": Urgency.choices,
        "next_statuses": [
            (s, Status(s).label) for s in Status.values if s in TRANSITIONS[need.status]
        ],
        "places": selectors.need_place_choices(viewer=viewer, rule="need.manage")
        if can_manage
        else [],
        "merge_candidates": _merge_candidates(request, need) if can_manage else [],
        "merge_q": request.GET.get("merge_q", ""),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "merge-candidates":
        return render(request, "needs/detail.html#merge-candidates", context)
    return render(request, "needs/detail.html", context)


def _merge_candidates(request: HttpRequest, need: Need) -> list[Need]:
    q = request.GET.get("merge_q", "").strip()[:100]
    if not q:
        return []
    qs = selectors.need_list(viewer=request.viewer, query=q).exclude(pk=need.pk)
    if q.lstrip("#").isdigit():
        qs = selectors.need_list(viewer=request.viewer).filter(pk=int(q.lstrip("#")))
    return [n for n in qs[:10] if selectors.manages_path(request.viewer, n.place_path)]


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A need's photo, only for those who may see the need."""
    row = NeedPhoto.objects.filter(pk=pk).only("need_id", "file", "content_type").first()
    if row is None:
        raise Http404
    _need(request, row.need_id)
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _act(request: HttpRequest, pk: int, action: Any, ok: str) -> HttpResponse:
    need = _need(request, pk)
    try:
        action(need)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, ok)
    return _detail_redirect(pk)


@login_required
@require_POST
def need_support(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Me too" in one tap; htmx swaps the button."""
    viewer = request.viewer
    need = _need(request, pk)
    error = ""
    try:
        need, _created = services.need_support(viewer=viewer, actor=request.user, need=need)
    except DomainError as e:
        error = str(e)
    if is_htmx(request):
        need = selectors.need_get(viewer=viewer, pk=need.pk)
        return render(request, "needs/_support.html", {"need": need, "error": error})
    if error:
        messages.error(request, error)
    return _detail_redirect(need.pk)


@login_required
@require_POST
def need_follow(request: HttpRequest, pk: int) -> HttpResponse:
    follow = request.POST.get("follow", "1") == "1"
    return _act(
        request,
        pk,
        lambda need: services.need_follow(
            viewer=request.viewer, actor=request.user, need=need, follow=follow
        ),
        _("已关注，有进展会通知您。") if follow else _("已取消关注。"),
    )


@login_required
@require_POST
def need_classify(request: HttpRequest, pk: int) -> HttpResponse:
    def action(need: Need) -> None:
        place = selectors.need_place_get(
            viewer=request.viewer, place_id=request.POST.get("place"), rule="need.manage"
        )
        services.need_classify(
            viewer=request.viewer,
            actor=request.user,
            need=need,
            category=request.POST.get("category", ""),
            urgency=request.POST.get("urgency", ""),
            place=place,
        )

    return _act(request, pk, action, _("分类已保存。"))


@login_required
@require_POST
def need_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the status; answering and declining carry the text sent to the reporter."""
    return _act(
        request,
        pk,
        lambda need: services.need_status_change(
            viewer=request.viewer,
            actor=request.user,
            need=need,
            status=request.POST.get("status", ""),
            text=request.POST.get("text", ""),
        ),
        _("状态已更新，已通知提出人和关注者。"),
    )


@login_required
@require_POST
def need_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda need: services.need_answer(
            viewer=request.viewer, actor=request.user, need=need, text=request.POST.get("text", "")
        ),
        _("答复已发送给提出人。"),
    )


@login_required
@require_POST
def need_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this need into another (the survivor, chosen by number or from a search)."""
    viewer = request.viewer
    need = _need(request, pk)
    raw = request.POST.get("survivor", "").strip().lstrip("#")
    try:
        survivor = selectors.need_get(viewer=viewer, pk=int(raw)) if raw.isdigit() else None
        if survivor is None:
            raise NotFound(_("请填写要合并到的问题编号。"), field="survivor")
        services.need_merge(viewer=viewer, actor=request.user, duplicates=[need], survivor=survivor)
    except DomainError as e:
        messages.error(request, str(e))
        return _detail_redirect(pk)
    messages.success(request, _("已合并到问题 #%(n)d。") % {"n": survivor.pk})
    return _detail_redirect(survivor.pk)


# --- cadres' lists and notices ---------------------------------------------------------------
@login_required
def need_unanswered(request: HttpRequest) -> HttpResponse:
    """Needs still without a response N days after they were raised (默认7天)."""
    viewer = request.viewer
    if not viewer.has_rule("need.manage"):
        raise PermissionDenied
    raw = request.GET.get("days", "")
    days = int(raw) if raw.isdigit() and int(raw) <= 3650 else DEFAULT_DAYS
    page = Paginator(selectors.unanswered(viewer=viewer, days=days), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "needs/unanswered.html", {"page": page, "days": days})


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    """My notices (我的消息): what happened to the needs I raised or follow."""
    page = Paginator(selectors.notifications(viewer=request.viewer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "needs/notices.html",
        {"page": page, "unread": selectors.unread_count(viewer=request.viewer)},
    )


@login_required
@require_POST
def notices_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(viewer=request.viewer)
    return redirect("needs:notices")
