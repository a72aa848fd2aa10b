"""Participatory budgeting allocation rules: pure functions over plain data, exact arithmetic.

Three rules are implemented, each returning an :class:`AllocationResult` that lists the funded
projects *in order of selection* and explains, for every project, why it was or was not funded:

``greedy``
    Most support first, skipping projects that no longer fit in the remaining budget. Support is
    the approval count (approval ballots) or the total points (points ballots). This equals
    pabutools' ``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)`` on approval
    ballots (cost satisfaction divided by cost is the approval count). On points ballots it
    equals the same pabutools function with an additive satisfaction worth
    ``points * cost`` per project. Ties are broken lexicographically on the project id (Python
    ``str`` order, as pabutools' default ``lexico_tie_breaking`` does). Exactly like pabutools,
    projects with no support at all are still funded at the end when they fit, and zero-cost
    projects get support 0 (pass ``include_unsupported=False`` to skip projects nobody chose).

``mes``
    The Method of Equal Shares with cost utilities, as used in Wieliczka, Świecie and Aarau:
    identical to pabutools' ``method_of_equal_shares(instance, profile, sat_class=Cost_Sat)``.
    Every voter (including voters with empty ballots) gets ``budget / number_of_voters``. In each
    round, for every project with positive cost and at least one supporter, ``rho`` is the
    smallest payment such that supporters paying ``min(remaining, rho)`` cover the cost; the
    project with the smallest ``rho / cost`` is funded (ties: smallest project id). Projects
    whose supporters together hold less than the cost are dropped. Points ballots are treated as
    approval of every project given a positive number of points (pabutools' ``Cost_Sat`` only
    checks membership in the ballot); the number of points does not matter for MES.

``mes-add1``
    MES with the "add one" completion used in practice (pabutools documentation, "as it was
    implemented in Wieliczka and Świecie")::

        completion_by_rule_combination(
            instance, profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )

    MES is rerun with each voter's budget raised by ``increment`` (one currency unit by default,
    in the units of the costs) until the outcome is exhaustive among the projects MES considers,
    or until it would overspend the real budget (then the previous outcome is kept). What is
    left is then completed by ``greedy`` (the support measure of ``greedy`` above).

Exactness: all money is ``int`` or :class:`fractions.Fraction` and every decision (which project
is selected, who pays how much, which project is unaffordable) is made in exact rational
arithmetic. Floating point is used only to *screen* candidates; a float result is acted upon only
when a proven error bound shows that the exact comparison has the same outcome (see
``_MesRun._estimate``), otherwise the exact value is computed.

Performance: voters with identical ballots are merged, and voters are grouped into "budget
classes": after any number of MES rounds a voter's remaining budget is either 0 or
``b0 - sum(rho_r for the funded projects r it paid rho for)``, so all voters approving the same
funded projects share one exact budget. Exact sums over many classes therefore reduce to one
integer matrix-vector product and one Fraction operation per round.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property
from typing import Literal

import numpy as np

Money = int | Fraction
BallotKind = Literal["approval", "points"]
RuleName = Literal["greedy", "mes", "mes-add1"]
RULES: tuple[RuleName, ...] = ("greedy", "mes", "mes-add1")

# Unit roundoff of IEEE-754 binary64 (round to nearest).
_U = 2.0**-53


class BallotError(ValueError):
    """A ballot that does not follow the rules of the vote (unknown project, too many choices…)."""


class ElectionError(ValueError):
    """Inconsistent election data (duplicate project id, negative cost, …)."""


# ---------------------------------------------------------------------------------------------
# Ballot validation
# ---------------------------------------------------------------------------------------------


def validate_approval_ballot(
    ballot: Iterable[str],
    project_ids: Collection[str],
    *,
    min_choices: int = 0,
    max_choices: int | None = None,
) -> frozenset[str]:
    """Check an approval ballot and return it as a frozenset of project ids.

    The ballot must name only known projects, name each at most once and choose at least
    ``min_choices`` and at most ``max_choices`` projects (``None``: no upper limit).
    Raises :class:`BallotError` otherwise.
    """
    chosen = list(ballot)
    result = frozenset(chosen)
    if len(result) != len(chosen):
        raise BallotError("a project is chosen more than once")
    unknown = sorted(result.difference(project_ids))
    if unknown:
        raise BallotError(f"unknown project(s): {', '.join(unknown)}")
    if len(result) < min_choices:
        raise BallotError(f"at least {min_choices} project(s) must be chosen, got {len(result)}")
    if max_choices is not None and len(result) > max_choices:
        raise BallotError(f"at most {max_choices} project(s) may be chosen, got {len(result)}")
    return result


def validate_points_ballot(
    ballot: Mapping[str, int],
    project_ids: Collection[str],
    *,
    total_points: int | None = None,
    must_use_all: bool = False,
    max_per_project: int | None = None,
    min_choices: int = 0,
    max_choices: int | None = None,
) -> dict[str, int]:
    """Check a points (cumulative) ballot, e.g. Aarau's "10 points to spread".

    Points are non-negative integers given to known projects; at most ``total_points`` in total
    (exactly ``total_points`` if ``must_use_all``), at most ``max_per_project`` per project, and
    between ``min_choices`` and ``max_choices`` projects with positive points. Returns the ballot
    without zero entries. Raises :class:`BallotError` otherwise.
    """
    result: dict[str, int] = {}
    for project_id, points in ballot.items():
        if project_id not in project_ids:
            raise BallotError(f"unknown project: {project_id}")
        if isinstance(points, bool) or not isinstance(points, int):
            raise BallotError(f"points must be integers, got {points!r} for {project_id}")
        if points < 0:
            raise BallotError(f"points must not be negative ({project_id}: {points})")
        if max_per_project is not None and points > max_per_project:
            raise BallotError(f"at most {max_per_project} points per project ({project_id})")
        if points:
            result[project_id] = points
    spent = sum(result.values())
    if total_points is not None:
        if spent > total_points:
            raise BallotError(f"at most {total_points} points may be given, got {spent}")
        if must_use_all and spent != total_points:
            raise BallotError(f"exactly {total_points} points must be given, got {spent}")
    if len(result) < min_choices:
        raise BallotError(f"at least {min_choices} project(s) must get points")
    if max_choices is not None and len(result) > max_choices:
        raise BallotError(f"at most {max_choices} project(s) may get points")
    return result


# ---------------------------------------------------------------------------------------------
# Input data
# ---------------------------------------------------------------------------------------------


def _as_money(value: Money | str, what: str) -> Fraction:
    if isinstance(value, bool):
        raise ElectionError(f"{what} must be a number, got {value!r}")
    if isinstance(value, float):
        raise ElectionError(f"{what} must be an int or Fraction (exact), not float")
    try:
        money = Fraction(value)
    except (TypeError, ValueError) as exc:
        raise ElectionError(f"{what} must be a number, got {value!r}") from exc
    if money < 0:
        raise ElectionError(f"{what} must not be negative, got {value}")
    return money


@dataclass(frozen=True)
class Election:
    """A participatory budgeting vote.

    ``projects`` maps project id to cost (``int``, e.g. fen or yuan, or ``Fraction``), in display
    order. ``budget`` is the amount to allocate, in the same unit. ``ballots`` holds one entry per
    voter: a collection of project ids (approval) or a mapping project id -> points (points).
    Empty ballots count as voters (they receive an equal share under MES, as in pabutools).
    Ballots are checked for unknown ids; use :func:`validate_approval_ballot` /
    :func:`validate_points_ballot` when accepting votes to enforce the vote's own limits.
    """

    projects: Mapping[str, Money]
    budget: Money
    ballots: Sequence[Collection[str] | Mapping[str, int]]
    kind: BallotKind = "approval"
    costs: dict[str, Fraction] = field(init=False, repr=False, compare=False)
    budget_limit: Fraction = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in ("approval", "points"):
            raise ElectionError(f"unknown ballot kind {self.kind!r}")
        costs = {str(pid): _as_money(cost, f"cost of {pid}") for pid, cost in self.projects.items()}
        if len(costs) != len(self.projects):
            raise ElectionError("project ids must be unique")
        object.__setattr__(self, "costs", costs)
        object.__setattr__(self, "budget_limit", _as_money(self.budget, "budget"))

    @cached_property
    def _compiled(self) -> _Compiled:
        return _Compiled(self)


class _Compiled:
    """Index-based view of an election shared by all rules (computed once per Election)."""

    def __init__(self, election: Election) -> None:
        self.ids: list[str] = list(election.costs)
        self.costs: list[Fraction] = list(election.costs.values())
        self.budget: Fraction = election.budget_limit
        self.n_voters: int = len(election.ballots)
        index = {pid: i for i, pid in enumerate(self.ids)}
        n = len(self.ids)
        points = [0] * n
        # Identical ballots are merged: frozenset of chosen ids -> number of voters.
        groups: Counter[frozenset[str]]
        try:
            if election.kind == "approval":
                if any(isinstance(ballot, Mapping | str) for ballot in election.ballots):
                    raise ElectionError("approval ballots must be collections of ids")
                groups = Counter(map(frozenset, election.ballots))
            else:
                groups = Counter()
                for ballot in election.ballots:
                    if not isinstance(ballot, Mapping):
                        raise ElectionError("points ballots must map project id to points")
                    for pid, pts in ballot.items():
                        if isinstance(pts, bool) or not isinstance(pts, int) or pts < 0:
                            raise ElectionError(f"invalid points {pts!r} for project {pid}")
                        points[index[pid]] += pts
                    groups[frozenset(pid for pid, pts in ballot.items() if pts > 0)] += 1
            flat = [index[pid] for key in groups for pid in key]
        except KeyError as exc:
            raise ElectionError(f"ballot names unknown project {exc.args[0]!r}") from None
        except TypeError as exc:
            raise ElectionError(f"invalid ballot: {exc}") from None
        self.g_flat = np.asarray(flat, dtype=np.int64)
        self.g_len = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
        self.g_mult = np.fromiter(groups.values(), dtype=np.int64, count=len(groups))
        owner_mult = np.repeat(self.g_mult, self.g_len)
        self.approvals: list[int] = (
            np.bincount(self.g_flat, weights=owner_mult, minlength=n).astype(np.int64).tolist()
        )
        # Support used by greedy: approval count, or total points.
        self.support: list[int] = self.approvals if election.kind == "approval" else points


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


class Reason(enum.StrEnum):
    """Why a project was or was not funded."""

    MES_FUNDED = "mes_funded"
    GREEDY_FUNDED = "greedy_funded"
    COMPLETION_FUNDED = "completion_funded"
    SUPPORTERS_SHORT = "supporters_short"
    DID_NOT_FIT = "did_not_fit"
    NO_SUPPORTERS = "no_supporters"
    ZERO_COST_IGNORED = "zero_cost_ignored"


@dataclass(frozen=True)
class ProjectExplanation:
    """The outcome for one project.

    ``position``: 1-based place in the selection order (funded projects only).
    ``rho``: under MES, the payment asked of each supporter; supporters with less money left
    paid all they had (``supporters_paying_all``), the others paid exactly ``rho``
    (``supporters_paying_rho``). ``supporters_money``: under MES for an unfunded project, what its
    supporters still had in total at the end (less than ``cost``). ``remaining_budget``: under
    greedy (or the completion step), the budget left when the project's turn came.
    """

    project_id: str
    cost: Fraction
    funded: bool
    reason: Reason
    support: int
    supporters: int
    position: int | None = None
    rho: Fraction | None = None
    supporters_paying_rho: int | None = None
    supporters_paying_all: int | None = None
    supporters_money: Fraction | None = None
    remaining_budget: Fraction | None = None

    @property
    def message(self) -> str:
        """A one-line English explanation."""
        c = _fmt(self.cost)
        if self.reason is Reason.MES_FUNDED:
            assert self.rho is not None
            return (
                f"funded in round {self.position}: each of {self.supporters_paying_rho} supporters "
                f"paid {_fmt(self.rho)}, {self.supporters_paying_all} paid all they had left"
            )
        if self.reason in (Reason.GREEDY_FUNDED, Reason.COMPLETION_FUNDED):
            step = "greedy completion" if self.reason is Reason.COMPLETION_FUNDED else "greedy"
            return f"funded by {step}: cost {c} fit in the remaining {_fmt(self.remaining_budget)}"
        if self.reason is Reason.SUPPORTERS_SHORT:
            return (
                f"not funded: its {self.supporters} supporters had only "
                f"{_fmt(self.supporters_money)} left, against a cost of {c}"
            )
        if self.reason is Reason.DID_NOT_FIT:
            left = _fmt(self.remaining_budget)
            return f"not funded: cost {c} exceeded the remaining budget {left}"
        if self.reason is Reason.NO_SUPPORTERS:
            return "not funded: nobody supported it"
        return "not considered by MES: it costs nothing, so cost utilities give it no weight"


@dataclass(frozen=True)
class AllocationResult:
    """Selected project ids in order of selection, with an explanation for every project.

    ``voter_budget`` is the per-voter endowment of the (last) MES run, ``add1_steps`` the number
    of budget increases MES-add1 made (0: plain MES was already final).
    """

    rule: str
    selected: tuple[str, ...]
    explanations: dict[str, ProjectExplanation]
    budget_used: Fraction
    budget_limit: Fraction
    voter_budget: Fraction | None = None
    add1_steps: int | None = None

    @property
    def budget_left(self) -> Fraction:
        return self.budget_limit - self.budget_used


def _fmt(value: Fraction | None) -> str:
    return "-" if value is None else format_money(value)


def format_money(value: Fraction | int) -> str:
    """Exact decimal text for a money amount ("12", "12.5"); "p/q" when not a finite decimal."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = abs(value) * 10**digits
    assert scaled.denominator == 1
    text = str(scaled.numerator).rjust(digits + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


# ---------------------------------------------------------------------------------------------
# Greedy
# ---------------------------------------------------------------------------------------------


def _greedy_order(comp: _Compiled, candidates: Iterable[int]) -> list[int]:
    # pabutools: sort by (-total_sat / cost, name); with Cost_Sat total_sat / cost is the approval
    # count for positive costs and 0 for zero-cost projects (their cost satisfaction is 0).
    def key(i: int) -> tuple[int, str]:
        density = comp.support[i] if comp.costs[i] > 0 else 0
        return (-density, comp.ids[i])

    return sorted(candidates, key=key)


def _greedy_fill(
    comp: _Compiled,
    already: list[int],
    reason: Reason,
    explanations: dict[str, ProjectExplanation],
    include_unsupported: bool,
) -> list[int]:
    chosen = set(already)
    remaining = comp.budget - sum((comp.costs[i] for i in already), Fraction(0))
    added: list[int] = []
    for i in _greedy_order(comp, (i for i in range(len(comp.ids)) if i not in chosen)):
        if not include_unsupported and comp.approvals[i] == 0:
            explanations[comp.ids[i]] = _plain(comp, i, Reason.NO_SUPPORTERS)
            continue
        if comp.costs[i] <= remaining:
            explanations[comp.ids[i]] = _plain(
                comp, i, reason, len(already) + len(added) + 1, remaining, funded=True
            )
            remaining -= comp.costs[i]
            added.append(i)
        else:
            previous = explanations.get(comp.ids[i])
            if previous is None:
                explanations[comp.ids[i]] = _plain(comp, i, Reason.DID_NOT_FIT, remaining=remaining)
            else:  # keep MES's reason, add what greedy completion saw
                explanations[comp.ids[i]] = replace(previous, remaining_budget=remaining)
    return added


def _plain(
    comp: _Compiled,
    i: int,
    reason: Reason,
    position: int | None = None,
    remaining: Fraction | None = None,
    *,
    funded: bool = False,
) -> ProjectExplanation:
    return ProjectExplanation(
        project_id=comp.ids[i],
        cost=comp.costs[i],
        funded=funded,
        reason=reason,
        support=comp.support[i],
        supporters=comp.approvals[i],
        position=position,
        remaining_budget=remaining,
    )


def greedy(election: Election, *, include_unsupported: bool = True) -> AllocationResult:
    """Fund projects by decreasing support (approvals or total points), skipping what no longer
    fits; ties by project id. Equals pabutools' greedy_utilitarian_welfare with Cost_Sat on
    approval ballots (see the module docstring)."""
    comp = election._compiled
    explanations: dict[str, ProjectExplanation] = {}
    added = _greedy_fill(comp, [], Reason.GREEDY_FUNDED, explanations, include_unsupported)
    return _result("greedy", comp, added, explanations)


def _result(
    rule: str,
    comp: _Compiled,
    selected: list[int],
    explanations: dict[str, ProjectExplanation],
    voter_budget: Fraction | None = None,
    add1_steps: int | None = None,
) -> AllocationResult:
    ordered = {comp.ids[i]: explanations[comp.ids[i]] for i in range(len(comp.ids))}
    return AllocationResult(
        rule=rule,
        selected=tuple(comp.ids[i] for i in selected),
        explanations=ordered,
        budget_used=sum((comp.costs[i] for i in selected), Fraction(0)),
        budget_limit=comp.budget,
        voter_budget=voter_budget,
        add1_steps=add1_steps,
    )


# ---------------------------------------------------------------------------------------------
# Method of Equal Shares
# ---------------------------------------------------------------------------------------------


class _MesData:
    """Static arrays for MES: projects with positive cost and supporters, merged ballots."""

    def __init__(self, comp: _Compiled) -> None:
        self.comp = comp
        self.proj = [i for i in range(len(comp.ids)) if comp.costs[i] > 0 and comp.approvals[i]]
        self.n_proj = len(self.proj)
        self.cost = [comp.costs[p] for p in self.proj]
        self.cost_f = [float(c) for c in self.cost]
        self.names = [comp.ids[p] for p in self.proj]
        self.n_supporters = [comp.approvals[p] for p in self.proj]
        local = np.full(len(comp.ids), -1, dtype=np.int64)
        local[self.proj] = np.arange(self.n_proj)
        flat = local[comp.g_flat]
        owner = np.repeat(np.arange(comp.g_len.size, dtype=np.int64), comp.g_len)
        keep = flat >= 0
        flat = flat[keep]
        owner = owner[keep]
        lengths = np.bincount(owner, minlength=comp.g_len.size)
        nonempty = lengths > 0
        renumber = np.cumsum(nonempty) - 1
        owner = renumber[owner]
        lengths = lengths[nonempty]
        self.n_groups = int(lengths.size)
        self.mult = comp.g_mult[nonempty]
        self.mult_f = self.mult.astype(np.float64)
        self.g_ptr = np.zeros(self.n_groups + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.g_ptr[1:])
        self.g_proj = flat  # owner is non-decreasing, so flat is already grouped by owner
        order = np.argsort(flat, kind="stable")
        self.p_grp = owner[order]
        self.p_ptr = np.zeros(self.n_proj + 1, dtype=np.int64)
        np.cumsum(np.bincount(flat, minlength=self.n_proj), out=self.p_ptr[1:])
        self._touch: dict[int, list[int]] = {}

    def supporters_of(self, p: int) -> np.ndarray:
        return self.p_grp[self.p_ptr[p] : self.p_ptr[p + 1]]

    def touched_by(self, s: int) -> list[int]:
        """Projects sharing at least one voter with project ``s``."""
        cached = self._touch.get(s)
        if cached is None:
            grp = self.supporters_of(s)
            starts = self.g_ptr[grp]
            lengths = self.g_ptr[grp + 1] - starts
            idx = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(
                int(lengths.sum())
            )
            mark = np.zeros(self.n_proj, dtype=bool)
            mark[self.g_proj[idx]] = True
            cached = np.flatnonzero(mark).tolist()
            self._touch[s] = cached
        return cached


_ZERO = 1  # class id of voters with nothing left (exact budget 0)


class _MesRun:
    """One run of MES with a given per-voter budget ``b0``.

    Budget classes: class 0 holds voters who paid nothing yet (budget ``b0``), class 1 voters
    with budget exactly 0; every other class ``c`` was created in round ``made[c]`` from class
    ``parent[c]`` by paying ``rho[made[c]]``, so its exact budget is
    ``b0 - sum(rho[r] for r in pattern[c])`` where ``pattern[c]`` (a 0/1 row indexed by round)
    lists the rounds in which its voters paid ``rho``.

    Float shadows ``bf[c]`` of the class budgets satisfy ``|bf[c] - exact| <= eps_b`` where
    ``eps_b = (1 + 4 R) u b0`` after ``R`` rounds (``u = 2**-53``): the initial ``float(b0)`` is
    within ``u b0``; a new class gets ``fl(bf[parent] - float(rho))`` with ``rho <= budget <= b0``,
    adding at most ``u rho`` (rounding rho) plus ``u |bf - float(rho)|`` (rounding the difference),
    i.e. less than ``3 u b0`` per round. Zero-budget classes are exactly 0.
    """

    def __init__(self, data: _MesData, b0: Fraction, spend_limit: Fraction | None) -> None:
        self.d = data
        self.b0 = b0
        self.b0_f = float(b0)
        cap = max(16, 2 * data.n_proj + 2)
        self.cls = np.zeros(data.n_groups, dtype=np.int64)
        self.bf = np.zeros(cap, dtype=np.float64)
        self.bf[0] = self.b0_f
        self.pattern = np.zeros((cap, max(1, data.n_proj)), dtype=np.uint8)
        self.parent = np.zeros(cap, dtype=np.int64)
        self.made = np.zeros(cap, dtype=np.int64)
        self.n_cls = 2
        self.exact: dict[int, Fraction] = {0: b0, _ZERO: Fraction(0)}
        self.rho: list[Fraction] = []
        # Common denominator: b0 == b0_num / den and rho[r] == rho_num[r] / den, so exact sums
        # over many classes are integer dot products plus a single Fraction at the end.
        self.den = b0.denominator
        self.b0_num = b0.numerator
        self.rho_num: list[int] = []
        self.selected: list[int] = []
        self.paying_rho: list[int] = []
        self.paying_all: list[int] = []
        self.spent = Fraction(0)
        self.overspent = False
        self.eps_b = _U * self.b0_f
        p = data.n_proj
        self.lo = [0.0] * p  # strict lower bounds on rho/cost (valid for the rest of the run)
        self.hi = [math.inf] * p  # upper bounds, valid while not dirty
        self.afford: list[Fraction | None] = [None] * p  # exact rho/cost while not dirty
        self.dirty = [True] * p
        self._classes: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None]
        self._classes = [None] * p
        self.alive = list(range(p))
        self.dead = [False] * p
        self._run(spend_limit)

    # -- exact helpers ---------------------------------------------------------------------

    def exact_budget(self, c: int) -> Fraction:
        chain = []
        while c not in self.exact:
            chain.append(c)
            c = int(self.parent[c])
        value = self.exact[c]
        for node in reversed(chain):
            value = value - self.rho[int(self.made[node])]
            self.exact[node] = value
        return value

    def exact_sum(self, classes: np.ndarray, counts: np.ndarray) -> Fraction:
        """Exact sum of ``counts[i] * budget(classes[i])``."""
        keep = classes != _ZERO
        classes = classes[keep]
        counts = counts[keep]
        if classes.size == 0:
            return Fraction(0)
        rounds = len(self.rho)
        total = int(counts.sum()) * self.b0_num
        if rounds:
            paid = (counts @ self.pattern[classes, :rounds]).tolist()
            rho_num = self.rho_num
            total -= sum(rho_num[r] * m for r, m in enumerate(paid) if m)
        return Fraction(total, self.den)

    def class_counts(self, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Classes among the supporters of project ``p`` sorted by float budget: class ids,
        voter counts (int64 and float64) and float budgets. Cached until ``p`` is dirty."""
        cached = self._classes[p]
        if cached is not None:
            return cached
        grp = self.d.supporters_of(p)
        counts = np.bincount(self.cls[grp], weights=self.d.mult_f[grp], minlength=self.n_cls)
        nz = np.flatnonzero(counts)
        b = self.bf[nz]
        order = np.argsort(b, kind="stable")
        nz = nz[order]
        kf = counts[nz]
        result = (nz, kf.astype(np.int64), kf, b[order])
        self._classes[p] = result
        return result

    def _float_walk(self, p: int, kf: np.ndarray, b: np.ndarray) -> tuple[float, float] | None:
        """pabutools' walk in floats: (rho estimate, number of voters paying it) or None."""
        before_s = np.cumsum(kf * b) - kf * b
        before_n = np.cumsum(kf) - kf
        q = (self.d.cost_f[p] - before_s) / (self.d.n_supporters[p] - before_n)
        ok = q <= b
        j = int(np.argmax(ok))
        if not ok[j]:
            return None
        return float(q[j]), self.d.n_supporters[p] - float(before_n[j])

    def _float_total(self, p: int, kf: np.ndarray, b: np.ndarray) -> tuple[float, float]:
        """Float total of the supporters' budgets and the error bound E (see _estimate)."""
        t_hat = float(kf @ b)
        err = self.d.n_supporters[p] * self.eps_b + 4 * (b.size + 4) * _U * (
            t_hat + self.d.cost_f[p]
        )
        return t_hat, err

    def exact_rho(self, p: int) -> Fraction | None:
        """Exact payment rho for project ``p`` now, or None if its supporters cannot afford it."""
        nz, k, kf, b = self.class_counts(p)
        cost = self.d.cost[p]
        cost_f = self.d.cost_f[p]
        t_hat, err = self._float_total(p, kf, b)
        if t_hat + err < cost_f:
            return None
        if not t_hat - err > cost_f and self.exact_sum(nz, k) < cost:
            return None
        # Guess the pivot with floats, then confirm it exactly; otherwise walk exactly.
        total = self.d.n_supporters[p]
        walk = self._float_walk(p, kf, b)
        if walk is not None:
            guess = walk[0]
            tol = 2 * self.eps_b + 1e-9 * (abs(guess) + self.b0_f)
            poor = b < guess - tol
            rich = b > guess + tol
            unsure_idx = np.flatnonzero(~(poor | rich)).tolist()
            rho = self._walk(
                cost,
                self.exact_sum(nz[poor], k[poor]),
                total - int(k[poor].sum()),
                [(self.exact_budget(int(nz[i])), int(k[i])) for i in unsure_idx],
            )
            if rho is not None:
                rho_f = float(rho)
                margin = self.eps_b + 4 * _U * (abs(rho_f) + self.b0_f)
                # Poor classes must have budget < rho, rich ones >= rho (checked with margin).
                poor_ok = not poor.any() or float(b[poor].max()) + margin < rho_f
                rich_ok = not rich.any() or float(b[rich].min()) - margin >= rho_f
                if poor_ok and rich_ok:
                    return rho
        entries = [(self.exact_budget(int(c)), int(n)) for c, n in zip(nz, k, strict=True)]
        rho = self._walk(cost, Fraction(0), total, entries)
        assert rho is not None  # affordable: the exact walk must find the payment
        return rho

    @staticmethod
    def _walk(
        cost: Fraction, contrib: Fraction, remaining: int, entries: list[tuple[Fraction, int]]
    ) -> Fraction | None:
        """pabutools' walk: supporters by increasing budget; the first one who can pay the
        even share of what is still missing fixes rho. Returns None if the walk runs dry."""
        entries.sort(key=lambda e: e[0])
        for budget, count in entries:
            if remaining <= 0:
                return None
            share = (cost - contrib) / remaining
            if share <= budget:
                return share
            contrib += budget * count
            remaining -= count
        if remaining > 0:
            return (cost - contrib) / remaining
        return None

    # -- float screening -------------------------------------------------------------------

    def _estimate(self, p: int) -> None:
        """Refresh the bounds on project p's affordability ``rho / cost``.

        Proof of soundness. With float class budgets ``bf`` (``|bf - b| <= eps_b``) and integer
        counts ``k`` (exact in float64, < 2**53), define ``F(x) = sum k_i min(b_i, x)`` for a
        float ``x``; it is non-decreasing and the exact rho is the least ``x`` with
        ``F(x) = cost``. The float value ``Fh = fl(k . min(bf, x))`` (np.dot, any summation
        order) satisfies ``|Fh - F(x)| <= K eps_b + gamma_n Fh / (1 - gamma_n)`` with
        ``K = sum k``, ``n`` terms and ``gamma_n = n u / (1 - n u)``. We use the larger
        ``E = K eps_b + 4 (n + 4) u (T + cost)`` (``T`` the float total), which also absorbs the
        rounding of ``float(cost)`` and of forming ``Fh +- E``. Hence
        ``Fh(x) + E < cost`` proves ``F(x) < cost``, i.e. ``rho > x`` (or unaffordable), and
        ``Fh(x) - E > cost`` proves ``F(x) > cost``, i.e. affordable with ``rho < x``. Dividing by
        the cost and widening by ``4u`` gives bounds on ``rho / cost`` that stay valid under
        float division. Whenever a certificate fails, the exact value is computed instead.
        Affordabilities never decrease during a run (budgets only shrink), so ``lo`` remains a
        valid lower bound until the end of the run; ``hi`` is only trusted while not dirty.
        """
        self.dirty[p] = False
        _, _, kf, b = self.class_counts(p)
        cost_f = self.d.cost_f[p]
        t_hat, err = self._float_total(p, kf, b)
        if t_hat + err < cost_f:
            self._kill(p)
            return
        walk = self._float_walk(p, kf, b) if t_hat - err > cost_f else None
        if walk is not None and walk[0] > 0:
            q_hat, rich = walk
            r = 4 * err / (rich * q_hat) + 16 * _U
            x_lo = q_hat * (1 - r)
            x_hi = q_hat * (1 + r)
            f_lo = float(kf @ np.minimum(b, x_lo))
            f_hi = float(kf @ np.minimum(b, x_hi))
            if f_lo + err < cost_f and f_hi - err > cost_f:
                self.lo[p] = max(self.lo[p], x_lo / cost_f * (1 - 4 * _U))
                self.hi[p] = x_hi / cost_f * (1 + 4 * _U)
                self.afford[p] = None
                return
        self._exact(p)

    def _exact(self, p: int) -> None:
        rho = self.exact_rho(p)
        self.dirty[p] = False
        if rho is None:
            self._kill(p)
            return
        afford = rho / self.d.cost[p]
        self.afford[p] = afford
        a_f = float(afford)
        self.lo[p] = max(self.lo[p], a_f * (1 - 4 * _U))
        self.hi[p] = a_f * (1 + 4 * _U)

    def _kill(self, p: int) -> None:
        self.dead[p] = True
        self.dirty[p] = False

    # -- main loop -------------------------------------------------------------------------

    def _choose(self) -> int | None:
        lo, hi, dirty, dead = self.lo, self.hi, self.dirty, self.dead
        candidates: list[int] = []
        best_hi = math.inf
        for p in sorted(self.alive, key=lo.__getitem__):
            if lo[p] > best_hi:
                break
            if dirty[p]:
                self._estimate(p)
                if dead[p] or lo[p] > best_hi:
                    continue
            best_hi = min(best_hi, hi[p])
            candidates.append(p)
        self.alive = [p for p in self.alive if not dead[p]]
        candidates = [p for p in candidates if lo[p] <= best_hi]
        if not candidates:
            return None
        for p in candidates:
            if self.afford[p] is None:
                self._exact(p)
        candidates = [p for p in candidates if not dead[p]]
        if not candidates:
            return self._choose()
        names = self.d.names
        return min(candidates, key=lambda p: (self.afford[p], names[p]))

    def _run(self, spend_limit: Fraction | None) -> None:
        while True:
            s = self._choose()
            if s is None:
                return
            afford = self.afford[s]
            assert afford is not None
            rho = afford * self.d.cost[s]
            self._pay(s, rho)
            self.spent += self.d.cost[s]
            if spend_limit is not None and self.spent > spend_limit:
                self.overspent = True
                return

    def _pay(self, s: int, rho: Fraction) -> None:
        d = self.d
        r = len(self.rho)
        self.rho.append(rho)
        extra = rho.denominator // math.gcd(self.den, rho.denominator)
        if extra != 1:
            self.den *= extra
            self.b0_num *= extra
            self.rho_num = [x * extra for x in self.rho_num]
        self.rho_num.append(rho.numerator * (self.den // rho.denominator))
        self.selected.append(s)
        self.alive.remove(s)
        self.dead[s] = True
        uniq, weights, _, bu = self.class_counts(s)
        rho_f = float(rho)
        tol = 2 * self.eps_b + 4 * _U * (rho_f + self.b0_f)
        # Exactly: a class keeps money iff its budget > rho (budget == rho pays all, ends at 0)
        # and pays rho iff its budget >= rho. Decided by floats outside +-tol, else exactly.
        near = (bu >= rho_f - tol) & (uniq != _ZERO)
        keeps = bu > rho_f + tol
        pays_rho = keeps | near
        for i in np.flatnonzero(near & ~keeps).tolist():
            exact = self.exact_budget(int(uniq[i]))
            keeps[i] = exact > rho
            pays_rho[i] = exact >= rho
        self.paying_rho.append(int(weights[pays_rho].sum()))
        self.paying_all.append(int(weights[~pays_rho].sum()))
        rich = uniq[keeps]
        n_new = rich.size
        self._reserve(self.n_cls + n_new)
        new_ids = np.arange(self.n_cls, self.n_cls + n_new)
        self.bf[new_ids] = self.bf[rich] - rho_f
        self.pattern[new_ids] = self.pattern[rich]
        self.pattern[new_ids, r] = 1
        self.parent[new_ids] = rich
        self.made[new_ids] = r
        mapping = np.full(self.n_cls, _ZERO, dtype=np.int64)
        mapping[rich] = new_ids
        self.n_cls += n_new
        grp = d.supporters_of(s)
        self.cls[grp] = mapping[self.cls[grp]]
        self.eps_b += 4 * _U * self.b0_f
        for p in self.d.touched_by(s):
            self._classes[p] = None
            if not self.dead[p]:
                self.dirty[p] = True
                self.afford[p] = None

    def _reserve(self, size: int) -> None:
        cap = self.bf.size
        if size <= cap:
            return
        new_cap = max(size, 2 * cap)
        self.bf = np.resize(self.bf, new_cap)
        self.parent = np.resize(self.parent, new_cap)
        self.made = np.resize(self.made, new_cap)
        pattern = np.zeros((new_cap, self.pattern.shape[1]), dtype=np.uint8)
        pattern[:cap] = self.pattern
        self.pattern = pattern

    # -- explanations ----------------------------------------------------------------------

    def explain(self, explanations: dict[str, ProjectExplanation]) -> None:
        comp = self.d.comp
        for pos, s in enumerate(self.selected):
            i = self.d.proj[s]
            explanations[comp.ids[i]] = ProjectExplanation(
                project_id=comp.ids[i],
                cost=comp.costs[i],
                funded=True,
                reason=Reason.MES_FUNDED,
                support=comp.support[i],
                supporters=comp.approvals[i],
                position=pos + 1,
                rho=self.rho[pos],
                supporters_paying_rho=self.paying_rho[pos],
                supporters_paying_all=self.paying_all[pos],
            )
        chosen = set(self.selected)
        for p in range(self.d.n_proj):
            if p in chosen:
                continue
            i = self.d.proj[p]
            nz, k, _, _ = self.class_counts(p)
            explanations[comp.ids[i]] = ProjectExplanation(
                project_id=comp.ids[i],
                cost=comp.costs[i],
                funded=False,
                reason=Reason.SUPPORTERS_SHORT,
                support=comp.support[i],
                supporters=comp.approvals[i],
                supporters_money=self.exact_sum(nz, k),
            )
        in_mes = set(self.d.proj)
        for i in range(len(comp.ids)):
            if i not in in_mes:
                reason = Reason.NO_SUPPORTERS if not comp.approvals[i] else Reason.ZERO_COST_IGNORED
                explanations[comp.ids[i]] = _plain(comp, i, reason)


def _mes_data(election: Election) -> _MesData:
    comp = election._compiled
    data = getattr(comp, "_mes_data", None)
    if data is None:
        data = _MesData(comp)
        comp._mes_data = data  # type: ignore[attr-defined]
    return data


def method_of_equal_shares(election: Election) -> AllocationResult:
    """MES with cost utilities (pabutools ``method_of_equal_shares`` with ``Cost_Sat``).

    Selected projects are listed in the order MES funds them. See the module docstring.
    """
    data = _mes_data(election)
    comp = data.comp
    b0 = comp.budget / comp.n_voters if comp.n_voters else Fraction(0)
    explanations: dict[str, ProjectExplanation] = {}
    if comp.n_voters == 0:
        for i in range(len(comp.ids)):
            explanations[comp.ids[i]] = _plain(comp, i, Reason.NO_SUPPORTERS)
        return _result("mes", comp, [], explanations, b0)
    run = _MesRun(data, b0, None)
    run.explain(explanations)
    return _result("mes", comp, [data.proj[s] for s in run.selected], explanations, b0)


def mes_add1(
    election: Election, *, increment: Money = 1, complete: bool = True
) -> AllocationResult:
    """MES with the "add one" completion, then greedy for what is left (pabutools
    ``completion_by_rule_combination`` of MES with ``voter_budget_increment=1`` and greedy).

    ``increment`` is in the unit of the costs: with costs in fen and a "one yuan per voter"
    step, pass ``increment=100``. Each step reruns MES from scratch (as pabutools does), so the
    running time grows with the number of steps. ``complete=False`` skips the greedy step.
    """
    data = _mes_data(election)
    comp = data.comp
    step = _as_money(increment, "increment")
    if step <= 0:
        raise ElectionError("increment must be positive")
    explanations: dict[str, ProjectExplanation] = {}
    selected: list[int] = []
    b0 = comp.budget / comp.n_voters if comp.n_voters else Fraction(0)
    steps = 0
    if comp.n_voters == 0:
        for i in range(len(comp.ids)):
            explanations[comp.ids[i]] = _plain(comp, i, Reason.NO_SUPPORTERS)
    else:
        run = _MesRun(data, b0, comp.budget)
        while True:
            remaining = comp.budget - run.spent
            chosen = set(run.selected)
            exhaustive = all(p in chosen or data.cost[p] > remaining for p in range(data.n_proj))
            if exhaustive:
                break
            candidate = _MesRun(data, run.b0 + step, comp.budget)
            if candidate.overspent:
                break
            run = candidate
            steps += 1
        run.explain(explanations)
        selected = [data.proj[s] for s in run.selected]
        b0 = run.b0
    if complete:
        selected += _greedy_fill(comp, selected, Reason.COMPLETION_FUNDED, explanations, True)
    return _result("mes-add1", comp, selected, explanations, b0, steps)


def allocate(election: Election, rule: RuleName | str) -> AllocationResult:
    """Run the named rule: ``"greedy"``, ``"mes"`` or ``"mes-add1"``."""
    if rule == "greedy":
        return greedy(election)
    if rule == "mes":
        return method_of_equal_shares(election)
    if rule == "mes-add1":
        return mes_add1(election)
    raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")


__all__ = [
    "RULES",
    "AllocationResult",
    "BallotError",
    "Election",
    "ElectionError",
    "Money",
    "ProjectExplanation",
    "Reason",
    "allocate",
    "format_money",
    "greedy",
    "mes_add1",
    "method_of_equal_shares",
    "validate_approval_ballot",
    "validate_points_ballot",
]
