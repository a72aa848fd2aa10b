"""Every write to budget rounds: set up, projects, open (freeze the roll), ballots online and on
paper (代录), close, compute, publish, and import from a ``.pb`` file.

Each function is keyword-only, runs in one transaction, checks the named rule on the round's
place and records an audit event. Errors are domain errors with a Chinese message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.budgeting import pabulib, selectors
from wugong.budgeting.allocation import (
    AllocationResult,
    BallotError,
    format_money,
    greedy,
    mes_add1,
    method_of_equal_shares,
    validate_approval_ballot,
    validate_points_ballot,
)
from wugong.budgeting.models import (
    Ballot,
    BallotKind,
    BudgetRound,
    Channel,
    Project,
    RollEntry,
    RoundStatus,
    Rule,
    yuan,
)
from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.core.i18n import public_language
from wugong.needs.models import Need
from wugong.needs.models import Status as NeedStatus
from wugong.people.models import Household, Person
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import subtree_q

# MES-add1 raises every voter's share one yuan (100 fen) at a time.
ADD1_INCREMENT_FEN = 100
MAX_PROJECTS = 100
MAX_POINTS = 1000


# --- checks -----------------------------------------------------------------------------------
def _manage_check(viewer: Viewer, place: Place) -> None:
    if not viewer.can_place("budget.manage", place):
        raise PermissionDenied(_("您无权管理该地点的参与式预算。"))


def _locked(budget_round: BudgetRound) -> BudgetRound:
    return BudgetRound.objects.select_for_update().select_related("place").get(pk=budget_round.pk)


def _status_check(budget_round: BudgetRound, *allowed: str, message: str) -> None:
    if budget_round.status not in allowed:
        raise ValidationFailed(message, code="wrong_status")


@dataclass(frozen=True)
class RoundSettings:
    """The validated settings of a round (amounts in fen)."""

    title: str
    description: str
    fund: int
    matching: int
    matching_source: str
    ballot_kind: str
    min_choices: int
    max_choices: int | None
    total_points: int | None
    points_exact: bool
    rule: str
    opens_at: dt.datetime
    closes_at: dt.datetime


def round_settings_clean(
    *,
    title: str,
    fund: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    description: str = "",
    matching: int = 0,
    matching_source: str = "",
    ballot_kind: str = BallotKind.APPROVAL,
    min_choices: int = 0,
    max_choices: int | None = None,
    total_points: int | None = None,
    points_exact: bool = True,
    rule: str = Rule.MES,
) -> RoundSettings:
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise ValidationFailed(_("请填写名称（不超过100个字）。"), field="title")
    for value, field in ((fund, "fund"), (matching, "matching")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationFailed(_("金额应为不小于零的整数（分）。"), field=field)
    if fund <= 0:
        raise ValidationFailed(_("请填写资金金额（大于零）。"), field="fund")
    matching_source = (matching_source or "").strip()
    if len(matching_source) > 60:
        raise ValidationFailed(_("配套来源不超过60个字。"), field="matching_source")
    if matching and not matching_source:
        raise ValidationFailed(
            _("有配套资金时请写明来源，例如“镇财政配套”。"), field="matching_source"
        )
    if ballot_kind not in BallotKind.values:
        raise ValidationFailed(_("请选择投票方式。"), field="ballot_kind")
    if rule not in Rule.values:
        raise ValidationFailed(_("请选择分配规则。"), field="rule")
    if min_choices < 0 or (max_choices is not None and max_choices < 1):
        raise ValidationFailed(_("可选项数应为正整数。"), field="max_choices")
    if max_choices is not None and max_choices < min_choices:
        raise ValidationFailed(_("“最多选几项”不能少于“至少选几项”。"), field="max_choices")
    if ballot_kind == BallotKind.POINTS:
        if not total_points or not 1 <= total_points <= MAX_POINTS:
            raise ValidationFailed(
                _("分配点数的投票请填写每人点数（1到%(n)d）。") % {"n": MAX_POINTS},
                field="total_points",
            )
    else:
        total_points, points_exact = None, True
    if opens_at is None or closes_at is None:
        raise ValidationFailed(_("请填写投票开始和截止时间。"), field="opens_at")
    if closes_at <= opens_at:
        raise ValidationFailed(_("投票截止时间应晚于开始时间。"), field="closes_at")
    return RoundSettings(
        title=title,
        description=(description or "").strip(),
        fund=fund,
        matching=matching,
        matching_source=matching_source,
        ballot_kind=ballot_kind,
        min_choices=min_choices,
        max_choices=max_choices,
        total_points=total_points,
        points_exact=points_exact,
        rule=rule,
        opens_at=opens_at,
        closes_at=closes_at,
    )


def _over_budget_message(title: str, cost: int, budget: int) -> str:
    return _("项目“%(t)s”估算费用%(c)s，超过了本次全部预算%(b)s，不能作为候选项目。") % {
        "t": title,
        "c": yuan(cost),
        "b": yuan(budget),
    }


# --- set up -----------------------------------------------------------------------------------
@transaction.atomic
def round_create(
    *, viewer: Viewer, actor: Any, place: Place, settings: RoundSettings
) -> BudgetRound:
    """Set up a round (筹备参与式预算) for a place, as a draft."""
    _manage_check(viewer, place)
    budget_round = BudgetRound.objects.create(
        place=place,
        place_path=place.path,
        created_by=actor if getattr(actor, "pk", None) else None,
        **settings.__dict__,
    )
    audit_event_record(
        actor=actor,
        action="budget.create",
        obj=budget_round,
        place_path=place.path,
        changes={**settings.__dict__, "place": place},
    )
    return budget_round


@transaction.atomic
def round_update(
    *, viewer: Viewer, actor: Any, budget_round: BudgetRound, settings: RoundSettings
) -> BudgetRound:
    """Change a draft's settings. A project that would cost more than the new budget is
    named and the change refused."""
    budget_round = _locked(budget_round)
    _manage_check(viewer, budget_round.place)
    _status_check(budget_round, RoundStatus.DRAFT, message=_("投票开始后不能再修改预算设置。"))
    budget = settings.fund + settings.matching
    too_dear = budget_round.projects.filter(cost__gt=budget).order_by("-cost").first()
    if too_dear is not None:
        raise ValidationFailed(
            _over_budget_message(too_dear.title, too_dear.cost, budget), field="fund"
        )
    before = {k: getattr(budget_round, k) for k in settings.__dict__}
    for k, v in settings.__dict__.items():
        setattr(budget_round, k, v)
    budget_round.save(update_fields=list(settings.__dict__))
    audit_event_record(
        actor=actor,
        action="budget.update",
        obj=budget_round,
        place_path=budget_round.place_path,
        changes={
            k: {"from": before[k], "to": v} for k, v in settings.__dict__.items() if before[k] != v
        },
    )
    return budget_round


def _next_code(budget_round: BudgetRound) -> str:
    codes = set(budget_round.projects.values_list("code", flat=True))
    n = len(codes) + 1
    while str(n) in codes:
        n += 1
    return str(n)


@transaction.atomic
def project_add(
    *,
    viewer: Viewer,
    actor: Any,
    budget_round: BudgetRound,
    cost: int,
    need: Need | None = None,
    title: str = "",
    description: str = "",
) -> Project:
    """Add a candidate project (候选项目), usually from a need of the place. A project that
    costs more than the whole budget is refused."""
    budget_round = _locked(budget_round)
    _manage_check(viewer, budget_round.place)
    _status_check(budget_round, RoundStatus.DRAFT, message=_("投票开始后不能再增减候选项目。"))
    if need is not None:
        if not need.place_path.startswith(budget_round.place_path):
            raise ValidationFailed(_("只能选用本地的问题清单中的问题。"), field="need")
        if need.status in (NeedStatus.MERGED, NeedStatus.DECLINED):
            raise ValidationFailed(_("该问题已合并或已婉拒，不能作为候选项目。"), field="need")
        if budget_round.projects.filter(need=need).exists():
            raise ValidationFailed(_("该问题已是本次的候选项目。"), field="need")
    title = (title or (need.title if need else "")).strip()
    description = (description or (need.text if need else "")).strip()
    if not title or len(title) > 100:
        raise ValidationFailed(_("请填写项目名称（不超过100个字）。"), field="title")
    if isinstance(cost, bool) or not isinstance(cost, int) or cost <= 0:
        raise ValidationFailed(_("请填写估算费用（大于零）。"), field="cost")
    if cost > budget_round.budget:
        raise ValidationFailed(
            _over_budget_message(title, cost, budget_round.budget), code="over_budget", field="cost"
        )
    if budget_round.projects.count() >= MAX_PROJECTS:
        raise ValidationFailed(_("候选项目最多%(n)d个。") % {"n": MAX_PROJECTS})
    project = Project.objects.create(
        round=budget_round,
        code=_next_code(budget_round),
        need=need,
        title=title,
        description=description,
        cost=cost,
    )
    audit_event_record(
        actor=actor,
        action="budget.project_add",
        obj=project,
        place_path=budget_round.place_path,
        changes={"round": budget_round, "title": title, "cost": cost, "need": need},
    )
    return project


@transaction.atomic
def project_remove(*, viewer: Viewer, actor: Any, project: Project) -> None:
    budget_round = _locked(project.round)
    _manage_check(viewer, budget_round.place)
    _status_check(budget_round, RoundStatus.DRAFT, message=_("投票开始后不能再增减候选项目。"))
    audit_event_record(
        actor=actor,
        action="budget.project_remove",
        obj=project,
        place_path=budget_round.place_path,
        changes={"round": budget_round, "title": project.title, "cost": project.cost},
    )
    project.delete()


# --- open and close ---------------------------------------------------------------------------
def _adult_cutoff(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 18, day=28)


def _roll_build(budget_round: BudgetRound) -> list[RollEntry]:
    """Adults (birth date on or before the 18th birthday cut-off; unknown counts as adult) with
    a household in the round's place subtree, at this moment."""
    households = Household.objects.filter(subtree_q(budget_round.place_path, "place_path"))
    people = (
        Person.objects.filter(household__in=households)
        .filter(Q(birth_date__isnull=True) | Q(birth_date__lte=_adult_cutoff(timezone.localdate())))
        .select_related("household")
        .order_by("sort_key", "id")
    )
    return [
        RollEntry(
            round=budget_round,
            person=p,
            name=p.name,
            sort_key=p.sort_key,
            address=p.household.address if p.household else "",
        )
        for p in people
    ]


