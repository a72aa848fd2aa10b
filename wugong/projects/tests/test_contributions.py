"""Contributions of every kind, each valued, each naming its giver unless they asked to stay
anonymous in public; 以工代赈 wages are paid out of the project's money."""

from decimal import Decimal

import pytest
from django.test import Client

from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.models import AuditEvent
from wugong.projects import selectors, services
from wugong.projects.models import Contribution, LedgerEntry
from wugong.projects.tests.conftest import as_, giver

pytestmark = pytest.mark.django_db


def test_each_kind_is_recorded_and_valued(cast, project_at, client_for):
    """Money enters the ledger; materials at the stated price; labour at the day rate (also
    person-times); land in mu and m²; demolition names what was removed."""
    p = project_at()
    c = client_for(cast.cadre_a)
    url = f"/api/v1/projects/{p.pk}/contributions"

    def post(**body):  # type: ignore[no-untyped-def]
        r = c.post(url, {"contributor_kind": "person", **body}, "application/json")
        assert r.status_code == 201, r.content
        return r.json()

    money = post(kind="money", contributor_name="胡玉华", amount_fen=2000_00)
    assert money["value_fen"] == 2000_00 and money["entry_id"]
    bamboo = post(
        kind="material",
        contributor_name="李建国",
        item="竹子",
        quantity="120",
        unit="根",
        unit_price_fen=800,
    )
    assert bamboo["value_fen"] == 120 * 800
    labour = post(kind="labour", contributor_name="张德明", person_days="2.5", person_times=3)
    assert labour["value_fen"] == 2.5 * 15000
    times_only = post(kind="labour", contributor_name="陈桂兰", person_times=2)
    assert times_only["value_fen"] == 2 * 15000
    land = post(kind="land", contributor_name="王秀英", item="菜园", land_mu="1.25")
    assert land["value_fen"] == 0
    pigsty = post(kind="demolition", contributor_name="刘长春", item="猪圈", quantity=3, unit="个")
    assert pigsty["value_fen"] == 0
    a = selectors.project_accounts(p)
    assert a.money_in == 2000_00
    assert a.labour_days == Decimal("4.5") and a.labour_times == 5
    assert a.land_mu == Decimal("1.25") and a.land_m2 == Decimal("833.33")
    assert a.in_kind_value == 120 * 800 + 4.5 * 15000
    row = Contribution.objects.get(pk=pigsty["id"])
    assert (row.item, row.quantity, row.unit) == ("猪圈", Decimal("3"), "个")
    assert AuditEvent.objects.filter(action="project.contribution").count() == 6
    assert selectors.rollup_mismatches() == []


def test_the_labour_day_rate_is_configurable(cast, county, project_at):
    """A programme's day rate values labour; a project's own rate overrides it."""
    admin_like = as_(cast.county_supervisor)
    programme = services.programme_create(
        **admin_like, place=county.county, name="竹山县以奖代补", labour_day_rate_fen=12000
    )
    p = project_at()
    p.programme = programme
    p.save(update_fields=["programme"])
    me = as_(cast.cadre_a)
    c = services.contribution_record(
        **me, project=p, kind="labour", giver=giver("张德明"), person_days="2"
    )
    assert c.value_fen == 24000 and "¥120" in c.note
    p.labour_day_rate_fen = 20000
    p.save(update_fields=["labour_day_rate_fen"])
    c = services.contribution_record(
        **me, project=p, kind="labour", giver=giver("张德明"), person_days="1"
    )
    assert c.value_fen == 20000


def test_work_relief_pays_wages_out_of_the_project(cast, project_at):
    """以工代赈: hours and wages are recorded; the wages are a ledger spending that may not
    overdraw; the value is not counted as a gift."""
    p = project_at()
    me = as_(cast.cadre_a)
    with pytest.raises(ValidationFailed) as e:
        services.contribution_record(
            **me, project=p, kind="work_relief", giver=giver("赵玉梅"), hours="16", wages_fen=320_00
        )
    assert e.value.code == "overdraw"
    assert Contribution.objects.count() == 0
    services.receipt_post(
        **me, project=p, amount_fen=1000_00, giver=giver("县乡村振兴局", "department")
    )
    c = services.contribution_record(
        **me, project=p, kind="work_relief", giver=giver("赵玉梅"), hours="16", wages_fen=320_00
    )
    assert c.entry.direction == "out" and c.entry.item == "work_relief"
    a = selectors.project_accounts(p)
    assert a.work_relief_wages == 320_00 and a.work_relief_hours == Decimal("16")
    assert a.in_kind_value == 0 and a.money_out == 320_00


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        (
            "material",
            {"item": "水泥", "quantity": "-3", "unit": "吨", "unit_price_fen": 1},
            "数量不能为负数。",
        ),
        (
            "material",
            {"item": "水泥", "quantity": "三", "unit": "吨", "unit_price_fen": 1},
            "数量须为数字。",
        ),
        ("labour", {}, "请填写工日或人次。"),
        ("land", {}, "请填写让出的面积（亩或平方米）。"),
        ("demolition", {}, "请填写拆除了什么（如猪圈、花坛）。"),
        ("money", {"amount_fen": -100}, "金额不能为负数。"),
        ("bribe", {}, "请选择贡献类型。"),
    ],
)
def test_bad_contributions_are_refused(cast, project_at, kind, fields, message):
    p = project_at()
    with pytest.raises(ValidationFailed) as e:
        services.contribution_record(
            **as_(cast.cadre_a), project=p, kind=kind, giver=giver("李建国"), **fields
        )
    assert str(e.value) == message
    assert Contribution.objects.count() == 0 and LedgerEntry.objects.count() == 0


def test_anonymous_givers_stay_anonymous_in_public(cast, project_at):
    """A giver who asked not to be named shows as 爱心人士 on every public read — the page,
    the honour roll and the ledger API — but is counted."""
    p = project_at()
    me = as_(cast.cadre_a)
    services.contribution_record(
        **me, project=p, kind="money", giver=giver("周萍", anonymous=True), amount_fen=5000_00
    )
    services.contribution_record(
        **me, project=p, kind="money", giver=giver("胡玉华"), amount_fen=100_00
    )
    public = Client()
    html = public.get(f"/projects/{p.pk}/").content.decode()
    honour = public.get(f"/projects/{p.pk}/honour/").content.decode()
    ledger = public.get(f"/api/v1/projects/{p.pk}/ledger").json()
    accounts = public.get(f"/projects/{p.pk}/accounts/").content.decode()
    for text in (html, honour, accounts, str(ledger)):
        assert "周萍" not in text
    assert "爱心人士（匿名）" in honour and "胡玉华" in honour
    assert selectors.project_accounts(p).money_in == 5100_00
    assert selectors.honour_roll(project=p, public=False)[0].name == "周萍"


def test_residents_pledge_for_themselves_only(cast, project_at, client_for):
    """A resident of the village pledges for themselves (代录 is for cadres); a resident of
    another village cannot pledge; naming someone else is refused."""
    p = project_at()
    r = client_for(cast.resident_a).post(
        f"/projects/{p.pk}/do/pledge/", {"self": "1", "amount": "200"}, follow=True
    )
    assert "认捐已登记" in r.content.decode()
    assert p.pledges.get().contributor_name == cast.resident_a.person.name
    with pytest.raises(PermissionDenied):
        services.pledge_make(**as_(cast.resident_a), project=p, giver=giver("李建国"), amount_fen=1)
    r = client_for(cast.resident_b).post(
        f"/projects/{p.pk}/do/pledge/", {"self": "1", "amount": "5"}
    )
    assert r.status_code == 403
    assert p.pledges.count() == 1
