"""Benchmark: tally a for/against/abstain vote of 1,000,000 online ballots.

    .venv/bin/python bench/bench_tally.py [--ballots N] [--only sqlite|postgresql]

Builds the ballots with set-based INSERT … SELECT (a recursive CTE on SQLite, generate_series
on PostgreSQL) into a SQLite file under /tmp and the PostgreSQL database wugong_bench_votes
(created if missing; its vote tables are emptied first), then times ``vote_result`` — the same
code the results page runs: one GROUP BY over the (vote, option, value) index, then the pure
``tally_motion`` — and prints the median of 5 runs, one line per database:

    sqlite_tally_1m_ms 123.4
    postgresql_tally_1m_ms 98.7

Each database runs in a child process, since the settings read DATABASE_URL at start.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = Path("/tmp/wugong_bench_votes.sqlite3")
PG_NAME = "wugong_bench_votes"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")


def _pg_create_if_missing() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')


def _child(vendor: str, n: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from wugong.places.models import Place
    from wugong.voting.models import Vote, VoteOption
    from wugong.voting.selectors import vote_result

    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute(
                "TRUNCATE voting_ballotchoice, voting_ballot, voting_offlinecount, "
                "voting_offlinetally, voting_rollentry, voting_voteoption, voting_vote CASCADE"
            )
        else:
            for table in (
                "voting_ballotchoice",
                "voting_ballot",
                "voting_offlinecount",
                "voting_rollentry",
                "voting_offlinetally",
                "voting_voteoption",
                "voting_vote",
            ):
                cur.execute(f"DELETE FROM {table}")
    place = Place.objects.filter(path="/bench/").first() or Place.objects.create(
        name="基准测试村", kind="village", path="/bench/", depth=0
    )
    now = timezone.now()
    vote = Vote.objects.create(
        place=place,
        place_path=place.path,
        title="百万票基准",
        method="motion",
        unit="person",
        status="closed",
        opens_at=now - timezone.timedelta(days=1),
        closes_at=now,
        preset="village_assembly",
        roll_size=n + n // 5,
    )
    opts = [
        VoteOption.objects.create(vote=vote, label=label, code=code, position=i)
        for i, (code, label) in enumerate(
            [("for", "赞成"), ("against", "反对"), ("abstain", "弃权")], start=1
        )
    ]
    f, a, ab = (o.pk for o in opts)
    started = time.perf_counter()
    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute(
                "INSERT INTO voting_ballot (id, vote_id, entry_id, receipt, size) "
                "SELECT i, %s, NULL, 'B' || lpad(i::text, 9, '0'), 1 "
                "FROM generate_series(1, %s) AS i",
                [vote.pk, n],
            )
            cur.execute(
                "INSERT INTO voting_ballotchoice (ballot_id, option_id, vote_id, value) "
                "SELECT i, CASE WHEN i %% 10 < 6 THEN %s WHEN i %% 10 < 9 THEN %s ELSE %s END, "
                "%s, 1 FROM generate_series(1, %s) AS i",
                [f, a, ab, vote.pk, n],
            )
        else:
            series = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %s) "
            cur.execute(
                series + "INSERT INTO voting_ballot (id, vote_id, entry_id, receipt, size) "
                "SELECT i, %s, NULL, printf('B%%09d', i), 1 FROM s",
                [n, vote.pk],
            )
            cur.execute(
                series + "INSERT INTO voting_ballotchoice (ballot_id, option_id, vote_id, value) "
                "SELECT i, CASE WHEN i %% 10 < 6 THEN %s WHEN i %% 10 < 9 THEN %s ELSE %s END, "
                "%s, 1 FROM s",
                [n, f, a, ab, vote.pk],
            )
    if vendor == "postgresql":
        old = connection.connection.autocommit
        connection.connection.autocommit = True
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE voting_ballotchoice")
            cur.execute("VACUUM ANALYZE voting_ballot")
        connection.connection.autocommit = old
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    built = time.perf_counter() - started
    print(f"# {vendor}: {n} ballots inserted in {built:.1f} s", file=sys.stderr)
    result = vote_result(vote=vote)  # warm the cache once
    assert result["participants"] == n, result
    times = []
    for _run in range(5):
        t0 = time.perf_counter()
        result = vote_result(vote=vote)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"# {vendor}: {result['outcome_label']}; runs {[round(t, 1) for t in times]}",
        file=sys.stderr,
    )
    label = "1m" if n == 1_000_000 else str(n)
    print(f"{vendor}_tally_{label}_ms {statistics.median(times):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.ballots)
        return
    runs = {
        "sqlite": f"sqlite:///{SQLITE_PATH}",
        "postgresql": f"{PG_SERVER}/{PG_NAME}",
    }
    for vendor, url in runs.items():
        if args.only and vendor != args.only:
            continue
        if vendor == "postgresql":
            _pg_create_if_missing()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "WUGONG_DATA_DIR": "/tmp/wugong-bench-votes",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret"),
            "ALLOWED_HOSTS": "localhost",
        }
        Path("/tmp/wugong-bench-votes").mkdir(exist_ok=True)
        out = subprocess.run(
            [sys.executable, __file__, "--child", vendor, "--ballots", str(args.ballots)],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        sys.stdout.write(out.stdout)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