@transaction.atomic
def round_open(*, viewer: Viewer, actor: Any, budget_round: BudgetRound) -> BudgetRound:
    """Open a draft for voting: the roll is frozen now (名册冻结)."""
    budget_round = _locked(budget_round)
    _manage_check(viewer, budget_round.place)
    _status_check(budget_round, RoundStatus.DRAFT, message=_("只有筹备中的预算可以开始投票。"))
    projects = list(budget_round.projects.all())
    if len(projects) < 2:
        raise ValidationFailed(_("至少要有两个候选项目才能开始投票。"), code="few_projects")
    too_dear = [p for p in projects if p.cost > budget_round.budget]
    if too_dear:
        p = too_dear[0]
        raise ValidationFailed(_over_budget_message(p.title, p.cost, budget_round.budget))
    if budget_round.min_choices > len(projects):
        raise ValidationFailed(
            _("“至少选几项”（%(m)d）多于候选项目数（%(n)d）。")
            % {"m": budget_round.min_choices, "n": len(projects)},
            field="min_choices",
        )
    if budget_round.closes_at <= timezone.now():
        raise ValidationFailed(_("投票截止时间已过，请先修改时间。"), field="closes_at")
    entries = _roll_build(budget_round)
    if not entries:
        raise ValidationFailed(_("该地点没有登记在册的成年居民，无法生成投票名册。"))
    RollEntry.objects.bulk_create(entries, batch_size=500)
    budget_round.status = RoundStatus.OPEN
    budget_round.roll_size = len(entries)
    budget_round.save(update_fields=["status", "roll_size"])
    audit_event_record(
        actor=actor,
        action="budget.open",
        obj=budget_round,
        place_path=budget_round.place_path,
        changes={"roll_size": len(entries), "projects": len(projects)},
    )
    return budget_round


