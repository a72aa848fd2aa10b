"""Ranked ballots: instant-runoff (即时决选) and Schulze (舒尔茨法) on textbook profiles."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wugong.voting.tally import (
    InvalidBallotError,
    InvalidInputError,
    expand_ballots,
    instant_runoff,
    schulze,
)

# Wikipedia, "Schulze method": 45 voters, 5 candidates; the winner is E.
WIKIPEDIA_SCHULZE = expand_ballots(
    [
        (5, "ACBED"),
        (5, "ADECB"),
        (8, "BEDAC"),
        (3, "CABED"),
        (7, "CAEBD"),
        (2, "CBADE"),
        (7, "DCEBA"),
        (8, "EBADC"),
    ]
)

# Wikipedia, "Tennessee capital" example (Memphis, Nashville, Chattanooga, Knoxville).
TENNESSEE = expand_ballots(
    [
        (42, ["M", "N", "C", "K"]),
        (26, ["N", "C", "K", "M"]),
        (15, ["C", "K", "N", "M"]),
        (17, ["K", "C", "N", "M"]),
    ]
)


# --- Instant runoff --------------------------------------------------------------------------


def test_irv_tennessee_knoxville_wins_in_three_rounds() -> None:
    """Textbook IRV: C (15) then N (26) are eliminated; K wins 58–42 in round 3."""
    r = instant_runoff("MNCK", TENNESSEE)
    assert r.winner == "K" and not r.is_tie
    assert [dict(x.totals) for x in r.rounds] == [
        {"M": 42, "N": 26, "C": 15, "K": 17},
        {"M": 42, "N": 26, "K": 32},
        {"M": 42, "K": 58},
    ]
    assert [x.eliminated for x in r.rounds] == [("C",), ("N",), ()]
    assert r.rounds[-1].majority_needed == 51
    assert "K 当选" in r.explanation


def test_irv_first_round_majority_wins_immediately() -> None:
    """An option with more than half of first preferences wins in round 1."""
    r = instant_runoff("AB", [["A"]] * 3 + [["B"]] * 2)
    assert r.winner == "A" and len(r.rounds) == 1


def test_irv_exhausted_ballots_are_counted_per_round() -> None:
    """A partial ballot whose options are all eliminated becomes exhausted; the majority is
    then of the active ballots only."""
    ballots = [["A"]] * 4 + [["B", "A"]] * 2 + [["C"]] * 3 + [["D"]] * 2
    r = instant_runoff("ABCD", ballots)
    # Round 1: A4 B2 C3 D2 — B and D tie at 2 with no earlier round; combined 4 is not below
    # C's 3, so the tie is reported.
    assert r.is_tie and r.tied == ("B", "D")
    ballots = [["A"]] * 4 + [["B", "A"]] * 2 + [["C"]] * 3 + [["D"]] * 1
    r = instant_runoff("ABCD", ballots)
    # Round 1: D (1) out, its ballot exhausts; round 2: B (2) out, transfers to A; A 6 of 9.
    assert [x.exhausted for x in r.rounds] == [0, 1, 1]
    assert [x.active for x in r.rounds] == [10, 9, 9]
    assert r.rounds[1].eliminated == ("B",)
    assert r.winner == "A" and r.rounds[2].majority_needed == 5


def test_irv_backwards_tie_break_uses_earlier_round() -> None:
    """Round 2 tie B 6 – C 6 is resolved by round 1 (B 6, C 5): C is eliminated, then B wins."""
    ballots = [["A"]] * 10 + [["B"]] * 6 + [["C", "B"]] * 5 + [["D", "C"]]
    r = instant_runoff("ABCD", ballots)
    assert r.rounds[0].eliminated == ("D",)
    assert dict(r.rounds[1].totals) == {"A": 10, "B": 6, "C": 6}
    assert r.rounds[1].eliminated == ("C",)
    assert "向前追溯" in r.rounds[1].note
    assert r.rounds[2].exhausted == 1 and r.rounds[2].active == 21
    assert r.winner == "B"


def test_irv_unresolved_tie_is_reported() -> None:
    """A 2–2 tie with no earlier round and nobody else is not broken: no winner, tie reported."""
    r = instant_runoff("AB", [["A"], ["A"], ["B"], ["B"]])
    assert r.winner is None and r.tied == ("A", "B")
    assert "平局" in r.explanation


def test_irv_safe_batch_elimination_of_tied_last() -> None:
    """C 1 and D 1 tie at the bottom of round 1; together (2) they trail B (4), so eliminating
    both at once cannot change the result and is done instead of stopping."""
    ballots = [["A"]] * 5 + [["B"]] * 4 + [["C", "B"]] + [["D", "B"]]
    r = instant_runoff("ABCD", ballots)
    assert r.rounds[0].eliminated == ("C", "D")
    assert dict(r.rounds[1].totals) == {"A": 5, "B": 6}
    assert r.winner == "B"


def test_irv_blank_ballots_are_separate_and_all_blank_has_no_winner() -> None:
    """Blank ballots never enter a round; with only blank ballots there is no winner."""
    r = instant_runoff("AB", [[], ["A"]])
    assert r.blank_ballots == 1 and r.rounds[0].exhausted == 0 and r.winner == "A"
    r = instant_runoff("AB", [[], []])
    assert r.winner is None and r.tied == ("A", "B")


def test_irv_invalid_ballots() -> None:
    """Ranking an option twice or an unknown option is refused with the ballot index."""
    with pytest.raises(InvalidBallotError):
        instant_runoff("AB", [["A", "A"]])
    with pytest.raises(InvalidBallotError) as info:
        instant_runoff("AB", [["A"], ["Z"]])
    assert info.value.details["index"] == 1
    with pytest.raises(InvalidInputError):
        instant_runoff([], [])


rankings = st.lists(
    st.permutations("ABCD").flatmap(lambda p: st.integers(0, 4).map(lambda k: p[:k])),
    max_size=40,
)


@given(rankings)
def test_irv_round_invariants(ballots: list[list[str]]) -> None:
    """Property: every round, totals + exhausted = non-blank ballots; a winner either has a
    majority of the active ballots or is the last option left; ties name ≥ 2 options."""
    r = instant_runoff("ABCD", ballots)
    non_blank = sum(1 for b in ballots if b)
    for rd in r.rounds:
        assert sum(rd.totals.values()) + rd.exhausted == non_blank
        assert rd.active == sum(rd.totals.values())
    last = r.rounds[-1]
    if r.winner is not None:
        assert last.totals[r.winner] * 2 > last.active or len(last.totals) == 1
    else:
        assert len(r.tied) >= 2
    firsts = [b[0] for b in ballots if b]
    for o in "ABCD":
        if firsts.count(o) * 2 > len(firsts):
            assert r.winner == o and len(r.rounds) == 1


# --- Schulze ---------------------------------------------------------------------------------


def test_schulze_wikipedia_45_voters_winner_e() -> None:
    """Wikipedia's example: d and p matrices as published; ranking E > A > C > B > D."""
    r = schulze("ABCDE", WIKIPEDIA_SCHULZE)
    assert r.ballots == 45
    assert r.winner == "E" and r.winners == ("E",)
    assert r.tiers == (("E",), ("A",), ("C",), ("B",), ("D",))
    d = r.pairwise
    assert [d["A"][y] for y in "BCDE"] == [20, 26, 30, 22]
    assert [d["E"][y] for y in "ABCD"] == [23, 27, 21, 31]
    p = r.paths
    assert [p["A"][y] for y in "BCDE"] == [28, 28, 30, 24]
    assert [p["E"][y] for y in "ABCD"] == [25, 28, 28, 31]
    assert r.condorcet_winner is None
    assert "E 当选" in r.explanation


