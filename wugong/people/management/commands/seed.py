"""``wugong seed``: generate the demo county's people at any size, for benchmarks.

    wugong seed --households 1000000 [--seed 2026] [--villages 60] [--batch 5000] [--flush]

Only the people part (places, households, members, tags, grids, organisations, roles, staff
accounts); the other apps' demo stories are ``wugong demo``. Writes in batches of ``--batch``
households, each its own transaction, so memory stays bounded; progress goes to stderr. Like
``wugong demo`` it needs an empty database, or ``--flush`` to empty every table first.
"""

import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wugong.core.demo import DemoContext
from wugong.people.demo import BATCH_HOUSEHOLDS, DEMO_SEED, county_build, villages_for
from wugong.people.management.commands._common import (
    database_flush,
    database_has_data,
    statistics_refresh,
)


class Command(BaseCommand):
    help = "按指定规模生成演示县的人员与住户数据（用于性能测试）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, required=True, help="住户数")
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="随机种子（默认 2026）")
        parser.add_argument(
            "--villages", type=int, default=None, help="村和社区的个数（默认按规模，最多 60）"
        )
        parser.add_argument("--batch", type=int, default=BATCH_HOUSEHOLDS, help="每批写入的住户数")
        parser.add_argument("--flush", action="store_true", help="先清空数据库中的全部数据，再生成")

    def handle(self, *args: Any, **options: Any) -> None:
        households = options["households"]
        if households < 1:
            raise CommandError("--households 应为正整数。")
        if database_has_data():
            if not options["flush"]:
                raise CommandError("数据库中已有数据。如需清空全部数据后重新生成，请加 --flush。")
            database_flush()
        villages = options["villages"] or villages_for(households)
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            self.stderr.write(f"\r{done:>10,}/{total:,} 户  {rate:,.0f} 户/秒", ending="")
            self.stderr.flush()

        ctx = DemoContext(rng=random.Random(options["seed"]), households=households)
        county_build(ctx, villages=villages, batch=options["batch"], progress=progress)
        self.stderr.write("")
        statistics_refresh()
        self.stderr.write(
            f"已生成 {households:,} 户、{villages} 个村和社区（种子 {options['seed']}），"
            f"用时 {time.perf_counter() - started:.1f} 秒。"
        )