@transaction.atomic
def round_close(*, viewer: Viewer, actor: Any, budget_round: BudgetRound) -> BudgetRound:
    """Close the voting (截止投票). Open ballots can no longer change."""
    budget_round = _locked(budget_round)
    _manage_check(viewer, budget_round.place)
    _status_check(budget_round, RoundStatus.OPEN, message=_("只有投票中的预算可以截止。"))
    now = timezone.now()
    budget_round.status = RoundStatus.CLOSED
    early = now < budget_round.closes_at
    budget_round.save(update_fields=["status"])
    counts = selectors.roll_counts(budget_round=budget_round)
    audit_event_record(
        actor=actor,
        action="budget.close",
        obj=budget_round,
        place_path=budget_round.place_path,
        changes={
            "early": early,
            "online": counts.online,
            "paper": counts.paper,
            "roll": counts.roll,
        },
    )
    return budget_round


# --- ballots ----------------------------------------------------------------------------------
def window_check(budget_round: BudgetRound, now: dt.datetime | None = None) -> None:
    """Ballots are taken only while the round is open and within its window."""
    now = now or timezone.now()
    if budget_round.status == RoundStatus.DRAFT:
        raise ValidationFailed(_("该预算尚未开始投票。"), code="not_open")
    if budget_round.status != RoundStatus.OPEN:
        raise ValidationFailed(_("投票已截止，不能再投票。"), code="closed")
    if now < budget_round.opens_at:
        raise ValidationFailed(
            _("投票尚未开始，开始时间：%(t)s。")
            % {"t": timezone.localtime(budget_round.opens_at).strftime("%Y-%m-%d %H:%M")},
            code="not_started",
        )
    if now >= budget_round.closes_at:
        raise ValidationFailed(_("投票时间已过，不能再投票。"), code="closed")


