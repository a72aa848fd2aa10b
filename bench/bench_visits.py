"""Benchmark: the two visit reads that must stay fast at a million key households.

For each backend, in its own process (``DATABASE_URL`` set before ``django.setup()``):

* SQLite: a database file (default ``/tmp/wugong-bench/visits-<N>.sqlite3``);
* PostgreSQL: database ``wugong_bench_visits`` on 127.0.0.1:5432 (created if missing; skipped
  with a note when the server cannot be reached; ``--pg-url`` to point elsewhere).

Each database is migrated and filled by bulk inserts (COPY on PostgreSQL): a county of 10
towns × 50 villages, 10 micro-grids of 200 households per village, N households (all key
households, so every one has a schedule row: the worst case), and 5 × N visit records spread
over the last 60 days. Reused when it already holds exactly N households from an earlier run.
Then, with warm caches, the median of ``--runs`` timings of:

* ``due_visits``: a grid worker's to-do list as the page shows it: the first 50 households by
  due date (``visit_selectors.visit_todo``, materialised with heads and places) and the count
  of overdue ones: index range scans on (grid, next_due_at);
* ``county_coverage``: the county's coverage figures, total and per town
  (``visit_selectors.visit_coverage``): aggregates over indexed place-path ranges.

Prints one figure per line, e.g. ``sqlite_due_visits_ms 1.2``. Targets: 50 ms and 500 ms.

    python bench/bench_visits.py [--households 1000000] [--quick] [--runs 9]
                                 [--backend sqlite|postgresql|both] [--explain]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = Path(os.environ.get("WUGONG_BENCH_DIR", "/tmp/wugong-bench"))
PG_URL = "postgres://postgres@127.0.0.1:5432/wugong_bench_visits"
TARGETS = {"due_visits": 50.0, "county_coverage": 500.0}
TOWNS, VILLAGES, GRIDS_PER_VILLAGE = 10, 50, 10
VISITS_PER_HOUSEHOLD = 5


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


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _insert(table: str, columns: list[str], rows, batch: int = 20_000) -> None:  # type: ignore[no-untyped-def]
    """Bulk insert: COPY on PostgreSQL, executemany in big transactions on SQLite."""
    from django.db import connection, transaction

    if connection.vendor == "postgresql":
        cols = ", ".join(columns)
        with connection.cursor() as cur:
            raw = cur.cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    chunk: list = []
    with connection.cursor() as cur:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                with transaction.atomic():
                    cur.executemany(sql, chunk)
                chunk = []
        if chunk:
            with transaction.atomic():
                cur.executemany(sql, chunk)


def generate(households: int, seed: int, now: dt.datetime) -> None:
    """The county, grids, households, schedules and visits, by bulk inserts."""
    from django.db import connection

    from wugong.people.models import Person
    from wugong.places.models import MicroGrid
    from wugong.places.services import place_create
    from wugong.upkeep.models import Visit, VisitDue

    rng = random.Random(seed)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")
    county = place_create(name="竹山县", kind="county", parent=None)
    villages = []
    for t in range(TOWNS):
        town = place_create(name=f"镇{t + 1}", kind="town", parent=county)
        for v in range(VILLAGES):
            villages.append(place_create(name=f"村{t + 1}-{v + 1}", kind="village", parent=town))
    per_grid = max(1, households // (len(villages) * GRIDS_PER_VILLAGE))
    grids = MicroGrid.objects.bulk_create(
        MicroGrid(name=f"网格{g + 1}", place=v, place_path=v.path)
        for v in villages
        for g in range(GRIDS_PER_VILLAGE)
    )
    workers = Person.objects.bulk_create(
        Person(name=f"网格员{i}", sex="F", sort_key=f"wgy{i:06d}") for i in range(len(grids))
    )
    grid_of = [(g.pk, g.place_id, g.place_path) for g in grids]
    first_id = 1_000_000_000

    def grid_at(i: int) -> tuple[int, int, str]:
        return grid_of[min(i // per_grid, len(grid_of) - 1)]

    started = time.perf_counter()
    _insert(
        "people_household",
        [
            "id",
            "place_id",
            "place_path",
            "address",
            "grid_id",
            "unit",
            "is_centre",
            "sort_key",
            "created_at",
        ],
        (
            (
                first_id + i,
                grid_at(i)[1],
                grid_at(i)[2],
                f"{i}号",
                grid_at(i)[0],
                "",
                False,
                f"h{i:08d}",
                now,
            )
            for i in range(households)
        ),
    )
    log(f"  households in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    visit_rows = []

    def schedules():  # type: ignore[no-untyped-def]
        for i in range(households):
            last = now - dt.timedelta(minutes=rng.randrange(0, 10 * 24 * 60))
            visit_rows.append(last)
            grid, _place, path = grid_at(i)
            yield (
                first_id + i,
                path,
                grid,
                5,
                last,
                last + dt.timedelta(days=5),
                VISITS_PER_HOUSEHOLD,
                VISITS_PER_HOUSEHOLD - 1,
                now,
            )

    _insert(
        VisitDue._meta.db_table,
        [
            "household_id",
            "place_path",
            "grid_id",
            "interval_days",
            "last_visited_at",
            "next_due_at",
            "visits",
            "visits_on_time",
            "updated_at",
        ],
        schedules(),
    )
    log(f"  schedules in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()

    def visits():  # type: ignore[no-untyped-def]
        n = 0
        for i in range(households):
            _grid, _place, path = grid_at(i)
            worker = workers[min(i // per_grid, len(workers) - 1)].pk
            at = visit_rows[i]
            for k in range(VISITS_PER_HOUSEHOLD):
                when = at - dt.timedelta(days=12 * k)
                yield (
                    first_id + i,
                    path,
                    worker,
                    "grid_worker",
                    "home",
                    when,
                    when,
                    k != 2,
                    "",
                    "",
                    f"bench-{n:012d}",
                    now,
                )
                n += 1

    _insert(
        Visit._meta.db_table,
        [
            "household_id",
            "place_path",
            "visitor_id",
            "visitor_role",
            "how",
            "visited_at",
            "due_at",
            "on_time",
            "found",
            "help_given",
            "idempotency_key",
            "created_at",
        ],
        visits(),
    )
    log(f"  visits in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def worker(backend: str, households: int, seed: int, runs: int, explain: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from wugong.people.models import Household
    from wugong.people.rules import Assignment, Viewer
    from wugong.places.models import MicroGrid, Place
    from wugong.upkeep import visit_selectors
    from wugong.upkeep.models import Visit

    call_command("migrate", verbosity=0, interactive=False)
    now = timezone.now()
    have = Household.objects.count()
    if have != households:
        if have:
            log(f"{backend}: {have:,} households present; use a fresh database")
            sys.exit(1)
        log(f"{backend}: generating {households:,} households …")
        generate(households, seed, now)
    else:
        log(f"{backend}: reusing the {households:,} households already there")
    log(f"{backend}: {Visit.objects.count():,} visits")
    county = Place.objects.get(kind="county")
    grid = MicroGrid.objects.order_by("id")[len(MicroGrid.objects.all()) // 2]
    grid_viewer = Viewer(
        user_id=0,
        person_id=None,
        household_id=None,
        assignments=(Assignment("grid_worker", grid.place_id, grid.place_path, grid.pk),),
    )
    county_viewer = Viewer(
        user_id=0,
        person_id=None,
        household_id=None,
        assignments=(Assignment("county_supervisor", county.pk, county.path),),
    )

    def due_visits() -> object:
        page = list(visit_selectors.visit_todo(viewer=grid_viewer)[:50])
        assert page, "empty to-do list"
        overdue = visit_selectors.visit_overdue_count(viewer=grid_viewer, now=now)
        return [(d.household.address, d.household.place.name) for d in page], overdue

    def county_coverage() -> object:
        total, rows = visit_selectors.visit_coverage(viewer=county_viewer, place=county, now=now)
        assert total.key_households == households, total
        return total, rows

    if explain:
        plan = visit_selectors.visit_todo(viewer=grid_viewer)[:50].explain()
        log(f"--- {backend} due list:\n{plan}")
    for name, fn in (("due_visits", due_visits), ("county_coverage", county_coverage)):
        for _ in range(3):
            fn()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        print(f"{connection.vendor}_{name}_ms {median:.1f}", flush=True)
        if median > TARGETS[name]:
            log(f"{connection.vendor}_{name}_ms misses the {TARGETS[name]:.0f} ms target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 households, 5 runs")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("WUGONG_BENCH_VISITS_PG_URL", PG_URL))
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
        env["WUGONG_DATA_DIR"] = str(OUT)
        if backend == "sqlite":
            path = args.sqlite_path or OUT / f"visits-{args.households}.sqlite3"
            env["DATABASE_URL"] = f"sqlite:///{path}"
        else:
            url = args.pg_url if not args.quick else args.pg_url + "_quick"
            problem = pg_ensure(url)
            if problem:
                print(f"# postgresql skipped: {url} unreachable ({problem})")
                continue
            env["DATABASE_URL"] = url
        cmd = [sys.executable, __file__, "--worker", backend]
        cmd += ["--households", str(args.households), "--runs", str(args.runs)]
        cmd += ["--seed", str(args.seed)] + (["--explain"] if args.explain else [])
        result = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
        failed = failed or result.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
