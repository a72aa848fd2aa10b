"""Pure vote-tally core (计票核心): plain functions over plain data.

No ORM, no I/O, no floats. Counts are ``int``, proportions are ``fractions.Fraction``,
floor areas are ``decimal.Decimal`` (converted to ``Fraction`` for every comparison), money is
integer fen (分). Nothing is rounded, and a tie is never broken silently: it is reported.

Sections
--------
1. Motions (赞成/反对/弃权 议案) with quorum (法定人数) and majority rules, and presets taken
   from 《村民委员会组织法》 and 《城市居民委员会组织法》.
2. Approval voting (限选 k 项): totals, ranking, ties at the cut-off reported.
3. Stars (投星, 0–5 stars per option): totals, ballot count, exact averages, ties reported.
4. Ranked ballots: instant-runoff (即时决选, default) with a round-by-round record, and
   Schulze (舒尔茨法, strongest paths).
5. Estate owners' double count (业主“双三分之二”参与、“双过半/双四分之三”同意,
   《民法典》第二百七十八条), building-unit (单元) filter, and cost sharing by floor.
6. Offline tallies (举手表决, 黑板“正”字计票): stroke conversion, validation against the
   number present, and merging online with offline counts without double counting.

Reading of Chinese statutory wording (《民法典》第一千二百五十九条): “以上/以下/以内” include
the stated number; “超过/不满” exclude it. So “三分之二以上” is *at least* 2/3 (exactly 2/3 counts)
and “过半数” is *more than* half (exactly half does not count).

Every error is a :class:`TallyError` (a ``ValueError``) with a machine ``code`` and a Chinese
``message`` suitable for showing to village staff.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeAlias

OptionId: TypeAlias = Hashable
VoterId: TypeAlias = Hashable
Exact: TypeAlias = int | Fraction | Decimal

__all__ = [
    "CIVIL_CODE_278_MAJORITY",
    "CIVIL_CODE_278_PARTICIPATION",
    "CIVIL_CODE_278_SPECIAL",
    "MAJORITY",
    "MAX_STARS",
    "RESIDENTS_MEETING",
    "TWO_THIRDS",
    "VILLAGERS_REPRESENTATIVES_MEETING",
    "VILLAGER_GROUP_MEETING",
    "VILLAGER_GROUP_MEETING_HOUSEHOLDS",
    "VILLAGE_ASSEMBLY",
    "VILLAGE_ASSEMBLY_HOUSEHOLDS",
    "ApprovalResult",
    "Choice",
    "CombinedCount",
    "Comparison",
    "CostShare",
    "EstateMatter",
    "EstateOwner",
    "EstateResult",
    "IRVResult",
    "IRVRound",
    "InvalidBallotError",
    "InvalidInputError",
    "MajorityBase",
    "MotionOutcome",
    "MotionResult",
    "MotionRule",
    "OfflineCountExceedsPresentError",
    "SchulzeResult",
    "StarsResult",
    "TallyError",
    "Threshold",
    "UnknownVoterError",
    "VoterCountedTwiceError",
    "ZhengFormatError",
    "approval_tally",
    "combine_online_offline",
    "count_to_zheng",
    "estate_tally",
    "expand_ballots",
    "instant_runoff",
    "parse_zheng",
    "qualified_majority_rule",
    "schulze",
    "share_cost_by_floor",
    "stars_tally",
    "tally_motion",
    "validate_offline_counts",
    "zheng_to_count",
]


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class TallyError(ValueError):
    """Base of all tally errors (计票错误). ``code`` is stable; ``message`` is Chinese."""

    code: str = "tally_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def __str__(self) -> str:
        return self.message


class InvalidInputError(TallyError):
    """Malformed parameters (参数错误): negative counts, bad fractions, floats, etc."""

    code = "invalid_input"


class InvalidBallotError(TallyError):
    """A ballot that cannot be counted (无效选票); ``details['index']`` locates it."""

    code = "invalid_ballot"


class UnknownVoterError(TallyError):
    """A ballot from someone who is not on the roll (不在名册中的投票人)."""

    code = "unknown_voter"


class OfflineCountExceedsPresentError(TallyError):
    """Offline votes exceed the number of people marked present (线下票数超过到场人数)."""

    code = "offline_exceeds_present"


class VoterCountedTwiceError(TallyError):
    """A voter counted both online and offline (重复计票); ``details['voters']`` lists them."""

    code = "voter_counted_twice"


class ZhengFormatError(TallyError):
    """An unreadable 正-character tally (“正”字计票格式错误)."""

    code = "invalid_zheng"


# ---------------------------------------------------------------------------------------------
# Exact-number helpers
# ---------------------------------------------------------------------------------------------


def _fraction(value: object, what: str) -> Fraction:
    """Convert an exact number to Fraction; refuse floats and bools (浮点数不精确)."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction | Decimal):
        raise InvalidInputError(
            f"{what}必须是精确数（整数、分数或 Decimal），不能是 {type(value).__name__}",
            what=what,
        )
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidInputError(f"{what}必须是有限数", what=what)
    return Fraction(value)


def _count(value: object, what: str) -> int:
    """A non-negative integer count (非负整数)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{what}必须是整数", what=what)
    if value < 0:
        raise InvalidInputError(f"{what}不能为负数：{value}", what=what)
    return value


def _fmt(value: Fraction) -> str:
    """Render a Fraction exactly: ``2/3``, ``1``, ``0``."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


_CN_DIGITS = "零一二三四五六七八九十"


def _cn_fraction(value: Fraction) -> str:
    """``2/3`` → ``三分之二`` for small fractions; otherwise the exact ``n/d`` form."""
    if 0 < value.numerator < value.denominator <= 10:
        return f"{_CN_DIGITS[value.denominator]}分之{_CN_DIGITS[value.numerator]}"
    return _fmt(value)


def _fmt_area(value: Fraction | Decimal) -> str:
    if isinstance(value, Decimal):
        return f"{value} 平方米"
    if value.denominator == 1:
        return f"{value.numerator} 平方米"
    return f"{_fmt(value)} 平方米"


def _ratio(part: Exact, whole: Exact) -> Fraction | None:
    whole_f = Fraction(whole)
    return None if whole_f == 0 else Fraction(part) / whole_f


def _unique_options(options: Iterable[OptionId], what: str = "选项") -> tuple[OptionId, ...]:
    result = tuple(options)
    if not result:
        raise InvalidInputError(f"{what}列表不能为空")
    if len(set(result)) != len(result):
        raise InvalidInputError(f"{what}列表中有重复项")
    return result


def _join(items: Iterable[object]) -> str:
    return "、".join(str(i) for i in items)


# ---------------------------------------------------------------------------------------------
# 1. Motions: quorum and majority
# ---------------------------------------------------------------------------------------------


class Choice(enum.StrEnum):
    """A motion ballot's choice (表决意见)."""

    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"

    @property
    def label(self) -> str:
        return {"for": "赞成", "against": "反对", "abstain": "弃权"}[self.value]


class Comparison(enum.StrEnum):
    """How a count is compared with ``fraction × base``.

    ``MORE_THAN`` is “超过/过半数” (exact equality fails); ``AT_LEAST`` is “……以上/不少于”
    (exact equality passes), per 《民法典》第一千二百五十九条.
    """

    MORE_THAN = "more_than"
    AT_LEAST = "at_least"


