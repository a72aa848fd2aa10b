"""Benchmark: 大屏 on a generated province (PostgreSQL database ``wugong_bench_dashboard``).

Generates, once (a marker table says the data is there; otherwise the database is dropped
and re-created), with set-based SQL (bench/dashboard_gen.py): 1 province, 12 cities, 100
counties, 1,000 towns, 30,000 villages and communities, 5,000,000 households, 20,000,000
points ledger entries, plus proportional needs, visit schedules, reports and projects.
Then:

* every rollup is refreshed once (the whole province in one refresh: ``province_refresh_s``),
  only when the rollups are missing or ``--refresh-all`` is given;
* ``county_rollup_refresh_s``: the median of ``--refresh-runs`` refreshes of one county (its
  30 × 10 villages from the source tables, its towns, and the city and province above it);
* ``city_dashboard_ms``: the p50 of ``--runs`` requests for a city's dashboard page by a city
  supervisor, through the Django test client in this process: server-side time of the whole
  request (middleware, session, view, template), no network.

Prints one ``name value`` per line. Targets: city dashboard under 300 ms, county refresh
under 10 s.

    python bench/bench_dashboard.py [--households 5000000] [--entries 20000000] [--runs 30]
                                    [--refresh-runs 3] [--refresh-all] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_URL = "postgres://postgres@127.0.0.1:5432/wugong_bench_dashboard"
TARGETS = {"city_dashboard_ms": 300.0, "county_rollup_refresh_s": 10.0}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def pg_recreate(url: str, *, drop: bool) -> None:
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", connect_timeout=5, autocommit=True) as conn:
        if drop:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def marker_present(url: str, households: int, entries: int) -> bool:
    import psycopg

    from bench.dashboard_gen import MARKER

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            reg = conn.execute("SELECT to_regclass('bench_marker')").fetchone()
            if not reg or reg[0] is None:
                return False
            row = conn.execute("SELECT v FROM bench_marker").fetchone()
            return bool(row) and row[0] == f"{MARKER}:{households}:{entries}"
    except psycopg.OperationalError:
        return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=5_000_000)
    ap.add_argument("--entries", type=int, default=20_000_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--refresh-runs", type=int, default=3)
    ap.add_argument("--refresh-all", action="store_true")
    ap.add_argument("--pg-url", default=PG_URL)
    args = ap.parse_args()

    fresh = not marker_present(args.pg_url, args.households, args.entries)
    pg_recreate(args.pg_url, drop=fresh)
    os.environ["DATABASE_URL"] = args.pg_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from bench.dashboard_gen import CITY0, COUNTY0, generate
    from wugong.dashboards.models import PlaceFigures
    from wugong.dashboards.rollups import dashboards_refresh_place
    from wugong.places.models import Place

    call_command("migrate", verbosity=0)
    if fresh:
        log(f"generating {args.households} households, {args.entries} points entries ...")
        started = time.perf_counter()
        connection.ensure_connection()
        with connection.cursor() as cur:
            raw = cur.connection
            steps = generate(raw, households=args.households, entries=args.entries)
        for k, v in steps.items():
            log(f"  {k} in {v:.0f} s")
        print(f"generate_s {time.perf_counter() - started:.0f}")
    else:
        log("reusing the generated province (marker present)")
        print("generate_s reused")

    province = Place.objects.get(parent=None)
    if args.refresh_all or not PlaceFigures.objects.filter(place=province).exists():
        started = time.perf_counter()
        rows = dashboards_refresh_place(place=province)
        print(f"province_refresh_s {time.perf_counter() - started:.1f}")
        log(f"  {rows} rollup rows")

    county = Place.objects.get(pk=COUNTY0)
    times = []
    for _ in range(args.refresh_runs):
        started = time.perf_counter()
        dashboards_refresh_place(place=county)
        times.append(time.perf_counter() - started)
    print(f"county_rollup_refresh_s {statistics.median(times):.2f}")

    city = Place.objects.get(pk=CITY0)
    user = _supervisor(city)
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, SECURE_SSL_REDIRECT=False, DEBUG=False):
        client = Client()
        client.force_login(user)
        url = f"/dashboards/{city.pk}/"
        first = client.get(url)
        assert first.status_code == 200, first.status_code
        assert "数据更新于" in first.content.decode()
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            r = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200
        samples.sort()
    print(f"city_dashboard_ms {statistics.median(samples):.1f}")
    print(f"city_dashboard_p95_ms {samples[int(len(samples) * 0.95) - 1]:.1f}")
    for name, target in TARGETS.items():
        log(f"  target {name} < {target}")


def _supervisor(city):  # type: ignore[no-untyped-def]
    from wugong.people import services as ps
    from wugong.people.models import User
    from wugong.people.rules import Assignment, Viewer

    user = User.objects.filter(username="bench-city-supervisor").first()
    if user is not None:
        return user
    admin = Viewer(
        user_id=0,
        person_id=None,
        household_id=None,
        assignments=(Assignment("system_admin", 0, "/"),),
    )
    data = ps.person_data_clean(name="市督导", sex="F")
    person = ps.person_create(data=data, household=None)
    ps.role_assign(viewer=admin, person=person, role="city_supervisor", place=city)
    return User.objects.create_user(username="bench-city-supervisor", password="x", person=person)


if __name__ == "__main__":
    main()
