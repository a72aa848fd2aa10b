"""1,000 concurrent redemptions against one stock item on PostgreSQL: no oversell, no negative
balance (积分超市).

Database ``wugong_bench_points`` (created and migrated if missing). A village with 1,000
households each holding 100 points, one goods item (soap, 10 points) with 300 in stock; 50
threads send 1,000 counter redemptions (one per household) through the service, each in its
own transaction with row locks. Prints one ``name value`` per line:
redemptions_ok, redemptions_refused, stock_left, oversold, negative_balances, throughput_per_s,
p50_ms, p99_ms.

    .venv/bin/python bench/bench_redemptions.py
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wugong_bench_points"
)

REQUESTS, THREADS, STOCK, PRICE = 1000, 50, 300, 10


def _ensure_db() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute(
            "select 1 from pg_database where datname='wugong_bench_points'"
        ).fetchone():
            c.execute("create database wugong_bench_points")


def main() -> None:
    _ensure_db()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    from wugong.core.errors import ValidationFailed
    from wugong.people import services as ps
    from wugong.people.rules import Assignment, Viewer
    from wugong.places.models import Place
    from wugong.places.services import place_create
    from wugong.points import services
    from wugong.points.models import Entry

    admin = Viewer(0, None, None, (Assignment("system_admin", 0, "/"),))
    tag = uuid.uuid4().hex[:8]
    county = place_create(name=f"基准县{tag}", kind="county", parent=None)
    town = place_create(name="基准镇", kind="town", parent=county)
    village = place_create(name="基准村", kind="village", parent=town)
    group = place_create(name="一组", kind="group", parent=village)
    services.rule_save(viewer=admin, actor=None, village=village, action="volunteer.hours",
                       title="志愿服务", points_per_unit=1, confirm_by="auto")  # fmt: skip
    households = []
    for i in range(REQUESTS):
        head = ps.person_data_clean(name=f"户主{i}", sex="M")
        h = ps.household_create(place=group, address=f"一组{i}号", head=head)
        services.deed_award(action="volunteer.hours", place=group, household_id=h.pk,
                            quantity=100, source=f"bench:{tag}:{h.pk}",
                            occurred_on=__import__("datetime").date.today())  # fmt: skip
        households.append(h)
    soap = services.goods_save(viewer=admin, actor=None, village=village, name="肥皂",
                               points_price=PRICE)  # fmt: skip
    services.stock_move(viewer=admin, actor=None, goods=soap, kind="in", quantity=STOCK)
    connections.close_all()

    latencies: list[float] = []
    ok = refused = 0
    lock = threading.Lock()
    work = list(households)

    def run() -> None:
        nonlocal ok, refused
        while True:
            with lock:
                if not work:
                    break
                h = work.pop()
            t0 = time.perf_counter()
            try:
                services.counter_redeem(viewer=admin, actor=None, goods=soap, quantity=1,
                                        idempotency_key=uuid.uuid4().hex, household=h)  # fmt: skip
                good = True
            except ValidationFailed:
                good = False
            dt_ms = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(dt_ms)
                ok += good
                refused += not good
        connections.close_all()

    start = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    stock_left = services.goods_stock(soap.pk)
    from django.db.models import Sum

    negative = sum(
        1
        for r in Entry.objects.filter(account__place=village, account__kind="household")
        .values("account_id")
        .annotate(s=Sum("amount"))
        if r["s"] < 0
    )
    latencies.sort()
    print(f"redemptions_ok {ok}")
    print(f"redemptions_refused {refused}")
    print(f"stock_left {stock_left}")
    print(f"oversold {max(0, ok - STOCK) + max(0, -stock_left)}")
    print(f"negative_balances {negative}")
    print(f"throughput_per_s {REQUESTS / elapsed:.1f}")
    print(f"p50_ms {statistics.median(latencies):.1f}")
    print(f"p99_ms {latencies[int(len(latencies) * 0.99) - 1]:.1f}")
    Place.objects.filter(pk=county.pk).exists()


if __name__ == "__main__":
    main()
