"""Every write to votes: create, open (freeze the roll), cast, offline tally, close, publish.

Each action is keyword-only, runs in one transaction, checks its named rule and writes its
audit event in the same transaction. A secret ballot's choice never reaches the audit trail,
and nothing links it to the voter: the audit event and the roll say only that they voted.
"""

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.core.signals import record_published
from wugong.core.uploads import image_clean
from wugong.people.models import Household, Person
from wugong.people.rules import Viewer
from wugong.places.models import Place, PlaceKind
from wugong.places.paths import subtree_q
from wugong.voting import tally
from wugong.voting.models import (
    Ballot,
    BallotChoice,
    BallotUnit,
    Channel,
    EstateMatter,
    MajorityBase,
    MajorityComparison,
    MotionPreset,
    OfflineCount,
    OfflineTally,
    RankedRule,
    RollEntry,
    Vote,
    VoteMethod,
    VoteOption,
    VoteStatus,
    ballot_id_new,
    receipt_new,
)

MAX_OPTIONS = 30
MOTION_OPTIONS = (
    ("for", gettext_lazy("赞成")),
    ("against", gettext_lazy("反对")),
    ("abstain", gettext_lazy("弃权")),
)
PHOTO_MAX_BYTES = 15 * 1024 * 1024

PRESET_RULES: dict[str, tally.MotionRule] = {
    MotionPreset.VILLAGE_ASSEMBLY: tally.VILLAGE_ASSEMBLY,
    MotionPreset.VILLAGE_ASSEMBLY_HOUSEHOLDS: tally.VILLAGE_ASSEMBLY_HOUSEHOLDS,
    MotionPreset.REPRESENTATIVES: tally.VILLAGERS_REPRESENTATIVES_MEETING,
    MotionPreset.GROUP_MEETING: tally.VILLAGER_GROUP_MEETING,
    MotionPreset.GROUP_MEETING_HOUSEHOLDS: tally.VILLAGER_GROUP_MEETING_HOUSEHOLDS,
    MotionPreset.RESIDENTS_MEETING: tally.RESIDENTS_MEETING,
}


def preset_default(*, place: Place, unit: str) -> str:
    """The statutory body for a motion at this place (村民会议, 村民小组会议, 居民会议)."""
    households = unit == BallotUnit.HOUSEHOLD
    if place.kind == PlaceKind.VILLAGE:
        return (
            MotionPreset.VILLAGE_ASSEMBLY_HOUSEHOLDS
            if households
            else MotionPreset.VILLAGE_ASSEMBLY
        )
    if place.kind == PlaceKind.GROUP:
        return MotionPreset.GROUP_MEETING_HOUSEHOLDS if households else MotionPreset.GROUP_MEETING
    return MotionPreset.RESIDENTS_MEETING


def motion_rule(vote: Vote) -> tally.MotionRule:
    """The quorum and majority rule of a motion: the preset's, or the configured fraction."""
    if vote.preset == MotionPreset.CUSTOM:
        return tally.qualified_majority_rule(
            Fraction(vote.majority_numerator or 1, vote.majority_denominator or 2),
            comparison=tally.Comparison(vote.majority_comparison),
            base=tally.MajorityBase(vote.majority_base),
        )
    return PRESET_RULES[vote.preset or MotionPreset.RESIDENTS_MEETING]


def _manage_check(viewer: Viewer, place: Place) -> None:
    if not viewer.can_place("vote.manage", place):
        raise PermissionDenied(_("您无权管理该地点的表决。"))


def _fraction_text(text: Any, what: str) -> Fraction:
    try:
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise ValidationFailed(
            _("%(what)s应为整数、小数或分数（如 1.2 或 6/5）。") % {"what": what},
            field="floor_weights",
        ) from None
    if value < 0:
        raise ValidationFailed(_("%(what)s不能为负数。") % {"what": what}, field="floor_weights")
    return value