def test_schulze_tennessee_picks_condorcet_winner_nashville() -> None:
    """Nashville beats every other city head-to-head, so Schulze elects it (IRV does not)."""
    r = schulze("MNCK", TENNESSEE)
    assert r.condorcet_winner == "N" and r.winner == "N"
    assert r.tiers == (("N",), ("C",), ("K",), ("M",))


def test_schulze_reports_ties() -> None:
    """Two opposite ballots: A and B tie; the winner is undefined and both are reported."""
    r = schulze("AB", [["A", "B"], ["B", "A"]])
    assert r.winners == ("A", "B") and r.winner is None
    assert "平局" in r.explanation


def test_schulze_condorcet_cycle_tie() -> None:
    """The symmetric rock-paper-scissors cycle gives a three-way tie."""
    r = schulze("ABC", ["ABC", "BCA", "CAB"])
    assert r.tiers == (("A", "B", "C"),)


def test_schulze_equal_ranks_and_unlisted_options() -> None:
    """A set ranks its members equally; unlisted options share the bottom rank."""
    r = schulze("ABCD", [["A", {"B", "C"}], ["A", {"B", "C"}], [{"B", "C"}, "A"]])
    d = r.pairwise
    assert d["B"]["C"] == 0 and d["C"]["B"] == 0
    assert d["A"]["D"] == 3 and d["D"]["A"] == 0
    assert d["B"]["D"] == 3
    assert r.tiers == (("A",), ("B", "C"), ("D",))


def test_schulze_invalid_ballots() -> None:
    """An option ranked twice (even inside a set) or an unknown option is refused."""
    with pytest.raises(InvalidBallotError):
        schulze("AB", [["A", {"A", "B"}]])
    with pytest.raises(InvalidBallotError):
        schulze("AB", [["Q"]])


ballot_profiles = st.lists(st.permutations("ABCD"), min_size=1, max_size=25)


@settings(max_examples=150)
@given(ballot_profiles)
def test_schulze_elects_the_condorcet_winner(ballots: list[list[str]]) -> None:
    """Property: when a Condorcet winner exists, it is the sole Schulze winner."""
    r = schulze("ABCD", ballots)
    cw = r.condorcet_winner
    if cw is not None:
        assert r.winners == (cw,)


@given(ballot_profiles)
def test_schulze_ranking_is_consistent(ballots: list[list[str]]) -> None:
    """Property: tiers partition the options; by strongest paths, no option beats another in
    its own tier or in an earlier tier."""
    r = schulze("ABCD", ballots)
    flat = [o for t in r.tiers for o in t]
    assert sorted(flat) == list("ABCD")
    p = r.paths
    for i, tier in enumerate(r.tiers):
        for x, y in itertools.permutations(tier, 2):
            assert not p[x][y] > p[y][x]
        for later in r.tiers[i + 1 :]:
            for x in tier:
                for y in later:
                    assert not p[y][x] > p[x][y]


def test_schulze_unanimous_ranking_is_reproduced() -> None:
    """If every voter gives the same ranking, that is the result."""
    r = schulze("DCBA", [["B", "D", "A", "C"]] * 3)
    assert r.tiers == (("B",), ("D",), ("A",), ("C",))
