"""Pages of 效果共评. Results are public (村务公开): a project's ratings, a place's
satisfaction, closed rounds, the star households of a village, a plaque and award winners need
no sign-in. Every form posts to one action calling one service; a refused action shows the
page again with the service's message and its status (400/403/404), changing nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound
from wugong.evaluations import selectors, services
from wugong.evaluations.models import (
    AwardStatus,
    CampaignStatus,
    DeclarationStatus,
    NomineeKind,
    RatingStage,
    RoundStatus,
    StarAward,
    StarDeclaration,
    Verdict,
)
from wugong.people.models import Household, Organisation, Person
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.places.models import Place
from wugong.places.paths import subtree_q


# --- helpers -----------------------------------------------------------------------------------
def _int(value: Any) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() else None


def _get(fn: Callable[..., Any], **kw: Any) -> Any:
    try:
        return fn(**kw)
    except NotFound as e:
        raise Http404(str(e)) from e


def _place(value: Any) -> Place:
    pk = _int(value)
    place = Place.objects.filter(pk=pk).first() if pk else None
    if place is None:
        raise Http404
    return place


def home_place(request: HttpRequest) -> Place | None:
    """The village/community of the viewer's household or first post (else the top place)."""
    viewer = request.viewer
    ids = [a.place_id for a in viewer.assignments if ROLE_SCOPE[a.role] != Scope.EVERYTHING]
    place = Place.objects.filter(pk=ids[0]).first() if ids else None
    if place is None:
        return Place.objects.filter(parent=None).order_by("id").first()
    return selectors.village_of(place) or place


def _year() -> int:
    return timezone.localdate().year


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], error: DomainError | None
) -> HttpResponse:
    context["error"] = error
    return render(request, template, context, status=error.status if error else 200)


def _act(
    request: HttpRequest,
    action: Callable[[], Any],
    *,
    ok: str,
    again: Callable[[DomainError], HttpResponse],
    to: str,
    **kw: Any,
) -> HttpResponse:
    """Run one service: on success a message and back to ``to``; refused, the page again."""
    try:
        action()
    except DomainError as e:
        return again(e)
    messages.success(request, ok)
    return redirect(to, **kw)


# --- hub ---------------------------------------------------------------------------------------
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """效果共评: what the viewer may rate or run in their village/community."""
    from wugong.projects.models import Project

    viewer = request.viewer
    place = home_place(request)
    context: dict[str, Any] = {"place": place}
    if place is not None:
        context.update(
            projects=list(
                Project.objects.filter(subtree_q(place.path, "place_path"))
                .exclude(stage="cancelled")
                .order_by("-created_at", "-id")[:20]
            ),
            rounds=list(selectors.round_list(place=place)[:10]),
            campaigns=list(selectors.campaign_list(place=place)[:5]),
            awards=list(selectors.award_list(place=place)[:10]),
            can_manage_rounds=viewer.can_place("evaluation.manage", place),
            can_manage_stars=viewer.can_place("stars.manage", place),
        )
    return render(request, "evaluations/index.html", context)


# --- satisfaction per place ---------------------------------------------------------------------
def place_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """满意度 of a place, and of each place under it (drill down). Public."""
    place = _get(selectors.place_get, pk=pk)
    total, rows = selectors.place_satisfaction(place=place)
    crumbs = list(
        Place.objects.filter(pk__in=[int(x) for x in place.path.strip("/").split("/")])
        .exclude(pk=place.pk)
        .order_by("depth")
    )
    context = {
        "place": place,
        "crumbs": crumbs,
        "total": total,
        "rows": rows,
        "stages": [(label, total.projects[code]) for code, label in RatingStage.choices],
        "projects": selectors.rated_projects(place=place),
        "rounds": list(selectors.round_list(place=place)[:20]),
        "star_households": len(selectors.star_households(place=place)),
        "awards": list(selectors.award_list(place=place)[:10]),
    }
    return render(request, "evaluations/place.html", context)