class MajorityBase(enum.StrEnum):
    """What the majority fraction is taken of (表决基数)."""

    PRESENT = "present"  # 到会人员 (including abstentions and those present not voting)
    VOTING = "voting"  # 投赞成或反对票者 (abstentions excluded)
    ELIGIBLE = "eligible"  # 全体应到人员 (the frozen roll)

    @property
    def label(self) -> str:
        return {"present": "到会人员", "voting": "投赞成或反对票的人员", "eligible": "全体成员"}[
            self.value
        ]


@dataclass(frozen=True)
class Threshold:
    """A proportion test: ``value > fraction × base`` or ``value ≥ fraction × base``."""

    fraction: Fraction
    comparison: Comparison

    def __post_init__(self) -> None:
        frac = _fraction(self.fraction, "比例")
        if not 0 <= frac <= 1:
            raise InvalidInputError(f"比例必须在 0 与 1 之间：{_fmt(frac)}")
        object.__setattr__(self, "fraction", frac)
        object.__setattr__(self, "comparison", Comparison(self.comparison))

    def is_met(self, value: Exact, base: Exact) -> bool:
        """Exact test of ``value`` against ``fraction × base`` (no division)."""
        need = self.fraction * Fraction(base)
        got = Fraction(value)
        return got > need if self.comparison is Comparison.MORE_THAN else got >= need

    def minimum_count(self, base: int) -> int:
        """Smallest whole count meeting the threshold (may exceed ``base`` if impossible)."""
        need = self.fraction * base
        if self.comparison is Comparison.MORE_THAN:
            return math.floor(need) + 1
        return math.ceil(need)

    @property
    def label(self) -> str:
        """Chinese wording, e.g. ``过半数``, ``三分之二以上（含本数）``."""
        if self.fraction == Fraction(1, 2) and self.comparison is Comparison.MORE_THAN:
            return "过半数"
        if self.comparison is Comparison.MORE_THAN:
            return f"超过{_cn_fraction(self.fraction)}（不含本数）"
        return f"{_cn_fraction(self.fraction)}以上（含本数）"


MAJORITY = Threshold(Fraction(1, 2), Comparison.MORE_THAN)
"""过半数: strictly more than half."""

TWO_THIRDS = Threshold(Fraction(2, 3), Comparison.AT_LEAST)
"""三分之二以上: at least two thirds (exactly 2/3 passes)."""


@dataclass(frozen=True)
class MotionRule:
    """Quorum + majority rule for a for/against/abstain motion (议事规则)."""

    name: str
    quorum: Threshold
    majority: Threshold
    majority_base: MajorityBase = MajorityBase.PRESENT
    legal_basis: str = ""

    def __post_init__(self) -> None:
        if self.majority.fraction == 0:
            raise InvalidInputError("通过比例不能为 0")
        object.__setattr__(self, "majority_base", MajorityBase(self.majority_base))


VILLAGE_ASSEMBLY = MotionRule(
    name="村民会议（十八周岁以上村民）",
    quorum=MAJORITY,
    majority=MAJORITY,
    majority_base=MajorityBase.PRESENT,
    legal_basis="《村民委员会组织法》第二十二条：应当有本村十八周岁以上村民的过半数参加，"
    "所作决定应当经到会人员的过半数通过",
)
"""村民会议 counted over the adult villagers' roll: quorum > 1/2, decision > 1/2 of present."""

VILLAGE_ASSEMBLY_HOUSEHOLDS = MotionRule(
    name="村民会议（户代表）",
    quorum=TWO_THIRDS,
    majority=MAJORITY,
    majority_base=MajorityBase.PRESENT,
    legal_basis="《村民委员会组织法》第二十二条：或者本村三分之二以上的户的代表参加，"
    "所作决定应当经到会人员的过半数通过",
)
"""村民会议 counted over the households' roll: quorum ≥ 2/3, decision > 1/2 of present."""

VILLAGERS_REPRESENTATIVES_MEETING = MotionRule(
    name="村民代表会议",
    quorum=TWO_THIRDS,
    majority=MAJORITY,
    majority_base=MajorityBase.PRESENT,
    legal_basis="《村民委员会组织法》第二十六条：村民代表会议有三分之二以上的组成人员参加方可召开，"
    "所作决定应当经到会人员的过半数同意",
)
"""村民代表会议: roll = all members (组成人员); quorum ≥ 2/3; decision > 1/2 of present."""

VILLAGER_GROUP_MEETING = MotionRule(
    name="村民小组会议（十八周岁以上村民）",
    quorum=TWO_THIRDS,
    majority=MAJORITY,
    majority_base=MajorityBase.PRESENT,
    legal_basis="《村民委员会组织法》第二十八条：应当有本村民小组十八周岁以上的村民三分之二以上"
    "参加，所作决定应当经到会人员的过半数同意",
)
"""村民小组会议 over adult group members: quorum ≥ 2/3, decision > 1/2 of present."""

VILLAGER_GROUP_MEETING_HOUSEHOLDS = MotionRule(
    name="村民小组会议（户代表）",
    quorum=TWO_THIRDS,
    majority=MAJORITY,
    majority_base=MajorityBase.PRESENT,
    legal_basis="《村民委员会组织法》第二十八条：或者本村民小组三分之二以上的户的代表参加，"
    "所作决定应当经到会人员的过半数同意",
)
"""村民小组会议 over households: quorum ≥ 2/3, decision > 1/2 of present."""

RESIDENTS_MEETING = MotionRule(
    name="居民会议",
    quorum=MAJORITY,
    majority=MAJORITY,
    majority_base=MajorityBase.PRESENT,
    legal_basis="《城市居民委员会组织法》第十条：必须有全体十八周岁以上的居民、户的代表或者"
    "居民小组选举的代表的过半数出席，才能举行。会议的决定，由出席人的过半数通过",
)
"""居民会议 (residents' council): quorum > 1/2, decision > 1/2 of those present."""


def qualified_majority_rule(
    fraction: Exact,
    *,
    comparison: Comparison = Comparison.AT_LEAST,
    base: MajorityBase = MajorityBase.PRESENT,
    quorum: Threshold = MAJORITY,
    name: str | None = None,
    legal_basis: str = "",
) -> MotionRule:
    """A configurable rule, e.g. ``qualified_majority_rule(Fraction(2, 3))`` = 到会人员三分之二以上.

    The default quorum is more than half of the roll; pass ``quorum=`` to change it.
    """
    majority = Threshold(_fraction(fraction, "通过比例"), comparison)
    return MotionRule(
        name=name or f"{MajorityBase(base).label}{majority.label}通过",
        quorum=quorum,
        majority=majority,
        majority_base=base,
        legal_basis=legal_basis,
    )


class MotionOutcome(enum.StrEnum):
    PASSED = "passed"  # 通过
    FAILED = "failed"  # 未通过
    NO_QUORUM = "no_quorum"  # 未达法定人数

    @property
    def label(self) -> str:
        return {"passed": "通过", "failed": "未通过", "no_quorum": "未达到法定人数"}[self.value]


@dataclass(frozen=True)
class MotionResult:
    """Outcome of :func:`tally_motion` with every number used to reach it."""

    outcome: MotionOutcome
    rule: MotionRule
    eligible: int
    present: int
    votes_for: int
    votes_against: int
    votes_abstain: int
    not_voting: int  # present but cast no (valid) ballot
    participation: Fraction  # present / eligible
    quorum_met: bool
    quorum_minimum: int  # fewest attendees that would satisfy the quorum
    majority_base_count: int
    support: Fraction | None  # votes_for / majority_base_count (None if the base is 0)
    majority_minimum: int  # fewest "for" votes that would pass, given this base
    explanation: str

    @property
    def passed(self) -> bool:
        return self.outcome is MotionOutcome.PASSED


