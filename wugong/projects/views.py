"""Pages of building together. Public pages (村务公开) need no sign-in: the project list, a
project's page with its open accounts and timeline, honour rolls, the programme view. Cadres
manage from the same page; every form posts to one action that calls one service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, PermissionDenied, ValidationFailed
from wugong.people.models import Household, Person
from wugong.places.models import Place
from wugong.projects import charts, exports, selectors, services
from wugong.projects.models import (
    ContributionKind,
    ContributorKind,
    LedgerDocument,
    LedgerEntry,
    Milestone,
    PhotoPhase,
    Pledge,
    Project,
    ProjectPhoto,
    Resource,
    ResourceCategory,
    ServiceRequest,
    SourceKind,
    SpendItem,
    Stage,
)
from wugong.projects.money import parse_yuan, yuan, yuan_short


# --- helpers ----------------------------------------------------------------------------------
def _project(pk: int) -> Project:
    try:
        return selectors.project_get(pk=pk)
    except DomainError as e:
        raise Http404(str(e)) from e


def _place(value: Any) -> Place:
    if not str(value or "").isdigit():
        raise Http404
    place = Place.objects.filter(pk=int(value)).first()
    if place is None:
        raise Http404
    return place


def _date(value: str | None, field: str = "on") -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(_("日期格式应为 年-月-日，如 2025-04-01。"), field=field) from None


def _int(value: str | None, field: str, default: int = 0) -> int:
    value = (value or "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValidationFailed(_("请填写整数。"), field=field)
    return int(value)


def _manage_places(request: HttpRequest) -> list[Place]:
    if not request.user.is_authenticated:
        return []
    return list(
        Place.objects.filter(request.viewer.place_q("project.manage")).order_by("depth", "path")[
            :300
        ]
    )


def _giver(request: HttpRequest) -> services.Giver:
    post = request.POST
    kind = post.get("contributor_kind") or ContributorKind.PERSON
    person = household = None
    if post.get("person"):
        person = (
            Person.objects.select_related("household__head")
            .filter(pk=_int(post.get("person"), "person"))
            .first()
        )
    if post.get("household"):
        household = (
            Household.objects.select_related("head")
            .filter(pk=_int(post.get("household"), "household"))
            .first()
        )
    if post.get("self") == "1" and request.viewer.person_id:
        person = Person.objects.select_related("household__head").get(pk=request.viewer.person_id)
    return services.Giver(
        kind=kind,
        name=post.get("contributor_name", ""),
        person=person,
        household=household,
        anonymous=post.get("anonymous") == "1",
    )


def _money(request: HttpRequest, name: str = "amount", *, required: bool = True) -> int | None:
    text = request.POST.get(name, "")
    if not text.strip() and not required:
        return None
    return parse_yuan(text, field=name)


# --- public pages -----------------------------------------------------------------------------
def project_list(request: HttpRequest) -> HttpResponse:
    """Every project (村务公开), filtered by place and stage."""
    place = _place(request.GET["place"]) if request.GET.get("place") else None
    stage = request.GET.get("stage", "")
    q = request.GET.get("q", "").strip()[:50]
    projects = list(selectors.project_list(place=place, stage=stage, query=q)[:100])
    return render(
        request,
        "projects/list.html",
        {
            "projects": projects,
            "place": place,
            "stage": stage,
            "q": q,
            "stages": Stage.choices,
            "can_manage": request.user.is_authenticated
            and request.viewer.has_rule("project.manage"),
        },
    )


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's public page: the story in figures, open accounts, timeline, photos; the
    cadre's forms below when the viewer manages it."""
    project = _project(pk)
    accounts = selectors.project_accounts(project)
    viewer = request.viewer
    manage = request.user.is_authenticated and services.can_manage(viewer, project)
    context: dict[str, Any] = {
        "project": project,
        "a": accounts,
        "story": selectors.project_story(project, accounts),
        "events": selectors.timeline(project),
        "photos": list(project.photos.all()),
        "milestones": list(project.milestones.all()),
        "honour": selectors.honour_roll(project=project)[:12],
        "yuan": yuan,
        "can_manage": manage,
        "can_contribute": request.user.is_authenticated
        and services.can_contribute(viewer, project),
        "income_chart": charts.bar_chart(
            [(label, v) for _k, label, v in accounts.income_by_source],
            title=_("收入来源"),
            fmt=yuan,
        ),
        "spending_chart": charts.bar_chart(
            [(label, v) for _k, label, v in accounts.spending_by_item],
            title=_("支出项目"),
            fmt=yuan,
        ),
    }
    if manage:
        context.update(
            stages=[
                (s, Stage(s).label)
                for s in sorted(services.TRANSITIONS[project.stage], key=Stage.values.index)
            ],
            source_kinds=SourceKind.choices,
            spend_items=SpendItem.choices,
            contribution_kinds=ContributionKind.choices,
            contributor_kinds=ContributorKind.choices,
            photo_phases=PhotoPhase.choices,
            resource_categories=ResourceCategory.choices,
            pledges=list(project.pledges.all()),
            entries=list(selectors.ledger_lines(project)),
            requests=list(selectors.open_requests(project=project)),
            matches=selectors.resource_matches(project=project),
            places=_manage_places(request),
            labour_rate=services.labour_day_rate(project),
        )
    return render(request, "projects/detail.html", context)


