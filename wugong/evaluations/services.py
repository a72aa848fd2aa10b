"""Every write of 效果共评: project ratings, yearly rating rounds, ten-star households
(十星级文明户) and awards (评选). Each function checks its rule, writes in one transaction with
its audit event, and raises a domain error with a Chinese message; bad input changes nothing.

Who may do what:

* rate a project, a round's subjects, nominate and vote in an award: ``evaluation.rate``, a
  person whose household or post lies in the village/community concerned (others get 404);
* open and close a rating round: ``evaluation.manage`` on the place;
* declare stars: the household's own members (or a ``stars.manage`` cadre recording for them,
  代录); review: ``stars.review`` (chiefs, council members) in scope; check, publish the notice,
  award, confirm and revoke stars, run awards: ``stars.manage`` in scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.evaluations.models import (
    DEFAULT_HYGIENE_THRESHOLD,
    Award,
    AwardBallot,
    AwardStatus,
    CampaignStatus,
    DeclarationStatus,
    DeclaredStar,
    Nomination,
    NomineeKind,
    ProjectRating,
    RatingRound,
    RatingStage,
    RoundRating,
    RoundStatus,
    RoundSubject,
    StarArea,
    StarAreaSetting,
    StarAward,
    StarCampaign,
    StarDeclaration,
    StarReview,
    Verdict,
)
from wugong.evaluations.selectors import (
    household_name,
    star_areas_for,
    village_of,
)
from wugong.evaluations.tally import approval_winners
from wugong.people.models import Household, Organisation, Person, RoleAssignment
from wugong.people.roles import Role
from wugong.people.rules import Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import subtree_q
from wugong.projects.models import Project, Stage

MAX_COMMENT = 300
MAX_NOTE = 500

# Which project stages open which rating stage.
STAGE_OPEN: dict[str, frozenset[str]] = {
    RatingStage.BEFORE: frozenset({Stage.PROPOSED, Stage.PLANNED, Stage.FUNDRAISING}),
    RatingStage.DURING: frozenset({Stage.BUILDING}),
    RatingStage.DONE: frozenset({Stage.ACCEPTED, Stage.UPKEEP}),
    RatingStage.SATISFIED: frozenset({Stage.ACCEPTED, Stage.UPKEEP}),
}

# The posts rated in a yearly round (干部、工作队).
ROUND_ROLES = (Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.WORK_TEAM)


# --- shared checks -----------------------------------------------------------------------------
def in_scope(viewer: Viewer, path: str, rule: str = "evaluation.rate") -> bool:
    """A person whose household or post lies at or under ``path`` (the village/community)."""
    if viewer.person_id is None:
        return False
    return any(a.place_path.startswith(path) for a in viewer.granting(rule))


def _stars(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise ValidationFailed(_("请打1到5颗星。"), code="out_of_scale", field="stars")
    return value


def _text(value: str | None, *, field: str, max_len: int, required: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(required, field=field)
    if len(text) > max_len:
        raise ValidationFailed(_("内容不能超过%(n)d个字。") % {"n": max_len}, field=field)
    return text


def _year(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 2000 <= value <= 2100:
        raise ValidationFailed(_("请填写正确的年度。"), field="year")
    return value


def _require(viewer: Viewer, rule: str, ok: bool, what: str) -> None:
    """No such rule at all: 403; the rule, but not here: 404 like a missing object."""
    if not viewer.has_rule(rule):
        raise PermissionDenied(_("您没有权限%(what)s。") % {"what": what})
    if not ok:
        raise NotFound(_("对象不存在或不在您的管辖范围内。"))


def _grassroots(place: Place) -> None:
    if place.kind not in GRASSROOTS_KINDS:
        raise ValidationFailed(_("请选择一个村或社区。"), field="place")


def _audit(actor: Any, action: str, obj: Any, path: str, **changes: Any) -> None:
    audit_event_record(actor=actor, action=action, obj=obj, place_path=path, changes=changes)


# --- project ratings ---------------------------------------------------------------------------
def project_anchor(project: Project) -> str:
    """The path whose people rate a project: its village/community, else its own place."""
    village = village_of(project.place)
    return village.path if village else project.place_path


def can_rate_project(viewer: Viewer, project: Project) -> bool:
    return in_scope(viewer, project_anchor(project))


def open_stages(project: Project) -> list[str]:
    return [s for s in RatingStage.values if project.stage in STAGE_OPEN[s]]


@transaction.atomic
def project_rate(
    *, viewer: Viewer, actor: Any, project: Project, stage: str, stars: Any, comment: str = ""
) -> ProjectRating:
    """Rate a project at a stage (事前/事中/事后评), once per person and stage: before (可行吗),
    during (进展顺利吗) or after it (做得好吗, 满意吗), each open while the project is there."""
    project = Project.objects.select_related("place").get(pk=project.pk)
    village = village_of(project.place)
    anchor = village.path if village else project.place_path
    if not in_scope(viewer, anchor):
        raise NotFound(_("项目不存在或不在您的评价范围内。"))
    if stage not in RatingStage.values:
        raise ValidationFailed(_("请选择评价阶段。"), field="stage")
    stars = _stars(stars)
    comment = _text(comment, field="comment", max_len=MAX_COMMENT)
    if project.stage not in STAGE_OPEN[stage]:
        raise ValidationFailed(
            _("项目目前处于“%(s)s”阶段，现在不能进行“%(q)s”评价。")
            % {"s": project.get_stage_display(), "q": RatingStage(stage).label},
            code="stage_closed",
            field="stage",
        )
    duplicate = ValidationFailed(
        _("您已经对这个项目作过“%(q)s”评价，每人每个阶段只能评价一次。")
        % {"q": RatingStage(stage).label},
        code="duplicate",
        field="stage",
    )
    if ProjectRating.objects.filter(
        project=project, person_id=viewer.person_id, stage=stage
    ).exists():
        raise duplicate
    try:
        with transaction.atomic():
            rating = ProjectRating.objects.create(
                project=project,
                stage=stage,
                person_id=viewer.person_id,
                stars=stars,
                comment=comment,
                place_path=project.place_path,
                village_path=village.path if village else "",
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:  # the same person at the same moment from a second phone
        raise duplicate from None
    _audit(actor, "evaluation.project_rate", rating, project.place_path, stage=stage, stars=stars)
    return rating


# --- yearly rating rounds ----------------------------------------------------------------------
@transaction.atomic
def round_open(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    year: Any,
    title: str = "",
    organisation_ids: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> RatingRound:
    """Open a yearly round (年度测评) of a place: every person holding a cadre or work-team post
    at or under it is a subject, plus the chosen organisations serving it."""
    ok = viewer.can_place("evaluation.manage", place)
    _require(viewer, "evaluation.manage", ok, _("组织测评"))
    year = _year(year)
    title = _text(title, field="title", max_len=100) or _("%(y)d年度%(p)s干部和工作队测评") % {
        "y": year,
        "p": place.name,
    }
    if RatingRound.objects.filter(place=place, year=year, title=title).exists():
        raise ValidationFailed(_("本年度已有同名测评。"), code="duplicate", field="title")
    ids = {int(i) for i in organisation_ids}
    orgs = list(
        Organisation.objects.filter(pk__in=ids)
        .filter(subtree_q(place.path, "places__path"))
        .distinct()
        .order_by("id")
    )
    if len(orgs) != len(ids):
        raise ValidationFailed(_("所选组织不在本地。"), field="organisation_ids")
    posts: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    rows = (
        RoleAssignment.objects.filter(subtree_q(place.path, "place_path"))
        .filter(active=True, role__in=ROUND_ROLES)
        .select_related("person")
        .order_by("role", "person__sort_key", "id")
    )
    for r in rows:
        label = str(Role(r.role).label)
        if label not in posts.setdefault(r.person_id, []):
            posts[r.person_id].append(label)
        names[r.person_id] = r.person.name
    if not posts and not orgs:
        raise ValidationFailed(_("这里没有可测评的干部、工作队或组织。"), code="no_subjects")
    now = now or timezone.now()
    rnd = RatingRound.objects.create(
        place=place,
        place_path=place.path,
        year=year,
        title=title,
        opened_by=actor if getattr(actor, "pk", None) else None,
        opened_at=now,
    )
    subjects = [
        RoundSubject(round=rnd, person_id=pid, name=names[pid], post="、".join(p), sort=i)
        for i, (pid, p) in enumerate(posts.items())
    ]
    subjects += [
        RoundSubject(
            round=rnd,
            organisation=o,
            name=o.name,
            post=str(o.get_kind_display()),
            sort=len(posts) + i,
        )
        for i, o in enumerate(orgs)
    ]
    RoundSubject.objects.bulk_create(subjects)
    _audit(actor, "evaluation.round_open", rnd, place.path, year=year, subjects=len(subjects))
    return rnd


@transaction.atomic
def round_rate(
    *,
    viewer: Viewer,
    actor: Any,
    rating_round: RatingRound,
    verdicts: Mapping[int, Any],
    comment: str = "",
) -> list[RoundRating]:
    """A resident's ballot in a round: a verdict (满意/基本满意/不满意) on one or more subjects,
    each subject once per person. All or nothing."""
    rnd = RatingRound.objects.select_for_update().get(pk=rating_round.pk)
    if not in_scope(viewer, rnd.place_path):
        raise NotFound(_("测评不存在或不在您的参评范围内。"))
    if rnd.status != RoundStatus.OPEN:
        raise ValidationFailed(_("测评已经结束。"), code="closed", field="status")
    if not verdicts:
        raise ValidationFailed(_("请至少评价一位测评对象。"), field="verdicts")
    comment = _text(comment, field="comment", max_len=MAX_COMMENT)
    subjects = {s.pk: s for s in rnd.subjects.filter(pk__in=[int(k) for k in verdicts])}
    rows = []
    for key, verdict in verdicts.items():
        subject = subjects.get(int(key))
        if subject is None:
            raise NotFound(_("测评对象不存在。"), field="verdicts")
        if subject.person_id is not None and subject.person_id == viewer.person_id:
            raise ValidationFailed(_("不能评价自己。"), code="self", field="verdicts")
        if not isinstance(verdict, int) or isinstance(verdict, bool) or verdict not in Verdict:
            raise ValidationFailed(
                _("请选择满意、基本满意或不满意。"), code="out_of_scale", field="verdicts"
            )
        rows.append(
            RoundRating(
                round=rnd,
                subject=subject,
                person_id=viewer.person_id,
                verdict=verdict,
                comment=comment,
            )
        )
    done = sorted(
        RoundRating.objects.filter(
            round=rnd, person_id=viewer.person_id, subject_id__in=list(subjects)
        ).values_list("subject__name", flat=True)
    )
    if done:
        raise ValidationFailed(
            _("您已经评价过%(n)s，每人对每位对象只能评价一次。") % {"n": "、".join(done)},
            code="duplicate",
            field="verdicts",
        )
    try:
        with transaction.atomic():
            RoundRating.objects.bulk_create(rows)
    except IntegrityError:
        raise ValidationFailed(
            _("您已经评价过了，每人对每位对象只能评价一次。"), code="duplicate", field="verdicts"
        ) from None
    _audit(
        actor,
        "evaluation.round_rate",
        rnd,
        rnd.place_path,
        subjects=sorted(subjects),
    )
    return rows


@transaction.atomic
def round_close(
    *, viewer: Viewer, actor: Any, rating_round: RatingRound, now: dt.datetime | None = None
) -> RatingRound:
    """Close a round: its results per subject are published."""
    rnd = (
        RatingRound.objects.select_for_update(of=("self",))
        .select_related("place")
        .get(pk=rating_round.pk)
    )
    _require(
        viewer, "evaluation.manage", viewer.can_place("evaluation.manage", rnd.place), _("结束测评")
    )
    if rnd.status != RoundStatus.OPEN:
        raise ValidationFailed(_("测评已经结束。"), code="closed", field="status")
    rnd.status = RoundStatus.CLOSED
    rnd.closed_at = now or timezone.now()
    rnd.save(update_fields=["status", "closed_at"])
    _audit(actor, "evaluation.round_close", rnd, rnd.place_path, ratings=rnd.ratings.count())
    return rnd


# --- ten-star households: the areas ------------------------------------------------------------
@transaction.atomic
def star_area_set(
    *, viewer: Viewer, actor: Any, place: Place, area: str, name: str
) -> StarAreaSetting | None:
    """Rename or replace one of the ten areas for a county or village (e.g. 计划生育 → 家庭和睦).
    An empty name, or the default name, puts the default back. Campaigns already started keep
    the names they started with."""
    _require(viewer, "stars.manage", viewer.can_place("stars.manage", place), _("设置星级项目"))
    if area not in StarArea.values:
        raise ValidationFailed(_("没有这个星级项目。"), field="area")
    name = _text(name, field="name", max_len=20)
    existing = StarAreaSetting.objects.filter(place=place, area=area).first()
    if not name or name == StarArea(area).label:
        if existing:
            existing.delete()
        _audit(actor, "stars.area_reset", place, place.path, area=area)
        return None
    if existing:
        existing.name = name
        existing.save(update_fields=["name"])
    else:
        existing = StarAreaSetting.objects.create(place=place, area=area, name=name)
    _audit(actor, "stars.area_set", existing, place.path, area=area, name=name)
    return existing


# --- ten-star households: campaign, declaration, review, check, notice, award ------------------
def hygiene_threshold_default() -> Decimal:
    return Decimal(
        str(getattr(settings, "WUGONG_HYGIENE_STAR_THRESHOLD", DEFAULT_HYGIENE_THRESHOLD))
    )


def hygiene_average(*, household_id: int, since: dt.date) -> Decimal | None:
    """The household's Friday-inspection average (percent) since a date, from the inspections
    app; None while there is none (or the app is not installed)."""
    try:
        from wugong.inspections.selectors import household_average_score
    except ImportError:
        return None
    return household_average_score(household_id=household_id, since=since)


@transaction.atomic
def campaign_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    year: Any,
    starts_on: dt.date,
    title: str = "",
    hygiene_threshold: Any = None,
) -> StarCampaign:
    """Start a ten-star campaign (十星级文明户评选) in a village or community."""
    _require(viewer, "stars.manage", viewer.can_place("stars.manage", place), _("组织评星"))
    _grassroots(place)
    year = _year(year)
    if not isinstance(starts_on, dt.date):
        raise ValidationFailed(_("请填写开始日期。"), field="starts_on")
    title = _text(title, field="title", max_len=100) or _("%(y)d年度%(p)s十星级文明户评选") % {
        "y": year,
        "p": place.name,
    }
    if hygiene_threshold in (None, ""):
        threshold = hygiene_threshold_default()
    else:
        try:
            threshold = Decimal(str(hygiene_threshold))
        except (InvalidOperation, ValueError):
            threshold = Decimal(-1)
        if not threshold.is_finite() or not 0 <= threshold <= 100:
            raise ValidationFailed(
                _("环境卫生星最低平均分应在0到100之间。"), field="hygiene_threshold"
            )
    if StarCampaign.objects.filter(place=place, title=title).exists():
        raise ValidationFailed(_("已有同名评选。"), code="duplicate", field="title")
    campaign = StarCampaign.objects.create(
        place=place,
        place_path=place.path,
        year=year,
        title=title,
        starts_on=starts_on,
        hygiene_threshold=threshold,
        areas=[list(a) for a in star_areas_for(place)],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _audit(actor, "stars.campaign_create", campaign, place.path, title=title, year=year)
    return campaign


def can_declare(viewer: Viewer, household: Household) -> bool:
    """A member of the household, or a cadre recording for it (代录)."""
    own = viewer.household_id == household.pk and viewer.has_rule("stars.declare")
    return own or viewer.can_household("stars.manage", household)


@transaction.atomic
def declaration_submit(
    *,
    viewer: Viewer,
    actor: Any,
    campaign: StarCampaign,
    household: Household,
    areas: Mapping[str, str],
    note: str = "",
) -> StarDeclaration:
    """A household declares the stars it believes it earned (自评申报), each with a note."""
    campaign = StarCampaign.objects.select_for_update().get(pk=campaign.pk)
    if not can_declare(viewer, household) or not household.place_path.startswith(
        campaign.place_path
    ):
        raise NotFound(_("住户不存在或不在本次评选范围内。"))
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationFailed(_("本次评选已停止申报。"), code="closed", field="status")
    names = campaign.area_names()
    if not areas:
        raise ValidationFailed(_("请至少选择一项星。"), field="areas")
    unknown = [a for a in areas if a not in names]
    if unknown:
        raise ValidationFailed(_("没有这个星级项目。"), field="areas")
    held = set(
        StarAward.objects.filter(
            household=household, area__in=list(areas), revoked_on__isnull=True
        ).values_list("area", flat=True)
    )
    if held:
        raise ValidationFailed(
            _("本户已获得%(a)s，无需重复申报。") % {"a": "、".join(names[a] for a in sorted(held))},
            code="held",
            field="areas",
        )
    notes = {a: _text(n, field="areas", max_len=MAX_COMMENT) for a, n in areas.items()}
    note = _text(note, field="note", max_len=MAX_NOTE)
    duplicate = ValidationFailed(
        _("本户已在本次评选中申报过，不能重复申报。"), code="duplicate", field="household"
    )
    if StarDeclaration.objects.filter(campaign=campaign, household=household).exists():
        raise duplicate
    try:
        with transaction.atomic():
            declaration = StarDeclaration.objects.create(
                campaign=campaign,
                household=household,
                place_path=household.place_path,
                note=note,
                declared_by_id=viewer.person_id,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise duplicate from None
    DeclaredStar.objects.bulk_create(
        DeclaredStar(declaration=declaration, area=a, note=notes[a])
        for a in names
        if a in notes  # in the campaign's order
    )
    _audit(
        actor,
        "stars.declare",
        declaration,
        household.place_path,
        household=household.pk,
        areas=sorted(notes),
        on_behalf=viewer.household_id != household.pk,
    )
    return declaration


def _declaration(pk: int) -> StarDeclaration:
    return (
        StarDeclaration.objects.select_for_update(of=("self",))
        .select_related("campaign", "household")
        .get(pk=pk)
    )


@transaction.atomic
def declaration_review(
    *,
    viewer: Viewer,
    actor: Any,
    declaration: StarDeclaration,
    opinions: Mapping[str, bool],
    note: str = "",
) -> list[StarReview]:
    """A representative's review (代表评议): agree or disagree on every declared area."""
    d = _declaration(declaration.pk)
    _require(viewer, "stars.review", viewer.can_household("stars.review", d.household), _("评议"))
    if viewer.person_id is None:
        raise PermissionDenied(_("评议须由本人进行。"))
    if d.status != DeclarationStatus.DECLARED:
        raise ValidationFailed(_("这份申报已审核，不能再评议。"), code="state", field="status")
    if viewer.household_id == d.household_id:
        raise ValidationFailed(_("不能评议自己家的申报。"), code="self", field="household")
    declared = set(d.stars.values_list("area", flat=True))
    if set(opinions) != declared or not all(isinstance(v, bool) for v in opinions.values()):
        raise ValidationFailed(_("请对申报的每一项星都表明同意或不同意。"), field="opinions")
    note = _text(note, field="note", max_len=MAX_COMMENT)
    duplicate = ValidationFailed(_("您已经评议过这份申报。"), code="duplicate", field="opinions")
    if StarReview.objects.filter(declaration=d, reviewer_id=viewer.person_id).exists():
        raise duplicate
    rows = [
        StarReview(
            declaration=d, reviewer_id=viewer.person_id, area=a, agree=opinions[a], note=note
        )
        for a in sorted(declared)
    ]
    try:
        with transaction.atomic():
            StarReview.objects.bulk_create(rows)
    except IntegrityError:
        raise duplicate from None
    _audit(actor, "stars.review", d, d.place_path, opinions=dict(opinions))
    return rows