# --- project ratings ----------------------------------------------------------------------------
def project_ratings(
    request: HttpRequest, pk: int, error: DomainError | None = None
) -> HttpResponse:
    """A project's ratings by stage (public), and the viewer's rating forms."""
    from wugong.projects.selectors import project_get

    project = _get(project_get, pk=pk)
    viewer = request.viewer
    summary = selectors.project_rating_summary(project=project)
    mine = selectors.my_project_ratings(viewer=viewer, project=project)
    can_rate = services.can_rate_project(viewer, project)
    open_stages = services.open_stages(project)
    stages = [
        {
            "code": code,
            "label": label,
            "summary": summary[code],
            "mine": mine.get(code),
            "open": code in open_stages,
        }
        for code, label in RatingStage.choices
    ]
    context = {
        "project": project,
        "stages": stages,
        "can_rate": can_rate,
        "comments": selectors.project_comments(project=project),
        "values": request.POST,
    }
    return _render(request, "evaluations/project.html", context, error)


@login_required
@require_POST
def project_rate(request: HttpRequest, pk: int) -> HttpResponse:
    from wugong.projects.selectors import project_get

    project = _get(project_get, pk=pk)
    return _act(
        request,
        lambda: services.project_rate(
            viewer=request.viewer,
            actor=request.user,
            project=project,
            stage=request.POST.get("stage", ""),
            stars=_int(request.POST.get("stars")) or 0,
            comment=request.POST.get("comment", ""),
        ),
        ok=_("谢谢您的评价。"),
        again=lambda e: project_ratings(request, pk, e),
        to="evaluations:project",
        pk=pk,
    )


# --- yearly rounds ------------------------------------------------------------------------------
@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    place = _place(request.GET.get("place") or request.POST.get("place"))
    viewer = request.viewer
    if not viewer.can_place("evaluation.manage", place):
        raise Http404
    organisations = list(
        Organisation.objects.filter(subtree_q(place.path, "places__path")).distinct().order_by("id")
    )
    error = None
    if request.method == "POST":
        try:
            rnd = services.round_open(
                viewer=viewer,
                actor=request.user,
                place=place,
                year=_int(request.POST.get("year")) or 0,
                title=request.POST.get("title", ""),
                organisation_ids=[i for i in map(_int, request.POST.getlist("organisations")) if i],
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("测评已开始。"))
            return redirect("evaluations:round", pk=rnd.pk)
    context = {
        "place": place,
        "organisations": organisations,
        "year": _year(),
        "values": request.POST,
    }
    return _render(request, "evaluations/round_new.html", context, error)


def round_detail(request: HttpRequest, pk: int, error: DomainError | None = None) -> HttpResponse:
    """A round: its subjects; a ballot for residents in scope while open; results when closed."""
    rnd = _get(selectors.round_get, pk=pk)
    viewer = request.viewer
    results = selectors.round_results(rating_round=rnd)
    context = {
        "round": rnd,
        "subjects": list(rnd.subjects.order_by("sort", "id")),
        "results": results,
        "total": selectors.round_total(results),
        "voters": selectors.round_voters(rating_round=rnd),
        "done": selectors.round_my_subjects(viewer=viewer, rating_round=rnd),
        "can_rate": rnd.status == RoundStatus.OPEN and services.in_scope(viewer, rnd.place_path),
        "can_manage": viewer.can_place("evaluation.manage", rnd.place),
        "verdicts": Verdict.choices,
    }
    return _render(request, "evaluations/round.html", context, error)


