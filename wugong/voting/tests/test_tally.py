"""Motions (议案表决): quorum and majority rules, statutory presets, typed errors.

Other vote forms are tested in ``test_tally_scores.py`` (approval, stars),
``test_tally_ranked.py`` (IRV, Schulze), ``test_tally_estate.py`` (民法典第二百七十八条) and
``test_tally_offline.py`` (正字, offline/online merging).
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wugong.voting import tally
from wugong.voting.tally import (
    MAJORITY,
    RESIDENTS_MEETING,
    TWO_THIRDS,
    VILLAGE_ASSEMBLY,
    VILLAGE_ASSEMBLY_HOUSEHOLDS,
    VILLAGER_GROUP_MEETING,
    VILLAGERS_REPRESENTATIVES_MEETING,
    Comparison,
    InvalidInputError,
    MajorityBase,
    MotionOutcome,
    MotionRule,
    TallyError,
    Threshold,
    qualified_majority_rule,
    tally_motion,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


# --- Threshold semantics ---------------------------------------------------------------------


def test_more_than_half_excludes_exactly_half() -> None:
    """“过半数” is strictly more than half: 50 of 100 fails, 51 of 100 passes."""
    assert not MAJORITY.is_met(50, 100)
    assert MAJORITY.is_met(51, 100)
    assert MAJORITY.minimum_count(100) == 51
    assert MAJORITY.minimum_count(101) == 51


def test_at_least_two_thirds_includes_exactly_two_thirds() -> None:
    """“三分之二以上” includes the stated number (民法典第一千二百五十九条): 20 of 30 passes."""
    assert TWO_THIRDS.is_met(20, 30)
    assert not TWO_THIRDS.is_met(19, 30)
    assert TWO_THIRDS.minimum_count(30) == 20
    assert TWO_THIRDS.minimum_count(31) == 21  # 2/3 × 31 = 20 2/3


def test_threshold_compares_decimal_areas_exactly() -> None:
    """Areas are compared exactly: 0.1 + 0.2 of 0.45 m² is exactly 2/3 — no float drift."""
    assert TWO_THIRDS.is_met(Decimal("0.1") + Decimal("0.2"), Decimal("0.45"))
    assert not Threshold(Fraction(2, 3), Comparison.MORE_THAN).is_met(
        Decimal("0.3"), Decimal("0.45")
    )


def test_threshold_refuses_float_and_out_of_range() -> None:
    """Thresholds must be exact and within [0, 1]: a float 0.5 or 3/2 is refused."""
    with pytest.raises(InvalidInputError):
        Threshold(0.5, Comparison.MORE_THAN)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        Threshold(Fraction(3, 2), Comparison.AT_LEAST)
    assert Threshold(Decimal("0.5"), Comparison.MORE_THAN).fraction == Fraction(1, 2)  # type: ignore[arg-type]


def test_threshold_labels_are_statutory_chinese() -> None:
    """Labels use the statute's wording, with the inclusive/exclusive reading spelled out."""
    assert MAJORITY.label == "过半数"
    assert TWO_THIRDS.label == "三分之二以上（含本数）"
    assert Threshold(Fraction(2, 3), Comparison.MORE_THAN).label == "超过三分之二（不含本数）"
    assert Threshold(Fraction(7, 11), Comparison.AT_LEAST).label == "7/11以上（含本数）"


@given(
    num=st.integers(0, 12),
    den=st.integers(1, 12),
    base=st.integers(0, 500),
    strict=st.booleans(),
)
def test_minimum_count_is_the_smallest_passing_count(
    num: int, den: int, base: int, strict: bool
) -> None:
    """minimum_count(base) meets the threshold and one fewer does not (property)."""
    frac = Fraction(min(num, den), den)
    rule = Threshold(frac, Comparison.MORE_THAN if strict else Comparison.AT_LEAST)
    m = rule.minimum_count(base)
    assert rule.is_met(m, base)
    if m > 0:
        assert not rule.is_met(m - 1, base)
    expected = (Fraction(m, 1) > frac * base) if strict else (Fraction(m, 1) >= frac * base)
    assert expected


# --- Village assembly, 村民委员会组织法第二十二条 -----------------------------------------------


def test_village_assembly_exactly_half_present_is_no_quorum() -> None:
    """Art. 22: quorum is more than half of adult villagers — 50 of 100 is not enough."""
    r = tally_motion(VILLAGE_ASSEMBLY, eligible=100, votes_for=50, votes_against=0)
    assert r.outcome is MotionOutcome.NO_QUORUM
    assert not r.quorum_met and r.quorum_minimum == 51
    assert r.participation == Fraction(1, 2)
    assert "未达到法定人数" in r.explanation