@transaction.atomic
def declaration_check(
    *,
    viewer: Viewer,
    actor: Any,
    declaration: StarDeclaration,
    approved: Iterable[str],
    note: str = "",
    now: dt.datetime | None = None,
) -> StarDeclaration:
    """The committee's check (村委审核): which declared stars are approved. The hygiene star
    needs the household's Friday-inspection average since the campaign started to reach the
    campaign's threshold."""
    d = _declaration(declaration.pk)
    _require(viewer, "stars.manage", viewer.can_household("stars.manage", d.household), _("审核"))
    campaign = d.campaign
    if d.status != DeclarationStatus.DECLARED or campaign.status != CampaignStatus.OPEN:
        raise ValidationFailed(_("这份申报已经审核过了。"), code="state", field="status")
    if not d.reviews.exists():
        raise ValidationFailed(_("须先经群众代表评议，再由村委审核。"), code="not_reviewed")
    approved = set(approved)
    stars = {s.area: s for s in d.stars.all()}
    if not approved <= set(stars):
        raise ValidationFailed(_("只能通过本户申报的星。"), field="approved")
    note = _text(note, field="note", max_len=MAX_NOTE)
    average = None
    if StarArea.HYGIENE in stars:
        average = hygiene_average(household_id=d.household_id, since=campaign.starts_on)
    if StarArea.HYGIENE in approved and (average is None or average < campaign.hygiene_threshold):
        raise ValidationFailed(
            _("环境卫生星须自%(d)s以来周五检查平均分不低于%(t)s分，本户为%(a)s，不能通过。")
            % {
                "d": campaign.starts_on.isoformat(),
                "t": campaign.hygiene_threshold.normalize(),
                "a": _("暂无检查记录") if average is None else f"{average:.1f}",
            },
            code="hygiene",
            field="approved",
        )
    for area, star in stars.items():
        star.decided = area in approved
    DeclaredStar.objects.bulk_update(stars.values(), ["decided"])
    d.status = DeclarationStatus.CHECKED if approved else DeclarationStatus.REFUSED
    d.check_note = note
    d.hygiene_average = average
    d.checked_by = actor if getattr(actor, "pk", None) else None
    d.checked_at = now or timezone.now()
    d.save(update_fields=["status", "check_note", "hygiene_average", "checked_by", "checked_at"])
    _audit(
        actor,
        "stars.check",
        d,
        d.place_path,
        approved=sorted(approved),
        hygiene_average=average,
    )
    return d