def tally_motion(
    rule: MotionRule,
    *,
    eligible: int,
    votes_for: int,
    votes_against: int,
    votes_abstain: int = 0,
    present: int | None = None,
) -> MotionResult:
    """Decide a for/against/abstain motion (议案表决).

    ``eligible`` is the size of the frozen roll (应到人数/户数/组成人员数). Online and offline
    counts must already be combined (see :func:`combine_online_offline`). ``present`` (实到) is
    the number in attendance; it defaults to ``for + against + abstain`` and may be larger when
    some attendees cast no valid ballot — they count towards the quorum and, with base
    ``PRESENT`` (到会人员), towards the denominator, exactly as the statute words it.

    A motion with an empty majority base (nobody voting) fails: it cannot pass with no support.
    """
    eligible = _count(eligible, "应到人数")
    votes_for = _count(votes_for, "赞成票数")
    votes_against = _count(votes_against, "反对票数")
    votes_abstain = _count(votes_abstain, "弃权票数")
    if eligible == 0:
        raise InvalidInputError("应到人数为 0，无法表决")
    cast = votes_for + votes_against + votes_abstain
    present = cast if present is None else _count(present, "实到人数")
    if present < cast:
        raise InvalidInputError(
            f"实到人数 {present} 少于投票总数 {cast}", present=present, cast=cast
        )
    if present > eligible:
        raise InvalidInputError(
            f"实到人数 {present} 超过应到人数 {eligible}", present=present, eligible=eligible
        )

    participation = Fraction(present, eligible)
    quorum_met = rule.quorum.is_met(present, eligible)
    quorum_minimum = rule.quorum.minimum_count(eligible)
    base_count = {
        MajorityBase.PRESENT: present,
        MajorityBase.VOTING: votes_for + votes_against,
        MajorityBase.ELIGIBLE: eligible,
    }[rule.majority_base]
    support = _ratio(votes_for, base_count)
    majority_minimum = rule.majority.minimum_count(base_count)
    majority_met = base_count > 0 and rule.majority.is_met(votes_for, base_count)

    if not quorum_met:
        outcome = MotionOutcome.NO_QUORUM
    elif majority_met:
        outcome = MotionOutcome.PASSED
    else:
        outcome = MotionOutcome.FAILED

    parts = [f"依据{rule.legal_basis}。" if rule.legal_basis else f"按“{rule.name}”规则。"]
    parts.append(
        f"应到 {eligible} 人，实到 {present} 人，到会比例 {_fmt(participation)}；"
        f"法定人数须{rule.quorum.label}（至少 {quorum_minimum} 人），"
        + ("已达到法定人数。" if quorum_met else "未达到法定人数，会议不能作出决定。")
    )
    if quorum_met:
        tally = f"赞成 {votes_for} 票，反对 {votes_against} 票，弃权 {votes_abstain} 票"
        if present > cast:
            tally += f"，另有 {present - cast} 人到会未投票"
        if base_count == 0:
            parts.append(f"{tally}；以{rule.majority_base.label}为基数，基数为 0，议案未获通过。")
        else:
            assert support is not None
            parts.append(
                f"{tally}；以{rule.majority_base.label} {base_count} 人为基数，"
                f"赞成占 {_fmt(support)}，须{rule.majority.label}（至少 {majority_minimum} 票），"
                + ("议案通过。" if majority_met else "议案未获通过。")
            )
    return MotionResult(
        outcome=outcome,
        rule=rule,
        eligible=eligible,
        present=present,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        not_voting=present - cast,
        participation=participation,
        quorum_met=quorum_met,
        quorum_minimum=quorum_minimum,
        majority_base_count=base_count,
        support=support,
        majority_minimum=majority_minimum,
        explanation="".join(parts),
    )


# ---------------------------------------------------------------------------------------------
# 2 & 3. Scored standings: approval and stars
# ---------------------------------------------------------------------------------------------


def _tiers(options: Sequence[OptionId], totals: Mapping[OptionId, Exact]) -> tuple[tuple, ...]:
    """Group options by equal total, best first; within a tier the input order is kept."""
    values = sorted({totals[o] for o in options}, reverse=True)
    return tuple(tuple(o for o in options if totals[o] == v) for v in values)


def _cutoff(tiers: Sequence[tuple], seats: int) -> tuple[tuple, tuple, int]:
    """Split tiers at ``seats``: (certain winners, tied at the cut-off, seats left for the tie)."""
    winners: list[OptionId] = []
    for tier in tiers:
        if len(winners) + len(tier) <= seats:
            winners.extend(tier)
            if len(winners) == seats:
                break
        else:
            return tuple(winners), tier, seats - len(winners)
    return tuple(winners), (), 0


def _validate_seats(seats: int, options: Sequence[OptionId]) -> int:
    seats = _count(seats, "应选名额")
    if not 1 <= seats <= len(options):
        raise InvalidInputError(f"应选名额必须在 1 与选项数 {len(options)} 之间：{seats}")
    return seats


def _cutoff_sentence(
    seats: int, winners: tuple, tied: tuple, tie_seats: int, totals: Mapping, unit: str
) -> str:
    text = f"应选 {seats} 项："
    if winners:
        text += f"{_join(winners)} 确定入选"
    if tied:
        text += (
            ("；" if winners else "") + f"{_join(tied)} 并列（均为 {totals[tied[0]]} {unit}），"
            f"争夺剩余 {tie_seats} 个名额，平局未作处理，须依规则另行决定。"
        )
    else:
        text += "。"
    return text


@dataclass(frozen=True)
class ApprovalResult:
    """Approval tally (限选投票). ``tiers`` ranks options best first; a tier of 2+ is a tie."""

    options: tuple[OptionId, ...]
    totals: Mapping[OptionId, int]
    ballots: int
    blank_ballots: int
    max_choices: int
    seats: int
    tiers: tuple[tuple[OptionId, ...], ...]
    winners: tuple[OptionId, ...]  # certainly within the seats
    tied_at_cutoff: tuple[OptionId, ...]  # tied for the last seat(s); never broken here
    seats_in_tie: int
    explanation: str

    @property
    def ties(self) -> tuple[tuple[OptionId, ...], ...]:
        return tuple(t for t in self.tiers if len(t) > 1)

    def rank_of(self, option: OptionId) -> int:
        """Competition rank (1, 2, 2, 4…): 1 + number of options strictly ahead."""
        return _rank_of(self.tiers, option)


def _rank_of(tiers: Sequence[tuple], option: OptionId) -> int:
    ahead = 0
    for tier in tiers:
        if option in tier:
            return ahead + 1
        ahead += len(tier)
    raise InvalidInputError(f"未知选项：{option}")


