"""Estate owners' double count (《民法典》第二百七十八条) and cost sharing by floor."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wugong.voting.tally import (
    Choice,
    EstateMatter,
    EstateOwner,
    InvalidBallotError,
    InvalidInputError,
    MotionOutcome,
    UnknownVoterError,
    estate_tally,
    share_cost_by_floor,
)

F, A, X = Choice.FOR, Choice.AGAINST, Choice.ABSTAIN

# Six owners: three of 100 m², three of 50 m² — 450 m² in all.
ROLL = [
    EstateOwner("a", Decimal("100")),
    EstateOwner("b", Decimal("100")),
    EstateOwner("c", Decimal("100")),
    EstateOwner("d", Decimal("50")),
    EstateOwner("e", Decimal("50")),
    EstateOwner("f", Decimal("50")),
]


def test_matter_enum_follows_article_278_items() -> None:
    """The enum lists items (一)–(九) in order; only (六)–(八) need the double 3/4."""
    assert [m.item for m in EstateMatter] == list(range(1, 10))
    special = {m for m in EstateMatter if m.requires_three_quarters}
    assert special == {
        EstateMatter.RAISE_REPAIR_FUND,
        EstateMatter.REBUILD,
        EstateMatter.CHANGE_COMMON_PARTS,
    }
    assert EstateMatter.USE_REPAIR_FUND.label == "使用建筑物及其附属设施的维修资金"
    assert EstateMatter.RAISE_REPAIR_FUND.item == 6


def test_exactly_two_thirds_participation_by_both_counts() -> None:
    """Participation needs ≥ 2/3 of area AND ≥ 2/3 of owners; 4 of 6 owners holding 300 of
    450 m² is exactly 2/3 of each and suffices (“以上” includes the number)."""
    r = estate_tally(EstateMatter.PROPERTY_MANAGER, ROLL, {"a": F, "b": F, "d": F, "e": A})
    assert r.participation_met
    assert r.owner_participation == Fraction(2, 3) and r.area_participation == Fraction(2, 3)
    assert r.participating_area == Decimal("300")
    assert r.passed


def test_area_enough_but_owners_short_is_no_quorum() -> None:
    """Three big owners hold 2/3 of the area but are only half the owners: no valid vote."""
    r = estate_tally(EstateMatter.PROPERTY_MANAGER, ROLL, {"a": F, "b": F, "c": F})
    assert r.area_participation == Fraction(2, 3) and r.owner_participation == Fraction(1, 2)
    assert r.outcome is MotionOutcome.NO_QUORUM
    assert "参与表决比例不足" in r.explanation


def test_owners_enough_but_area_short_is_no_quorum() -> None:
    """Four owners (2/3) holding only 250 of 450 m² (5/9 < 2/3): no valid vote."""
    r = estate_tally(EstateMatter.PROPERTY_MANAGER, ROLL, {"a": F, "d": F, "e": F, "f": F})
    assert r.owner_participation == Fraction(2, 3)
    assert r.area_participation == Fraction(5, 9)
    assert r.outcome is MotionOutcome.NO_QUORUM


def test_special_matter_exactly_three_quarters_passes() -> None:
    """Items (六)–(八): ≥ 3/4 of participating area and owners. Participants a, b, d, e
    (300 m²); a, b, d agree: 3/4 of owners exactly, 250/300 of area — passes."""
    r = estate_tally(EstateMatter.REBUILD, ROLL, {"a": F, "b": F, "d": F, "e": A})
    assert r.owner_approval == Fraction(3, 4) and r.area_approval == Fraction(5, 6)
    assert r.passed and r.approval_threshold.fraction == Fraction(3, 4)
    assert "双四分之三" in r.explanation


def test_special_matter_fails_on_area_alone() -> None:
    """Items (六)–(八): 3 of 4 owners agree (3/4) but hold only 200 of 300 m² (2/3 < 3/4):
    both conditions are needed, so it fails, and the explanation names the area."""
    r = estate_tally(EstateMatter.CHANGE_COMMON_PARTS, ROLL, {"a": F, "d": F, "e": F, "b": A})
    assert r.approved_by_owners and not r.approved_by_area
    assert r.outcome is MotionOutcome.FAILED
    assert "面积未达比例" in r.explanation


def test_ordinary_matter_exactly_half_fails() -> None:
    """Other items need more than half of each: 2 of 4 participants (exactly half) fails."""
    r = estate_tally(EstateMatter.OWNERS_COMMITTEE, ROLL, {"a": F, "b": F, "d": A, "e": A})
    assert r.owner_approval == Fraction(1, 2)
    assert not r.approved_by_owners and r.approved_by_area  # 200/300 of the area
    assert r.outcome is MotionOutcome.FAILED


def test_using_the_repair_fund_is_ordinary_but_raising_it_is_special() -> None:
    """Art. 278 para. 2 puts item (五) 使用维修资金 under the double majority and item (六)
    筹集维修资金 under the double 3/4: 4 of 6 owners (300 of 450 m², 2/3) agreeing passes the
    first and fails the second."""
    ballots = {"a": F, "b": F, "d": F, "e": F, "c": A, "f": A}
    use = estate_tally(EstateMatter.USE_REPAIR_FUND, ROLL, ballots)
    raise_ = estate_tally(EstateMatter.RAISE_REPAIR_FUND, ROLL, ballots)
    assert use.passed
    assert raise_.outcome is MotionOutcome.FAILED
    assert use.owner_approval == raise_.owner_approval == Fraction(2, 3)


def test_three_quarters_override() -> None:
    """``three_quarters=True`` applies the stricter class (e.g. a stricter 管理规约)."""
    ballots = {"a": F, "b": F, "d": F, "e": F, "c": A, "f": A}
    r = estate_tally(EstateMatter.USE_REPAIR_FUND, ROLL, ballots, three_quarters=True)
    assert r.outcome is MotionOutcome.FAILED
    assert "调整" in r.explanation


def test_abstainers_participate_and_dilute_approval() -> None:
    """Abstaining owners count towards participation and towards the approval base."""
    r = estate_tally(EstateMatter.OTHER_MAJOR, ROLL, {"a": F, "d": F, "b": X, "e": X})
    assert r.participation_met and r.abstain_owners == 2 and r.abstain_area == Decimal("150")
    assert r.owner_approval == Fraction(1, 2) and not r.passed


def test_building_unit_filter_restricts_roll_and_sets_aside_other_ballots() -> None:
    """Restricting to 单元 1 changes the totals to that unit; other units' ballots are set
    aside and counted in ``excluded_ballots``."""
    roll = [
        EstateOwner("1-101", Decimal("88.50"), "1"),
        EstateOwner("1-201", Decimal("88.50"), "1"),
        EstateOwner("1-301", Decimal("120.25"), "1"),
        EstateOwner("2-101", Decimal("90"), "2"),
    ]
    ballots = {"1-101": F, "1-301": F, "2-101": A}
    r = estate_tally(EstateMatter.PROPERTY_MANAGER, roll, ballots, building_unit="1")
    assert r.total_owners == 3 and r.total_area == Decimal("297.25")
    assert r.participating_area == Decimal("208.75")
    assert r.area_participation == Fraction(20875, 29725)
    assert r.excluded_ballots == 1 and r.against_owners == 0
    assert r.passed and "单元 1" in r.explanation


def test_decimal_areas_are_exact() -> None:
    """Areas such as 0.1 m² are summed as Decimal and compared as Fractions — no float error:
    0.1 + 0.1 of 0.3 m² is exactly 2/3."""
    roll = [EstateOwner(i, Decimal("0.1")) for i in range(3)]
    r = estate_tally(EstateMatter.OTHER_MAJOR, roll, {0: F, 1: F})
    assert r.area_participation == Fraction(2, 3) and r.participation_met


def test_estate_errors() -> None:
    """Unknown voters, bad choices, float areas, duplicate owners and empty rolls are refused."""
    with pytest.raises(UnknownVoterError) as info:
        estate_tally(EstateMatter.OTHER_MAJOR, ROLL, {"zz": F})
    assert info.value.code == "unknown_voter" and "不在业主名册" in info.value.message
    with pytest.raises(InvalidBallotError):
        estate_tally(EstateMatter.OTHER_MAJOR, ROLL, {"a": "maybe"})
    with pytest.raises(InvalidInputError):
        EstateOwner("x", 88.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        EstateOwner("x", Decimal("0"))
    with pytest.raises(InvalidInputError):
        EstateOwner("x", Decimal("NaN"))
    with pytest.raises(InvalidInputError):
        estate_tally(EstateMatter.OTHER_MAJOR, [*ROLL, ROLL[0]], {})
    with pytest.raises(InvalidInputError):
        estate_tally(EstateMatter.OTHER_MAJOR, ROLL, {}, building_unit="9")


def test_string_choices_are_accepted() -> None:
    """Ballot choices may be given as the enum's string values ("for"/"against"/"abstain")."""
    r = estate_tally(EstateMatter.OTHER_MAJOR, ROLL, dict.fromkeys("abcdef", "for"))
    assert r.passed and r.for_area == Decimal("450")