def notice_body(campaign: StarCampaign, declarations: list[StarDeclaration]) -> str:
    """The public notice of the proposed stars: households by name only, no personal data."""
    names = campaign.area_names()
    lines = [
        _("经住户自评申报、群众代表评议、村（居）委会审核，拟授予下列住户星级，现予公示。"),
        _("如有异议，请在公示期内提出。"),
        "",
    ]
    for d in declarations:
        areas = [names[s.area] for s in d.stars.all() if s.decided]
        lines.append(
            _("%(h)s：%(n)d星（%(a)s）")
            % {"h": household_name(d.household), "n": len(areas), "a": "、".join(areas)}
        )
    return "\n".join(lines)


@transaction.atomic
def campaign_notice(
    *, viewer: Viewer, actor: Any, campaign: StarCampaign, days: int | None = None
) -> StarCampaign:
    """Publish the proposed awards as a public notice (公示) of the village for a period
    (wugong.transparency); residents object there. Declarations not yet checked are left out."""
    from wugong.transparency.models import NoticeKind
    from wugong.transparency.services import notice_create, notice_publish

    c = (
        StarCampaign.objects.select_for_update(of=("self",))
        .select_related("place")
        .get(pk=campaign.pk)
    )
    _require(viewer, "stars.manage", viewer.can_place("stars.manage", c.place), _("公示"))
    if c.status != CampaignStatus.OPEN:
        raise ValidationFailed(_("本次评选已经公示过了。"), code="state", field="status")
    declarations = list(
        c.declarations.filter(status=DeclarationStatus.CHECKED)
        .select_related("household__head", "household__place")
        .prefetch_related("stars")
        .order_by("household__sort_key", "household_id")
    )
    if not declarations:
        raise ValidationFailed(_("还没有审核通过的申报，无法公示。"), code="empty")
    notice = notice_create(
        viewer=viewer,
        place=c.place,
        title=_("%(t)s拟授星名单公示") % {"t": c.title},
        body=notice_body(c, declarations),
        kind=NoticeKind.LIST,
        subject=c,
        actor=actor,
    )
    notice = notice_publish(viewer=viewer, notice=notice, days=days, actor=actor)
    c.notice = notice
    c.status = CampaignStatus.NOTICED
    c.save(update_fields=["notice", "status"])
    StarDeclaration.objects.filter(pk__in=[d.pk for d in declarations]).update(
        status=DeclarationStatus.NOTICED
    )
    _audit(
        actor,
        "stars.notice",
        c,
        c.place_path,
        notice=notice.pk,
        declarations=[d.pk for d in declarations],
    )
    return c


