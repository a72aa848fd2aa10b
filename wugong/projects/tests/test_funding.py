"""The funding plan by source (three a little each), the matching rule per programme
(以奖代补, configurable), and the check shown on the public page."""

import pytest
from django.test import Client

from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.projects import selectors, services
from wugong.projects.tests.conftest import as_, giver

pytestmark = pytest.mark.django_db


def test_funding_plan_and_receipts_are_checked_against_the_rule(cast, county, project_at):
    """Plan: residents 60 % → not compliant with the default 50/50 rule; with a programme
    allowing residents 60 % and government 40 %, it is. Receipts are checked the same way."""
    p = project_at()
    me = as_(cast.cadre_a)
    services.funding_line_add(
        **me, project=p, source_kind="government", source_name="县住建局", planned_fen=400_00
    )
    services.funding_line_add(**me, project=p, source_kind="residents", planned_fen=600_00)
    a = selectors.project_accounts(p)
    assert not a.plan_compliance.ok and not a.plan_compliance.residents_ok
    html = Client().get(f"/projects/{p.pk}/").content.decode()
    assert "筹资计划不符合以奖代补规则" in html and "县住建局" in html
    programme = services.programme_create(
        **as_(cast.county_supervisor),
        place=county.county,
        name="山区以奖代补",
        residents_max_bp=6000,
        government_min_bp=4000,
    )
    p.programme = programme
    p.save(update_fields=["programme"])
    a = selectors.project_accounts(p)
    assert a.plan_compliance.ok
    services.receipt_post(**me, project=p, amount_fen=300_00, giver=giver("县住建局", "department"))
    services.receipt_post(**me, project=p, amount_fen=700_00, giver=giver("李建国"))
    a = selectors.project_accounts(p)
    assert not a.compliance.ok and str(a.compliance.residents_share) == "70.0"


def test_government_lines_name_their_department(cast, project_at):
    p = project_at()
    with pytest.raises(ValidationFailed) as e:
        services.funding_line_add(
            **as_(cast.cadre_a), project=p, source_kind="government", planned_fen=1
        )
    assert str(e.value) == "请填写部门或单位。"


def test_programmes_are_set_up_by_supervisors(cast, county):
    """Town/county supervisors set the matching rule; a village cadre cannot; shares are
    0–100 %."""
    with pytest.raises(PermissionDenied):
        services.programme_create(**as_(cast.cadre_a), place=county.village_a, name="x")
    with pytest.raises(ValidationFailed):
        services.programme_create(
            **as_(cast.town_supervisor), place=county.town_a, name="x", residents_max_bp=12000
        )
    programme = services.programme_create(
        **as_(cast.town_supervisor), place=county.town_a, name="宝丰镇以奖代补"
    )
    assert (programme.residents_max_bp, programme.government_min_bp) == (5000, 5000)