def test_village_assembly_exactly_half_of_present_for_fails() -> None:
    """Art. 22: a decision needs more than half of those present — 30 of 60 fails."""
    r = tally_motion(
        VILLAGE_ASSEMBLY, eligible=100, votes_for=30, votes_against=25, votes_abstain=5
    )
    assert r.outcome is MotionOutcome.FAILED
    assert r.support == Fraction(1, 2)
    assert r.majority_minimum == 31
    assert "未获通过" in r.explanation


def test_village_assembly_passes_with_one_more_than_half() -> None:
    """Art. 22: 31 of 60 present is more than half; the explanation cites the statute."""
    r = tally_motion(
        VILLAGE_ASSEMBLY, eligible=100, votes_for=31, votes_against=24, votes_abstain=5
    )
    assert r.passed
    assert r.support == Fraction(31, 60)
    assert r.participation == Fraction(3, 5)
    assert "第二十二条" in r.explanation and "议案通过" in r.explanation


def test_abstentions_count_in_the_present_base() -> None:
    """Art. 22 counts “到会人员”: abstainers are in the base, so 26 for / 20 against /
    10 abstain (26/56) fails, though 26 of the 46 for-or-against would be a majority."""
    present_rule = tally_motion(
        VILLAGE_ASSEMBLY, eligible=100, votes_for=26, votes_against=20, votes_abstain=10
    )
    assert present_rule.outcome is MotionOutcome.FAILED
    voting_rule = MotionRule("测试", MAJORITY, MAJORITY, MajorityBase.VOTING)
    r = tally_motion(voting_rule, eligible=100, votes_for=26, votes_against=20, votes_abstain=10)
    assert r.passed and r.majority_base_count == 46 and r.support == Fraction(26, 46)


def test_attendees_who_did_not_vote_count_as_present() -> None:
    """Someone signed in but casting no valid ballot is 到会: 30 for of 60 present fails even
    though only 55 ballots were cast."""
    r = tally_motion(
        VILLAGE_ASSEMBLY, eligible=100, votes_for=30, votes_against=20, votes_abstain=5, present=60
    )
    assert r.not_voting == 5
    assert r.outcome is MotionOutcome.FAILED
    assert "5 人到会未投票" in r.explanation


def test_village_assembly_households_exactly_two_thirds_is_quorum() -> None:
    """Art. 22 household form: 三分之二以上的户 includes exactly 2/3 — 60 of 90 households."""
    ok = tally_motion(VILLAGE_ASSEMBLY_HOUSEHOLDS, eligible=90, votes_for=40, votes_against=20)
    assert ok.quorum_met and ok.passed
    short = tally_motion(VILLAGE_ASSEMBLY_HOUSEHOLDS, eligible=90, votes_for=40, votes_against=19)
    assert short.outcome is MotionOutcome.NO_QUORUM and short.quorum_minimum == 60


# --- Villagers' representatives' meeting, 第二十六条 ----------------------------------------------


def test_representatives_meeting_as_the_statute_says() -> None:
    """Art. 26: ≥ 2/3 of members present, decision > 1/2 of those present (not of all members):
    with 31 members, 21 present is a quorum and 11 for passes (11/21), though 11 < 31/2."""
    rule = VILLAGERS_REPRESENTATIVES_MEETING
    assert rule.majority_base is MajorityBase.PRESENT
    r = tally_motion(rule, eligible=31, votes_for=11, votes_against=10)
    assert r.passed and r.quorum_minimum == 21 and r.majority_minimum == 11
    r = tally_motion(rule, eligible=31, votes_for=11, votes_against=9)
    assert r.outcome is MotionOutcome.NO_QUORUM


def test_representatives_meeting_exact_two_thirds_and_tie() -> None:
    """Art. 26: 20 of 30 members is exactly 2/3 → quorum; 10 for / 10 against is not a majority."""
    r = tally_motion(VILLAGERS_REPRESENTATIVES_MEETING, eligible=30, votes_for=10, votes_against=10)
    assert r.quorum_met and r.participation == Fraction(2, 3)
    assert r.outcome is MotionOutcome.FAILED
    assert "第二十六条" in r.explanation


def test_villager_group_meeting_two_thirds_quorum() -> None:
    """Art. 28: a villager group meeting needs ≥ 2/3 attendance and > 1/2 of those present."""
    assert VILLAGER_GROUP_MEETING.quorum == TWO_THIRDS
    r = tally_motion(VILLAGER_GROUP_MEETING, eligible=12, votes_for=5, votes_against=3)
    assert r.passed and r.participation == Fraction(2, 3)


def test_residents_meeting_majority() -> None:
    """城市居民委员会组织法第十条: > 1/2 attend, decisions by > 1/2 of those attending."""
    r = tally_motion(RESIDENTS_MEETING, eligible=200, votes_for=51, votes_against=50)
    assert r.passed and r.participation == Fraction(101, 200)
    r = tally_motion(RESIDENTS_MEETING, eligible=200, votes_for=51, votes_against=49)
    assert r.outcome is MotionOutcome.NO_QUORUM