# --- Cost sharing ----------------------------------------------------------------------------


def _building(floors: int, per_floor: int = 2) -> list[EstateOwner]:
    return [
        EstateOwner(f"{fl}0{k}", Decimal("90"), "1", fl)
        for fl in range(1, floors + 1)
        for k in range(1, per_floor + 1)
    ]


def test_lift_cost_by_floor_with_ground_floor_exempt() -> None:
    """A 1,000-yuan lift repair (100000 fen) over floors weighted 0,1,2,3: the ground floor pays
    nothing, shares follow the weights, and the total is exact."""
    owners = _building(4)
    c = share_cost_by_floor(100000, owners, {1: 0, 2: 1, 3: 2, 4: 3})
    assert sum(c.shares.values()) == 100000
    assert c.shares["101"] == c.shares["102"] == 0
    assert c.quotas["201"] == Fraction(100000, 12)
    assert [c.shares[k] for k in ("201", "202", "301", "302", "401", "402")] == [
        8333,
        8333,
        16667,
        16667,
        25000,
        25000,
    ]
    assert c.tied_for_last_fen == ()


def test_equal_remainders_go_to_the_larger_weight() -> None:
    """Tie rule: 2 fen over weights 1 and 3 give quotas 1/2 and 3/2 — equal remainders; the
    larger weight (higher floor) takes the odd fen, and the tie is reported."""
    owners = [EstateOwner("low", Decimal(1), floor=1), EstateOwner("high", Decimal(1), floor=2)]
    c = share_cost_by_floor(2, owners, {1: 1, 2: 3})
    assert c.shares == {"low": 0, "high": 2}
    assert c.tied_for_last_fen == ("high", "low")
    assert "余额相同" in c.explanation