def project_accounts(request: HttpRequest, pk: int) -> HttpResponse:
    """Every ledger line (收支明细) with its documents, reversals shown beside what they undo."""
    project = _project(pk)
    entries = selectors.ledger_lines(project)
    money_in = sum(e.amount_fen for e in entries if e.direction == "in")
    money_out = sum(e.amount_fen for e in entries if e.direction == "out")
    return render(
        request,
        "projects/accounts.html",
        {
            "project": project,
            "money_in": money_in,
            "money_out": money_out,
            "balance": money_in - money_out,
            "entries": entries,
        },
    )


def _honour_response(
    request: HttpRequest, title: str, lines: list, fmt: str, subtitle: str = ""
) -> HttpResponse:
    if fmt not in ("", "xlsx", "pdf"):
        raise Http404
    if fmt == "xlsx":
        response = HttpResponse(
            exports.honour_xlsx(title, lines),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="honour-roll.xlsx"'
        return response
    if fmt == "pdf":
        response = HttpResponse(
            exports.honour_poster_pdf(title, subtitle, lines), content_type="application/pdf"
        )
        response["Content-Disposition"] = 'inline; filename="honour-roll.pdf"'
        return response
    base = request.path.rstrip("/")
    return render(
        request,
        "projects/honour.html",
        {
            "title": title,
            "lines": lines,
            "subtitle": subtitle,
            "xlsx_url": f"{base}.xlsx",
            "pdf_url": f"{base}.pdf",
        },
    )


def project_honour(request: HttpRequest, pk: int, fmt: str = "") -> HttpResponse:
    project = _project(pk)
    lines = selectors.honour_roll(project=project)
    return _honour_response(request, project.title, lines, fmt, project.place.name)


def place_honour(request: HttpRequest, place_id: int, fmt: str = "") -> HttpResponse:
    place = _place(place_id)
    lines = selectors.honour_roll(place=place)
    return _honour_response(request, _("%(p)s 共建项目") % {"p": place.name}, lines, fmt)


def programme(request: HttpRequest, place_id: int) -> HttpResponse:
    """A town's or county's projects in figures and charts."""
    place = _place(place_id)
    page = _int(request.GET.get("page"), "page", 1) or 1
    view = selectors.programme_view(place=place, page=page)
    context = {
        "v": view,
        "yuan": yuan,
        "source_chart": charts.bar_chart(
            [(label, v) for _k, label, v in view["by_source"]],
            title=_("资金来源"),
            fmt=yuan_short,
        ),
        "kind_chart": charts.bar_chart(
            [(label, v) for _k, label, v in view["in_kind"]],
            title=_("投入折价"),
            fmt=yuan_short,
        ),
        "stage_chart": charts.bar_chart(
            [(label, n) for _s, label, n in view["stages"]], title=_("项目阶段"), fmt=str
        ),
    }
    return render(request, "projects/programme.html", context)


def photo(request: HttpRequest, pk: int) -> FileResponse:
    row = ProjectPhoto.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    return FileResponse(row.file.open("rb"), content_type="image/jpeg")


def document(request: HttpRequest, pk: int) -> FileResponse:
    row = LedgerDocument.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    return FileResponse(row.file.open("rb"), content_type="image/jpeg")


# --- resources --------------------------------------------------------------------------------
def resources(request: HttpRequest) -> HttpResponse:
    """The resources list (资源清单): search by words, category and place; offer your own."""
    place = _place(request.GET["place"]) if request.GET.get("place") else None
    category = request.GET.get("category", "")
    q = request.GET.get("q", "").strip()[:50]
    error = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect("people:sign_in")
        try:
            giver = (
                _giver(request)
                if request.viewer.has_rule("project.manage") and request.POST.get("self") != "1"
                else services.Giver(
                    kind=ContributorKind.PERSON,
                    person=Person.objects.filter(pk=request.viewer.person_id).first(),
                    anonymous=request.POST.get("anonymous") == "1",
                )
            )
            services.resource_offer(
                viewer=request.viewer,
                actor=request.user,
                place=_place(request.POST.get("place")),
                giver=giver,
                category=request.POST.get("category", ""),
                title=request.POST.get("title", ""),
                detail=request.POST.get("detail", ""),
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("资源已登记，谢谢！"))
            return redirect("projects:resources")
    rows = list(selectors.resource_search(place=place, category=category, query=q)[:200])
    home_places: list[Place] = []
    if request.user.is_authenticated:
        home_places = list(
            Place.objects.filter(request.viewer.place_q("resource.offer")).order_by(
                "depth", "path"
            )[:300]
        )
    return render(
        request,
        "projects/resources.html",
        {
            "rows": rows,
            "place": place,
            "category": category,
            "q": q,
            "categories": ResourceCategory.choices,
            "error": error,
            "home_places": home_places,
            "values": request.POST,
        },
        status=400 if error else 200,
    )


# --- writes -----------------------------------------------------------------------------------
@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    """Propose a project from a decided need or a motion."""
    viewer = request.viewer
    if not viewer.has_rule("project.manage"):
        raise Forbidden(_("您没有立项的权限。"))
    from wugong.needs.models import Need
    from wugong.needs.models import Status as NeedStatus

    places = _manage_places(request)
    needs = list(
        Need.objects.filter(viewer.path_q("project.manage"))
        .filter(status__in=[NeedStatus.DECIDED, NeedStatus.IN_PROJECT])
        .order_by("-id")[:100]
    )
    error = None
    if request.method == "POST":
        try:
            need = None
            if request.POST.get("need"):
                need = next((n for n in needs if str(n.pk) == request.POST.get("need")), None)
                if need is None:
                    raise ValidationFailed(_("请选择已决定的问题。"), field="need")
            project = services.project_propose(
                viewer=viewer,
                actor=request.user,
                place=_place(request.POST.get("place")),
                title=request.POST.get("title", ""),
                summary=request.POST.get("summary", ""),
                need=need,
                motion=request.POST.get("motion", ""),
                on=_date(request.POST.get("on")),
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("项目已提议。"))
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/new.html",
        {"places": places, "needs": needs, "error": error, "values": request.POST},
        status=400 if error else 200,
    )


