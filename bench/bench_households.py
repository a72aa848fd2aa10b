"""Benchmark: the two household reads that must stay fast at a million households.

For each backend, in its own process (``DATABASE_URL`` set before ``django.setup()``):

* SQLite: a database file (default ``/tmp/wugong-bench/households-<N>.sqlite3``);
* PostgreSQL: database ``wugong_bench`` on 127.0.0.1:5432 (created if missing; skipped with a
  note when the server cannot be reached; ``--pg-url`` to point elsewhere).

Each database is migrated and filled with ``wugong seed --households N`` (the demo county's
generator), unless it already holds exactly N households from an earlier run. Then, with warm
caches, the median of ``--runs`` timings of:

* ``town_first_page``: the first 20 households of a town in pinyin order, as a town
  supervisor sees them (``selectors.household_page(viewer=…, place=town, page_number=1)``,
  with the paginator's count, materialised
  with heads, places, grids and tags);
* ``county_key_counts``: key households of the whole county by tag
  (``selectors.key_household_counts``, read from the per-place rollup), as a county
  supervisor.

Prints one figure per line, e.g. ``sqlite_town_first_page_ms 3.2``. Target: each < 50 ms.
``--explain`` also prints each query's plan to stderr.

    python bench/bench_households.py [--households 1000000] [--quick] [--runs 9]
                                     [--backend sqlite|postgresql|both] [--explain]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = Path(os.environ.get("WUGONG_BENCH_DIR", "/tmp/wugong-bench"))
PG_URL = "postgres://postgres@127.0.0.1:5432/wugong_bench"
TARGET_MS = 50.0


def pg_ensure(url: str) -> str | None:
    """Create the benchmark database if missing; return why PostgreSQL is unusable, or None."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    try:
        with psycopg.connect(f"{base}/postgres", connect_timeout=3, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as e:
        return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return None


def worker(backend: str, households: int, seed: int, runs: int, explain: bool) -> None:
    """Runs inside the per-backend process: seed if needed, then time the two reads."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from wugong.people import selectors
    from wugong.people.models import Household
    from wugong.people.rules import Assignment, Viewer
    from wugong.places.models import Place

    call_command("migrate", verbosity=0, interactive=False)
    have = Household.objects.count()
    if have != households:
        log(f"{backend}: {have:,} households present, seeding {households:,} …")
        started = time.perf_counter()
        call_command("seed", households=households, seed=seed, flush=bool(have) or None)
        log(f"{backend}: seeded in {time.perf_counter() - started:.0f} s")
    elif Place.objects.filter(kind="town").exists():
        log(f"{backend}: reusing the {households:,} households already there")

    town = Place.objects.filter(kind="town").order_by("id").first()
    county = Place.objects.get(kind="county")

    def viewer_at(role: str, place: Place) -> Viewer:
        a = Assignment(role, place.pk, place.path)
        return Viewer(user_id=0, person_id=None, household_id=None, assignments=(a,))

    town_viewer = viewer_at("town_supervisor", town)
    county_viewer = viewer_at("county_supervisor", county)

    def first_page() -> object:
        page = list(selectors.household_page(viewer=town_viewer, place=town, page_number=1))
        assert len(page) == 20
        return [(h.head.name, h.place.name, len(h.tags.all())) for h in page]

    def key_counts() -> object:
        counts = selectors.key_household_counts(viewer=county_viewer, place=county)
        assert counts
        return counts

    if explain:
        qs = selectors.household_list(viewer=town_viewer, place=town)[:20]
        log(f"--- {backend} town first page:\n{qs.explain()}")
        from django.db.models import Count

        from wugong.people.models import KeyHouseholdTag
        from wugong.places.paths import subtree_q

        counts_qs = (
            KeyHouseholdTag.objects.filter(subtree_q(county.path, "place_path"))
            .filter(county_viewer.path_q("household.view"))
            .values("tag")
            .annotate(n=Count("id"))
            .order_by()
        )
        log(f"--- {backend} county key counts:\n{counts_qs.explain()}")

    for name, fn in (("town_first_page", first_page), ("county_key_counts", key_counts)):
        for _ in range(3):  # warm the caches (and the connection)
            fn()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        print(f"{connection.vendor}_{name}_ms {median:.1f}", flush=True)
        if median > TARGET_MS:
            log(f"{connection.vendor}_{name}_ms misses the {TARGET_MS:.0f} ms target")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 households, 5 runs")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("WUGONG_BENCH_PG_URL", PG_URL))
    parser.add_argument("--sqlite-path", default=None)
    parser.add_argument("--explain", action="store_true", help="print query plans to stderr")
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.households, args.runs = 20_000, 5
    if args.worker:
        worker(args.worker, args.households, args.seed, args.runs, args.explain)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    failed = False
    for backend in backends:
        env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL")}
        env["WUGONG_DATA_DIR"] = str(OUT)  # the secret key file, nothing else
        if backend == "sqlite":
            path = args.sqlite_path or OUT / f"households-{args.households}.sqlite3"
            env["DATABASE_URL"] = f"sqlite:///{path}"
        else:
            problem = pg_ensure(args.pg_url)
            if problem:
                print(f"# postgresql skipped: {args.pg_url} unreachable ({problem})")
                continue
            env["DATABASE_URL"] = args.pg_url
        cmd = [sys.executable, __file__, "--worker", backend]
        cmd += ["--households", str(args.households), "--runs", str(args.runs)]
        cmd += ["--seed", str(args.seed)] + (["--explain"] if args.explain else [])
        result = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
        failed = failed or result.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