def choice_clean(
    *, budget_round: BudgetRound, projects: list[Project], choice: Mapping[Any, Any]
) -> dict[int, int]:
    """Check a ballot against the round's limits (then by the allocation core's validators);
    returns project pk → points (approval: 1). ``choice`` maps project pk → points, or 0/1."""
    by_pk = {p.pk: p for p in projects}
    clean: dict[int, int] = {}
    for raw_pk, raw in choice.items():
        try:
            pk, value = int(raw_pk), int(raw)
        except (TypeError, ValueError):
            raise ValidationFailed(_("选票内容无效。"), field="choice") from None
        if pk not in by_pk:
            raise ValidationFailed(_("选票含有不属于本次预算的项目。"), field="choice")
        if value < 0:
            raise ValidationFailed(_("点数不能为负数。"), field="choice")
        if value:
            clean[pk] = value
    codes = {p.code for p in projects}
    n = len(clean)
    if budget_round.is_points:
        total = budget_round.total_points or 0
        spent = sum(clean.values())
        if budget_round.points_exact and spent != total:
            raise ValidationFailed(
                _("请分完全部%(t)d点，您分了%(n)d点。") % {"t": total, "n": spent},
                code="points_total",
                field="choice",
            )
        if spent > total:
            raise ValidationFailed(
                _("最多分%(t)d点，您分了%(n)d点。") % {"t": total, "n": spent},
                code="points_total",
                field="choice",
            )
    elif any(v != 1 for v in clean.values()):
        raise ValidationFailed(_("选票内容无效。"), field="choice")
    if n < budget_round.min_choices:
        raise ValidationFailed(
            _("至少要选%(m)d项，您选了%(n)d项。") % {"m": budget_round.min_choices, "n": n},
            code="too_few",
            field="choice",
        )
    if budget_round.max_choices is not None and n > budget_round.max_choices:
        raise ValidationFailed(
            _("最多只能选%(k)d项，您选了%(n)d项。") % {"k": budget_round.max_choices, "n": n},
            code="too_many",
            field="choice",
        )
    as_codes = {by_pk[pk].code: v for pk, v in clean.items()}
    try:  # the allocation core has the last word on what a valid ballot is
        if budget_round.is_points:
            validate_points_ballot(
                as_codes,
                codes,
                total_points=budget_round.total_points,
                must_use_all=budget_round.points_exact,
                min_choices=budget_round.min_choices,
                max_choices=budget_round.max_choices,
            )
        else:
            validate_approval_ballot(
                list(as_codes),
                codes,
                min_choices=budget_round.min_choices,
                max_choices=budget_round.max_choices,
            )
    except BallotError as e:
        raise ValidationFailed(_("选票无效：%(e)s") % {"e": e}, field="choice") from None
    return clean


def _choice_audit(projects: list[Project], clean: Mapping[int, int]) -> dict[str, int]:
    titles = {p.pk: p.title for p in projects}
    return {titles[pk]: v for pk, v in sorted(clean.items())}


@dataclass(frozen=True)
class CastOutcome:
    created: bool
    changed: bool
    already: bool


@transaction.atomic
def ballot_cast(
    *, viewer: Viewer, actor: Any, budget_round: BudgetRound, choice: Mapping[Any, Any]
) -> CastOutcome:
    """Cast one's own ballot online (投票), idempotently: the same ballot twice leaves one, a
    different one replaces it until the close. Refused when a cadre has already entered a paper
    ballot for this person."""
    budget_round = BudgetRound.objects.select_related("place").get(pk=budget_round.pk)
    window_check(budget_round)
    if not viewer.has_rule("budget.vote"):
        raise PermissionDenied(_("您没有投票权限。"))
    entry = selectors.roll_entry_for(budget_round=budget_round, viewer=viewer)
    if entry is None:
        raise PermissionDenied(
            _("您不在本次预算的投票名册中（名册在投票开始时确定）。"), code="not_on_roll"
        )
    entry = RollEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.channel == Channel.PAPER:
        raise ValidationFailed(
            _("您的纸质选票已由干部录入，不能再在线投票，以免重复计票。"), code="voted_paper"
        )
    projects = list(budget_round.projects.all())
    clean = choice_clean(budget_round=budget_round, projects=projects, choice=choice)
    key = selectors.ballot_key(clean, points=budget_round.is_points)
    if entry.voted_at is not None:
        ballot = Ballot.objects.select_for_update().get(entry=entry)
        if ballot.key == key:
            return CastOutcome(created=False, changed=False, already=True)
        before = selectors.ballot_choice(ballot.key)
        ballot.key, ballot.size = key, len(clean)
        ballot.save(update_fields=["key", "size", "updated_at"])
        audit_event_record(
            actor=actor,
            action="budget.ballot_change",
            obj=entry,
            place_path=budget_round.place_path,
            changes={
                "round": budget_round,
                "from": _choice_audit(projects, before),
                "to": _choice_audit(projects, clean),
            },
        )
        return CastOutcome(created=False, changed=True, already=False)
    _ballot_write(budget_round, entry, key, len(clean), Channel.ONLINE, None)
    audit_event_record(
        actor=actor,
        action="budget.ballot_cast",
        obj=entry,
        place_path=budget_round.place_path,
        changes={"round": budget_round, "choice": _choice_audit(projects, clean)},
    )
    return CastOutcome(created=True, changed=False, already=False)


