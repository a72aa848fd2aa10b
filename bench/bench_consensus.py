"""Benchmark: opinion groups of 50,000 participants x 1,000 statements, ours vs red-dwarf.

Generates seeded votes with planted groups (20-50 votes per participant), writes a Pol.is
export (comments.csv, votes.csv) to a temporary directory, then runs, each as a separate
process measured for wall seconds and peak RSS:

* ours: ``wugong consensus compute DIR`` (or ``python -m wugong.consensus.polis_io DIR``
  when the ``wugong`` command is not installed);
* red-dwarf 0.4.0 (``reddwarf.implementations.polis.run_pipeline``) on the same CSV files,
  with the interpreter given by ``--reddwarf-python`` / ``$REDDWARF_PYTHON``, or this one if it
  can import ``reddwarf``; skipped otherwise (red-dwarf is not a project dependency).

Prints one figure per line, e.g. ``ours_seconds 3.2``. Targets: ours < 5 s and < 1 GB.

    python bench/bench_consensus.py [--participants 50000] [--statements 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def measure(cmd: list[str], stdout_path: Path, cwd: Path | None = None) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB) of that process alone."""
    with stdout_path.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def adjusted_rand_index(a: list[int], b: list[int]) -> float:
    import numpy as np

    _, ia = np.unique(np.asarray(a), return_inverse=True)
    _, ib = np.unique(np.asarray(b), return_inverse=True)
    table = np.zeros((ia.max() + 1, ib.max() + 1), dtype=np.int64)
    np.add.at(table, (ia, ib), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) // 2).sum())

    total = pairs(np.array([len(ia)]))
    index, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / total if total else 0.0
    maximum = (rows + cols) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


def our_command(directory: Path) -> list[str]:
    wugong = Path(sys.executable).with_name("wugong")
    if wugong.exists():
        return [str(wugong), "consensus", "compute", str(directory)]
    found = shutil.which("wugong")
    if found:
        return [found, "consensus", "compute", str(directory)]
    return [sys.executable, "-m", "wugong.consensus.polis_io", str(directory)]


def reddwarf_python(explicit: str | None) -> str | None:
    candidates = [explicit, os.environ.get("REDDWARF_PYTHON"), sys.executable]
    for python in candidates:
        if not python:
            continue
        ok = subprocess.run(
            [python, "-c", "import reddwarf.implementations.polis"],
            capture_output=True,
        )
        if ok.returncode == 0:
            return python
    return None


def run_reddwarf(directory: Path, seed: int) -> None:
    """Child mode: red-dwarf on a Pol.is export; print the same JSON shape as ours."""
    import warnings

    import pandas as pd
    from reddwarf.implementations.polis import run_pipeline

    warnings.filterwarnings("ignore")
    comments = pd.read_csv(directory / "comments.csv")
    votes = pd.read_csv(
        directory / "votes.csv", usecols=["timestamp", "comment-id", "voter-id", "vote"]
    )
    # red-dwarf's loader keeps each participant's most recent vote on a statement.
    votes = votes.sort_values("timestamp", ascending=False, kind="stable")
    votes = votes.drop_duplicates(["voter-id", "comment-id"], keep="first")
    records = [
        {"participant_id": p, "statement_id": s, "vote": v}
        for p, s, v in zip(votes["voter-id"], votes["comment-id"], votes["vote"], strict=True)
    ]
    mod_out = comments.loc[comments["moderated"] == -1, "comment-id"].astype(int).tolist()
    result = run_pipeline(votes=records, mod_out_statement_ids=mod_out, random_state=seed)
    df = result.participants_df
    clustered = df[df["to_cluster"]]
    out = {
        "groups": {
            str(p): int(g) for p, g in zip(clustered.index, clustered["cluster_id"], strict=True)
        },
        "consensus": {k: [int(s["tid"]) for s in v] for k, v in result.consensus.items()},
        "repness": {str(g): [int(s["tid"]) for s in v] for g, v in result.repness.items()},
    }
    sys.stdout.write(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--statements", type=int, default=1_000)
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reddwarf-python", default=None)
    parser.add_argument("--skip-reddwarf", action="store_true")
    parser.add_argument("--run-reddwarf", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_reddwarf:
        run_reddwarf(args.run_reddwarf, args.seed)
        return

    from wugong.consensus.pipeline import make_planted_votes
    from wugong.consensus.polis_io import Comment, VoteTable, write_export

    data = make_planted_votes(
        args.participants, args.statements, args.groups, (20, 50), seed=args.seed
    )
    planted = data.planted.tolist()
    comments = [
        Comment(comment_id=i, body=f"第 {i} 条意见, statement {i}", author_id=i % 97)
        for i in range(args.statements)
    ]
    with tempfile.TemporaryDirectory(prefix="bench-consensus-") as tmp:
        directory = Path(tmp) / "export"
        votes = VoteTable(data.timestamps, data.statement_ids, data.voter_ids, data.votes)
        write_export(directory, comments, votes)
        print(f"votes {len(votes)}")
        print(f"votes_csv_mb {(directory / 'votes.csv').stat().st_size / 1e6:.0f}")

        cmd = our_command(directory)
        print(f"ours_command {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}")
        seconds, peak = measure(cmd, Path(tmp) / "ours.json", cwd=ROOT)
        ours = json.loads((Path(tmp) / "ours.json").read_text())
        ids = [int(p) for p in ours["groups"]]
        ours_ari = adjusted_rand_index([planted[p] for p in ids], list(ours["groups"].values()))
        print(f"ours_seconds {seconds:.2f}")
        print(f"ours_peak_mb {peak:.0f}")
        print(f"ours_groups {len(set(ours['groups'].values()))}")
        print(f"ours_ari {ours_ari:.3f}")

        python = None if args.skip_reddwarf else reddwarf_python(args.reddwarf_python)
        if python is None:
            print("reddwarf_skipped true")
            return
        cmd = [python, str(Path(__file__).resolve()), "--run-reddwarf", str(directory)]
        cmd += ["--seed", str(args.seed)]
        seconds, peak = measure(cmd, Path(tmp) / "reddwarf.json")
        theirs = json.loads((Path(tmp) / "reddwarf.json").read_text())
        ids = [int(p) for p in theirs["groups"]]
        rd_ari = adjusted_rand_index([planted[p] for p in ids], list(theirs["groups"].values()))
        print(f"reddwarf_seconds {seconds:.2f}")
        print(f"reddwarf_peak_mb {peak:.0f}")
        print(f"reddwarf_groups {len(set(theirs['groups'].values()))}")
        print(f"reddwarf_ari {rd_ari:.3f}")
        same_people = ours["groups"].keys() == theirs["groups"].keys()
        if same_people:
            keys = list(ours["groups"])
            agreement = adjusted_rand_index(
                [ours["groups"][k] for k in keys], [theirs["groups"][k] for k in keys]
            )
            print(f"groups_ari_ours_vs_reddwarf {agreement:.3f}")
        print(f"consensus_equal {str(ours['consensus'] == theirs['consensus']).lower()}")
        print(f"repness_equal {str(ours['repness'] == theirs['repness']).lower()}")


if __name__ == "__main__":
    main()
