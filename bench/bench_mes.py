"""Benchmark: our MES / MES-add1 / greedy against pabutools on 100 projects x 100,000 voters.

Usage: ``python bench/bench_mes.py [--seed N] [--voters N] [--projects N] [--timeout S]
[--no-pabutools]``. Prints one figure per line (``name value``), e.g. ``mes_seconds 0.41``.

The instance (seeded, numpy ``default_rng``) imitates a county-wide vote:

* costs: log-uniform between 20,000 and 800,000 yuan, rounded to 1,000;
* budget: 30 % of the total cost, rounded to 10,000 (so MES runs dozens of rounds);
* projects: 80 % belong to one of 5 villages, 20 % are county-wide; each project has a
  popularity drawn from lognormal(0, 1);
* voters: each lives in one of the 5 villages (uniform) and approves ``1 + Poisson(3)``
  projects (at most 10, mean about 4), drawn without replacement with probability proportional
  to popularity x 4 for projects of their own village, x 2 for county-wide ones (Gumbel top-k).

Every measurement runs in a fresh subprocess (the instance is generated once and pickled), so
``*_peak_mb`` is that process's peak resident memory (``ru_maxrss``: interpreter, numpy, the
instance as Python lists and the rule). Our timings start from plain Python data (dict of costs,
list of ballots) and include building the :class:`Election`; pabutools' timings exclude
building its Instance and ApprovalProfile. pabutools runs get ``--timeout`` seconds (default
120); a run that does not finish is reported as ``did not finish in 120 s``. The selections are
checked to be identical (same projects, same order) wherever pabutools finishes; the script
exits with status 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Instance = tuple[dict[str, int], int, list[list[str]]]


def generate(seed: int = 2024, n_projects: int = 100, n_voters: int = 100_000) -> Instance:
    """The seeded random approval instance described in the module docstring."""
    rng = np.random.default_rng(seed)
    low, high = np.log(20_000), np.log(800_000)
    costs = np.round(np.exp(rng.uniform(low, high, n_projects)), -3).astype(np.int64)
    ids = [f"P{i:03d}" for i in range(1, n_projects + 1)]
    n_villages = 5
    village = rng.integers(0, n_villages, n_projects)
    village[rng.random(n_projects) < 0.2] = -1  # county-wide projects
    log_popularity = np.log(rng.lognormal(0.0, 1.0, n_projects))
    home = rng.integers(0, n_villages, n_voters)
    sizes = np.minimum(1 + rng.poisson(3.0, n_voters), min(10, n_projects))
    ballots: list[list[str]] = []
    for start in range(0, n_voters, 10_000):
        stop = min(n_voters, start + 10_000)
        boost = np.where(village[None, :] == home[start:stop, None], np.log(4.0), 0.0)
        boost[:, village == -1] = np.log(2.0)
        keys = log_popularity[None, :] + boost + rng.gumbel(size=(stop - start, n_projects))
        top = np.argsort(-keys, axis=1)[:, :10]
        for row, size in zip(top.tolist(), sizes[start:stop].tolist(), strict=True):
            ballots.append([ids[j] for j in row[:size]])
    budget = int(round(int(costs.sum()) * 0.3, -4))
    return dict(zip(ids, costs.tolist(), strict=True)), budget, ballots


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _worker(kind: str, path: str) -> dict[str, Any]:
    with open(path, "rb") as handle:
        costs, budget, ballots = pickle.load(handle)
    if kind.startswith("ours-"):
        from wugong.budgeting.allocation import Election, greedy, mes_add1, method_of_equal_shares

        rule = {"mes": method_of_equal_shares, "mes-add1": mes_add1, "greedy": greedy}
        start = time.perf_counter()
        result = rule[kind.removeprefix("ours-")](Election(costs, budget, ballots))
        seconds = time.perf_counter() - start
        extra = {"steps": result.add1_steps, "budget_used": str(result.budget_used)}
        selected = list(result.selected)
    else:
        from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Project
        from pabutools.election import Instance as PbInstance
        from pabutools.rules import (
            completion_by_rule_combination,
            greedy_utilitarian_welfare,
            method_of_equal_shares,
        )

        projects = {pid: Project(pid, cost) for pid, cost in costs.items()}
        instance = PbInstance(projects.values(), budget_limit=budget)
        profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots])
        start = time.perf_counter()
        if kind == "pabutools-mes":
            outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
        elif kind == "pabutools-greedy":
            outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
        else:
            outcome = completion_by_rule_combination(
                instance,
                profile,
                [method_of_equal_shares, greedy_utilitarian_welfare],
                [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
            )
        seconds = time.perf_counter() - start
        selected = [p.name for p in outcome]
        extra = {}
    return {"seconds": seconds, "peak_mb": _peak_mb(), "selected": selected, **extra}


def _measure(kind: str, path: Path, timeout: float | None) -> dict[str, Any] | None:
    """Run one measurement in a fresh process; None if it did not finish in time."""
    command = [sys.executable, __file__, "--worker", kind, str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(exc.stderr)
        raise
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _has_pabutools() -> bool:
    try:
        import pabutools  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=120.0, help="limit for pabutools runs")
    parser.add_argument("--no-pabutools", action="store_true", help="only time our rules")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(*args.worker)))
        return 0

    def show(name: str, value: object) -> None:
        if isinstance(value, float):
            value = f"{value:.3g}" if value < 100 else f"{value:.0f}"
        print(f"{name} {value}", flush=True)

    costs, budget, ballots = generate(args.seed, args.projects, args.voters)
    show("instance_projects", len(costs))
    show("instance_voters", len(ballots))
    show("instance_budget", budget)
    show("instance_total_cost", sum(costs.values()))
    show("instance_mean_ballot_size", sum(map(len, ballots)) / len(ballots))
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "instance.pickle"
        with open(path, "wb") as handle:
            pickle.dump((costs, budget, ballots), handle, protocol=pickle.HIGHEST_PROTOCOL)
        ours: dict[str, dict[str, Any]] = {}
        for rule in ("mes", "mes-add1", "greedy"):
            result = _measure(f"ours-{rule}", path, None)
            assert result is not None
            ours[rule] = result
            key = rule.replace("-", "_")
            show(f"{key}_seconds", result["seconds"])
            show(f"{key}_peak_mb", result["peak_mb"])
            show(f"{key}_selected", len(result["selected"]))
            show(f"{key}_budget_used", result["budget_used"])
            if rule == "mes-add1":
                show("mes_add1_steps", result["steps"])
        if args.no_pabutools or not _has_pabutools():
            show("pabutools", "skipped")
            return 0
        for rule in ("mes", "greedy", "mes-add1"):
            key = rule.replace("-", "_")
            theirs = _measure(f"pabutools-{rule}", path, args.timeout)
            if theirs is None:
                show(f"pabutools_{key}_seconds", f"did not finish in {args.timeout:.0f} s")
                show(f"{key}_speedup_at_least", args.timeout / ours[rule]["seconds"])
                continue
            same = theirs["selected"] == ours[rule]["selected"]
            ok = ok and same
            show(f"pabutools_{key}_seconds", theirs["seconds"])
            show(f"pabutools_{key}_peak_mb", theirs["peak_mb"])
            show(f"{key}_speedup", theirs["seconds"] / ours[rule]["seconds"])
            show(f"{key}_identical", "yes" if same else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