def _ballot_write(
    budget_round: BudgetRound,
    entry: RollEntry,
    key: str,
    size: int,
    channel: str,
    recorded_by: Any,
) -> None:
    marked = RollEntry.objects.filter(pk=entry.pk, voted_at__isnull=True).update(
        voted_at=timezone.now(), channel=channel, recorded_by=recorded_by
    )
    if marked != 1:  # the row lock should make this impossible: count once, never twice
        raise ValidationFailed(_("这张选票已经记录过了。"), code="already_voted")
    try:
        with transaction.atomic():
            Ballot.objects.create(
                round=budget_round,
                entry=entry,
                channel=channel,
                key=key,
                size=size,
                recorded_by=recorded_by,
            )
    except IntegrityError:
        raise ValidationFailed(_("这张选票已经记录过了。"), code="already_voted") from None


@transaction.atomic
def paper_ballot_record(
    *,
    viewer: Viewer,
    actor: Any,
    budget_round: BudgetRound,
    entry: RollEntry,
    choice: Mapping[Any, Any],
) -> RollEntry:
    """Enter a paper ballot (纸质选票代录) for a person on the roll; the cadre is recorded with
    it. Refused for someone who already voted, online or on paper."""
    budget_round = BudgetRound.objects.select_related("place").get(pk=budget_round.pk)
    _manage_check(viewer, budget_round.place)
    window_check(budget_round)
    if entry.round_id != budget_round.pk:
        raise NotFound(_("名册中没有这个人。"))
    entry = RollEntry.objects.select_for_update().select_related("person").get(pk=entry.pk)
    if entry.channel == Channel.ONLINE:
        raise ValidationFailed(
            _("%(name)s已经在线投过票，不能再录入纸质选票，以免重复计票。") % {"name": entry.name},
            code="voted_online",
        )
    if entry.channel == Channel.PAPER:
        raise ValidationFailed(
            _("%(name)s的纸质选票已经录入过了。") % {"name": entry.name}, code="voted_paper"
        )
    projects = list(budget_round.projects.all())
    clean = choice_clean(budget_round=budget_round, projects=projects, choice=choice)
    key = selectors.ballot_key(clean, points=budget_round.is_points)
    recorder = actor if getattr(actor, "pk", None) else None
    if recorder is None:
        raise PermissionDenied(_("代录纸质选票须由登录的干部进行。"))
    _ballot_write(budget_round, entry, key, len(clean), Channel.PAPER, recorder)
    audit_event_record(
        actor=actor,
        action="budget.ballot_paper",
        obj=entry,
        on_behalf_of=entry.person,
        place_path=budget_round.place_path,
        changes={
            "round": budget_round,
            "for": entry.name,
            "choice": _choice_audit(projects, clean),
        },
    )
    entry.refresh_from_db()
    return entry


# --- compute and publish ----------------------------------------------------------------------
def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else format_money(value)


def _allocate(budget_round: BudgetRound, projects: list[Project]) -> AllocationResult:
    election = selectors.election_for(budget_round=budget_round, projects=projects)
    if budget_round.rule == Rule.GREEDY:
        return greedy(election)
    if budget_round.rule == Rule.MES_ADD1:
        return mes_add1(election, increment=ADD1_INCREMENT_FEN)
    return method_of_equal_shares(election)


def result_json(
    budget_round: BudgetRound, projects: list[Project], result: AllocationResult, voters: int
) -> dict[str, Any]:
    """The outcome as stored: exact amounts in fen as text ("p/q" when not whole fen)."""
    by_code = {p.code: p for p in projects}
    rows = []
    for code, e in result.explanations.items():
        rows.append(
            {
                "code": code,
                "project": by_code[code].pk,
                "title": by_code[code].title,
                "cost": _fraction_text(e.cost),
                "funded": e.funded,
                "reason": str(e.reason),
                "support": e.support,
                "supporters": e.supporters,
                "position": e.position,
                "rho": _fraction_text(e.rho),
                "paying_rho": e.supporters_paying_rho,
                "paying_all": e.supporters_paying_all,
                "supporters_money": _fraction_text(e.supporters_money),
                "remaining_budget": _fraction_text(e.remaining_budget),
                "message_en": e.message,
            }
        )
    return {
        "rule": result.rule,
        "ballot_kind": budget_round.ballot_kind,
        "voters": voters,
        "selected": [by_code[code].pk for code in result.selected],
        "selected_codes": list(result.selected),
        "budget_limit": _fraction_text(result.budget_limit),
        "budget_used": _fraction_text(result.budget_used),
        "budget_left": _fraction_text(result.budget_left),
        "voter_budget": _fraction_text(result.voter_budget),
        "add1_steps": result.add1_steps,
        "projects": rows,
    }