@login_required
@require_POST
def round_rate(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = _get(selectors.round_get, pk=pk)
    verdicts: dict[int, Any] = {}
    for key, value in request.POST.items():
        if key.startswith("subject_") and value != "":
            sid = _int(key.removeprefix("subject_"))
            if sid:
                verdicts[sid] = _int(value) if _int(value) is not None else -1
    return _act(
        request,
        lambda: services.round_rate(
            viewer=request.viewer,
            actor=request.user,
            rating_round=rnd,
            verdicts=verdicts,
            comment=request.POST.get("comment", ""),
        ),
        ok=_("谢谢您的评价。"),
        again=lambda e: round_detail(request, pk, e),
        to="evaluations:round",
        pk=pk,
    )


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = _get(selectors.round_get, pk=pk)
    return _act(
        request,
        lambda: services.round_close(viewer=request.viewer, actor=request.user, rating_round=rnd),
        ok=_("测评已结束，结果已公布。"),
        again=lambda e: round_detail(request, pk, e),
        to="evaluations:round",
        pk=pk,
    )


# --- ten-star households: campaigns -------------------------------------------------------------
def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    place = _place(request.GET.get("place") or request.POST.get("place"))
    viewer = request.viewer
    if not viewer.can_place("stars.manage", place):
        raise Http404
    error = None
    if request.method == "POST":
        try:
            campaign = services.campaign_create(
                viewer=viewer,
                actor=request.user,
                place=place,
                year=_int(request.POST.get("year")) or 0,
                starts_on=_date(request.POST.get("starts_on")),  # type: ignore[arg-type]
                title=request.POST.get("title", ""),
                hygiene_threshold=request.POST.get("hygiene_threshold", ""),
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("评选已开始，住户可以申报了。"))
            return redirect("evaluations:campaign", pk=campaign.pk)
    context = {
        "place": place,
        "year": _year(),
        "today": timezone.localdate(),
        "areas": selectors.star_areas_for(place),
        "threshold": services.hygiene_threshold_default(),
        "values": request.POST,
    }
    return _render(request, "evaluations/campaign_new.html", context, error)


def campaign_detail(
    request: HttpRequest, pk: int, error: DomainError | None = None
) -> HttpResponse:
    """A campaign: its areas and stage; the household's declaration form; for reviewers and
    the committee, the declarations in their scope."""
    campaign = _get(selectors.campaign_get, pk=pk)
    viewer = request.viewer
    own = None
    if viewer.household_id:
        own = (
            Household.objects.filter(subtree_q(campaign.place_path, "place_path"))
            .filter(pk=viewer.household_id)
            .select_related("head")
            .first()
        )
    own_declaration = (
        StarDeclaration.objects.filter(campaign=campaign, household=own)
        .prefetch_related("stars")
        .first()
        if own
        else None
    )
    declarations: list[StarDeclaration] = []
    if viewer.has_rule("stars.review") or viewer.has_rule("stars.manage"):
        declarations = [
            d
            for d in campaign.declarations.select_related("household__head", "household__place")
            .prefetch_related("stars", "reviews")
            .order_by("status", "household__sort_key", "id")
            if viewer.can_household("stars.review", d.household)
            or viewer.can_household("stars.manage", d.household)
        ]
    context = {
        "campaign": campaign,
        "names": campaign.area_names(),
        "own": own,
        "own_declaration": own_declaration,
        "can_declare": own is not None
        and own_declaration is None
        and campaign.status == CampaignStatus.OPEN,
        "declarations": declarations,
        "can_manage": viewer.can_place("stars.manage", campaign.place),
        "progress": _progress(campaign),
        "now": timezone.now(),
        "values": request.POST,
    }
    return _render(request, "evaluations/campaign.html", context, error)


def _progress(campaign: Any) -> list[tuple[str, int]]:
    counts = dict(
        campaign.declarations.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [(label, counts.get(code, 0)) for code, label in DeclarationStatus.choices]


@login_required
@require_POST
def campaign_declare(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get(selectors.campaign_get, pk=pk)
    household_pk = _int(request.POST.get("household")) or request.viewer.household_id
    household = Household.objects.filter(pk=household_pk).first() if household_pk else None
    if household is None:
        raise Http404
    areas = {a: request.POST.get(f"note_{a}", "") for a in request.POST.getlist("areas")}
    return _act(
        request,
        lambda: services.declaration_submit(
            viewer=request.viewer,
            actor=request.user,
            campaign=campaign,
            household=household,
            areas=areas,
            note=request.POST.get("note", ""),
        ),
        ok=_("申报已提交，请等候群众代表评议和村委审核。"),
        again=lambda e: campaign_detail(request, pk, e),
        to="evaluations:campaign",
        pk=pk,
    )


@login_required
@require_POST
def campaign_notice(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get(selectors.campaign_get, pk=pk)
    return _act(
        request,
        lambda: services.campaign_notice(
            viewer=request.viewer,
            actor=request.user,
            campaign=campaign,
            days=_int(request.POST.get("days")),
        ),
        ok=_("拟授星名单已公示。"),
        again=lambda e: campaign_detail(request, pk, e),
        to="evaluations:campaign",
        pk=pk,
    )


@login_required
@require_POST
def campaign_award(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get(selectors.campaign_get, pk=pk)
    return _act(
        request,
        lambda: services.campaign_award(
            viewer=request.viewer, actor=request.user, campaign=campaign
        ),
        ok=_("已授星。"),
        again=lambda e: campaign_detail(request, pk, e),
        to="evaluations:campaign",
        pk=pk,
    )


# --- ten-star households: a declaration ----------------------------------------------------------
def _declaration(request: HttpRequest, pk: int) -> StarDeclaration:
    d = (
        StarDeclaration.objects.select_related(
            "campaign__place", "household__head", "household__place"
        )
        .prefetch_related("stars", "reviews__reviewer")
        .filter(pk=pk)
        .first()
    )
    viewer = request.viewer
    if d is None or not (
        viewer.household_id == d.household_id
        or viewer.can_household("stars.review", d.household)
        or viewer.can_household("stars.manage", d.household)
    ):
        raise Http404
    return d


@login_required
def declaration_detail(
    request: HttpRequest, pk: int, error: DomainError | None = None
) -> HttpResponse:
    """A declaration with the representatives' tally per area; the committee sees the
    household's Friday-inspection average beside the hygiene star."""
    d = _declaration(request, pk)
    viewer = request.viewer
    names = d.campaign.area_names()
    tally = selectors.review_tally(d)
    can_manage = viewer.can_household("stars.manage", d.household)
    average = None
    if can_manage and any(s.area == "hygiene" for s in d.stars.all()):
        average = services.hygiene_average(household_id=d.household_id, since=d.campaign.starts_on)
    context = {
        "d": d,
        "name": selectors.household_name(d.household),
        "rows": [
            {"star": s, "name": names.get(s.area, s.area), "tally": tally.get(s.area, (0, 0))}
            for s in d.stars.all()
        ],
        "reviewed": bool(viewer.person_id)
        and any(r.reviewer_id == viewer.person_id for r in d.reviews.all()),
        "can_review": viewer.can_household("stars.review", d.household)
        and d.status == DeclarationStatus.DECLARED,
        "can_check": can_manage and d.status == DeclarationStatus.DECLARED,
        "average": average,
        "threshold": d.campaign.hygiene_threshold,
    }
    return _render(request, "evaluations/declaration.html", context, error)


@login_required
@require_POST
def declaration_review(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    opinions: dict[str, bool] = {}
    for s in d.stars.all():
        value = request.POST.get(f"opinion_{s.area}")
        if value in {"agree", "disagree"}:
            opinions[s.area] = value == "agree"
    return _act(
        request,
        lambda: services.declaration_review(
            viewer=request.viewer,
            actor=request.user,
            declaration=d,
            opinions=opinions,
            note=request.POST.get("note", ""),
        ),
        ok=_("评议已提交。"),
        again=lambda e: declaration_detail(request, pk, e),
        to="evaluations:declaration",
        pk=pk,
    )


@login_required
@require_POST
def declaration_check(request: HttpRequest, pk: int) -> HttpResponse:
    d = _declaration(request, pk)
    return _act(
        request,
        lambda: services.declaration_check(
            viewer=request.viewer,
            actor=request.user,
            declaration=d,
            approved=request.POST.getlist("approved"),
            note=request.POST.get("note", ""),
        ),
        ok=_("审核已完成。"),
        again=lambda e: declaration_detail(request, pk, e),
        to="evaluations:declaration",
        pk=pk,
    )


# --- ten-star households: stars held ------------------------------------------------------------
def stars_place(request: HttpRequest, pk: int) -> HttpResponse:
    """The star households of a place (public): names of households only."""
    place = _get(selectors.place_get, pk=pk)
    rows = selectors.star_households(place=place)
    context = {
        "place": place,
        "rows": rows,
        "campaigns": list(selectors.campaign_list(place=place)[:10]),
        "areas": selectors.star_areas_for(place),
    }
    return render(request, "evaluations/stars_place.html", context)


@login_required
def stars_mine(request: HttpRequest) -> HttpResponse:
    if not request.viewer.household_id:
        raise Http404(_("您的账号没有关联住户。"))
    return redirect("evaluations:stars_household", pk=request.viewer.household_id)


@login_required
def stars_household(
    request: HttpRequest, pk: int, error: DomainError | None = None
) -> HttpResponse:
    """A household's ten-star status: which stars, since when, and the history."""
    household = _get(selectors.household_for, viewer=request.viewer, pk=pk)
    held, revoked = selectors.household_stars(household=household)
    context = {
        "household": household,
        "name": selectors.household_name(household),
        "held": held,
        "revoked": revoked,
        "declarations": list(selectors.household_declarations(household=household)[:10]),
        "can_manage": request.viewer.can_household("stars.manage", household),
    }
    return _render(request, "evaluations/stars_household.html", context, error)


def plaque(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable plaque (星级文明户牌) for a household's stars. Public."""
    household, held = _get(selectors.public_plaque, pk=pk)
    village = selectors.village_of(household.place)
    context = {
        "household": household,
        "name": selectors.household_name(household),
        "held": held,
        "village": village,
        "count": len(held),
        "since": min(a.awarded_on for a in held),
    }
    return render(request, "evaluations/plaque.html", context)


@login_required
@require_POST
def star_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    award = StarAward.objects.select_related("household").filter(pk=pk).first()
    if award is None or action not in {"confirm", "revoke"}:
        raise Http404
    household_pk = award.household_id

    def run() -> Any:
        if action == "confirm":
            return services.star_confirm(viewer=request.viewer, actor=request.user, award=award)
        return services.star_revoke(
            viewer=request.viewer,
            actor=request.user,
            award=award,
            reason=request.POST.get("reason", ""),
        )

    return _act(
        request,
        run,
        ok=_("复评结果已记录。") if action == "confirm" else _("已摘星，原因已记录。"),
        again=lambda e: stars_household(request, household_pk, e),
        to="evaluations:stars_household",
        pk=household_pk,
    )


@login_required
def areas(request: HttpRequest, pk: int) -> HttpResponse:
    """A county's or village's names for the ten areas (a village may replace 计划生育)."""
    place = _get(selectors.place_get, pk=pk)
    viewer = request.viewer
    if not viewer.can_place("stars.manage", place):
        raise Http404
    error = None
    if request.method == "POST":
        try:
            services.star_area_set(
                viewer=viewer,
                actor=request.user,
                place=place,
                area=request.POST.get("area", ""),
                name=request.POST.get("name", ""),
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("已保存。"))
            return redirect("evaluations:areas", pk=pk)
    context = {"place": place, "areas": selectors.star_areas_for(place)}
    return _render(request, "evaluations/areas.html", context, error)


# --- awards -------------------------------------------------------------------------------------
@login_required
def award_new(request: HttpRequest) -> HttpResponse:
    place = _place(request.GET.get("place") or request.POST.get("place"))
    viewer = request.viewer
    if not viewer.can_place("stars.manage", place):
        raise Http404
    error = None
    if request.method == "POST":
        try:
            award = services.award_create(
                viewer=viewer,
                actor=request.user,
                place=place,
                title=request.POST.get("title", ""),
                year=_int(request.POST.get("year")) or 0,
                nominee_kind=request.POST.get("nominee_kind", ""),
                seats=_int(request.POST.get("seats")) or 0,
            )
        except DomainError as e:
            error = e
        else:
            messages.success(request, _("评选已开始，欢迎提名。"))
            return redirect("evaluations:award", pk=award.pk)
    context = {
        "place": place,
        "year": _year(),
        "kinds": NomineeKind.choices,
        "suggestions": [_("最美庭院"), _("好婆婆"), _("好儿媳"), _("文明家庭")],
        "values": request.POST,
    }
    return _render(request, "evaluations/award_new.html", context, error)


def award_detail(request: HttpRequest, pk: int, error: DomainError | None = None) -> HttpResponse:
    award = _get(selectors.award_get, pk=pk)
    viewer = request.viewer
    in_scope = services.in_scope(viewer, award.place_path)
    voted = bool(viewer.person_id) and award.ballots.filter(voter_id=viewer.person_id).exists()
    households: list[Household] = []
    people: list[Person] = []
    if in_scope and award.status == AwardStatus.NOMINATING:
        if award.nominee_kind == NomineeKind.HOUSEHOLD:
            households = list(
                Household.objects.filter(subtree_q(award.place_path, "place_path"))
                .select_related("head")
                .order_by("sort_key", "id")[:500]
            )
        else:
            people = list(
                Person.objects.filter(
                    subtree_q(award.place_path, "household__place_path")
                ).order_by("sort_key", "id")[:500]
            )
    context = {
        "award": award,
        "results": selectors.award_results(award=award),
        "ballots": award.ballots.count(),
        "in_scope": in_scope,
        "voted": voted,
        "households": households,
        "people": people,
        "can_manage": viewer.can_place("stars.manage", award.place),
        "values": request.POST,
    }
    return _render(request, "evaluations/award.html", context, error)


@login_required
@require_POST
def award_nominate(request: HttpRequest, pk: int) -> HttpResponse:
    award = _get(selectors.award_get, pk=pk)
    household = person = None
    if hpk := _int(request.POST.get("household")):
        household = Household.objects.select_related("head").filter(pk=hpk).first()
        if household is None:
            return award_detail(request, pk, NotFound(_("住户不存在。"), field="household"))
    if ppk := _int(request.POST.get("person")):
        person = Person.objects.select_related("household").filter(pk=ppk).first()
        if person is None:
            return award_detail(request, pk, NotFound(_("此人不存在。"), field="person"))
    return _act(
        request,
        lambda: services.nomination_submit(
            viewer=request.viewer,
            actor=request.user,
            award=award,
            reason=request.POST.get("reason", ""),
            household=household,
            person=person,
        ),
        ok=_("提名已提交。"),
        again=lambda e: award_detail(request, pk, e),
        to="evaluations:award",
        pk=pk,
    )


@login_required
@require_POST
def award_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    award = _get(selectors.award_get, pk=pk)
    viewer, actor = request.viewer, request.user
    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "open": (
            lambda: services.award_open_vote(viewer=viewer, actor=actor, award=award),
            _("提名截止，投票开始。"),
        ),
        "vote": (
            lambda: services.award_vote(
                viewer=viewer,
                actor=actor,
                award=award,
                nomination_ids=[i for i in map(_int, request.POST.getlist("nominations")) if i],
            ),
            _("投票成功，谢谢参与。"),
        ),
        "close": (
            lambda: services.award_close(viewer=viewer, actor=actor, award=award),
            _("评选结果已揭晓。"),
        ),
    }
    if action not in actions:
        raise Http404
    run, ok = actions[action]
    return _act(
        request,
        run,
        ok=ok,
        again=lambda e: award_detail(request, pk, e),
        to="evaluations:award",
        pk=pk,
    )