def approval_tally(
    options: Sequence[OptionId],
    ballots: Iterable[Iterable[OptionId]],
    *,
    max_choices: int | None = None,
    seats: int = 1,
) -> ApprovalResult:
    """Approval voting (每票最多选 ``max_choices`` 项; default: no limit).

    Each ballot is a collection of chosen options; an empty ballot is a blank ballot (空白票)
    and is counted in ``ballots``. A ballot naming an unknown option, naming one twice, or
    naming more than ``max_choices`` options raises :class:`InvalidBallotError` (over-voted
    paper ballots must be set aside upstream, 废票在上游剔除).
    """
    options = _unique_options(options)
    seats = _validate_seats(seats, options)
    limit = len(options) if max_choices is None else _count(max_choices, "每票可选项数")
    if limit < 1:
        raise InvalidInputError("每票可选项数至少为 1")
    known = set(options)
    totals = dict.fromkeys(options, 0)
    n = blank = 0
    for index, ballot in enumerate(ballots):
        chosen = list(ballot)
        if len(set(chosen)) != len(chosen):
            raise InvalidBallotError(f"第 {index + 1} 张选票重复选择了同一项", index=index)
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise InvalidBallotError(
                f"第 {index + 1} 张选票含未知选项：{_join(unknown)}", index=index
            )
        if len(chosen) > limit:
            raise InvalidBallotError(
                f"第 {index + 1} 张选票选了 {len(chosen)} 项，超过上限 {limit} 项", index=index
            )
        for c in chosen:
            totals[c] += 1
        n += 1
        blank += not chosen
    tiers = _tiers(options, totals)
    winners, tied, tie_seats = _cutoff(tiers, seats)
    explanation = (
        f"共 {n} 张选票（空白票 {blank} 张），每票最多选 {limit} 项。得票："
        + "，".join(f"{o} {totals[o]} 票" for tier in tiers for o in tier)
        + "。"
        + _cutoff_sentence(seats, winners, tied, tie_seats, totals, "票")
    )
    return ApprovalResult(
        options=options,
        totals=totals,
        ballots=n,
        blank_ballots=blank,
        max_choices=limit,
        seats=seats,
        tiers=tiers,
        winners=winners,
        tied_at_cutoff=tied,
        seats_in_tie=tie_seats,
        explanation=explanation,
    )


MAX_STARS = 5


@dataclass(frozen=True)
class StarsResult:
    """Star tally (投星). Ranked by total stars; averages are exact Fractions."""

    options: tuple[OptionId, ...]
    totals: Mapping[OptionId, int]  # total stars
    ballots: int
    rated: Mapping[OptionId, int]  # ballots that gave the option an explicit rating
    averages: Mapping[OptionId, Fraction | None]  # total / ballots; None when no ballots
    seats: int
    tiers: tuple[tuple[OptionId, ...], ...]
    winners: tuple[OptionId, ...]
    tied_at_cutoff: tuple[OptionId, ...]
    seats_in_tie: int
    explanation: str

    @property
    def ties(self) -> tuple[tuple[OptionId, ...], ...]:
        return tuple(t for t in self.tiers if len(t) > 1)

    def rank_of(self, option: OptionId) -> int:
        return _rank_of(self.tiers, option)


def stars_tally(
    options: Sequence[OptionId],
    ballots: Iterable[Mapping[OptionId, int]],
    *,
    seats: int = 1,
) -> StarsResult:
    """Stars (投星): each ballot maps options to 0–5 whole stars.

    An option left out of a ballot counts as 0 stars (as an empty row on a paper form), so the
    average is ``total stars / number of ballots``; ``rated`` tells how many ballots rated the
    option explicitly. Ranking is by total stars; equal totals form a reported tie.
    """
    options = _unique_options(options)
    seats = _validate_seats(seats, options)
    known = set(options)
    totals = dict.fromkeys(options, 0)
    rated = dict.fromkeys(options, 0)
    n = 0
    for index, ballot in enumerate(ballots):
        if not isinstance(ballot, Mapping):
            raise InvalidBallotError(f"第 {index + 1} 张选票格式错误：应为“选项→星数”", index=index)
        for option, stars in ballot.items():
            if option not in known:
                raise InvalidBallotError(f"第 {index + 1} 张选票含未知选项：{option}", index=index)
            if isinstance(stars, bool) or not isinstance(stars, int):
                raise InvalidBallotError(
                    f"第 {index + 1} 张选票的星数必须是整数：{option}", index=index
                )
            if not 0 <= stars <= MAX_STARS:
                raise InvalidBallotError(
                    f"第 {index + 1} 张选票给“{option}”打了 {stars} 星，应在 0 至 {MAX_STARS} 之间",
                    index=index,
                )
            totals[option] += stars
            rated[option] += 1
        n += 1
    averages = {o: (Fraction(totals[o], n) if n else None) for o in options}
    tiers = _tiers(options, totals)
    winners, tied, tie_seats = _cutoff(tiers, seats)
    explanation = (
        f"共 {n} 张选票，每项 0 至 {MAX_STARS} 星，未打星按 0 星计。总星数："
        + "，".join(
            f"{o} {totals[o]} 星" + (f"（平均 {_fmt(averages[o])}）" if n else "")  # type: ignore[arg-type]
            for tier in tiers
            for o in tier
        )
        + "。"
        + _cutoff_sentence(seats, winners, tied, tie_seats, totals, "星")
    )
    return StarsResult(
        options=options,
        totals=totals,
        ballots=n,
        rated=rated,
        averages=averages,
        seats=seats,
        tiers=tiers,
        winners=winners,
        tied_at_cutoff=tied,
        seats_in_tie=tie_seats,
        explanation=explanation,
    )


# ---------------------------------------------------------------------------------------------
# 4. Ranked ballots: instant-runoff and Schulze
# ---------------------------------------------------------------------------------------------


def expand_ballots(weighted: Iterable[tuple[int, Any]]) -> list[Any]:
    """``[(5, "ACBED"), …]`` → five copies of each ballot (for textbook profiles)."""
    out: list[Any] = []
    for count, ballot in weighted:
        out.extend([ballot] * _count(count, "票数"))
    return out


def _ranking(ballot: Iterable[OptionId], known: AbstractSet, index: int) -> tuple[OptionId, ...]:
    ranked = tuple(ballot)
    if len(set(ranked)) != len(ranked):
        raise InvalidBallotError(f"第 {index + 1} 张选票对同一候选项排了两次", index=index)
    unknown = [c for c in ranked if c not in known]
    if unknown:
        raise InvalidBallotError(f"第 {index + 1} 张选票含未知选项：{_join(unknown)}", index=index)
    return ranked


@dataclass(frozen=True)
class IRVRound:
    """One round of an instant-runoff count (一轮计票)."""

    number: int
    totals: Mapping[OptionId, int]  # continuing options only, in option order
    active: int  # ballots still counting for a continuing option
    exhausted: int  # non-blank ballots with no continuing option left (已用尽选票)
    majority_needed: int  # active // 2 + 1
    winner: OptionId | None
    eliminated: tuple[OptionId, ...]
    note: str


@dataclass(frozen=True)
class IRVResult:
    """Instant-runoff outcome: a winner, or an unresolved tie (``tied``)."""

    options: tuple[OptionId, ...]
    ballots: int
    blank_ballots: int
    winner: OptionId | None
    tied: tuple[OptionId, ...]
    rounds: tuple[IRVRound, ...]
    explanation: str

    @property
    def is_tie(self) -> bool:
        return self.winner is None


