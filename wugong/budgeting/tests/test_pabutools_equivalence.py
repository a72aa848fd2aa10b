"""Property tests: on random small instances (ties included) our greedy, MES and MES-add1 select
exactly the projects pabutools 1.2.3 selects, in the same order.

References (pabutools, resolute, default lexicographic tie-breaking):
- mes: method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
- mes-add1: completion_by_rule_combination(instance, profile,
  [method_of_equal_shares, greedy_utilitarian_welfare],
  [{"sat_class": Cost_Sat, "voter_budget_increment": step}, {"sat_class": Cost_Sat}])
- greedy: greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat) for approval
  ballots; for points ballots the same with a satisfaction of points * cost (total points).
pabutools is a test-only dependency.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pabutools = pytest.importorskip("pabutools")

from pabutools.election import (  # noqa: E402
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
    Project,
)
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

from wugong.budgeting.allocation import (  # noqa: E402
    Election,
    greedy,
    mes_add1,
)
from wugong.budgeting.allocation import (  # noqa: E402
    method_of_equal_shares as our_mes,
)


def _points_times_cost(instance: Any, profile: Any, ballot: Any, project: Any, pre: Any) -> Any:
    return ballot.get(project, 0) * project.cost


class PointsTimesCostSat(AdditiveSatisfaction):
    """Satisfaction whose greedy density (sat / cost) is the total number of points."""

    def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _points_times_cost)


def to_pabutools(election: Election) -> tuple[Instance, Any]:
    projects = {pid: Project(pid, cost) for pid, cost in election.costs.items()}
    instance = Instance(projects.values(), budget_limit=election.budget_limit)
    if election.kind == "approval":
        profile = ApprovalProfile(
            [ApprovalBallot([projects[p] for p in ballot]) for ballot in election.ballots]
        )
    else:
        profile = CumulativeProfile(
            [
                CumulativeBallot({projects[p]: pts for p, pts in ballot.items() if pts > 0})  # type: ignore[union-attr]
                for ballot in election.ballots
            ]
        )
    return instance, profile


def reference(election: Election, rule: str, step: Fraction = Fraction(1)) -> list[str]:
    instance, profile = to_pabutools(election)
    greedy_sat = Cost_Sat if election.kind == "approval" else PointsTimesCostSat
    if rule == "mes":
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    elif rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat)
    else:
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [
                {"sat_class": Cost_Sat, "voter_budget_increment": step},
                {"sat_class": greedy_sat},
            ],
        )
    return [project.name for project in outcome]


COSTS = st.sampled_from([0, 1, 2, 3, 4, 4, 6, 10, Fraction(5, 2)])


@st.composite
def elections(draw: st.DrawFn, kind: str) -> Election:
    n_projects = draw(st.integers(1, 6))
    ids = draw(
        st.lists(
            st.sampled_from(["1", "2", "3", "9", "10", "11", "a", "b", "Ab"]),
            min_size=n_projects,
            max_size=n_projects,
            unique=True,
        )
    )
    costs = {pid: draw(COSTS) for pid in ids}
    budget = draw(st.one_of(st.integers(0, 25), st.sampled_from([Fraction(7, 2), Fraction(31, 3)])))
    n_voters = draw(st.integers(0, 8))
    ballots: list[Any] = []
    for _ in range(n_voters):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
        if kind == "approval":
            ballots.append(chosen)
        else:
            ballots.append({pid: draw(st.integers(1, 5)) for pid in chosen})
    # Duplicate some ballots so that ties in support and in budgets are frequent.
    ballots += ballots[: draw(st.integers(0, len(ballots)))]
    return Election(costs, budget, ballots, kind=kind)  # type: ignore[arg-type]


RULES: list[tuple[str, Callable[[Election], Any]]] = [
    ("mes", our_mes),
    ("greedy", greedy),
    ("mes-add1", mes_add1),
]

FAST = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(elections("approval"))
def test_approval_rules_match_pabutools(election: Election) -> None:
    """Approval ballots: identical selections, in identical order, for all three rules."""
    for rule, ours in RULES:
        assert list(ours(election).selected) == reference(election, rule), rule


@FAST
@given(elections("points"))
def test_points_rules_match_pabutools(election: Election) -> None:
    """Points ballots: MES on approvals (positive points), greedy by total points."""
    for rule, ours in RULES:
        assert list(ours(election).selected) == reference(election, rule), rule


@settings(max_examples=60, deadline=None, database=None)
@given(elections("approval"), st.sampled_from([Fraction(1, 2), Fraction(2), Fraction(3)]))
def test_add1_increment_matches_pabutools(election: Election, step: Fraction) -> None:
    """MES-add1 with another per-voter increment equals voter_budget_increment=step."""
    assert list(mes_add1(election, increment=step).selected) == reference(
        election, "mes-add1", step
    )


@pytest.mark.parametrize("seed", range(4))
def test_medium_instances_exercise_float_screening(seed: int) -> None:
    """Hundreds of voters with repeated costs: many budget classes and near ties, so the float
    screening and its exact fallbacks are exercised; results still equal pabutools'."""
    rng = random.Random(seed)
    ids = [f"p{i}" for i in range(12)]
    costs = {
        pid: rng.choice([10_000, 20_000, 20_000, 35_000, rng.randint(1, 90) * 1000]) for pid in ids
    }
    weights = [rng.random() for _ in ids]
    ballots = [
        [pid for pid, w in zip(ids, weights, strict=True) if rng.random() < w * 0.6]
        for _ in range(300)
    ]
    election = Election(costs, sum(costs.values()) * 2 // 5, ballots)
    instance, profile = to_pabutools(election)
    multi = profile.as_multiprofile()
    expected = [p.name for p in method_of_equal_shares(instance, multi, sat_class=Cost_Sat)]
    assert list(our_mes(election).selected) == expected
    expected_add1 = [
        p.name
        for p in completion_by_rule_combination(
            instance,
            multi,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 10}, {"sat_class": Cost_Sat}],
        )
    ]
    assert list(mes_add1(election, increment=10).selected) == expected_add1
