"""The programme view of a town or county: projects, money by source, money leveraged per
yuan of government money (撬动), labour days, land; inline SVG charts, no CDN; the rollup it
reads always equals the facts."""

import contextlib
import random
from decimal import Decimal

import pytest
from django.test import Client

from wugong.core.errors import ValidationFailed
from wugong.projects import selectors, services
from wugong.projects.models import ProjectRollup
from wugong.projects.tests.conftest import as_, giver

pytestmark = pytest.mark.django_db


def test_town_and_county_figures(cast, county, project_at, make_user):
    a = project_at(title="双台村道路")
    me = as_(cast.cadre_a)
    services.receipt_post(
        **me, project=a, amount_fen=400_000_00, giver=giver("县交通运输局", "department")
    )
    services.contribution_record(
        **me, project=a, kind="money", giver=giver("胡玉华"), amount_fen=100_000_00
    )
    services.contribution_record(
        **me, project=a, kind="labour", giver=giver("张德明"), person_days="10", person_times=10
    )
    services.contribution_record(
        **me, project=a, kind="land", giver=giver("王秀英"), land_mu="1.25", value_fen=0
    )
    services.spending_post(**me, project=a, amount_fen=50_000_00, item="materials", memo="水泥")
    cadre_b = as_(cast.cadre_b)
    b = services.project_propose(
        **cadre_b, place=county.village_b, title="楼台村广场", motion="决议"
    )
    town = selectors.programme_view(place=county.town_a)
    assert town["count"] == 1
    assert town["government"] == 400_000_00
    assert town["total_value"] == 500_000_00 + 10 * 15000
    assert town["leverage"] == Decimal("0.25")  # (100,000 + 1,500) / 400,000 → 0.25
    assert town["labour_days"] == Decimal("10") and town["land_mu"] == Decimal("1.2500")
    whole = selectors.programme_view(place=county.county)
    assert whole["count"] == 2 and [r.project_id for r in whole["rows"]] == [b.pk, a.pk]
    html = Client().get(f"/projects/programme/{county.county.pk}/").content.decode()
    assert html.count("<svg") == 3 and "<script" not in html.split("</header>")[1]
    assert "¥0.25" in html and "1.25 亩" in html
    api = Client().get(f"/api/v1/projects/programme/{county.town_a.pk}").json()
    assert api["leverage_per_yuan"] == "0.25" and api["by_source_fen"]["residents"] == 100_000_00


def test_rollup_always_equals_the_facts(cast, project_at):
    """After a random run of receipts, spending, reversals and gifts of every kind, every
    project's rollup equals what its ledger and contributions say; a rebuild changes nothing."""
    rng = random.Random(7)
    me = as_(cast.cadre_a)
    projects = [project_at(title=f"项目{i}") for i in range(3)]
    entries = []
    for _ in range(60):
        p = rng.choice(projects)
        op = rng.random()
        if op < 0.3:
            entries.append(
                services.receipt_post(
                    **me,
                    project=p,
                    amount_fen=rng.randint(1, 10_000),
                    giver=giver(rng.choice(["李", "王"]), rng.choice(["person", "department"])),
                )
            )
        elif op < 0.45 and services.ledger_balance(p.pk) > 10:
            services.spending_post(**me, project=p, amount_fen=5, item="other", memo="x")
        elif op < 0.55 and entries:
            e = rng.choice(entries)
            with contextlib.suppress(ValidationFailed):  # reversed already, or would overdraw
                services.entry_reverse(**me, entry=e, reason="更正")
        else:
            kind = rng.choice(["money", "material", "labour", "land", "demolition"])
            fields = {
                "money": {"amount_fen": rng.randint(1, 999)},
                "material": {"item": "砖", "quantity": "3", "unit": "块", "unit_price_fen": 7},
                "labour": {"person_days": "1.5", "person_times": 2},
                "land": {"land_m2": "10", "value_fen": 3},
                "demolition": {"item": "花坛", "value_fen": 1},
            }[kind]
            services.contribution_record(**me, project=p, kind=kind, giver=giver("胡"), **fields)
    assert selectors.rollup_mismatches() == []
    before = list(ProjectRollup.objects.order_by("pk").values())
    for p in projects:
        services.rollup_rebuild(project=p)
    assert list(ProjectRollup.objects.order_by("pk").values()) == before
