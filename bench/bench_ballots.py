"""Casting online ballots over HTTP against PostgreSQL and the production server (issue: deciding
together). In the same run, the same figures for the floor any ballot must pay: a minimal
endpoint on the same server that inserts one row under a unique constraint.

    .venv/bin/python bench/bench_ballots.py [--ballots 10000] [--clients 50]

Every ballot comes from a different voter with a bearer token, passes sign-in, eligibility on
the frozen roll, the idempotency lock, the ballot and choice rows and the audit event. Prints one
figure per line. Needs PostgreSQL on 127.0.0.1:5432 (a database `wugong_bench_ballots` is made
afresh).
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadclient import Request, build, run_load
from serverproc import ROOT, Server, bench_env, pg_database, wugong

PORT = 8792


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ballots", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)  # `wugong serve`'s default
    args = ap.parse_args()
    warmup = 500
    try:
        url = pg_database("wugong_bench_ballots", fresh=True)
    except Exception as e:
        print(f"postgresql_unavailable {type(e).__name__}")
        return
    env = bench_env(url, str(Path(tempfile.gettempdir()) / "wugong-bench-data"))
    wugong(["migrate", "-v0"], env)
    setup = json.loads(
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "ballot_setup.py"), str(args.ballots + warmup)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    tokens = Path(setup["tokens"]).read_text().split("\n")
    body = json.dumps({"choices": {str(setup["option"]): 1}}).encode()

    def ballot(token: str) -> Request:
        return Request(
            "POST",
            f"/api/v1/votes/{setup['vote']}/cast",
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            body,
        )

    with Server(env, PORT, workers=args.workers, threads=args.threads):
        run_load(
            "127.0.0.1",
            PORT,
            build(warmup, lambda i: Request("POST", f"/bench/insert?key=warm{i}")),
            args.clients,
        )
        run_load("127.0.0.1", PORT, [ballot(t) for t in tokens[:warmup]], args.clients)
        floor = run_load(
            "127.0.0.1",
            PORT,
            build(args.ballots, lambda i: Request("POST", f"/bench/insert?key=k{i}")),
            args.clients,
        )
        ballots = run_load("127.0.0.1", PORT, [ballot(t) for t in tokens[warmup:]], args.clients)
    Path(setup["tokens"]).unlink()
    counted = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
            "'config.settings');django.setup();from wugong.voting.models import RollEntry;"
            f"print(RollEntry.objects.filter(vote_id={setup['vote']}).exclude(voted_at=None)"
            ".count())",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print(f"server granian_workers={args.workers} threads={args.threads} clients={args.clients}")
    print(f"minimal_insert_throughput_rps {floor.throughput:.0f}")
    print(f"minimal_insert_p50_ms {floor.p50:.1f}")
    print(f"minimal_insert_p99_ms {floor.p99:.1f}")
    print(f"minimal_insert_errors {floor.errors}")
    print(f"ballots_throughput_rps {ballots.throughput:.0f}")
    print(f"ballots_p50_ms {ballots.p50:.1f}")
    print(f"ballots_p99_ms {ballots.p99:.1f}")
    print(f"ballots_errors {ballots.errors}")
    print(f"ballots_counted {int(counted) - warmup}")
    print(f"ballots_share_of_minimal {ballots.throughput / floor.throughput:.2f}")


if __name__ == "__main__":
    main()