def instant_runoff(options: Sequence[OptionId], ballots: Iterable[Iterable[OptionId]]) -> IRVResult:
    """Instant-runoff voting (即时决选, single winner).

    Each ballot ranks some options, most preferred first (partial rankings allowed; an empty
    ballot is blank and never counted in a round). Each round counts every ballot for its
    highest-ranked continuing option; a ballot with none left is *exhausted* (counted per
    round). An option with more than half of the active (non-exhausted) ballots wins; the
    sole continuing option also wins. Otherwise the option with the fewest votes is eliminated.

    Elimination tie rule (淘汰时的平局规则), applied in order:

    1. Backwards tie-break (向前追溯): among the options tied for fewest votes, look at the
       previous round, then the one before, and so on; at each step keep only those that had
       the fewest votes there. Stop as soon as one option is left; it is eliminated.
    2. If still unresolved, and the tied options' combined votes are fewer than those of every
       other continuing option, all of them are eliminated together — none of them could
       survive the others, so the order of their elimination cannot change the result.
    3. Otherwise the count stops and the tie is reported (``winner is None``, ``tied`` set);
       it must be resolved by the rule the village adopted (e.g. 抽签 or a new vote).
    """
    options = _unique_options(options, "候选项")
    known = set(options)
    ranked = [_ranking(b, known, i) for i, b in enumerate(ballots)]
    blank = sum(1 for b in ranked if not b)
    ballots_nb = [b for b in ranked if b]
    continuing = list(options)
    history: list[dict[OptionId, int]] = []
    rounds: list[IRVRound] = []
    winner: OptionId | None = None
    tied: tuple[OptionId, ...] = ()

    while True:
        alive = set(continuing)
        totals = dict.fromkeys(continuing, 0)
        exhausted = 0
        for b in ballots_nb:
            top = next((c for c in b if c in alive), None)
            if top is None:
                exhausted += 1
            else:
                totals[top] += 1
        active = sum(totals.values())
        needed = active // 2 + 1
        number = len(rounds) + 1
        history.append(totals)

        if active == 0:
            tied = tuple(continuing)
            rounds.append(IRVRound(number, totals, 0, exhausted, needed, None, (), "无有效票"))
            break
        leader = max(continuing, key=lambda c: totals[c])
        if totals[leader] >= needed or len(continuing) == 1:
            winner = leader
            note = (
                f"{leader} 得 {totals[leader]} 票，超过有效票 {active} 票的半数，当选"
                if totals[leader] >= needed
                else f"{leader} 为唯一剩余候选项，当选"
            )
            rounds.append(IRVRound(number, totals, active, exhausted, needed, leader, (), note))
            break

        low = min(totals.values())
        lowest = [c for c in continuing if totals[c] == low]
        eliminated: tuple[OptionId, ...]
        if len(lowest) == 1:
            eliminated = (lowest[0],)
            note = f"{lowest[0]} 得票最少（{low} 票），淘汰"
        else:
            remaining = list(lowest)
            for earlier in reversed(history[:-1]):
                fewest = min(earlier[c] for c in remaining)
                remaining = [c for c in remaining if earlier[c] == fewest]
                if len(remaining) == 1:
                    break
            others = [totals[c] for c in continuing if c not in lowest]
            if len(remaining) == 1:
                eliminated = (remaining[0],)
                note = (
                    f"{_join(lowest)} 并列最少（{low} 票），按前几轮票数向前追溯，"
                    f"{remaining[0]} 较少，淘汰"
                )
            elif others and low * len(lowest) < min(others):
                eliminated = tuple(lowest)
                note = (
                    f"{_join(lowest)} 并列最少（各 {low} 票），合计 {low * len(lowest)} 票"
                    f"仍少于其余任一候选项，淘汰顺序不影响结果，一并淘汰"
                )
            else:
                tied = tuple(remaining)
                note = (
                    f"{_join(lowest)} 并列最少（{low} 票），向前追溯仍无法区分 {_join(remaining)}，"
                    "平局未作处理，计票暂停，须依规则另行决定"
                )
                rounds.append(IRVRound(number, totals, active, exhausted, needed, None, (), note))
                break
        rounds.append(IRVRound(number, totals, active, exhausted, needed, None, eliminated, note))
        continuing = [c for c in continuing if c not in eliminated]

    lines = [f"共 {len(ranked)} 张选票（空白票 {blank} 张），即时决选计票："]
    for r in rounds:
        counts = "，".join(f"{c} {v}" for c, v in r.totals.items())
        lines.append(f"第 {r.number} 轮：{counts}；已用尽 {r.exhausted} 张；{r.note}。")
    if winner is None:
        lines.append(f"结果：{_join(tied)} 平局，未产生当选者。")
    else:
        lines.append(f"结果：{winner} 当选。")
    return IRVResult(
        options=options,
        ballots=len(ranked),
        blank_ballots=blank,
        winner=winner,
        tied=tied,
        rounds=tuple(rounds),
        explanation="\n".join(lines),
    )


@dataclass(frozen=True)
class SchulzeResult:
    """Schulze outcome. ``pairwise[x][y]`` = ballots preferring x to y; ``paths`` = strongest
    path strengths; ``tiers`` = full ranking best first (a tier of 2+ is a tie)."""

    options: tuple[OptionId, ...]
    ballots: int
    pairwise: Mapping[OptionId, Mapping[OptionId, int]]
    paths: Mapping[OptionId, Mapping[OptionId, int]]
    tiers: tuple[tuple[OptionId, ...], ...]
    explanation: str

    @property
    def winners(self) -> tuple[OptionId, ...]:
        """The Schulze winner(s); more than one means a tie (平局)."""
        return self.tiers[0]

    @property
    def winner(self) -> OptionId | None:
        return self.tiers[0][0] if len(self.tiers[0]) == 1 else None

    @property
    def condorcet_winner(self) -> OptionId | None:
        """The option beating every other head-to-head (孔多塞胜者), if any."""
        d = self.pairwise
        for x in self.options:
            if all(d[x][y] > d[y][x] for y in self.options if y != x):
                return x
        return None


def _schulze_ranks(
    ballot: Iterable[OptionId | AbstractSet[OptionId]], known: AbstractSet, index: int
) -> dict[OptionId, int]:
    ranks: dict[OptionId, int] = {}
    levels = 0
    for level, group in enumerate(ballot):
        levels = level + 1
        members = tuple(group) if isinstance(group, AbstractSet) else (group,)
        for m in members:
            if m not in known:
                raise InvalidBallotError(f"第 {index + 1} 张选票含未知选项：{m}", index=index)
            if m in ranks:
                raise InvalidBallotError(
                    f"第 {index + 1} 张选票对同一候选项排了两次：{m}", index=index
                )
            ranks[m] = level
    for option in known:
        ranks.setdefault(option, levels)
    return ranks


def schulze(
    options: Sequence[OptionId],
    ballots: Iterable[Iterable[OptionId | AbstractSet[OptionId]]],
) -> SchulzeResult:
    """Schulze method (舒尔茨法, strongest paths, winning votes).

    A ballot lists options best first; an element that is a set (``{"B", "C"}``) ranks its
    members equally. Unlisted options are ranked equally below every listed one.

    ``d[x][y]`` counts ballots ranking x above y. A link x→y has strength ``d[x][y]`` if
    ``d[x][y] > d[y][x]``, else 0; ``p[x][y]`` is the strongest (widest) path. x is ranked above
    y iff ``p[x][y] > p[y][x]``; this relation is transitive, so the ranking is built by
    repeatedly taking every remaining option that no remaining option beats. Options taken
    together form a tie; ties are never broken here.
    """
    options = _unique_options(options, "候选项")
    known = frozenset(options)
    d = {x: dict.fromkeys(options, 0) for x in options}
    n = 0
    for index, ballot in enumerate(ballots):
        ranks = _schulze_ranks(ballot, known, index)
        for x in options:
            rx = ranks[x]
            row = d[x]
            for y in options:
                if rx < ranks[y]:
                    row[y] += 1
        n += 1
    p = {x: {y: (d[x][y] if x != y and d[x][y] > d[y][x] else 0) for y in options} for x in options}
    for i in options:
        for j in options:
            if j == i:
                continue
            pji = p[j][i]
            if pji == 0:
                continue
            for k in options:
                if k != i and k != j:
                    via = min(pji, p[i][k])
                    if via > p[j][k]:
                        p[j][k] = via
    remaining = list(options)
    tiers: list[tuple[OptionId, ...]] = []
    while remaining:
        top = tuple(x for x in remaining if not any(p[y][x] > p[x][y] for y in remaining))
        tiers.append(top)
        remaining = [x for x in remaining if x not in top]
    ranking = " > ".join("=".join(str(o) for o in t) for t in tiers)
    if len(tiers[0]) == 1:
        verdict = f"{tiers[0][0]} 当选"
    else:
        verdict = f"{_join(tiers[0])} 平局，未作处理，须依规则另行决定"
    explanation = f"共 {n} 张选票，舒尔茨法（最强路径）排序：{ranking}（= 表示并列）。{verdict}。"
    return SchulzeResult(
        options=options,
        ballots=n,
        pairwise=d,
        paths=p,
        tiers=tuple(tiers),
        explanation=explanation,
    )


