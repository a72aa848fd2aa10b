"""Hand-worked examples for the allocation rules (greedy, MES, MES-add1) and ballot checks."""

from __future__ import annotations

from fractions import Fraction

import pytest

from wugong.budgeting.allocation import (
    BallotError,
    Election,
    ElectionError,
    Reason,
    allocate,
    format_money,
    greedy,
    mes_add1,
    method_of_equal_shares,
    validate_approval_ballot,
    validate_points_ballot,
)


def test_greedy_skips_projects_that_no_longer_fit() -> None:
    """Greedy funds by decreasing approvals and skips what does not fit: A (3 votes, 6) is
    funded, B (2 votes, 5) no longer fits in the 4 left, C (1 vote, 4) still does."""
    election = Election({"A": 6, "B": 5, "C": 4}, 10, [["A", "B"], ["A", "B"], ["A", "C"], []])
    result = greedy(election)
    assert result.selected == ("A", "C")
    assert result.budget_used == 10
    b = result.explanations["B"]
    assert not b.funded and b.reason is Reason.DID_NOT_FIT and b.remaining_budget == 4
    assert result.explanations["C"].reason is Reason.GREEDY_FUNDED
    assert "exceeded the remaining budget 4" in b.message


def test_greedy_ties_are_broken_by_project_id_as_text() -> None:
    """Equal support: the smaller id as a string wins, so "10" comes before "9" (pabutools'
    lexicographic tie-breaking)."""
    election = Election({"9": 5, "10": 5}, 5, [["9", "10"]])
    assert greedy(election).selected == ("10",)


def test_greedy_points_ballots_rank_by_total_points() -> None:
    """With points ballots greedy ranks by total points: B gets 9 points from 2 voters, A gets
    8 points from 3 voters."""
    ballots = [{"A": 3, "B": 7}, {"A": 3, "B": 2}, {"A": 2}]
    election = Election({"A": 5, "B": 5}, 5, ballots, kind="points")
    result = greedy(election)
    assert result.selected == ("B",)
    assert result.explanations["B"].support == 9
    assert result.explanations["A"].supporters == 3


def test_greedy_funds_unsupported_projects_like_pabutools_unless_told_not_to() -> None:
    """A project nobody chose is still funded at the end when it fits (pabutools semantics);
    include_unsupported=False skips it."""
    election = Election({"A": 3, "Z": 2}, 10, [["A"]])
    assert greedy(election).selected == ("A", "Z")
    strict = greedy(election, include_unsupported=False)
    assert strict.selected == ("A",)
    assert strict.explanations["Z"].reason is Reason.NO_SUPPORTERS


def test_mes_worked_example() -> None:
    """4 voters, budget 100: 25 each.

    Round 1: X (60, voters 1-3) needs 20 each, rho/cost = 1/3; Z (30, voters 3-4) needs 15
    each, 1/2; Y (40, voter 4 only) is unaffordable. X is funded; voters 1-3 keep 5.
    Round 2: Z: voter 3 has 5 < 15, pays all; voter 4 pays the missing 25 (rho = 25 <= 25).
    Y: voter 4 now has 0 < 40: not funded.
    """
    ballots = [["X"], ["X"], ["X", "Z"], ["Y", "Z"]]
    election = Election({"X": 60, "Y": 40, "Z": 30}, 100, ballots)
    result = method_of_equal_shares(election)
    assert result.selected == ("X", "Z")
    assert result.budget_used == 90
    assert result.voter_budget == 25
    x, y, z = (result.explanations[p] for p in "XYZ")
    assert (x.rho, x.supporters_paying_rho, x.supporters_paying_all) == (20, 3, 0)
    assert (z.rho, z.supporters_paying_rho, z.supporters_paying_all, z.position) == (25, 1, 1, 2)
    assert y.reason is Reason.SUPPORTERS_SHORT and y.supporters_money == 0
    assert "had only 0 left, against a cost of 40" in y.message
    assert "each of 3 supporters paid 20" in x.message


def test_mes_exact_fractions() -> None:
    """Budget 10 among 3 voters gives 10/3 each; a project of cost 5 approved by two of them
    asks 5/2 each, exactly, and leaves them 5/6."""
    election = Election({"A": 5, "B": 2}, 10, [["A"], ["A", "B"], []])
    result = method_of_equal_shares(election)
    assert result.explanations["A"].rho == Fraction(5, 2)
    # B (cost 2) now only has voter 2 with 10/3 - 5/2 = 5/6 < 2.
    assert result.selected == ("A",)
    assert result.explanations["B"].supporters_money == Fraction(5, 6)


def test_mes_tie_is_broken_by_id_and_zero_cost_is_ignored() -> None:
    """Two identical projects tie on rho/cost, "10" < "9" wins; the zero-cost project gets no
    cost utility so MES ignores it (as pabutools with Cost_Sat)."""
    election = Election({"9": 4, "10": 4, "free": 0}, 4, [["9", "10", "free"], ["9", "10"]])
    result = method_of_equal_shares(election)
    assert result.selected == ("10",)
    assert result.explanations["free"].reason is Reason.ZERO_COST_IGNORED


def test_mes_points_ballots_use_approvals() -> None:
    """For MES, a points ballot approves every project with positive points; the amounts do
    not matter."""
    approval = Election({"A": 6, "B": 4}, 10, [["A"], ["A", "B"]])
    points = Election({"A": 6, "B": 4}, 10, [{"A": 10}, {"A": 1, "B": 9}], kind="points")
    assert method_of_equal_shares(points).selected == method_of_equal_shares(approval).selected


