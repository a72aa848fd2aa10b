"""``wugong demo``: load the demo county (竹山县) into an empty database and print one sign-in
account per role.

    wugong demo [--seed 2026] [--households 20000] [--flush]

The same seed gives the same county. If the database already holds places or people the
command leaves it alone and says so (exit status 0, so ``make demo`` goes on to serve);
``--flush`` empties EVERY table first (``wugong flush``) and loads afresh.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from wugong.core.demo import demo_load
from wugong.people.demo import DEMO_HOUSEHOLDS, DEMO_PASSWORD, DEMO_SEED, STAFF_SIGN_IN
from wugong.people.management.commands._common import (
    database_flush,
    database_has_data,
    statistics_refresh,
)
from wugong.people.models import User
from wugong.people.roles import Role


class Command(BaseCommand):
    help = "加载演示县（竹山县）的数据，并列出每个角色的演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="随机种子（默认 2026）")
        parser.add_argument(
            "--households", type=int, default=DEMO_HOUSEHOLDS, help="住户数（默认 20000）"
        )
        parser.add_argument(
            "--flush", action="store_true", help="先清空数据库中的全部数据，再重新加载"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if database_has_data():
            if not options["flush"]:
                self._refuse()
                return
            database_flush()
        started = time.perf_counter()
        with transaction.atomic():
            ctx = demo_load(seed=options["seed"], households=options["households"])
        statistics_refresh()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"演示数据已加载：{options['households']} 户（种子 {options['seed']}），"
            f"用时 {seconds:.1f} 秒。"
        )
        self.stdout.write(f"演示账号（工作人员密码均为 {DEMO_PASSWORD}，仅供本地演示）：")
        width = max(len(a.role) for a in ctx.accounts)
        for a in ctx.accounts:
            self.stdout.write(f"  {a.role.ljust(width, '　')}  {a.login:<32} {a.how}")

    def _refuse(self) -> None:
        self.stderr.write(
            "数据库中已有数据，未加载演示数据。"
            "如需清空全部数据后重新加载，请运行：wugong demo --flush"
        )
        names = {"admin" if role == Role.SYSTEM_ADMIN else role.value: role for role in Role}
        existing = User.objects.filter(username__in=names).values_list("username", flat=True)
        if existing:
            self.stdout.write(f"已有的演示工作人员账号（{STAFF_SIGN_IN}，密码 {DEMO_PASSWORD}）：")
            for name in sorted(existing, key=list(names).index):
                self.stdout.write(f"  {names[name].label}  {name}")