def test_equal_remainders_and_weights_go_by_roll_order() -> None:
    """Tie rule, last step: 100 fen among three equal owners — 34, 33, 33 in roll order; the
    three-way tie is reported."""
    owners = [EstateOwner(n, Decimal(80), floor=3) for n in ("x", "y", "z")]
    c = share_cost_by_floor(100, owners, {3: 1})
    assert c.shares == {"x": 34, "y": 33, "z": 33}
    assert c.tied_for_last_fen == ("x", "y", "z")


def test_cost_share_by_area_and_unit() -> None:
    """``by_area`` multiplies the floor weight by area; ``building_unit`` restricts payers."""
    owners = [
        EstateOwner("1-a", Decimal("60"), "1", 2),
        EstateOwner("1-b", Decimal("120"), "1", 2),
        EstateOwner("2-a", Decimal("100"), "2", 2),
    ]
    c = share_cost_by_floor(900, owners, {2: Fraction(3, 2)}, by_area=True, building_unit="1")
    assert c.shares == {"1-a": 300, "1-b": 600}
    assert c.weights["1-b"] == 180


def test_cost_share_errors() -> None:
    """Missing floor weights, negative or float weights, negative totals, all-zero weights."""
    owners = _building(2, 1)
    with pytest.raises(InvalidInputError):
        share_cost_by_floor(100, owners, {1: 1})
    with pytest.raises(InvalidInputError):
        share_cost_by_floor(100, owners, {1: 1, 2: -1})
    with pytest.raises(InvalidInputError):
        share_cost_by_floor(100, owners, {1: 1, 2: 1.5})  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError):
        share_cost_by_floor(-1, owners, {1: 1, 2: 1})
    with pytest.raises(InvalidInputError):
        share_cost_by_floor(100, owners, {1: 0, 2: 0})
    with pytest.raises(InvalidInputError):
        share_cost_by_floor(100, [EstateOwner("n", Decimal(1))], {1: 1})


weights_strategy = st.lists(st.integers(0, 20), min_size=1, max_size=12).filter(any)


@given(total=st.integers(0, 10**9), weights=weights_strategy)
def test_cost_shares_sum_exactly_and_respect_quota(total: int, weights: list[int]) -> None:
    """Property: shares sum exactly to the total; each is the floor or ceiling of its exact
    quota; zero weight pays zero; a larger weight never pays less."""
    owners = [EstateOwner(i, Decimal(1), floor=i) for i in range(len(weights))]
    c = share_cost_by_floor(total, owners, dict(enumerate(weights)))
    assert sum(c.shares.values()) == total
    for i, w in enumerate(weights):
        q = c.quotas[i]
        assert q == Fraction(total * w, sum(weights))
        assert c.shares[i] in (q.__floor__(), q.__ceil__())
        if w == 0:
            assert c.shares[i] == 0
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            if wi > wj:
                assert c.shares[i] >= c.shares[j]