def test_mes_add1_raises_voter_budgets_until_exhaustive() -> None:
    """2 voters, budget 10: 5 each. A (6, voter 1) is unaffordable; B (4, voter 2) is funded
    leaving 6, so A would still fit: not exhaustive. With 6 each both A and B ask rho/cost = 1,
    A wins the tie, then B: 10 spent, exhaustive. One step."""
    election = Election({"A": 6, "B": 4}, 10, [["A"], ["B"]])
    assert method_of_equal_shares(election).selected == ("B",)
    result = mes_add1(election)
    assert result.selected == ("A", "B")
    assert result.add1_steps == 1 and result.voter_budget == 6
    assert result.budget_used == 10


def test_mes_add1_keeps_previous_outcome_when_next_step_overspends() -> None:
    """Budget 3, 2 voters (3/2 each). Voter 1 approves A (3) and B (6), voter 2 approves B.
    At 3/2 and 5/2 nothing is affordable while A would fit; at 7/2, B (6) is funded, which
    overspends 3, so the outcome at 5/2 (nothing) is kept and greedy completion funds A."""
    election = Election({"A": 3, "B": 6}, 3, [["A", "B"], ["B"]])
    result = mes_add1(election)
    assert result.add1_steps == 1 and result.voter_budget == Fraction(5, 2)
    assert result.selected == ("A",)
    assert result.explanations["A"].reason is Reason.COMPLETION_FUNDED
    b = result.explanations["B"]
    assert b.reason is Reason.SUPPORTERS_SHORT and b.remaining_budget == 3


def test_mes_add1_increment_unit() -> None:
    """The increment is in cost units: with costs in fen, 100 means one yuan per voter."""
    election = Election({"A": 600, "B": 400}, 1000, [["A"], ["B"]])
    result = mes_add1(election, increment=100)
    assert result.selected == ("A", "B") and result.voter_budget == 600
    with pytest.raises(ElectionError):
        mes_add1(election, increment=0)


def test_no_voters() -> None:
    """Without voters MES funds nothing; greedy completion still fills by project id."""
    election = Election({"B": 1, "A": 1}, 1, [])
    assert method_of_equal_shares(election).selected == ()
    assert mes_add1(election).selected == ("A",)


def test_allocate_dispatch_and_unknown_rule() -> None:
    """allocate() runs the named rule."""
    election = Election({"A": 1}, 1, [["A"]])
    assert allocate(election, "mes").rule == "mes"
    with pytest.raises(ValueError, match="unknown rule"):
        allocate(election, "phragmen")


def test_election_rejects_bad_data() -> None:
    """Unknown project ids, negative or float costs are rejected."""
    with pytest.raises(ElectionError):
        Election({"A": -1}, 1, [])
    with pytest.raises(ElectionError):
        Election({"A": 1.5}, 1, [])  # type: ignore[dict-item]
    with pytest.raises(ElectionError):
        greedy(Election({"A": 1}, 1, [["B"]]))
    with pytest.raises(ElectionError):
        greedy(Election({"A": 1}, 1, [{"A": -2}], kind="points"))
    with pytest.raises(ElectionError, match="collections of ids"):
        greedy(Election({"A": 1}, 1, ["A"]))


def test_validate_approval_ballot() -> None:
    """Approval ballots: known ids, no duplicates, between min and max choices."""
    ids = {"A", "B", "C"}
    assert validate_approval_ballot(["A", "B"], ids, min_choices=1, max_choices=2) == {"A", "B"}
    with pytest.raises(BallotError, match="at most 2"):
        validate_approval_ballot(["A", "B", "C"], ids, max_choices=2)
    with pytest.raises(BallotError, match="at least 1"):
        validate_approval_ballot([], ids, min_choices=1)
    with pytest.raises(BallotError, match="unknown"):
        validate_approval_ballot(["D"], ids)
    with pytest.raises(BallotError, match="more than once"):
        validate_approval_ballot(["A", "A"], ids)


def test_validate_points_ballot() -> None:
    """Points ballots (Aarau: 10 points to spread): non-negative integers within the total."""
    ids = {"A", "B"}
    assert validate_points_ballot({"A": 7, "B": 0}, ids, total_points=10) == {"A": 7}
    with pytest.raises(BallotError, match="exactly 10"):
        validate_points_ballot({"A": 7}, ids, total_points=10, must_use_all=True)
    with pytest.raises(BallotError, match="at most 10"):
        validate_points_ballot({"A": 7, "B": 4}, ids, total_points=10)
    with pytest.raises(BallotError, match="negative"):
        validate_points_ballot({"A": -1}, ids)
    with pytest.raises(BallotError, match="integers"):
        validate_points_ballot({"A": 1.5}, ids)  # type: ignore[dict-item]
    with pytest.raises(BallotError, match="per project"):
        validate_points_ballot({"A": 6}, ids, max_per_project=5)


def test_format_money() -> None:
    """Money prints exactly: integers, finite decimals, otherwise p/q."""
    assert format_money(Fraction(12)) == "12"
    assert format_money(Fraction(25, 2)) == "12.5"
    assert format_money(Fraction(1, 8)) == "0.125"
    assert format_money(Fraction(-3, 4)) == "-0.75"
    assert format_money(Fraction(10, 3)) == "10/3"
