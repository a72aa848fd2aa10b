"""Benchmark: building together at scale — 10,000 projects, 1,000,000 contributions.

For each backend, in its own process (``DATABASE_URL`` set before ``django.setup()``):

* SQLite: a database file (default ``/tmp/wugong-bench/projects-<N>.sqlite3``);
* PostgreSQL: database ``wugong_bench_projects`` on 127.0.0.1:5432 (created if missing;
  skipped with a note when the server cannot be reached; ``--pg-url`` to point elsewhere).

Each database is migrated and filled (unless it already holds exactly the requested numbers
from an earlier run): a county of 6 towns × 20 villages, ``--projects`` projects spread over
the villages, ``--contributions`` contributions spread evenly (40 % money, each with its
ledger receipt; 30 % labour; 20 % materials; 5 % land; 5 % demolition), per project a
government and an enterprise receipt and ten spending entries, and the per-project rollups —
written in bulk, with the same figures the services would write (checked on a sample with
``selectors.rollup_mismatches``).

Then, with warm caches, the median of ``--runs`` timings of two full page requests through
the Django test client (middleware, selectors, templates, inline SVG):

* ``programme_view``: ``/projects/programme/<county>/``, the county's figures (target 200 ms);
* ``project_accounts``: ``/projects/<pk>/accounts/``, one project's open accounts with every
  ledger line (target 50 ms), over a rotating sample of projects;
* ``project_page``: ``/projects/<pk>/``, the public project page (figures, charts, timeline,
  honour roll; also held to 50 ms).

Prints one figure per line, e.g. ``sqlite_programme_view_ms 12.3``.

    python bench/bench_projects.py [--projects 10000] [--contributions 1000000] [--quick]
                                   [--runs 15] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
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
PG_URL = "postgres://postgres@127.0.0.1:5432/wugong_bench_projects"
TARGETS = {"programme_view": 200.0, "project_accounts": 50.0, "project_page": 50.0}
BATCH = 5000


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


def fill(projects: int, contributions: int, seed: int) -> None:
    """Write the data set in bulk (see the module docstring)."""
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction

    from wugong.places.models import Place
    from wugong.places.services import place_create
    from wugong.projects.models import (
        Contribution,
        LedgerEntry,
        Project,
        ProjectRollup,
    )

    rng = random.Random(seed)
    county = place_create(name="基准县", kind="county", parent=None)
    villages: list[Place] = []
    for t in range(6):
        town = place_create(name=f"基准镇{t + 1}", kind="town", parent=county)
        for v in range(20):
            villages.append(
                place_create(name=f"基准村{t + 1}-{v + 1}", kind="village", parent=town)
            )
    per_project = contributions // projects
    extra = contributions - per_project * projects
    day = dt.date(2024, 3, 1)
    started = time.perf_counter()
    made = 0
    chunk = max(1, BATCH // (per_project + 13))
    for first in range(0, projects, chunk):
        with transaction.atomic():
            rows = []
            for i in range(first, min(first + chunk, projects)):
                place = villages[i % len(villages)]
                rows.append(
                    Project(
                        title=f"基准项目{i + 1}",
                        place=place,
                        place_path=place.path,
                        stage=rng.choice(["planned", "fundraising", "building", "upkeep"]),
                        motion="基准",
                        scope="x",
                        plan="x",
                        responsible="x",
                        budget_fen=rng.randint(1, 100) * 1_000_000,
                        tender_estimate_fen=rng.randint(100, 300) * 1_000_000,
                    )
                )
            rows = Project.objects.bulk_create(rows)
            entries: list[LedgerEntry] = []
            gifts: list[tuple[int, Contribution]] = []  # (entry index or -1, gift)
            rollups = []
            for idx, p in enumerate(rows):
                n = per_project + (1 if first + idx < extra else 0)
                r = ProjectRollup(project=p, place_path=p.place_path, stage=p.stage)
                gov = rng.randint(10, 400) * 100_000
                ent = rng.randint(0, 100) * 100_000
                entries.append(
                    _entry(p, "in", gov, "government", "县交通运输局", "department", day)
                )
                if ent:
                    entries.append(
                        _entry(p, "in", ent, "enterprise", "鑫源建材", "enterprise", day)
                    )
                r.in_government_fen, r.in_enterprise_fen = gov, ent
                residents = 0
                labour_days = Decimal(0)
                for k in range(n):
                    slot = k % 20
                    who = f"村民{rng.randint(1, 5000)}"
                    if slot < 8:
                        fen = rng.randint(1, 20) * 10_000
                        residents += fen
                        entries.append(_entry(p, "in", fen, "residents", who, "person", day))
                        gifts.append(
                            (
                                len(entries) - 1,
                                _gift(p, "money", who, value_fen=fen, day=day),
                            )
                        )
                    elif slot < 14:
                        d = Decimal(rng.randint(1, 8))
                        labour_days += d
                        gifts.append(
                            (
                                -1,
                                _gift(
                                    p, "labour", who, value_fen=int(d * 15000), person_days=d,
                                    person_times=int(d), day=day,
                                ),
                            )
                        )  # fmt: skip
                        r.labour_fen += int(d * 15000)
                        r.labour_times += int(d)
                    elif slot < 18:
                        q = Decimal(rng.randint(1, 50))
                        price = rng.randint(5, 500) * 100
                        gifts.append(
                            (
                                -1,
                                _gift(
                                    p, "material", who, value_fen=int(q * price), item="水泥",
                                    quantity=q, unit="袋", unit_price_fen=price, day=day,
                                ),
                            )
                        )  # fmt: skip
                        r.material_fen += int(q * price)
                    elif slot < 19:
                        m2 = Decimal(rng.randint(10, 300))
                        gifts.append(
                            (
                                -1,
                                _gift(
                                    p, "land", who, item="菜园", land_m2=m2,
                                    land_mu=(m2 / Decimal("666.6667")).quantize(Decimal("0.0001")),
                                    day=day,
                                ),
                            )
                        )  # fmt: skip
                        r.land_m2 += m2
                    else:
                        gifts.append(
                            (
                                -1,
                                _gift(
                                    p, "demolition", who, item="猪圈", quantity=Decimal(1),
                                    unit="个", day=day,
                                ),
                            )
                        )  # fmt: skip
                r.in_residents_fen = residents
                r.labour_days = labour_days
                r.contributions = n
                income = gov + ent + residents
                spend_each = income * 8 // 10 // 10
                for s in range(10):
                    item = ("materials", "machinery", "labour", "other")[s % 4]
                    entries.append(_entry(p, "out", spend_each, "", "", "", day, item=item))
                r.out_fen = spend_each * 10 if spend_each else 0
                rollups.append(r)
            # bulk_create sets the primary keys on these very objects (both backends).
            LedgerEntry.objects.bulk_create(
                [e for e in entries if e.amount_fen > 0], batch_size=BATCH
            )
            for pos, gift in gifts:
                if pos >= 0:
                    gift.entry = entries[pos]
            Contribution.objects.bulk_create([g for _, g in gifts], batch_size=BATCH)
            ProjectRollup.objects.bulk_create(rollups, batch_size=BATCH)
        made += len(rows)
        if made % 1000 < chunk:
            rate = made / (time.perf_counter() - started)
            log(f"  {made:,} projects ({rate:,.0f}/s)")


def _entry(p, direction, fen, source, name, kind, day, item=""):  # type: ignore[no-untyped-def]
    from wugong.projects.models import LedgerEntry

    return LedgerEntry(
        project=p,
        direction=direction,
        amount_fen=fen,
        source_kind=source,
        item=item,
        memo=f"{name}{'收款' if direction == 'in' else '支出'}",
        contributor_kind=kind,
        contributor_name=name,
        occurred_on=day,
    )


def _gift(p, kind, who, *, day, **fields):  # type: ignore[no-untyped-def]
    from wugong.projects.models import Contribution

    return Contribution(
        project=p,
        place_path=p.place_path,
        kind=kind,
        contributor_kind="person",
        contributor_name=who,
        given_on=day,
        **fields,
    )


def worker(backend: str, projects: int, contributions: int, seed: int, runs: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from wugong.places.models import Place
    from wugong.projects import selectors
    from wugong.projects.models import Contribution, Project

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    have = (Project.objects.count(), Contribution.objects.count())
    if have != (projects, contributions) or not Place.objects.filter(name="基准县").exists():
        if any(have):
            log(f"{backend}: {have} present; flushing")
            call_command("flush", interactive=False, verbosity=0)
        log(f"{backend}: writing {projects:,} projects, {contributions:,} contributions …")
        started = time.perf_counter()
        fill(projects, contributions, seed)
        log(f"{backend}: filled in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as c:
            c.execute("ANALYZE")
    else:
        log(f"{backend}: reusing the data set already there")
    county = Place.objects.get(name="基准县")
    sample = list(
        Project.objects.order_by("id").values_list("id", flat=True)[:: max(1, projects // 50)]
    )
    bad = selectors.rollup_mismatches(place=None) if projects <= 2000 else []
    if bad:
        log(f"{backend}: rollup differs from the facts for {len(bad)} projects")
    else:
        from wugong.projects.models import ProjectRollup
        from wugong.projects.services import rollup_figures

        for pk in sample[:5]:
            r = ProjectRollup.objects.get(pk=pk)
            facts = rollup_figures(pk)
            assert all(
                selectors.dec(getattr(r, k)) == selectors.dec(v) for k, v in facts.items()
            ), pk

    client = Client()
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        SECURE_SSL_REDIRECT=False, ALLOWED_HOSTS=["testserver"], STORAGES=storages
    ):
        programme_url = f"/projects/programme/{county.pk}/"
        counter = iter(range(10**9))

        def programme() -> None:
            r = client.get(programme_url)
            assert r.status_code == 200 and b"<svg" in r.content, r.status_code

        def accounts() -> None:
            pk = sample[next(counter) % len(sample)]
            r = client.get(f"/projects/{pk}/accounts/")
            assert r.status_code == 200 and "收支明细" in r.content.decode(), r.status_code

        def page() -> None:
            pk = sample[next(counter) % len(sample)]
            r = client.get(f"/projects/{pk}/")
            assert r.status_code == 200 and "算明白账" in r.content.decode(), r.status_code

        for name, fn in (
            ("programme_view", programme),
            ("project_accounts", accounts),
            ("project_page", page),
        ):
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
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--contributions", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="500 projects, 50,000 gifts")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("WUGONG_BENCH_PG_URL_PROJECTS", PG_URL))
    parser.add_argument("--sqlite-path", default=None)
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.projects, args.contributions, args.runs = 500, 50_000, 7
    if args.worker:
        worker(args.worker, args.projects, args.contributions, args.seed, args.runs)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    failed = False
    for backend in backends:
        env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL")}
        env["WUGONG_DATA_DIR"] = str(OUT)
        env.setdefault("ALLOWED_HOSTS", "testserver")
        if backend == "sqlite":
            path = (
                args.sqlite_path or OUT / f"projects-{args.projects}-{args.contributions}.sqlite3"
            )
            env["DATABASE_URL"] = f"sqlite:///{path}"
        else:
            problem = pg_ensure(args.pg_url)
            if problem:
                print(f"# postgresql skipped: {args.pg_url} unreachable ({problem})")
                continue
            env["DATABASE_URL"] = args.pg_url
        cmd = [sys.executable, __file__, "--worker", backend]
        cmd += ["--projects", str(args.projects), "--contributions", str(args.contributions)]
        cmd += ["--runs", str(args.runs), "--seed", str(args.seed)]
        result = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
        failed = failed or result.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