def _act_plan(request: HttpRequest, project: Project) -> str:
    post = request.POST
    place = _place(post["place"]) if post.get("place") else None
    rate = _money(request, "labour_day_rate", required=False)
    services.project_plan(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        scope=post.get("scope", ""),
        plan=post.get("plan", ""),
        budget_fen=_money(request, "budget"),
        tender_estimate_fen=_money(request, "tender_estimate"),
        responsible=post.get("responsible", ""),
        place=place,
        labour_day_rate_fen=rate,
        on=_date(post.get("on")),
    )
    return _("方案已保存。")


def _act_stage(request: HttpRequest, project: Project) -> str:
    post = request.POST
    services.project_stage_change(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        stage=post.get("stage", ""),
        on=_date(post.get("on")),
        text=post.get("text", ""),
        acceptance_for=_int(post.get("acceptance_for"), "acceptance_for"),
        acceptance_against=_int(post.get("acceptance_against"), "acceptance_against"),
        caretaker=post.get("caretaker", ""),
    )
    return _("阶段已更新。")


def _act_progress(request: HttpRequest, project: Project) -> str:
    services.project_progress(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        progress_pct=_int(request.POST.get("progress"), "progress"),
        on=_date(request.POST.get("on")),
        text=request.POST.get("text", ""),
        finished=request.POST.get("finished") == "1",
    )
    return _("进度已更新。")