@transaction.atomic
def round_compute(*, viewer: Viewer, actor: Any, budget_round: BudgetRound) -> BudgetRound:
    """Run the round's allocation rule on its ballots and store the outcome with an explanation
    for every project (计算结果). May be run again until published; the result is the same."""
    budget_round = _locked(budget_round)
    _manage_check(viewer, budget_round.place)
    _status_check(
        budget_round,
        RoundStatus.CLOSED,
        RoundStatus.COMPUTED,
        message=_("投票截止后才能计算结果；已公布的结果不能重算。"),
    )
    projects = list(budget_round.projects.all())
    counts = selectors.roll_counts(budget_round=budget_round)
    result = _allocate(budget_round, projects)
    used = result.budget_used
    assert used.denominator == 1  # a sum of whole-fen costs
    budget_round.result = result_json(budget_round, projects, result, counts.ballots)
    budget_round.budget_used = int(used)
    budget_round.computed_at = timezone.now()
    budget_round.status = RoundStatus.COMPUTED
    budget_round.save(update_fields=["result", "budget_used", "computed_at", "status"])
    audit_event_record(
        actor=actor,
        action="budget.compute",
        obj=budget_round,
        place_path=budget_round.place_path,
        changes={
            "rule": budget_round.rule,
            "ballots": counts.ballots,
            "selected": [p.title for p in projects if p.code in set(result.selected)],
            "budget_used": budget_round.budget_used,
        },
    )
    return budget_round


def outcome_notice_text(budget_round: BudgetRound) -> str:
    """The body of the result notice (结果公示): the budget, every project and why."""
    counts = selectors.roll_counts(budget_round=budget_round)
    lines = [
        _("地点：%(p)s") % {"p": budget_round.place.name},
        _("预算：%(b)s") % {"b": budget_round.budget_display}
        + (
            _("（资金%(f)s＋%(s)s%(m)s）")
            % {
                "f": budget_round.fund_display,
                "s": budget_round.matching_source,
                "m": budget_round.matching_display,
            }
            if budget_round.matching
            else ""
        ),
        _("投票方式：%(k)s；分配规则：%(r)s")
        % {"k": budget_round.get_ballot_kind_display(), "r": budget_round.get_rule_display()},
        _("有效选票：%(n)d张（线上%(o)d，纸质代录%(p)d，导入%(i)d）；名册%(r)d人")
        % {
            "n": counts.ballots,
            "o": counts.online,
            "p": counts.paper,
            "i": counts.imported,
            "r": counts.roll,
        },
        _("已分配：%(u)s，共%(b)s")
        % {"u": budget_round.budget_used_display, "b": budget_round.budget_display},
        "",
    ]
    for row in selectors.outcome_rows(budget_round=budget_round):
        mark = _("【资助】") if row.funded else _("【未资助】")
        lines.append(
            _("%(mark)s%(t)s（%(c)s，%(s)d人支持）：%(why)s")
            % {"mark": mark, "t": row.title, "c": row.cost, "s": row.supporters, "why": row.text}
        )
    return "\n".join(lines)


@transaction.atomic
def round_publish(*, viewer: Viewer, actor: Any, budget_round: BudgetRound) -> BudgetRound:
    """Publish the outcome (公布结果): residents see it, and a public notice (结果公示) with
    every project and why it was or was not funded is published on the place's notice board."""
    from wugong.transparency import services as notices
    from wugong.transparency.models import NoticeKind

    budget_round = _locked(budget_round)
    _manage_check(viewer, budget_round.place)
    _status_check(budget_round, RoundStatus.COMPUTED, message=_("请先计算结果再公布。"))
    with public_language():  # the public notice is in Chinese, whoever publishes it
        title = (_("%(t)s 结果公示") % {"t": budget_round.title})[:100]
        body = outcome_notice_text(budget_round)
    notice = notices.notice_create(
        viewer=viewer,
        place=budget_round.place,
        title=title,
        body=body,
        kind=NoticeKind.RESULT,
        subject=budget_round,
        actor=actor,
    )
    notices.notice_publish(viewer=viewer, notice=notice, actor=actor)
    budget_round.status = RoundStatus.PUBLISHED
    budget_round.published_at = timezone.now()
    budget_round.notice = notice
    budget_round.save(update_fields=["status", "published_at", "notice"])
    audit_event_record(
        actor=actor,
        action="budget.publish",
        obj=budget_round,
        place_path=budget_round.place_path,
        changes={"notice": notice.pk, "budget_used": budget_round.budget_used},
    )
    return budget_round


# --- .pb import -------------------------------------------------------------------------------
PB_RULE_NAMES = {v: k for k, v in selectors.PB_RULES.items()}


