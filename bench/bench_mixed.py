"""A mixed day at a county (issue: production, scale and hardening): the production server
(`wugong serve`) on PostgreSQL with the demo county loaded, kept busy by 50 and then 200
concurrent users for 60 s each. Of every 20 requests: 16 browse (public pages — home, notice
boards, projects and their accounts, report cards — and a signed-in resident's pages: home,
votes, a vote, needs), 2 cast a ballot (a first ballot, each from a different voter, over the
API with a bearer token), 1 reports a problem (API), 1 looks at points (API).

    .venv/bin/python bench/bench_mixed.py [--seconds 60] [--users 50 200]

Prints one figure per line: throughput, p50, p99 and errors per concurrency, and p99 per kind.
The first run loads the demo county into PostgreSQL (`wugong_bench_county`, about a minute).
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from county_bench import county, reset_ballots, residents
from loadclient import Request, run_for
from serverproc import Server

PORT = 8794


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--users", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    try:
        env, setup = county()
    except Exception as e:
        print(f"postgresql_unavailable {type(e).__name__}")
        return
    people = residents(setup)
    public = setup["public"]
    signed_in = ["/", "/votes/", "/needs/", "/upkeep/reports/"]

    def browse(i: int) -> Request:
        if i % 2:
            return Request("GET", public[i % len(public)], kind="browse")
        who = people[i % len(people)]
        paths = [*signed_in, f"/votes/{who['vote']}/"]
        return Request(
            "GET", paths[i % len(paths)], {"Cookie": f"sessionid={who['session']}"}, kind="browse"
        )

    ballots = iter(range(10**9))

    def vote(i: int) -> Request:
        who = people[next(ballots) % len(people)]
        body = json.dumps({"choices": {str(who["option"]): 1}}).encode()
        return Request(
            "POST",
            f"/api/v1/votes/{who['vote']}/cast",
            {"Authorization": f"Bearer {who['token']}", "Content-Type": "application/json"},
            body,
            kind="vote",
        )

    def report(i: int) -> Request:
        who = people[i % len(people)]
        body = json.dumps(
            {
                "category": "street_light",
                "text": f"村口路灯不亮（压测{i}）",
                "place_id": who["place"],
            },
            ensure_ascii=False,
        ).encode()
        return Request(
            "POST",
            "/api/v1/upkeep/reports",
            {"Authorization": f"Bearer {who['token']}", "Content-Type": "application/json"},
            body,
            kind="report",
        )

    def points(i: int) -> Request:
        who = people[i % len(people)]
        return Request(
            "GET",
            "/api/v1/points/me",
            {"Authorization": f"Bearer {who['token']}"},
            kind="points",
        )

    def mixed(i: int) -> Request:
        slot = i % 20
        if slot < 2:
            return vote(i)
        if slot == 2:
            return report(i)
        if slot == 3:
            return points(i)
        return browse(i)

    with Server(env, PORT, workers=args.workers, threads=args.threads):
        run_for("127.0.0.1", PORT, browse, 20, 5)  # warm up the workers
        for users in args.users:
            reset_ballots(env["DATABASE_URL"])
            r = run_for("127.0.0.1", PORT, mixed, users, args.seconds)
            print(f"mixed_{users}_users_requests {r.requests}")
            print(f"mixed_{users}_users_rps {r.throughput:.0f}")
            print(f"mixed_{users}_users_p50_ms {r.p50:.1f}")
            print(f"mixed_{users}_users_p99_ms {r.p99:.1f}")
            print(f"mixed_{users}_users_errors {r.errors}")
            for kind, ms in sorted(r.by_kind.items()):
                ordered = sorted(ms)
                p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
                print(f"mixed_{users}_users_{kind}_requests {len(ms)}")
                print(f"mixed_{users}_users_{kind}_p99_ms {p99:.1f}")
                print(f"mixed_{users}_users_{kind}_errors {r.errors_by_kind.get(kind, 0)}")
            if r.errors:
                print(f"mixed_{users}_users_statuses {json.dumps(r.statuses)}")


if __name__ == "__main__":
    main()