@transaction.atomic
def campaign_award(
    *, viewer: Viewer, actor: Any, campaign: StarCampaign, now: dt.datetime | None = None
) -> list[StarAward]:
    """Award the stars (授星挂牌) once the notice's period has ended and every objection has
    been answered. A hygiene star whose inspection average has since fallen below the
    threshold is not awarded."""
    from wugong.transparency.models import NoticeStatus

    c = (
        StarCampaign.objects.select_for_update(of=("self",))
        .select_related("place", "notice")
        .get(pk=campaign.pk)
    )
    _require(viewer, "stars.manage", viewer.can_place("stars.manage", c.place), _("授星"))
    now = now or timezone.now()
    if c.status != CampaignStatus.NOTICED or c.notice is None:
        raise ValidationFailed(_("须先公示拟授星名单。"), code="state", field="status")
    if c.notice.status != NoticeStatus.PUBLISHED:
        raise ValidationFailed(_("公示已撤回，不能授星。"), code="withdrawn", field="notice")
    if now < c.notice.ends_at:
        raise ValidationFailed(
            _("公示期满（%(d)s）后才能授星。")
            % {"d": timezone.localtime(c.notice.ends_at).strftime("%Y-%m-%d %H:%M")},
            code="notice_running",
            field="notice",
        )
    if c.notice.objections.filter(answered_at__isnull=True).exists():
        raise ValidationFailed(
            _("公示期间的异议尚未全部答复，不能授星。"), code="objections", field="notice"
        )
    names = c.area_names()
    today = timezone.localdate(now)
    awards: list[StarAward] = []
    withheld: list[int] = []
    declarations = list(
        c.declarations.filter(status=DeclarationStatus.NOTICED).prefetch_related("stars")
    )
    for d in declarations:
        decided = [s for s in d.stars.all() if s.decided]
        held = set(
            StarAward.objects.filter(
                household_id=d.household_id, revoked_on__isnull=True
            ).values_list("area", flat=True)
        )
        for s in decided:
            if s.area == StarArea.HYGIENE:
                avg = hygiene_average(household_id=d.household_id, since=c.starts_on)
                if avg is None or avg < c.hygiene_threshold:
                    s.decided = False
                    s.save(update_fields=["decided"])
                    withheld.append(d.pk)
                    continue
            if s.area in held:
                continue
            awards.append(
                StarAward(
                    household_id=d.household_id,
                    place_path=d.place_path,
                    area=s.area,
                    area_name=names.get(s.area, s.area),
                    campaign=c,
                    declaration=d,
                    awarded_on=today,
                    awarded_by=actor if getattr(actor, "pk", None) else None,
                )
            )
    StarAward.objects.bulk_create(awards)
    StarDeclaration.objects.filter(pk__in=[d.pk for d in declarations]).update(
        status=DeclarationStatus.AWARDED
    )
    c.status = CampaignStatus.AWARDED
    c.awarded_at = now
    c.save(update_fields=["status", "awarded_at"])
    _audit(
        actor,
        "stars.award",
        c,
        c.place_path,
        stars=len(awards),
        households=len({a.household_id for a in awards}),
        hygiene_withheld=withheld,
    )
    return awards