# ---------------------------------------------------------------------------------------------
# 5. Estate owners (业主共同决定, 《民法典》第二百七十八条)
# ---------------------------------------------------------------------------------------------


class EstateMatter(enum.StrEnum):
    """Matters decided jointly by owners, 《民法典》第二百七十八条第一款 items (一)–(九).

    Only items (六) raising the repair fund, (七) rebuilding and (八) changing the use of
    common parts need the double 3/4 (第二款). Item (五) *using* the repair fund is in the
    ordinary double-majority class: the Civil Code split 《物权法》第七十六条's single item
    “筹集和使用维修资金” in two and deliberately lowered the bar for using the fund.
    """

    RULES_OF_PROCEDURE = "rules_of_procedure"  # (一) 制定和修改业主大会议事规则
    MANAGEMENT_STATUTE = "management_statute"  # (二) 制定和修改管理规约
    OWNERS_COMMITTEE = "owners_committee"  # (三) 选举业主委员会或者更换业主委员会成员
    PROPERTY_MANAGER = "property_manager"  # (四) 选聘和解聘物业服务企业或者其他管理人
    USE_REPAIR_FUND = "use_repair_fund"  # (五) 使用建筑物及其附属设施的维修资金
    RAISE_REPAIR_FUND = "raise_repair_fund"  # (六) 筹集建筑物及其附属设施的维修资金
    REBUILD = "rebuild"  # (七) 改建、重建建筑物及其附属设施
    # (八) 改变共有部分的用途或者利用共有部分从事经营活动
    CHANGE_COMMON_PARTS = "change_common_parts"
    OTHER_MAJOR = "other_major"  # (九) 有关共有和共同管理权利的其他重大事项

    @property
    def item(self) -> int:
        """The item number (项) in art. 278 para. 1."""
        return list(EstateMatter).index(self) + 1

    @property
    def label(self) -> str:
        return _ESTATE_LABELS[self]

    @property
    def requires_three_quarters(self) -> bool:
        """Items (六)–(八) need “双四分之三” of participants (art. 278 para. 2)."""
        return self in _ESTATE_SPECIAL


_ESTATE_LABELS = {
    EstateMatter.RULES_OF_PROCEDURE: "制定和修改业主大会议事规则",
    EstateMatter.MANAGEMENT_STATUTE: "制定和修改管理规约",
    EstateMatter.OWNERS_COMMITTEE: "选举业主委员会或者更换业主委员会成员",
    EstateMatter.PROPERTY_MANAGER: "选聘和解聘物业服务企业或者其他管理人",
    EstateMatter.USE_REPAIR_FUND: "使用建筑物及其附属设施的维修资金",
    EstateMatter.RAISE_REPAIR_FUND: "筹集建筑物及其附属设施的维修资金",
    EstateMatter.REBUILD: "改建、重建建筑物及其附属设施",
    EstateMatter.CHANGE_COMMON_PARTS: "改变共有部分的用途或者利用共有部分从事经营活动",
    EstateMatter.OTHER_MAJOR: "有关共有和共同管理权利的其他重大事项",
}
_ESTATE_SPECIAL = frozenset(
    {EstateMatter.RAISE_REPAIR_FUND, EstateMatter.REBUILD, EstateMatter.CHANGE_COMMON_PARTS}
)

CIVIL_CODE_278_PARTICIPATION = TWO_THIRDS
"""参与表决: 专有部分面积占比三分之二以上 且 人数占比三分之二以上."""
CIVIL_CODE_278_SPECIAL = Threshold(Fraction(3, 4), Comparison.AT_LEAST)
"""第六项至第八项: 参与表决专有部分面积四分之三以上 且 参与表决人数四分之三以上 同意."""
CIVIL_CODE_278_MAJORITY = MAJORITY
"""其他事项: 参与表决专有部分面积过半数 且 参与表决人数过半数 同意."""


@dataclass(frozen=True)
class EstateOwner:
    """One owner on the roll (业主名册): 专有部分面积 in m² as Decimal.

    One entry counts as one person (人数). Aggregating units per the SPC interpretation on
    building ownership (《最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》
    第八、九条: one exclusive unit = one person, but one buyer of several units or the developer's
    unsold units count as one) happens upstream.
    """

    owner_id: VoterId
    area: Decimal
    building_unit: str | None = None  # 单元
    floor: int | None = None  # 楼层

    def __post_init__(self) -> None:
        if isinstance(self.area, bool) or not isinstance(self.area, Decimal | int):
            raise InvalidInputError(f"业主 {self.owner_id} 的面积必须是 Decimal，不能是浮点数")
        area = Decimal(self.area)
        if not area.is_finite() or area <= 0:
            raise InvalidInputError(f"业主 {self.owner_id} 的专有部分面积必须为正数：{area}")
        object.__setattr__(self, "area", area)


@dataclass(frozen=True)
class EstateResult:
    """Outcome of :func:`estate_tally` — both counts (人数) and areas (面积) are reported."""

    matter: EstateMatter
    outcome: MotionOutcome
    building_unit: str | None
    total_owners: int
    total_area: Decimal
    participating_owners: int
    participating_area: Decimal
    owner_participation: Fraction
    area_participation: Fraction
    participation_met: bool
    for_owners: int
    for_area: Decimal
    against_owners: int
    against_area: Decimal
    abstain_owners: int
    abstain_area: Decimal
    approval_threshold: Threshold
    owner_approval: Fraction | None  # for_owners / participating_owners
    area_approval: Fraction | None  # for_area / participating_area
    approved_by_owners: bool
    approved_by_area: bool
    excluded_ballots: int  # ballots from owners outside the chosen building unit
    explanation: str

    @property
    def passed(self) -> bool:
        return self.outcome is MotionOutcome.PASSED


def _electorate(
    owners: Iterable[EstateOwner], building_unit: str | None
) -> tuple[dict[VoterId, EstateOwner], set[VoterId]]:
    everyone: dict[VoterId, EstateOwner] = {}
    for owner in owners:
        if not isinstance(owner, EstateOwner):
            raise InvalidInputError("业主名册中的每一项必须是 EstateOwner")
        if owner.owner_id in everyone:
            raise InvalidInputError(f"业主名册中业主 {owner.owner_id} 重复出现")
        everyone[owner.owner_id] = owner
    roll = {
        oid: o
        for oid, o in everyone.items()
        if building_unit is None or o.building_unit == building_unit
    }
    if not roll:
        where = f"单元 {building_unit} " if building_unit is not None else ""
        raise InvalidInputError(f"{where}业主名册为空")
    return roll, set(everyone)