def _act_milestone(request: HttpRequest, project: Project) -> str:
    if request.POST.get("milestone"):
        m = Milestone.objects.filter(
            project=project, pk=_int(request.POST.get("milestone"), "milestone")
        ).first()
        if m is None:
            raise ValidationFailed(_("没有这个节点。"), field="milestone")
        services.milestone_done(
            viewer=request.viewer, actor=request.user, milestone=m, on=_date(request.POST.get("on"))
        )
        return _("节点已完成。")
    services.milestone_add(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        title=request.POST.get("title", ""),
        due_on=_date(request.POST.get("due_on"), "due_on"),
    )
    return _("节点已添加。")


def _act_photo(request: HttpRequest, project: Project) -> str:
    services.photo_add(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        phase=request.POST.get("phase", ""),
        taken_on=_date(request.POST.get("taken_on"), "taken_on"),
        upload=request.FILES.get("photo"),
        caption=request.POST.get("caption", ""),
    )
    return _("照片已上传。")


def _act_funding(request: HttpRequest, project: Project) -> str:
    services.funding_line_add(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        source_kind=request.POST.get("source_kind", ""),
        source_name=request.POST.get("source_name", ""),
        planned_fen=_money(request, "planned"),
    )
    return _("筹资计划已添加。")


def _act_receipt(request: HttpRequest, project: Project) -> str:
    pledge = None
    if request.POST.get("pledge"):
        pledge = Pledge.objects.filter(
            project=project, pk=_int(request.POST.get("pledge"), "pledge")
        ).first()
        if pledge is None:
            raise ValidationFailed(_("没有这笔认捐。"), field="pledge")
    services.receipt_post(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        amount_fen=_money(request),
        source_kind=request.POST.get("source_kind", ""),
        giver=None if pledge else _giver(request),
        pledge=pledge,
        memo=request.POST.get("memo", ""),
        occurred_on=_date(request.POST.get("on")),
        confirm_over_pledge=request.POST.get("confirm_over_pledge") == "1",
        documents=request.FILES.getlist("documents"),
    )
    return _("收款已入账。")


def _act_spending(request: HttpRequest, project: Project) -> str:
    services.spending_post(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        amount_fen=_money(request),
        item=request.POST.get("item", ""),
        memo=request.POST.get("memo", ""),
        occurred_on=_date(request.POST.get("on")),
        documents=request.FILES.getlist("documents"),
    )
    return _("支出已入账。")


def _act_reverse(request: HttpRequest, project: Project) -> str:
    entry = LedgerEntry.objects.filter(
        project=project, pk=_int(request.POST.get("entry"), "entry")
    ).first()
    if entry is None:
        raise ValidationFailed(_("没有这笔账目。"), field="entry")
    services.entry_reverse(
        viewer=request.viewer,
        actor=request.user,
        entry=entry,
        reason=request.POST.get("reason", ""),
        on=_date(request.POST.get("on")),
    )
    return _("已登记冲正账目。")