# --- create, open, close, publish ------------------------------------------------------------
@transaction.atomic
def vote_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    title: str,
    method: str,
    unit: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    options: Sequence[str] = (),
    description: str = "",
    secret: bool = False,
    preset: str = "",
    majority: tuple[int, int] | None = None,
    majority_comparison: str = MajorityComparison.AT_LEAST,
    majority_base: str = MajorityBase.PRESENT,
    estate_matter: str = "",
    building_unit: str = "",
    max_choices: int | None = None,
    seats: int = 1,
    ranked_rule: str = RankedRule.IRV,
    cost_total_fen: int | None = None,
    floor_weights: Mapping[Any, Any] | None = None,
    cost_by_area: bool = False,
) -> Vote:
    """Draft a vote (拟定表决事项) at a place in the cadre's scope."""
    _manage_check(viewer, place)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(_("请填写表决事项（不超过200个字）。"), field="title")
    if method not in VoteMethod.values:
        raise ValidationFailed(_("请选择表决方式。"), field="method")
    if unit not in BallotUnit.values:
        raise ValidationFailed(_("请选择每人一票或每户一票。"), field="unit")
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise ValidationFailed(_("截止时间应晚于开始时间。"), field="closes_at")
    if closes_at <= timezone.now():
        raise ValidationFailed(_("截止时间已过，请重新设定投票时间。"), field="closes_at")
    building_unit = (building_unit or "").strip()
    labels: list[tuple[str, str]] = []
    weights: dict[str, str] = {}
    if method in {VoteMethod.MOTION, VoteMethod.ESTATE}:
        labels = [(code, str(label)) for code, label in MOTION_OPTIONS]
        max_choices, seats = 1, 1
    else:
        cleaned = [(o or "").strip() for o in options]
        cleaned = [o for o in cleaned if o]
        if len(cleaned) < 2:
            raise ValidationFailed(_("请至少填写两个选项。"), field="options")
        if len(cleaned) > MAX_OPTIONS:
            raise ValidationFailed(_("选项不能超过%(n)d个。") % {"n": MAX_OPTIONS}, field="options")
        if any(len(o) > 100 for o in cleaned):
            raise ValidationFailed(_("每个选项不超过100个字。"), field="options")
        if len(set(cleaned)) != len(cleaned):
            raise ValidationFailed(_("选项有重复，请合并。"), field="options")
        labels = [("", o) for o in cleaned]
        if not 1 <= seats <= len(cleaned):
            raise ValidationFailed(
                _("应选名额应在1至%(n)d之间。") % {"n": len(cleaned)}, field="seats"
            )
    if method == VoteMethod.MOTION:
        preset = preset or preset_default(place=place, unit=unit)
        if preset not in MotionPreset.values:
            raise ValidationFailed(_("请选择议事规则。"), field="preset")
        if preset == MotionPreset.CUSTOM:
            if majority is None:
                raise ValidationFailed(_("请填写通过比例，如 2/3。"), field="majority")
            num, den = majority
            if not (0 < num <= den <= 100):
                raise ValidationFailed(_("通过比例应在0与1之间，如 1/2、2/3。"), field="majority")
            if majority_comparison not in MajorityComparison.values:
                raise ValidationFailed(_("请选择比例口径。"), field="majority_comparison")
            if majority_base not in MajorityBase.values:
                raise ValidationFailed(_("请选择表决基数。"), field="majority_base")
        else:
            majority = None
    else:
        preset, majority = "", None
    if method == VoteMethod.ESTATE:
        if estate_matter not in EstateMatter.values:
            raise ValidationFailed(_("请选择业主共同决定的事项类别。"), field="estate_matter")
        if secret:
            raise ValidationFailed(
                _("业主共同决定按人数和专有部分面积双重计票，须记名表决，不能设为不记名。"),
                field="secret",
            )
        unit = BallotUnit.HOUSEHOLD
        if cost_total_fen is not None:
            if cost_total_fen < 0:
                raise ValidationFailed(_("分摊总额不能为负数。"), field="cost_total_fen")
            if not floor_weights:
                raise ValidationFailed(_("请填写各楼层的分摊系数。"), field="floor_weights")
            for floor, weight in floor_weights.items():
                try:
                    key = int(floor)
                except (TypeError, ValueError):
                    raise ValidationFailed(
                        _("楼层应为整数：%(f)s") % {"f": floor}, field="floor_weights"
                    ) from None
                value = _fraction_text(weight, _("第%(f)d层系数") % {"f": key})
                weights[str(key)] = str(value)
    else:
        estate_matter, cost_total_fen, cost_by_area = "", None, False
    if method == VoteMethod.APPROVAL:
        max_choices = max_choices or 1
        if not 1 <= max_choices <= len(labels):
            raise ValidationFailed(
                _("每票最多可选项数应在1至%(n)d之间。") % {"n": len(labels)}, field="max_choices"
            )
    elif method != VoteMethod.MOTION and method != VoteMethod.ESTATE:
        max_choices = None
    if ranked_rule not in RankedRule.values:
        raise ValidationFailed(_("请选择排序计票规则。"), field="ranked_rule")
    vote = Vote.objects.create(
        place=place,
        place_path=place.path,
        title=title,
        description=(description or "").strip(),
        method=method,
        ranked_rule=ranked_rule,
        unit=unit,
        secret=bool(secret),
        opens_at=opens_at,
        closes_at=closes_at,
        preset=preset,
        majority_numerator=majority[0] if majority else None,
        majority_denominator=majority[1] if majority else None,
        majority_comparison=majority_comparison,
        majority_base=majority_base,
        estate_matter=estate_matter,
        building_unit=building_unit,
        cost_total_fen=cost_total_fen,
        floor_weights=weights,
        cost_by_area=cost_by_area,
        max_choices=max_choices,
        seats=seats,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    VoteOption.objects.bulk_create(
        VoteOption(vote=vote, label=label, code=code, position=i)
        for i, (code, label) in enumerate(labels, start=1)
    )
    audit_event_record(
        actor=actor,
        action="vote.create",
        obj=vote,
        place_path=place.path,
        changes={
            "title": title,
            "method": method,
            "unit": unit,
            "secret": vote.secret,
            "options": [label for _code, label in labels],
            "opens_at": opens_at,
            "closes_at": closes_at,
            "preset": preset,
            "majority": list(majority) if majority else None,
            "estate_matter": estate_matter,
            "building_unit": building_unit,
        },
    )
    return vote


def _adult_cutoff(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 18, day=28)


def _roll_build(vote: Vote) -> list[RollEntry]:
    """The roll at this moment: adults (birth date unknown counts) or households under the
    vote's place, restricted to one 单元 when set. Estate votes need every floor area."""
    households = Household.objects.filter(subtree_q(vote.place_path, "place_path"))
    if vote.building_unit:
        households = households.filter(unit=vote.building_unit)
    if vote.unit == BallotUnit.PERSON:
        people = (
            Person.objects.filter(household__in=households)
            .filter(Q(birth_date__isnull=True) | Q(birth_date__lte=_adult_cutoff(dt.date.today())))
            .select_related("household")
            .order_by("sort_key", "id")
        )
        return [
            RollEntry(
                vote=vote,
                person=p,
                name=p.name,
                building_unit=p.household.unit if p.household else "",
                floor=p.household.floor if p.household else None,
            )
            for p in people
        ]
    rows = list(households.select_related("head").order_by("sort_key", "id"))
    if vote.method == VoteMethod.ESTATE:
        missing = [h.address for h in rows if not h.floor_area]
        if missing:
            raise ValidationFailed(
                _("以下住户未登记建筑面积，业主表决无法按面积计票：%(list)s")
                % {"list": "、".join(missing[:5]) + ("等" if len(missing) > 5 else "")},
                field="roll",
            )
    return [
        RollEntry(
            vote=vote,
            household=h,
            name=f"{h.address}（{h.head.name}）" if h.head else h.address,
            floor_area=h.floor_area,
            building_unit=h.unit,
            floor=h.floor,
        )
        for h in rows
    ]


@transaction.atomic
def vote_open(*, viewer: Viewer, actor: Any, vote: Vote) -> Vote:
    """Open a draft vote: the roll is frozen now (名册冻结); later arrivals cannot vote."""
    vote = Vote.objects.select_for_update().select_related("place").get(pk=vote.pk)
    _manage_check(viewer, vote.place)
    if vote.status != VoteStatus.DRAFT:
        raise ValidationFailed(_("只有草稿状态的表决可以开启。"), code="not_draft")
    now = timezone.now()
    if vote.closes_at <= now:
        raise ValidationFailed(_("截止时间已过，不能开启。"), field="closes_at")
    entries = _roll_build(vote)
    if not entries:
        raise ValidationFailed(_("该范围内没有符合条件的投票人，名册为空。"), field="roll")
    RollEntry.objects.bulk_create(entries, batch_size=1000)
    vote.status = VoteStatus.OPEN
    vote.opened_at = now
    vote.roll_size = len(entries)
    vote.save(update_fields=["status", "opened_at", "roll_size"])
    audit_event_record(
        actor=actor,
        action="vote.open",
        obj=vote,
        place_path=vote.place_path,
        changes={"roll_size": vote.roll_size, "unit": vote.unit, "frozen_at": now},
    )
    return vote


@transaction.atomic
def vote_close(*, viewer: Viewer, actor: Any, vote: Vote) -> Vote:
    """Close an open vote (截止); no ballot is accepted afterwards."""
    vote = Vote.objects.select_for_update().select_related("place").get(pk=vote.pk)
    _manage_check(viewer, vote.place)
    if vote.status != VoteStatus.OPEN:
        raise ValidationFailed(_("只有投票中的表决可以截止。"), code="not_open")
    now = timezone.now()
    vote.status = VoteStatus.CLOSED
    vote.closed_at = now
    vote.save(update_fields=["status", "closed_at"])
    audit_event_record(
        actor=actor,
        action="vote.close",
        obj=vote,
        place_path=vote.place_path,
        changes={"early": now < vote.closes_at},
    )
    return vote


@transaction.atomic
def vote_publish(*, viewer: Viewer, actor: Any, vote: Vote) -> Vote:
    """Publish the results (公布结果): the exact count is computed once and kept."""
    from wugong.voting.selectors import vote_result

    vote = Vote.objects.select_for_update().select_related("place").get(pk=vote.pk)
    _manage_check(viewer, vote.place)
    if vote.status != VoteStatus.CLOSED:
        raise ValidationFailed(_("表决截止后才能公布结果。"), code="not_closed")
    result = vote_result(vote=vote)
    vote.result = result
    vote.status = VoteStatus.PUBLISHED
    vote.published_at = timezone.now()
    vote.save(update_fields=["result", "status", "published_at"])
    audit_event_record(
        actor=actor,
        action="vote.publish",
        obj=vote,
        place_path=vote.place_path,
        changes={"outcome": result.get("outcome", ""), "participants": result["participants"]},
    )
    record_published.send(  # chained by hash (wugong/transparency/chain.py)
        sender=Vote,
        kind="vote.result",
        place=vote.place,
        key=f"vote.result:{vote.pk}",
        payload={"vote": vote.pk, "title": vote.title, "result": result},
    )
    return vote


# --- casting ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CastOutcome:
    """What the voter is told. ``receipt`` is shown once for a secret ballot (never stored
    against them); ``already`` means this entry had voted and nothing was added."""

    receipt: str | None
    created: bool
    changed: bool
    already: bool
    secret: bool


def cast_window_check(vote: Vote, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if vote.status == VoteStatus.DRAFT:
        raise ValidationFailed(_("该表决尚未开启，暂不能投票。"), code="not_open")
    if vote.status != VoteStatus.OPEN:
        raise ValidationFailed(_("该表决已截止，不能再投票。"), code="closed")
    if now < vote.opens_at:
        raise ValidationFailed(
            _("投票尚未开始，开始时间：%(t)s。")
            % {"t": timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M")},
            code="not_started",
        )
    if now >= vote.closes_at:
        raise ValidationFailed(_("投票时间已过，不能再投票。"), code="closed")


def roll_entry_for(*, vote: Vote, viewer: Viewer, lock: bool = False) -> RollEntry | None:
    """The viewer's line on the frozen roll: their own, or their household's. With ``lock``,
    the row is locked (SELECT … FOR UPDATE) in the same query that finds it."""
    rows = RollEntry.objects.select_for_update() if lock else RollEntry.objects.all()
    if vote.unit == BallotUnit.PERSON:
        if not viewer.person_id:
            return None
        return rows.filter(vote=vote, person_id=viewer.person_id).order_by("pk").first()
    if not viewer.household_id:
        return None
    return rows.filter(vote=vote, household_id=viewer.household_id).order_by("pk").first()


def choices_clean(
    *, vote: Vote, options: Sequence[VoteOption], choices: Mapping[Any, Any]
) -> dict[int, int]:
    """Check a ballot against the method: one of 赞成/反对/弃权; up to k options; 0–5 stars
    per option; ranks 1, 2, 3 … without gaps. Returns option id → value."""
    by_id = {o.pk: o for o in options}
    clean: dict[int, int] = {}
    for key, raw in choices.items():
        try:
            oid, value = int(key), int(raw)
        except (TypeError, ValueError):
            raise ValidationFailed(_("选票内容无效。"), field="choices") from None
        if oid not in by_id:
            raise ValidationFailed(_("选票含有不属于本次表决的选项。"), field="choices")
        clean[oid] = value
    method = vote.method
    if method in {VoteMethod.MOTION, VoteMethod.ESTATE}:
        chosen = [oid for oid, v in clean.items() if v]
        if len(chosen) != 1 or clean[chosen[0]] != 1:
            raise ValidationFailed(_("请在赞成、反对、弃权中选择一项。"), field="choices")
        return {chosen[0]: 1}
    if method == VoteMethod.APPROVAL:
        if any(v not in (0, 1) for v in clean.values()):
            raise ValidationFailed(_("选票内容无效。"), field="choices")
        chosen_ids = {oid: 1 for oid, v in clean.items() if v == 1}
        limit = vote.max_choices or 1
        if len(chosen_ids) > limit:
            raise ValidationFailed(
                _("每票最多选%(k)d项，您选了%(n)d项。") % {"k": limit, "n": len(chosen_ids)},
                field="choices",
            )
        return chosen_ids
    if method == VoteMethod.STARS:
        if any(not 0 <= v <= tally.MAX_STARS for v in clean.values()):
            raise ValidationFailed(_("每项星数应为0至5颗。"), field="choices")
        if not clean:
            raise ValidationFailed(_("请至少给一个选项打星。"), field="choices")
        return clean
    ranks = {oid: v for oid, v in clean.items() if v > 0}
    if not ranks:
        raise ValidationFailed(_("请至少排出第一选择。"), field="choices")
    if sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
        raise ValidationFailed(_("排序应从1开始依次排列，不能重复或跳号。"), field="choices")
    return ranks


def _choices_audit(options: Sequence[VoteOption], clean: Mapping[int, int]) -> dict[str, int]:
    labels = {o.pk: o.label for o in options}
    return {labels[oid]: v for oid, v in sorted(clean.items())}


@transaction.atomic
def ballot_cast(
    *,
    vote: Vote,
    viewer: Viewer,
    actor: Any,
    choices: Mapping[Any, Any],
    entry: RollEntry | None = None,
    proxy_holder: Person | None = None,
) -> CastOutcome:
    """Cast a ballot (投票), idempotently: the same request twice leaves one ballot.

    The voter is found on the frozen roll (themselves, or their household for a vote per
    household). A cadre may record a proxy ballot (委托投票) for another entry, naming who
    held the proxy. An open ballot may be changed until the close; a secret one is final and
    is stored with no link to the voter — only a receipt code the voter is shown once.
    Two requests for the same entry at the same instant are serialised on the entry's row
    (SELECT … FOR UPDATE) and the mark is a conditional UPDATE, so only one ballot counts.
    """
    vote = Vote.objects.select_related("place").get(pk=vote.pk)
    cast_window_check(vote)
    if not viewer.has_rule("vote.cast"):
        raise PermissionDenied(_("您没有投票权限。"))
    proxy = entry is not None
    if proxy:
        if not viewer.can_place("vote.manage", vote.place):
            raise PermissionDenied(_("只有本地干部可以代录委托投票。"))
        if entry.vote_id != vote.pk:
            raise NotFound(_("名册中没有这一项。"))
        entry = RollEntry.objects.select_for_update().get(pk=entry.pk)
    else:
        entry = roll_entry_for(vote=vote, viewer=viewer, lock=True)
        if entry is None:
            raise PermissionDenied(
                _("您不在本次表决的投票名册中（名册在投票开启时确定）。"), code="not_on_roll"
            )
    options = list(vote.options.all())
    clean = choices_clean(vote=vote, options=options, choices=choices)
    if entry.voted_at is not None:
        return _ballot_again(vote, entry, options, clean, actor, viewer)
    now = timezone.now()
    channel = Channel.PROXY if proxy else Channel.ONLINE
    if proxy and proxy_holder is None and viewer.person_id:
        proxy_holder = Person.objects.filter(pk=viewer.person_id).first()
    marked = RollEntry.objects.filter(pk=entry.pk, voted_at__isnull=True).update(
        voted_at=now, channel=channel, proxy_holder=proxy_holder if proxy else None
    )
    if marked != 1:  # lost a race the row lock should have prevented: count once, never twice
        return CastOutcome(receipt=None, created=False, changed=False, already=True, secret=True)
    ballot = Ballot.objects.create(
        id=ballot_id_new(),
        vote=vote,
        entry=None if vote.secret else entry,
        receipt=receipt_new(),
        size=len(clean),
    )
    BallotChoice.objects.bulk_create(
        BallotChoice(ballot=ballot, option_id=oid, vote=vote, value=v) for oid, v in clean.items()
    )
    changes: dict[str, Any] = {"vote": vote.pk, "channel": channel, "secret": vote.secret}
    if proxy:
        changes["proxy_holder"] = proxy_holder.name if proxy_holder else ""
        changes["for"] = entry.name
    if not vote.secret:  # an open ballot (记名) may be logged with its choice
        changes["choices"] = _choices_audit(options, clean)
        changes["receipt"] = ballot.receipt
    audit_event_record(
        actor=actor,
        action="ballot.proxy" if proxy else "ballot.cast",
        obj=entry,
        on_behalf_of=entry.person if proxy else None,
        place_path=vote.place_path,
        changes=changes,
    )
    return CastOutcome(
        receipt=ballot.receipt, created=True, changed=False, already=False, secret=vote.secret
    )


def ballot_cast_mine(
    *, vote_id: int, viewer: Viewer, actor: Any, choices: Mapping[Any, Any]
) -> CastOutcome:
    """Cast one's own ballot online (投票): the page's and the API's entry point.

    Most requests are a voter's first ballot in an open window. Those take a lean path of four
    statements: the vote with its options (one query), then, in one transaction, the roll line
    marked by a conditional UPDATE … RETURNING that also checks the vote is still open (so it is
    atomic with a close), the ballot, its choices and the audit event. Anything else — not on
    the roll, out of scope, voted already, changing an open ballot, voted in the room, a closed
    window — finds no unmarked roll line, changes nothing, and goes the full way
    (``ballot_cast``), which gives the exact answer or refusal.
    """
    outcome = _first_ballot(vote_id=vote_id, viewer=viewer, actor=actor, choices=choices)
    if outcome is not None:
        return outcome
    from wugong.voting.selectors import vote_get

    vote = vote_get(viewer=viewer, pk=vote_id)
    return ballot_cast(vote=vote, viewer=viewer, actor=actor, choices=choices)


def _first_ballot(
    *, vote_id: int, viewer: Viewer, actor: Any, choices: Mapping[Any, Any]
) -> CastOutcome | None:
    """A first ballot on the lean path, or None when the full path must decide."""
    if not viewer.has_rule("vote.cast"):
        return None
    options = list(VoteOption.objects.select_related("vote").filter(vote_id=vote_id))
    if not options:
        return None
    vote = options[0].vote
    now = timezone.now()
    if vote.status != VoteStatus.OPEN or not vote.opens_at <= now < vote.closes_at:
        return None
    column, voter = (
        ("person_id", viewer.person_id)
        if vote.unit == BallotUnit.PERSON
        else ("household_id", viewer.household_id)
    )
    if not voter:
        return None
    with transaction.atomic():
        entry = _roll_mark_online(vote=vote, column=column, voter=voter, now=now)
        if entry is None:
            return None
        clean = choices_clean(vote=vote, options=options, choices=choices)  # raises: rolled back
        ballot = Ballot.objects.create(
            id=ballot_id_new(),
            vote=vote,
            entry=None if vote.secret else entry,
            receipt=receipt_new(),
            size=len(clean),
        )
        BallotChoice.objects.bulk_create(
            BallotChoice(ballot=ballot, option_id=oid, vote=vote, value=v)
            for oid, v in clean.items()
        )
        changes: dict[str, Any] = {
            "vote": vote.pk,
            "channel": Channel.ONLINE,
            "secret": vote.secret,
        }
        if not vote.secret:
            changes["choices"] = _choices_audit(options, clean)
            changes["receipt"] = ballot.receipt
        audit_event_record(
            actor=actor,
            action="ballot.cast",
            obj=entry,
            place_path=vote.place_path,
            changes=changes,
        )
    return CastOutcome(
        receipt=ballot.receipt, created=True, changed=False, already=False, secret=vote.secret
    )


def _roll_mark_online(*, vote: Vote, column: str, voter: int, now: dt.datetime) -> RollEntry | None:
    """Mark the voter's roll line as voted online, if it exists, has not voted, and the vote is
    open at ``now`` — one statement. Two requests at the same instant: PostgreSQL makes the
    second wait for the first's row lock and then finds the line marked; SQLite writes one
    transaction at a time. Returns the line, or None when nothing was marked."""
    roll, votes = RollEntry._meta.db_table, Vote._meta.db_table
    assert column in {"person_id", "household_id"}
    sql = (
        f"UPDATE {roll} SET voted_at = %s, channel = %s "
        f"WHERE vote_id = %s AND {column} = %s AND voted_at IS NULL AND EXISTS ("
        f"SELECT 1 FROM {votes} WHERE id = %s AND status = %s AND closes_at > %s) "
        "RETURNING id"
    )
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [at, Channel.ONLINE, vote.pk, voter, vote.pk, VoteStatus.OPEN, at])
        row = cursor.fetchone()
    if row is None:
        return None
    return RollEntry(pk=row[0], vote=vote, voted_at=now, channel=Channel.ONLINE)


def _ballot_again(
    vote: Vote,
    entry: RollEntry,
    options: Sequence[VoteOption],
    clean: Mapping[int, int],
    actor: Any,
    viewer: Viewer,
) -> CastOutcome:
    """A second request for an entry that has voted: in the room → refused; secret → final
    (nothing added, no receipt: it is stored nowhere); open → changed if different."""
    if entry.channel == Channel.OFFLINE:
        raise ValidationFailed(
            _("您已在现场参加表决并计票，不能再在线投票，以免重复计票。"),
            code="voted_offline",
        )
    if vote.secret:
        return CastOutcome(receipt=None, created=False, changed=False, already=True, secret=True)
    ballot = Ballot.objects.get(entry=entry)
    current = dict(BallotChoice.objects.filter(ballot=ballot).values_list("option_id", "value"))
    if current == dict(clean):
        return CastOutcome(
            receipt=ballot.receipt, created=False, changed=False, already=True, secret=False
        )
    BallotChoice.objects.filter(ballot=ballot).delete()
    BallotChoice.objects.bulk_create(
        BallotChoice(ballot=ballot, option_id=oid, vote=vote, value=v) for oid, v in clean.items()
    )
    ballot.size = len(clean)
    ballot.save(update_fields=["size"])
    audit_event_record(
        actor=actor,
        action="ballot.change",
        obj=entry,
        place_path=vote.place_path,
        changes={
            "vote": vote.pk,
            "from": _choices_audit(options, current),
            "to": _choices_audit(options, clean),
        },
    )
    return CastOutcome(
        receipt=ballot.receipt, created=False, changed=True, already=False, secret=False
    )


# --- offline tallies -------------------------------------------------------------------------
def offline_count_parse(value: Any, *, what: str) -> tuple[int, str]:
    """A count as a number ("18") or a 正-character tally ("正正正下"); returns (count, 正)."""
    text = str(value if value is not None else "").strip()
    if text == "":
        return 0, ""
    if text.isdigit():
        return int(text), ""
    try:
        return tally.parse_zheng(text), text
    except tally.TallyError as e:
        raise ValidationFailed(
            _("“%(what)s”的计票无法识别：%(err)s") % {"what": what, "err": e.message},
            code="invalid_zheng",
            field="counts",
        ) from None


def _photo_clean(photo: UploadedFile | None) -> File | None:
    """The blackboard photo or scanned tally sheet, checked by its content: an image is
    re-encoded (no EXIF or GPS kept), a PDF must be one. Anything else is refused."""
    if photo is None:
        return None
    if photo.size and photo.size > PHOTO_MAX_BYTES:
        raise ValidationFailed(_("计票照片不能超过15MB。"), field="photo")
    photo.seek(0)
    if photo.read(5) == b"%PDF-":
        photo.seek(0)
        photo.name = f"{uuid.uuid4().hex}.pdf"
        return photo
    try:
        return image_clean(photo, max_bytes=PHOTO_MAX_BYTES)
    except ValidationFailed:
        raise ValidationFailed(
            _("计票照片应为 jpg、png 或 webp 照片，或扫描的 pdf 文件。"), field="photo"
        ) from None


@transaction.atomic
def offline_tally_record(
    *,
    vote: Vote,
    viewer: Viewer,
    actor: Any,
    meeting: str,
    counts: Mapping[Any, Any],
    present_entry_ids: Sequence[int],
    proxies: Mapping[int, int] | None = None,
    photo: UploadedFile | None = None,
    note: str = "",
) -> OfflineTally:
    """Enter an offline count (举手表决/写正字): per option a number or a 正 tally, the photo
    of the blackboard, and the roll entries marked present in the room. Someone who voted
    online (or in another room) cannot be marked; counts above the number marked are refused.
    ``proxies`` maps a present entry to the person who held its proxy (委托)."""
    vote = Vote.objects.select_for_update().select_related("place").get(pk=vote.pk)
    _manage_check(viewer, vote.place)
    if vote.status not in {VoteStatus.OPEN, VoteStatus.CLOSED}:
        raise ValidationFailed(
            _("只有投票中或已截止、尚未公布结果的表决才能录入线下计票。"), code="bad_status"
        )
    if vote.method == VoteMethod.RANKED:
        raise ValidationFailed(_("排序投票无法举手计票，请使用纸质或线上选票。"), code="method")
    if vote.method == VoteMethod.ESTATE:
        raise ValidationFailed(
            _("业主表决须逐户记名并按面积计票，请由干部逐户代录纸质表决票。"), code="method"
        )
    meeting = (meeting or "").strip()
    if not meeting:
        raise ValidationFailed(_("请填写现场会议名称或地点。"), field="meeting")
    photo = _photo_clean(photo)
    ids = sorted({int(i) for i in present_entry_ids})
    if not ids:
        raise ValidationFailed(_("请在名册上勾选到场参加表决的人员。"), field="present")
    entries = list(RollEntry.objects.select_for_update().filter(vote=vote, pk__in=ids))
    if len(entries) != len(ids):
        raise ValidationFailed(_("勾选的人员不在本次表决的名册中。"), field="present")
    online = [e.name for e in entries if e.voted_at and e.channel != Channel.OFFLINE]
    if online:
        raise ValidationFailed(
            _("以下人员已在线投票，不能再计入现场表决（同一人不得重复计票）：%(n)s")
            % {"n": "、".join(online)},
            code="voter_counted_twice",
            field="present",
        )
    elsewhere = [e.name for e in entries if e.voted_at]
    if elsewhere:
        raise ValidationFailed(
            _("以下人员已在另一场现场计票中登记：%(n)s") % {"n": "、".join(elsewhere)},
            code="voter_counted_twice",
            field="present",
        )
    options = list(vote.options.all())
    by_id = {o.pk: o for o in options}
    parsed: dict[int, tuple[int, str]] = {}
    for key, raw in counts.items():
        try:
            oid = int(key)
        except (TypeError, ValueError):
            raise ValidationFailed(_("计票含有不属于本次表决的选项。"), field="counts") from None
        if oid not in by_id:
            raise ValidationFailed(_("计票含有不属于本次表决的选项。"), field="counts")
        parsed[oid] = offline_count_parse(raw, what=by_id[oid].label)
    present = len(ids)
    by_label = {by_id[oid].label: n for oid, (n, _z) in parsed.items()}
    try:
        if vote.method == VoteMethod.STARS:
            _stars_offline_check(by_label, present)
        else:
            tally.validate_offline_counts(by_label, present, max_choices=vote.max_choices or 1)
    except tally.TallyError as e:
        raise ValidationFailed(e.message, code=e.code, field="counts") from None
    record = OfflineTally.objects.create(
        vote=vote,
        meeting=meeting[:200],
        present=present,
        note=(note or "").strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    if photo is not None:
        record.photo.save(photo.name, photo, save=True)
    OfflineCount.objects.bulk_create(
        OfflineCount(tally=record, option_id=oid, count=n, zheng=z)
        for oid, (n, z) in parsed.items()
    )
    now = timezone.now()
    proxies = {int(k): int(v) for k, v in (proxies or {}).items()}
    if set(proxies) - set(ids):
        raise ValidationFailed(_("委托人须是勾选到场的名册人员。"), field="proxies")
    holders = Person.objects.in_bulk(list(proxies.values()))
    plain = [i for i in ids if i not in proxies]
    marked = RollEntry.objects.filter(pk__in=plain, voted_at__isnull=True).update(
        voted_at=now, channel=Channel.OFFLINE, offline_tally=record
    )
    for entry_id, holder_id in proxies.items():
        if holder_id not in holders:
            raise ValidationFailed(_("受托人不存在。"), field="proxies")
        marked += RollEntry.objects.filter(pk=entry_id, voted_at__isnull=True).update(
            voted_at=now, channel=Channel.OFFLINE, offline_tally=record, proxy_holder_id=holder_id
        )
    if marked != present:
        raise ValidationFailed(_("名册刚被他人更新，请刷新后重新录入。"), code="conflict")
    audit_event_record(
        actor=actor,
        action="vote.offline_record",
        obj=vote,
        place_path=vote.place_path,
        changes={
            "tally": record.pk,
            "meeting": meeting,
            "present": present,
            "counts": by_label,
            "zheng": {by_id[oid].label: z for oid, (_n, z) in parsed.items() if z},
            "proxies": {str(k): v for k, v in proxies.items()},
            "photo": bool(photo),
        },
    )
    return record


def _stars_offline_check(by_label: Mapping[str, int], present: int) -> None:
    limit = present * tally.MAX_STARS
    for label, n in by_label.items():
        if n > limit:
            raise tally.OfflineCountExceedsPresentError(
                f"“{label}”线下计 {n} 星，超过到场登记人数 {present} 人每人最多 "
                f"{tally.MAX_STARS} 星的上限 {limit} 星，请重新清点"
            )


def floor_weights_as_fractions(vote: Vote) -> dict[int, Fraction]:
    return {int(k): Fraction(v) for k, v in (vote.floor_weights or {}).items()}


def area_decimal(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)