def estate_tally(
    matter: EstateMatter,
    owners: Iterable[EstateOwner],
    ballots: Mapping[VoterId, Choice | str],
    *,
    building_unit: str | None = None,
    three_quarters: bool | None = None,
) -> EstateResult:
    """Owners' joint decision with the double count of art. 278 (民法典第二百七十八条).

    Participation (参与表决) needs owners holding at least 2/3 of the total exclusive area AND
    at least 2/3 of the owners (abstainers participate). Items (六)–(八) then need at least 3/4
    of the participating area AND of the participating owners to agree; every other item needs
    more than half of each. ``three_quarters`` overrides the statutory class (e.g. a stricter
    management statute 管理规约); ``None`` follows the statute.

    ``building_unit`` restricts the electorate to one 单元: owners elsewhere leave the roll and
    their ballots are set aside (``excluded_ballots``). A ballot from someone not on the roll at
    all raises :class:`UnknownVoterError`.
    """
    matter = EstateMatter(matter)
    roll, everyone = _electorate(owners, building_unit)
    counts = dict.fromkeys(Choice, 0)
    areas = dict.fromkeys(Choice, Decimal(0))
    excluded = 0
    for voter, raw in ballots.items():
        if voter not in everyone:
            raise UnknownVoterError(f"投票人 {voter} 不在业主名册中", voter=voter)
        try:
            choice = Choice(raw)
        except ValueError:
            raise InvalidBallotError(f"业主 {voter} 的表决意见无效：{raw}", voter=voter) from None
        if voter not in roll:
            excluded += 1
            continue
        counts[choice] += 1
        areas[choice] += roll[voter].area

    total_owners = len(roll)
    total_area = sum((o.area for o in roll.values()), Decimal(0))
    part_owners = sum(counts.values())
    part_area = sum(areas.values(), Decimal(0))
    owner_part = Fraction(part_owners, total_owners)
    area_part = Fraction(part_area) / Fraction(total_area)
    part_rule = CIVIL_CODE_278_PARTICIPATION
    participation_met = part_rule.is_met(part_owners, total_owners) and part_rule.is_met(
        part_area, total_area
    )

    special = matter.requires_three_quarters if three_quarters is None else three_quarters
    threshold = CIVIL_CODE_278_SPECIAL if special else CIVIL_CODE_278_MAJORITY
    for_owners, for_area = counts[Choice.FOR], areas[Choice.FOR]
    owner_approval = _ratio(for_owners, part_owners)
    area_approval = _ratio(for_area, part_area)
    by_owners = part_owners > 0 and threshold.is_met(for_owners, part_owners)
    by_area = part_area > 0 and threshold.is_met(for_area, part_area)

    if not participation_met:
        outcome = MotionOutcome.NO_QUORUM
    elif by_owners and by_area:
        outcome = MotionOutcome.PASSED
    else:
        outcome = MotionOutcome.FAILED

    scope = f"单元 {building_unit}" if building_unit is not None else "全体业主"
    parts = [
        f"事项：第二百七十八条第一款第{_CN_ITEM[matter.item]}项“{matter.label}”（{scope}）。",
        f"业主共 {total_owners} 人、专有部分面积 {_fmt_area(total_area)}；"
        f"参与表决 {part_owners} 人（占 {_fmt(owner_part)}）、"
        f"面积 {_fmt_area(part_area)}（占 {_fmt(area_part)}）；"
        "须人数与面积均达三分之二以上（含本数），"
        + ("参与表决比例符合要求。" if participation_met else "参与表决比例不足，不能作出决定。"),
    ]
    if excluded:
        parts.append(f"另有 {excluded} 张非本单元业主的选票未计入。")
    if participation_met:
        need = "双四分之三以上（含本数）" if special else "双过半数"
        basis = "" if three_quarters is None else "（按议事规则调整的表决比例）"
        parts.append(
            f"同意 {for_owners} 人、面积 {_fmt_area(for_area)}；"
            f"反对 {counts[Choice.AGAINST]} 人，弃权 {counts[Choice.ABSTAIN]} 人。"
            f"同意人数占参与表决人数 {_fmt(owner_approval or Fraction(0))}，"
            f"同意面积占参与表决面积 {_fmt(area_approval or Fraction(0))}；"
            f"本事项须{need}同意{basis}，"
            + (
                "决定通过。"
                if outcome is MotionOutcome.PASSED
                else "决定未通过（"
                + "、".join(w for w, ok in (("人数", by_owners), ("面积", by_area)) if not ok)
                + "未达比例）。"
            )
        )
    return EstateResult(
        matter=matter,
        outcome=outcome,
        building_unit=building_unit,
        total_owners=total_owners,
        total_area=total_area,
        participating_owners=part_owners,
        participating_area=part_area,
        owner_participation=owner_part,
        area_participation=area_part,
        participation_met=participation_met,
        for_owners=for_owners,
        for_area=for_area,
        against_owners=counts[Choice.AGAINST],
        against_area=areas[Choice.AGAINST],
        abstain_owners=counts[Choice.ABSTAIN],
        abstain_area=areas[Choice.ABSTAIN],
        approval_threshold=threshold,
        owner_approval=owner_approval,
        area_approval=area_approval,
        approved_by_owners=by_owners,
        approved_by_area=by_area,
        excluded_ballots=excluded,
        explanation="".join(parts),
    )


_CN_ITEM = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九"}


@dataclass(frozen=True)
class CostShare:
    """Exact cost shares in fen (分), summing exactly to ``total_fen``."""

    total_fen: int
    shares: Mapping[VoterId, int]
    quotas: Mapping[VoterId, Fraction]  # exact proportional share before apportionment
    weights: Mapping[VoterId, Fraction]
    tied_for_last_fen: tuple[VoterId, ...]  # equal remainders split by the tie rule
    explanation: str


def share_cost_by_floor(
    total_fen: int,
    owners: Iterable[EstateOwner],
    floor_weights: Mapping[int, Exact],
    *,
    by_area: bool = False,
    building_unit: str | None = None,
) -> CostShare:
    """Share a cost among owners by a floor weight table (按楼层系数分摊), exact to the fen.

    Each owner's weight is ``floor_weights[owner.floor]`` (times the owner's area if
    ``by_area``; common for lifts: 楼层系数 × 面积). The exact quota is
    ``total × weight / Σweights``. Largest-remainder method (最大余额法): everyone gets the
    floor of their quota, and the leftover fen go one each to the largest fractional
    remainders. Tie rule for equal remainders: the larger weight first (the owner who pays
    more anyway, e.g. the higher floor), then earlier in the ``owners`` sequence. When that
    rule decides between owners, they are listed in ``tied_for_last_fen``. Every share is the
    floor or the ceiling of its quota, and an owner with weight 0 pays 0.
    """
    total_fen = _count(total_fen, "分摊总额（分）")
    roll, _ = _electorate(owners, building_unit)
    weights: dict[VoterId, Fraction] = {}
    for oid, owner in roll.items():
        if owner.floor is None or owner.floor not in floor_weights:
            raise InvalidInputError(f"业主 {oid} 所在楼层 {owner.floor} 没有分摊系数", owner=oid)
        w = _fraction(floor_weights[owner.floor], f"第 {owner.floor} 层系数")
        if w < 0:
            raise InvalidInputError(f"第 {owner.floor} 层系数不能为负数：{_fmt(w)}")
        weights[oid] = w * Fraction(owner.area) if by_area else w
    weight_sum = sum(weights.values(), Fraction(0))
    if weight_sum == 0:
        raise InvalidInputError("全部分摊系数为 0，无法分摊")
    quotas = {oid: total_fen * w / weight_sum for oid, w in weights.items()}
    shares = {oid: math.floor(q) for oid, q in quotas.items()}
    leftover = total_fen - sum(shares.values())
    position = {oid: i for i, oid in enumerate(roll)}
    remainder = {oid: q - shares[oid] for oid, q in quotas.items()}
    order = sorted(roll, key=lambda oid: (-remainder[oid], -weights[oid], position[oid]))
    lucky = order[:leftover]
    for oid in lucky:
        shares[oid] += 1
    tied: tuple[VoterId, ...] = ()
    if 0 < leftover < len(order):
        boundary = remainder[order[leftover - 1]]
        if remainder[order[leftover]] == boundary:
            tied = tuple(oid for oid in order if remainder[oid] == boundary)
    explanation = (
        f"分摊总额 {total_fen} 分，按{'楼层系数×面积' if by_area else '楼层系数'}"
        f"在 {len(roll)} 户间按比例分摊，采用最大余额法取整到分，合计恰为 {total_fen} 分。"
    )
    if tied:
        explanation += (
            f"{_join(tied)} 余额相同，按“系数大者优先、名册在前者优先”的规则分配"
            f"剩余的 {sum(1 for t in tied if t in lucky)} 分。"
        )
    return CostShare(
        total_fen=total_fen,
        shares=shares,
        quotas=quotas,
        weights=weights,
        tied_for_last_fen=tied,
        explanation=explanation,
    )