def _star(award: StarAward) -> StarAward:
    return (
        StarAward.objects.select_for_update(of=("self",))
        .select_related("household")
        .get(pk=award.pk)
    )


@transaction.atomic
def star_confirm(
    *, viewer: Viewer, actor: Any, award: StarAward, on: dt.date | None = None
) -> StarAward:
    """Periodic review (定期复评): the star is kept; the date of the review is recorded."""
    a = _star(award)
    _require(viewer, "stars.manage", viewer.can_household("stars.manage", a.household), _("复评"))
    if a.revoked_on is not None:
        raise ValidationFailed(_("这颗星已被摘除。"), code="revoked", field="status")
    a.reviewed_on = on or timezone.localdate()
    a.save(update_fields=["reviewed_on"])
    _audit(actor, "stars.confirm", a, a.place_path, reviewed_on=a.reviewed_on)
    return a


@transaction.atomic
def star_revoke(
    *, viewer: Viewer, actor: Any, award: StarAward, reason: str, on: dt.date | None = None
) -> StarAward:
    """Revoke a star (摘星) with a reason; the record stays in the household's history."""
    a = _star(award)
    _require(viewer, "stars.manage", viewer.can_household("stars.manage", a.household), _("摘星"))
    if a.revoked_on is not None:
        raise ValidationFailed(_("这颗星已被摘除。"), code="revoked", field="status")
    reason = _text(reason, field="reason", max_len=MAX_COMMENT, required=_("请写明摘星原因。"))
    a.revoked_on = on or timezone.localdate()
    a.revoke_reason = reason
    a.revoked_by = actor if getattr(actor, "pk", None) else None
    a.save(update_fields=["revoked_on", "revoke_reason", "revoked_by"])
    _audit(actor, "stars.revoke", a, a.place_path, area=a.area, reason=reason)
    return a


