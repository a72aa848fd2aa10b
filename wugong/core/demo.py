"""The demo county's plug-in interface: each app adds its part of the story.

``wugong demo`` builds the place tree, households and roles (wugong/people/demo.py), then
calls ``load(ctx)`` of every ``wugong/<app>/demo.py`` in DEMO_APPS order, each adding what its
capability shows (needs raised and merged, votes held, projects funded ...). Everything is
drawn from ``ctx.rng`` so the same seed gives the same county.
"""

import importlib
import random
from dataclasses import dataclass, field
from typing import Any

# Order matters: later parts use what earlier ones made.
DEMO_APPS = [
    "people",
    "needs",
    "meetings",
    "voting",
    "surveys",
    "transparency",
    "budgeting",
    "consensus",
    "projects",
    "upkeep",
    # Points before the parts whose deeds earn points (their rule tables must exist first).
    "points",
    "inspections",
    "volunteers",
    "mediation",
    "villagerules",
    "evaluations",
    "pilots",
    "dashboards",
]


@dataclass
class DemoAccount:
    role: str
    login: str
    how: str


@dataclass
class DemoContext:
    """What the parts of the demo share."""

    rng: random.Random
    households: int
    data: dict[str, Any] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)

    def account(self, role: str, login: str, how: str) -> None:
        self.accounts.append(DemoAccount(role, login, how))


def demo_load(*, seed: int, households: int) -> DemoContext:
    ctx = DemoContext(rng=random.Random(seed), households=households)
    for app in DEMO_APPS:
        try:
            module = importlib.import_module(f"wugong.{app}.demo")
        except ModuleNotFoundError as e:
            if e.name != f"wugong.{app}.demo":
                raise
            continue
        module.load(ctx)
    # Some parts date published records back (a past notice), which is exactly what
    # `wugong verify` catches: the demo county's hash chains are re-sealed from its rows.
    from wugong.transparency.demo import chains_reseal_for_demo

    chains_reseal_for_demo()
    return ctx