# ---------------------------------------------------------------------------------------------
# 6. Offline tallies (举手表决、黑板“正”字计票) and merging with online ballots
# ---------------------------------------------------------------------------------------------

_ZHENG_GLYPHS: dict[str, int] = {
    "一": 1,
    "丅": 2,
    "丁": 2,
    "下": 3,
    "止": 4,
    "正": 5,
    "\U0001d372": 1,  # IDEOGRAPHIC TALLY MARK ONE … FIVE
    "\U0001d373": 2,
    "\U0001d374": 3,
    "\U0001d375": 4,
    "\U0001d376": 5,
}


def zheng_to_count(complete: int, strokes: int = 0) -> int:
    """Count from a 正-character tally: ``complete`` full 正 (5 each) plus 0–4 extra strokes."""
    complete = _count(complete, "完整“正”字个数")
    strokes = _count(strokes, "剩余笔画数")
    if strokes > 4:
        raise ZhengFormatError(
            f"剩余笔画数应为 0 至 4，{strokes} 笔应计为完整的“正”字", strokes=strokes
        )
    return complete * 5 + strokes


def count_to_zheng(count: int) -> tuple[int, int]:
    """Inverse of :func:`zheng_to_count`: ``(complete 正, remaining strokes)``."""
    count = _count(count, "票数")
    return divmod(count, 5)


def parse_zheng(text: str) -> int:
    """Read a blackboard tally such as ``"正正正下"`` (= 18).

    Accepted glyphs: 正 (5), and partial forms 一 (1), 丅/丁 (2), 下 (3), 止 (4), plus the
    Unicode ideographic tally marks U+1D372–U+1D376. Whitespace is ignored; an empty string
    is 0. A partial form may only come last (a 正 is completed before the next is begun).
    """
    if not isinstance(text, str):
        raise ZhengFormatError("“正”字计票内容必须是文本")
    glyphs = [ch for ch in text if not ch.isspace()]
    total = 0
    for position, ch in enumerate(glyphs):
        if ch not in _ZHENG_GLYPHS:
            raise ZhengFormatError(f"无法识别的计票符号：“{ch}”", glyph=ch)
        value = _ZHENG_GLYPHS[ch]
        if value < 5 and position != len(glyphs) - 1:
            raise ZhengFormatError(
                f"未写完的“{ch}”后面还有符号，请核对黑板计票", glyph=ch, position=position
            )
        total += value
    return total


def validate_offline_counts(
    counts: Mapping[OptionId, int], present: int, *, max_choices: int = 1
) -> int:
    """Check offline counts against attendance (到场人数); return the total of the counts.

    Each person present can raise a hand for at most ``max_choices`` options (1 for a motion or
    a single-choice vote), so no option may exceed ``present`` and the total may not exceed
    ``present × max_choices``. Violations raise :class:`OfflineCountExceedsPresentError`.
    """
    present = _count(present, "到场人数")
    limit = _count(max_choices, "每人可选项数")
    if limit < 1:
        raise InvalidInputError("每人可选项数至少为 1")
    total = 0
    for option, value in counts.items():
        value = _count(value, f"“{option}”的线下票数")
        if value > present:
            raise OfflineCountExceedsPresentError(
                f"“{option}”线下计 {value} 票，超过到场登记人数 {present} 人，请重新清点",
                option=option,
                count=value,
                present=present,
            )
        total += value
    if total > present * limit:
        each = "" if limit == 1 else f"（每人最多 {limit} 票，上限 {present * limit} 票）"
        raise OfflineCountExceedsPresentError(
            f"线下计票合计 {total} 票，超过到场登记人数 {present} 人{each}，请重新清点",
            count=total,
            present=present,
        )
    return total


@dataclass(frozen=True)
class CombinedCount:
    """Online + offline counts (线上线下合并计票)."""

    options: tuple[OptionId, ...]
    totals: Mapping[OptionId, int]
    online_totals: Mapping[OptionId, int]
    offline_totals: Mapping[OptionId, int]
    online_participants: int
    offline_participants: int

    @property
    def participants(self) -> int:
        """Distinct people who took part (online ∪ offline; the sets are disjoint)."""
        return self.online_participants + self.offline_participants


def combine_online_offline(
    options: Sequence[OptionId],
    online_ballots: Sequence[OptionId | AbstractSet[OptionId]],
    offline_counts: Mapping[OptionId, int],
    *,
    online_voters: AbstractSet[VoterId],
    offline_voters: AbstractSet[VoterId],
    max_choices: int = 1,
) -> CombinedCount:
    """Merge anonymous online ballots with an offline count, refusing double counting.

    ``online_voters`` are the ids whose online ballots are in ``online_ballots`` (one ballot
    each); ``offline_voters`` are the ids marked present at the offline count. Anyone in both
    raises :class:`VoterCountedTwiceError`. An online ballot is one option, or a set of up to
    ``max_choices`` options. Offline counts are checked with :func:`validate_offline_counts`
    against ``len(offline_voters)``. For a motion use ``options=list(Choice)``.
    """
    options = _unique_options(options)
    both = set(online_voters) & set(offline_voters)
    if both:
        listed = sorted(both, key=str)
        raise VoterCountedTwiceError(
            f"以下投票人同时出现在线上和线下计票中：{_join(listed)}，同一人不得重复计票",
            voters=listed,
        )
    if len(online_ballots) != len(online_voters):
        raise InvalidInputError(
            f"线上选票 {len(online_ballots)} 张，与线上投票人 {len(online_voters)} 人不一致"
        )
    known = set(options)
    unknown = [o for o in offline_counts if o not in known]
    if unknown:
        raise InvalidInputError(f"线下计票含未知选项：{_join(unknown)}")
    validate_offline_counts(offline_counts, len(offline_voters), max_choices=max_choices)
    online = dict.fromkeys(options, 0)
    for index, ballot in enumerate(online_ballots):
        chosen = tuple(ballot) if isinstance(ballot, AbstractSet) else (ballot,)
        if len(chosen) > max_choices:
            raise InvalidBallotError(
                f"第 {index + 1} 张线上选票选了 {len(chosen)} 项，超过上限 {max_choices} 项",
                index=index,
            )
        for c in chosen:
            if c not in known:
                raise InvalidBallotError(f"第 {index + 1} 张线上选票含未知选项：{c}", index=index)
            online[c] += 1
    offline = {o: offline_counts.get(o, 0) for o in options}
    return CombinedCount(
        options=options,
        totals={o: online[o] + offline[o] for o in options},
        online_totals=online,
        offline_totals=offline,
        online_participants=len(online_voters),
        offline_participants=len(offline_voters),
    )