def _fen(value: Fraction, line: int | None, what_zh: str, what_en: str) -> int:
    fen = value * 100
    if fen.denominator != 1:
        raise pabulib.PabulibError(
            line, f"{what_zh}须精确到分：{format_money(value)}", f"{what_en} finer than a fen"
        )
    return int(fen)


def _meta_int(pb: pabulib.PabulibFile, key: str) -> int | None:
    raw = pb.meta.get(key, "").strip()
    if not raw or raw.lower() == "none":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise pabulib.PabulibError(
            pb.meta_lines.get(key), f"{key} 应为整数：{raw}", f"{key} must be an integer"
        ) from None
    if value < 0:
        raise pabulib.PabulibError(
            pb.meta_lines.get(key), f"{key} 不能为负数", f"{key} must not be negative"
        )
    return value


def _meta_date(pb: pabulib.PabulibFile, key: str) -> dt.date | None:
    raw = pb.meta.get(key, "").strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _pb_read(text: str) -> tuple[pabulib.PabulibFile, dict[str, Any]]:
    """Parse a .pb file and derive the round it describes; every problem is a PabulibError
    naming the line."""
    pb = pabulib.parse_pabulib(text)
    election = pabulib.to_election(pb)
    budget_line = pb.meta_lines.get("budget")
    budget = _fen(election.budget_limit, budget_line, "预算", "budget")
    if budget <= 0:
        raise pabulib.PabulibError(budget_line, "预算必须大于零", "budget must be positive")
    if len(pb.projects) < 1:
        raise pabulib.PabulibError(None, "文件中没有候选项目", "no projects in the file")
    if len(pb.projects) > MAX_PROJECTS:
        raise pabulib.PabulibError(
            None, f"候选项目不能超过{MAX_PROJECTS}个", f"more than {MAX_PROJECTS} projects"
        )
    projects = []
    for index, row in enumerate(pb.projects):
        line = pb.project_lines[index] if index < len(pb.project_lines) else None
        code = row["project_id"]
        if len(code) > 32:
            raise pabulib.PabulibError(line, "项目编号过长", "project_id longer than 32")
        cost = _fen(election.costs[code], line, "费用", "cost")
        title = (row.get("name") or row.get("title") or code).strip()[:100] or code
        if cost <= 0:
            raise pabulib.PabulibError(line, "项目费用必须大于零", "cost must be positive")
        if cost > budget:
            raise pabulib.PabulibError(
                line,
                _over_budget_message(title, cost, budget),
                "project costs more than the whole budget",
            )
        projects.append({"code": code, "title": title, "cost": cost})
    points = election.kind == "points"
    fund_raw = pb.meta.get("fund")
    matching = 0
    if fund_raw and pb.meta.get("matching"):
        matching = _fen(
            pabulib._number(pb.meta["matching"], pb.meta_lines.get("matching"), "配套", "matching"),
            pb.meta_lines.get("matching"),
            "配套资金",
            "matching",
        )
        if not 0 <= matching < budget:
            raise pabulib.PabulibError(
                pb.meta_lines.get("matching"), "配套资金与预算不符", "matching exceeds the budget"
            )
    if points:
        total = _meta_int(pb, "max_sum_points")
        if total is None:
            total = max((sum(b.values()) for b in election.ballots), default=0) or 10  # type: ignore[union-attr]
        exact = _meta_int(pb, "min_sum_points") == total
        min_choices = _meta_int(pb, "min_length") or 0
        max_choices = _meta_int(pb, "max_length")
    else:
        total, exact = None, True
        min_choices = _meta_int(pb, "min_length") or 0
        max_choices = _meta_int(pb, "max_length")
    if max_choices is not None and (max_choices < 1 or max_choices < min_choices):
        raise pabulib.PabulibError(
            pb.meta_lines.get("max_length"), "max_length 与 min_length 不符", "bad max_length"
        )
    codes = [p["code"] for p in projects]
    for index, ballot in enumerate(election.ballots):
        line = pb.vote_lines[index] if index < len(pb.vote_lines) else None
        try:
            if points:
                validate_points_ballot(
                    ballot,  # type: ignore[arg-type]
                    codes,
                    total_points=total,
                    must_use_all=exact,
                    min_choices=min_choices,
                    max_choices=max_choices,
                )
            else:
                validate_approval_ballot(
                    ballot, codes, min_choices=min_choices, max_choices=max_choices
                )
        except BallotError as e:
            raise pabulib.PabulibError(
                line,
                "选票不符合投票规则："
                + _ballot_problem_zh(ballot, min_choices, max_choices, total),
                str(e),
            ) from None
    rule = PB_RULE_NAMES.get(pb.meta.get("rule", "").strip().lower(), Rule.MES)
    return pb, {
        "election": election,
        "budget": budget,
        "matching": matching,
        "projects": projects,
        "points": points,
        "total_points": total,
        "points_exact": exact,
        "min_choices": min_choices,
        "max_choices": max_choices,
        "rule": rule,
        "matching_source": pb.meta.get("matching_source", "")[:60],
        "date_begin": _meta_date(pb, "date_begin"),
        "date_end": _meta_date(pb, "date_end"),
    }