# --- awards (最美庭院, 好婆婆, 好儿媳 …) ------------------------------------------------------
@transaction.atomic
def award_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    title: str,
    year: Any,
    nominee_kind: str,
    seats: Any = 3,
) -> Award:
    """Start an award of a village or community, open for nominations."""
    _require(viewer, "stars.manage", viewer.can_place("stars.manage", place), _("组织评选"))
    _grassroots(place)
    title = _text(title, field="title", max_len=50, required=_("请填写评选名称，如“最美庭院”。"))
    year = _year(year)
    if nominee_kind not in NomineeKind.values:
        raise ValidationFailed(_("请选择评选对象是住户还是个人。"), field="nominee_kind")
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= 100:
        raise ValidationFailed(_("名额应为1到100。"), field="seats")
    if Award.objects.filter(place=place, year=year, title=title).exists():
        raise ValidationFailed(_("本年度已有同名评选。"), code="duplicate", field="title")
    award = Award.objects.create(
        place=place,
        place_path=place.path,
        title=title,
        year=year,
        nominee_kind=nominee_kind,
        seats=seats,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _audit(actor, "award.create", award, place.path, title=title, year=year, seats=seats)
    return award


def _award(award: Award) -> Award:
    return Award.objects.select_for_update(of=("self",)).select_related("place").get(pk=award.pk)


@transaction.atomic
def nomination_submit(
    *,
    viewer: Viewer,
    actor: Any,
    award: Award,
    reason: str,
    household: Household | None = None,
    person: Person | None = None,
) -> Nomination:
    """Nominate a household or a person of the village (提名), with the reason."""
    a = _award(award)
    if not in_scope(viewer, a.place_path):
        raise NotFound(_("评选不存在或不在您的参与范围内。"))
    if a.status != AwardStatus.NOMINATING:
        raise ValidationFailed(_("提名已经截止。"), code="closed", field="status")
    if a.nominee_kind == NomineeKind.HOUSEHOLD:
        if household is None or person is not None:
            raise ValidationFailed(_("请选择被提名的住户。"), field="household")
        if not household.place_path.startswith(a.place_path):
            raise NotFound(_("被提名的住户不在本村（社区）。"), field="household")
        name = household_name(household)
    else:
        if person is None or household is not None:
            raise ValidationFailed(_("请选择被提名的人。"), field="person")
        h = person.household
        if h is None or not h.place_path.startswith(a.place_path):
            raise NotFound(_("被提名的人不在本村（社区）。"), field="person")
        name = person.name
    reason = _text(reason, field="reason", max_len=MAX_NOTE, required=_("请写明提名理由。"))
    duplicate = ValidationFailed(_("%(n)s已经被提名了。") % {"n": name}, code="duplicate")
    kw = {"household": household} if household is not None else {"person": person}
    if Nomination.objects.filter(award=a, **kw).exists():
        raise duplicate
    try:
        with transaction.atomic():
            n = Nomination.objects.create(
                award=a, name=name, reason=reason, nominated_by_id=viewer.person_id, **kw
            )
    except IntegrityError:
        raise duplicate from None
    _audit(actor, "award.nominate", n, a.place_path, award=a.pk, name=name)
    return n


@transaction.atomic
def award_open_vote(*, viewer: Viewer, actor: Any, award: Award) -> Award:
    """Close nominations and open the vote."""
    a = _award(award)
    _require(viewer, "stars.manage", viewer.can_place("stars.manage", a.place), _("组织评选"))
    if a.status != AwardStatus.NOMINATING:
        raise ValidationFailed(_("投票已经开始或已结束。"), code="state", field="status")
    if not a.nominations.exists():
        raise ValidationFailed(_("还没有人被提名。"), code="empty")
    a.status = AwardStatus.VOTING
    a.save(update_fields=["status"])
    _audit(actor, "award.open_vote", a, a.place_path, nominations=a.nominations.count())
    return a


@transaction.atomic
def award_vote(
    *, viewer: Viewer, actor: Any, award: Award, nomination_ids: Iterable[int]
) -> AwardBallot:
    """Cast one approval ballot (投票): tick every nominee you support; once per person."""
    a = _award(award)
    if not in_scope(viewer, a.place_path):
        raise NotFound(_("评选不存在或不在您的参与范围内。"))
    if a.status != AwardStatus.VOTING:
        raise ValidationFailed(_("现在不是投票时间。"), code="closed", field="status")
    ids = {int(i) for i in nomination_ids}
    if not ids:
        raise ValidationFailed(_("请至少选择一位。"), field="nomination_ids")
    chosen = list(a.nominations.filter(pk__in=ids))
    if len(chosen) != len(ids):
        raise NotFound(_("所选的被提名者不存在。"), field="nomination_ids")
    duplicate = ValidationFailed(
        _("您已经投过票了，每人只能投一次。"), code="duplicate", field="nomination_ids"
    )
    if AwardBallot.objects.filter(award=a, voter_id=viewer.person_id).exists():
        raise duplicate
    try:
        with transaction.atomic():
            ballot = AwardBallot.objects.create(award=a, voter_id=viewer.person_id)
    except IntegrityError:
        raise duplicate from None
    ballot.choices.set(chosen)
    _audit(actor, "award.vote", ballot, a.place_path, award=a.pk)  # not whom: the vote is secret
    return ballot


@transaction.atomic
def award_close(
    *, viewer: Viewer, actor: Any, award: Award, now: dt.datetime | None = None
) -> Award:
    """Count the approvals and publish the winners (揭晓)."""
    a = _award(award)
    _require(viewer, "stars.manage", viewer.can_place("stars.manage", a.place), _("组织评选"))
    if a.status != AwardStatus.VOTING:
        raise ValidationFailed(_("投票尚未开始或已经揭晓。"), code="state", field="status")
    counts = dict(a.nominations.annotate(n=Count("ballots")).values_list("pk", "n").order_by())
    winners = approval_winners(counts, a.seats)
    a.nominations.filter(pk__in=winners).update(won=True)
    a.status = AwardStatus.CLOSED
    a.closed_at = now or timezone.now()
    a.save(update_fields=["status", "closed_at"])
    _audit(
        actor,
        "award.close",
        a,
        a.place_path,
        counts=counts,
        winners=sorted(winners),
        ballots=a.ballots.count(),
    )
    return a