def _act_edit_entry(request: HttpRequest, project: Project) -> str:
    entry = LedgerEntry.objects.filter(
        project=project, pk=_int(request.POST.get("entry"), "entry")
    ).first()
    if entry is None:
        raise ValidationFailed(_("没有这笔账目。"), field="entry")
    services.entry_edit(viewer=request.viewer, actor=request.user, entry=entry)
    return ""  # never reached


def _act_contribution(request: HttpRequest, project: Project) -> str:
    post = request.POST
    services.contribution_record(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        kind=post.get("kind", ""),
        giver=_giver(request),
        given_on=_date(post.get("on")),
        amount_fen=_money(request, required=False),
        item=post.get("item", ""),
        quantity=post.get("quantity") or None,
        unit=post.get("unit", ""),
        unit_price_fen=_money(request, "unit_price", required=False),
        person_days=post.get("person_days") or None,
        person_times=post.get("person_times") or None,
        land_mu=post.get("land_mu") or None,
        land_m2=post.get("land_m2") or None,
        hours=post.get("hours") or None,
        wages_fen=_money(request, "wages", required=False),
        value_fen=_money(request, "value", required=False),
        note=post.get("note", ""),
    )
    return _("贡献已登记。")


def _act_pledge(request: HttpRequest, project: Project) -> str:
    services.pledge_make(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        giver=_giver(request),
        amount_fen=_money(request),
        pledged_on=_date(request.POST.get("on")),
        source_kind=request.POST.get("source_kind", ""),
    )
    return _("认捐已登记，谢谢！")


def _act_order(request: HttpRequest, project: Project) -> str:
    services.request_order(
        viewer=request.viewer,
        actor=request.user,
        project=project,
        category=request.POST.get("category", ""),
        title=request.POST.get("title", ""),
    )
    return _("已点单。")


def _request_and_resource(request: HttpRequest, project: Project) -> tuple[Any, Any]:
    req = ServiceRequest.objects.filter(
        project=project, pk=_int(request.POST.get("request"), "request")
    ).first()
    res = Resource.objects.filter(pk=_int(request.POST.get("resource"), "resource")).first()
    if req is None or res is None:
        raise ValidationFailed(_("请选择服务单和资源。"), field="resource")
    return req, res


def _act_dispatch(request: HttpRequest, project: Project) -> str:
    req, res = _request_and_resource(request, project)
    services.request_dispatch(viewer=request.viewer, actor=request.user, request=req, resource=res)
    return _("已派单。")


def _act_take(request: HttpRequest, project: Project) -> str:
    req, res = _request_and_resource(request, project)
    services.request_take(viewer=request.viewer, actor=request.user, request=req, resource=res)
    return _("已接单，谢谢！")


ACTIONS: dict[str, Callable[[HttpRequest, Project], str]] = {
    "plan": _act_plan,
    "stage": _act_stage,
    "progress": _act_progress,
    "milestone": _act_milestone,
    "photo": _act_photo,
    "funding": _act_funding,
    "receipt": _act_receipt,
    "spending": _act_spending,
    "reverse": _act_reverse,
    "edit_entry": _act_edit_entry,
    "contribution": _act_contribution,
    "pledge": _act_pledge,
    "order": _act_order,
    "dispatch": _act_dispatch,
    "take": _act_take,
}


@login_required
@require_POST
def project_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One form of the project page → one service. A refusal comes back as a message in
    Chinese and nothing changes."""
    project = _project(pk)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        done = handler(request, project)
    except PermissionDenied as e:
        raise Forbidden(str(e)) from e
    except DomainError as e:
        messages.error(request, str(e))
        response = redirect("projects:detail", pk=project.pk)
        response.status_code = 303
        return response
    messages.success(request, done)
    return redirect("projects:detail", pk=project.pk)