def _ballot_problem_zh(
    ballot: Any, min_choices: int, max_choices: int | None, total: int | None
) -> str:
    n = len([v for v in ballot.values() if v]) if isinstance(ballot, Mapping) else len(ballot)
    if max_choices is not None and n > max_choices:
        return f"最多只能选{max_choices}项，这张选了{n}项"
    if n < min_choices:
        return f"至少要选{min_choices}项，这张选了{n}项"
    if isinstance(ballot, Mapping) and total is not None:
        return f"点数应为{total}点，这张是{sum(ballot.values())}点"
    return "内容无效"


def pb_error_message(e: pabulib.PabulibError) -> str:
    """A Chinese message naming the line."""
    if e.line is None:
        return _("文件格式错误：%(m)s") % {"m": e.message_zh}
    return _("第%(n)d行：%(m)s") % {"n": e.line, "m": e.message_zh}


@transaction.atomic
def round_import(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    text: str,
    title: str = "",
    source_name: str = "",
) -> BudgetRound:
    """Create a round from a pabulib ``.pb`` file with its anonymous, imported ballots (导入).
    The round starts closed (the voting happened elsewhere) and is computed as usual. A
    malformed file is refused naming the line, and nothing is imported."""
    _manage_check(viewer, place)
    try:
        pb, data = _pb_read(text)
    except pabulib.PabulibError as e:
        raise ValidationFailed(pb_error_message(e), code="pb_invalid", field="file") from None
    now = timezone.now().replace(microsecond=0)
    tz = timezone.get_current_timezone()
    opens = (
        dt.datetime.combine(data["date_begin"], dt.time(0, 0), tz) if data["date_begin"] else now
    )
    closes = dt.datetime.combine(data["date_end"], dt.time(23, 59), tz) if data["date_end"] else now
    if closes <= opens:
        closes = opens + dt.timedelta(minutes=1)
    title = (title or pb.meta.get("description") or pb.meta.get("instance") or "").strip()
    settings = round_settings_clean(
        title=(title or _("导入的参与式预算"))[:100],
        description=_("从 .pb 文件导入：%(f)s") % {"f": source_name} if source_name else "",
        fund=data["budget"] - data["matching"],
        matching=data["matching"],
        matching_source=data["matching_source"] or (_("配套资金") if data["matching"] else ""),
        ballot_kind=BallotKind.POINTS if data["points"] else BallotKind.APPROVAL,
        min_choices=data["min_choices"],
        max_choices=data["max_choices"],
        total_points=data["total_points"],
        points_exact=data["points_exact"],
        rule=data["rule"],
        opens_at=opens,
        closes_at=closes,
    )
    budget_round = BudgetRound.objects.create(
        place=place,
        place_path=place.path,
        created_by=actor if getattr(actor, "pk", None) else None,
        status=RoundStatus.CLOSED,
        imported=True,
        source_name=source_name[:200],
        **settings.__dict__,
    )
    made = Project.objects.bulk_create(
        Project(round=budget_round, code=p["code"], title=p["title"], cost=p["cost"])
        for p in data["projects"]
    )
    pk_of = {p.code: p.pk for p in made}
    if any(pk is None for pk in pk_of.values()):  # backends without RETURNING
        pk_of = dict(budget_round.projects.values_list("code", "pk"))
    keys = _import_keys(data["election"].ballots, pk_of, data["points"])
    Ballot.objects.bulk_create(
        (
            Ballot(round=budget_round, channel=Channel.IMPORTED, key=key, size=size)
            for key, size in keys
        ),
        batch_size=1000,
    )
    audit_event_record(
        actor=actor,
        action="budget.import",
        obj=budget_round,
        place_path=place.path,
        changes={
            "file": source_name,
            "projects": len(made),
            "ballots": len(keys),
            "budget": data["budget"],
            "rule": data["rule"],
        },
    )
    return budget_round


def _import_keys(
    ballots: Iterable[Any], pk_of: Mapping[str, int], points: bool
) -> list[tuple[str, int]]:
    out = []
    cache: dict[int, tuple[str, int]] = {}
    for ballot in ballots:
        hit = cache.get(id(ballot))
        if hit is None:
            if points:
                choice = {pk_of[code]: n for code, n in ballot.items() if n > 0}
            else:
                choice = {pk_of[code]: 1 for code in ballot}
            hit = (selectors.ballot_key(choice, points=points), len(choice))
            cache[id(ballot)] = hit
        out.append(hit)
    return out