# --- Configurable rules ----------------------------------------------------------------------


def test_two_thirds_of_present_inclusive_and_strict() -> None:
    """A 2/3 supermajority: 20 of 30 passes “三分之二以上” but fails “超过三分之二”."""
    inclusive = qualified_majority_rule(Fraction(2, 3))
    assert tally_motion(inclusive, eligible=40, votes_for=20, votes_against=10).passed
    strict = qualified_majority_rule(Fraction(2, 3), comparison=Comparison.MORE_THAN)
    r = tally_motion(strict, eligible=40, votes_for=20, votes_against=10)
    assert r.outcome is MotionOutcome.FAILED and r.majority_minimum == 21


def test_majority_of_all_eligible() -> None:
    """Base ELIGIBLE: more than half of all 50 members must vote for — 26 passes, and 25
    fails however few vote against."""
    rule = qualified_majority_rule(
        Fraction(1, 2), comparison=Comparison.MORE_THAN, base=MajorityBase.ELIGIBLE
    )
    assert tally_motion(rule, eligible=50, votes_for=26, votes_against=0).passed
    r = tally_motion(rule, eligible=50, votes_for=25, votes_against=1)
    assert r.outcome is MotionOutcome.FAILED and r.majority_base_count == 50


def test_all_abstain_fails_with_empty_voting_base() -> None:
    """Base VOTING with everyone abstaining: no support can pass — failed, support undefined."""
    rule = MotionRule("测试", MAJORITY, Threshold(Fraction(1, 2), "at_least"), "voting")  # type: ignore[arg-type]
    r = tally_motion(rule, eligible=10, votes_for=0, votes_against=0, votes_abstain=8)
    assert r.outcome is MotionOutcome.FAILED and r.support is None
    assert "基数为 0" in r.explanation


def test_zero_majority_fraction_is_refused() -> None:
    """A rule passing with 0 % support is meaningless and refused."""
    with pytest.raises(InvalidInputError):
        MotionRule("x", MAJORITY, Threshold(Fraction(0), Comparison.AT_LEAST))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"eligible": 0, "votes_for": 0, "votes_against": 0},
        {"eligible": 10, "votes_for": -1, "votes_against": 0},
        {"eligible": 10, "votes_for": 6, "votes_against": 5},  # 11 present > 10 eligible
        {"eligible": 10, "votes_for": 3, "votes_against": 3, "present": 5},  # present < cast
        {"eligible": 10, "votes_for": True, "votes_against": 0},  # bool is not a count
        {"eligible": 10.0, "votes_for": 1, "votes_against": 0},  # float is not a count
    ],
)
def test_motion_input_errors(kwargs: dict) -> None:
    """Impossible inputs raise InvalidInputError (a TallyError and a ValueError)."""
    with pytest.raises(InvalidInputError) as info:
        tally_motion(VILLAGE_ASSEMBLY, **kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.code == "invalid_input"


@given(
    eligible=st.integers(1, 300),
    data=st.data(),
)
def test_motion_outcome_matches_definition(eligible: int, data: st.DataObject) -> None:
    """For any counts, the outcome equals the textbook definition computed with Fractions."""
    present = data.draw(st.integers(0, eligible))
    votes_for = data.draw(st.integers(0, present))
    against = data.draw(st.integers(0, present - votes_for))
    abstain = data.draw(st.integers(0, present - votes_for - against))
    r = tally_motion(
        VILLAGE_ASSEMBLY,
        eligible=eligible,
        votes_for=votes_for,
        votes_against=against,
        votes_abstain=abstain,
        present=present,
    )
    quorum = Fraction(present, eligible) > Fraction(1, 2)
    passed = quorum and present > 0 and Fraction(votes_for, present) > Fraction(1, 2)
    assert r.quorum_met is quorum
    assert r.passed is passed
    assert (r.outcome is MotionOutcome.NO_QUORUM) is (not quorum)


# --- Errors ----------------------------------------------------------------------------------


def test_every_error_is_typed_with_code_and_chinese_message() -> None:
    """All error classes subclass TallyError(ValueError), carry a distinct code, and their
    messages are Chinese."""
    classes = [
        c
        for c in vars(tally).values()
        if isinstance(c, type) and issubclass(c, TallyError) and c is not TallyError
    ]
    assert len(classes) >= 6
    codes = {c.code for c in classes}
    assert len(codes) == len(classes)
    for cls in classes:
        assert issubclass(cls, ValueError)
        err = cls("测试错误", foo=1)
        assert str(err) == "测试错误" and err.details == {"foo": 1}
    with pytest.raises(TallyError) as info:
        tally_motion(VILLAGE_ASSEMBLY, eligible=0, votes_for=0, votes_against=0)
    assert CJK.search(info.value.message)


def test_public_api_is_exported() -> None:
    """Everything in __all__ exists."""
    for name in tally.__all__:
        assert hasattr(tally, name), name
