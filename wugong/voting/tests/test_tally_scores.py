"""Approval (限选) and stars (投星) tallies: totals, ranking, ties reported never broken."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wugong.voting.tally import (
    InvalidBallotError,
    InvalidInputError,
    approval_tally,
    stars_tally,
)

# --- Approval --------------------------------------------------------------------------------


def test_approval_totals_and_ranking() -> None:
    """Each approval is one vote for that option; options rank by total, best first."""
    r = approval_tally(
        ["路灯", "水渠", "广场"],
        [{"路灯", "水渠"}, {"水渠"}, {"水渠", "广场"}, set()],
        max_choices=2,
    )
    assert r.totals == {"路灯": 1, "水渠": 3, "广场": 1}
    assert r.ballots == 4 and r.blank_ballots == 1
    assert r.tiers == (("水渠",), ("路灯", "广场"))
    assert r.winners == ("水渠",) and r.tied_at_cutoff == ()
    assert r.ties == (("路灯", "广场"),)
    assert r.rank_of("水渠") == 1 and r.rank_of("广场") == 2
    assert "水渠 确定入选" in r.explanation


def test_approval_tie_at_cutoff_is_reported_not_broken() -> None:
    """Two seats, totals A 5, B 3, C 3: A is in; B and C tie for the one seat left — reported."""
    ballots = [{"A", "B"}] * 3 + [{"A", "C"}] * 3 + [{"A"}] * 2 + [{"C"}] * 0
    r = approval_tally("ABC", ballots, max_choices=2, seats=2)
    assert r.totals == {"A": 8, "B": 3, "C": 3}
    assert r.winners == ("A",)
    assert r.tied_at_cutoff == ("B", "C") and r.seats_in_tie == 1
    assert "并列" in r.explanation and "剩余 1 个名额" in r.explanation


def test_approval_tie_below_cutoff_does_not_touch_winners() -> None:
    """A tie for third place does not matter for two seats: winners are certain."""
    r = approval_tally("ABCD", [{"A", "B"}, {"A", "B"}, {"C"}, {"D"}], seats=2)
    assert r.winners == ("A", "B") and r.tied_at_cutoff == ()
    assert r.ties == (("A", "B"), ("C", "D"))


def test_approval_tie_covering_all_seats() -> None:
    """One seat and a two-way tie at the top: no certain winner, both tied for the seat."""
    r = approval_tally("AB", [{"A"}, {"B"}])
    assert r.winners == () and r.tied_at_cutoff == ("A", "B") and r.seats_in_tie == 1


@pytest.mark.parametrize(
    "ballot",
    [["A", "A"], ["Z"], ["A", "B", "C"]],
    ids=["duplicate", "unknown", "over-vote"],
)
def test_approval_invalid_ballots(ballot: list[str]) -> None:
    """Duplicate, unknown or too many choices (limit 2) make the ballot invalid; the index is
    reported."""
    with pytest.raises(InvalidBallotError) as info:
        approval_tally("ABC", [["A"], ballot], max_choices=2)
    assert info.value.details["index"] == 1
    assert "第 2 张" in info.value.message


def test_approval_parameter_errors() -> None:
    """Seats must be within 1..len(options); options must be unique and non-empty."""
    with pytest.raises(InvalidInputError):
        approval_tally("AB", [], seats=3)
    with pytest.raises(InvalidInputError):
        approval_tally("AB", [], seats=0)
    with pytest.raises(InvalidInputError):
        approval_tally(["A", "A"], [])
    with pytest.raises(InvalidInputError):
        approval_tally([], [])
    with pytest.raises(InvalidInputError):
        approval_tally("AB", [], max_choices=0)


@given(
    st.lists(st.sets(st.sampled_from("ABCDE"), max_size=3), max_size=40),
    st.integers(1, 5),
)
def test_approval_cutoff_invariants(ballots: list[set[str]], seats: int) -> None:
    """Property: totals sum to approvals cast; winners + seats contested by the tie = seats;
    every winner outscores everyone outside the winners; the tied group shares one total."""
    r = approval_tally("ABCDE", ballots, max_choices=3, seats=seats)
    assert sum(r.totals.values()) == sum(len(b) for b in ballots)
    assert len(r.winners) + r.seats_in_tie == seats
    assert sorted(o for t in r.tiers for o in t) == list("ABCDE")
    others = [o for o in "ABCDE" if o not in r.winners]
    for w in r.winners:
        assert all(r.totals[w] > r.totals[o] for o in others)
    if r.tied_at_cutoff:
        assert len({r.totals[o] for o in r.tied_at_cutoff}) == 1
        assert len(r.tied_at_cutoff) > r.seats_in_tie


# --- Stars -----------------------------------------------------------------------------------


def test_stars_totals_counts_and_exact_averages() -> None:
    """Totals rank options; the average is total / ballots as an exact Fraction (unrated = 0)."""
    r = stars_tally(
        ["修路", "建桥", "绿化"],
        [{"修路": 5, "建桥": 3}, {"修路": 2, "绿化": 5}, {"修路": 0, "建桥": 4, "绿化": 1}],
    )
    assert r.totals == {"修路": 7, "建桥": 7, "绿化": 6}
    assert r.ballots == 3
    assert r.averages["修路"] == Fraction(7, 3) and r.averages["绿化"] == 2
    assert r.rated == {"修路": 3, "建桥": 2, "绿化": 2}
    assert r.tiers == (("修路", "建桥"), ("绿化",))
    assert r.winners == () and r.tied_at_cutoff == ("修路", "建桥")
    assert "7/3" in r.explanation


def test_stars_with_no_ballots_has_no_average() -> None:
    """With zero ballots the average is undefined (None), not 0."""
    r = stars_tally("AB", [])
    assert r.averages == {"A": None, "B": None} and r.tied_at_cutoff == ("A", "B")


@pytest.mark.parametrize("stars", [6, -1, True, 2.5, "3"])
def test_stars_out_of_range_or_inexact(stars: object) -> None:
    """Stars are whole numbers 0–5; 6, −1, booleans, floats and strings are invalid."""
    with pytest.raises(InvalidBallotError):
        stars_tally("AB", [{"A": stars}])


def test_stars_unknown_option_and_wrong_shape() -> None:
    """A rating for an unknown option, or a ballot that is not a mapping, is invalid."""
    with pytest.raises(InvalidBallotError):
        stars_tally("AB", [{"Z": 3}])
    with pytest.raises(InvalidBallotError):
        stars_tally("AB", [["A"]])  # type: ignore[list-item]


@given(
    st.lists(
        st.dictionaries(st.sampled_from("ABCD"), st.integers(0, 5), max_size=4),
        min_size=1,
        max_size=30,
    )
)
def test_stars_average_times_ballots_is_total(ballots: list[dict[str, int]]) -> None:
    """Property: average × ballots == total exactly; ranking is by total, non-increasing."""
    r = stars_tally("ABCD", ballots)
    for o in "ABCD":
        avg = r.averages[o]
        assert avg is not None and avg * r.ballots == r.totals[o]
        assert 0 <= avg <= 5
    flat = [r.totals[o] for t in r.tiers for o in t]
    assert flat == sorted(flat, reverse=True)
