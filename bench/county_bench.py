"""The demo county on PostgreSQL for the load benchmarks (bench_mixed.py, bench_pageweight.py):
loaded once into the database ``wugong_bench_county`` and reused while the demo's parts and the
migrations stay the same; residents with tokens and sessions, and open votes, from
county_setup.py."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from serverproc import ROOT, bench_env, pg_database, wugong

DATA = Path("/tmp/wugong-bench/county")
RESIDENTS = 4000


def _fingerprint() -> str:
    """Changes when the demo or the schema does: then the county is loaded afresh."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "wugong").glob("*/demo.py")) + sorted(
        (ROOT / "wugong").glob("*/migrations/0*.py")
    ):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def county() -> tuple[dict[str, str], dict[str, Any]]:
    """(server environment, setup) for the bench county, loading it if needed."""
    DATA.mkdir(parents=True, exist_ok=True)
    marker = DATA / "setup.json"
    fingerprint = _fingerprint()
    setup = json.loads(marker.read_text()) if marker.exists() else {}
    fresh = setup.get("fingerprint") != fingerprint
    url = pg_database("wugong_bench_county", fresh=fresh)
    env = bench_env(url, str(DATA))
    if fresh:
        wugong(["migrate", "-v0"], env)
        wugong(["createcachetable"], env)
        wugong(["demo"], env)
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "county_setup.py"), str(RESIDENTS)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        setup = json.loads(out.stdout.strip().splitlines()[-1])
        setup["fingerprint"] = fingerprint
        marker.write_text(json.dumps(setup))
    return env, setup


def residents(setup: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(setup["residents"]).read_text().splitlines()]


def reset_ballots(url: str) -> None:
    """Un-vote the bench votes, so every run casts first ballots again."""
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(
            "DELETE FROM voting_ballotchoice WHERE vote_id IN "
            "(SELECT id FROM voting_vote WHERE title = '压测表决：村道亮化')"
        )
        c.execute(
            "DELETE FROM voting_ballot WHERE vote_id IN "
            "(SELECT id FROM voting_vote WHERE title = '压测表决：村道亮化')"
        )
        c.execute(
            "UPDATE voting_rollentry SET voted_at = NULL, channel = '' WHERE vote_id IN "
            "(SELECT id FROM voting_vote WHERE title = '压测表决：村道亮化')"
        )
