"""A household's results over time, the monthly ranking per group (ties share a rank), and
household_average_score for the ten-star rating."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from wugong.inspections.models import Checklist, Round
from wugong.inspections.selectors import household_average_score
from wugong.inspections.services import sheet_record
from wugong.people.rules import ANONYMOUS, Assignment, Viewer

pytestmark = pytest.mark.django_db

ADMIN = Viewer(1, None, None, (Assignment("system_admin", 0, "/"),))
CADRE: list[Viewer] = []


@pytest.fixture(autouse=True)
def _cadre(cast):  # type: ignore[no-untyped-def]
    """Sheets written directly by the service are scored by 双台村's cadre."""
    from wugong.people.rules import viewer_for

    CADRE[:] = [viewer_for(cast.cadre_a)]


def _round(place, checklist, date):  # type: ignore[no-untyped-def]
    return Round.objects.create(place=place, place_path=place.path, checklist=checklist, date=date)


def _score(round, household, total, viewer=None):  # type: ignore[no-untyped-def]
    """Record a sheet worth ``total`` points: the first items full, the rest as it comes."""
    left = total
    scores = {}
    for item in round.checklist.items.order_by("position"):
        scores[item.pk] = min(item.max_score, left)
        left -= scores[item.pk]
    assert left == 0
    sheet, _ = sheet_record(
        viewer=viewer or CADRE[0],
        actor=None,
        round=round,
        household=household,
        idempotency_key=uuid.uuid4().hex,
        scores=scores,
        today=round.date,
    )
    return sheet


def test_household_average_score_exact(cast):  # type: ignore[no-untyped-def]
    """Hygiene sheets on rounds on or after ``since`` only; exact Decimals; None without any."""
    c = cast.county
    h = c.households_a[0]
    safety = Checklist.objects.get(place_path="", name="家庭安全检查表")
    d0 = dt.date(2026, 9, 4)
    old = _round(c.village_a, cast.hygiene, d0)
    r1 = _round(c.village_a, cast.hygiene, d0 + dt.timedelta(days=7))
    r2 = _round(c.village_a, cast.hygiene, d0 + dt.timedelta(days=14))
    r3 = _round(c.village_a, cast.hygiene, d0 + dt.timedelta(days=21))
    s1 = _round(c.village_a, safety, d0 + dt.timedelta(days=7))
    _score(old, h, 10)
    _score(r1, h, 90)
    _score(r2, h, 85)
    _score(s1, h, 20)  # safety: not counted
    since = d0 + dt.timedelta(days=1)
    assert household_average_score(household_id=h.pk, since=since) == Decimal("87.5")
    _score(r3, h, 86)
    assert household_average_score(household_id=h.pk, since=since) == Decimal("87")
    assert household_average_score(household_id=h.pk, since=d0) == Decimal("67.75")
    assert household_average_score(household_id=h.pk, since=dt.date(2027, 1, 1)) is None
    assert household_average_score(household_id=c.households_a[1].pk, since=d0) is None


def test_household_average_of_a_non_100_checklist(cast):  # type: ignore[no-untyped-def]
    """A 20-point checklist: 17 of 20 is 85 %, 13 of 20 is 65 %; the mean is exact."""
    c = cast.county
    from wugong.inspections.services import checklist_create

    small = checklist_create(
        viewer=ADMIN,
        actor=None,
        place=c.village_a,
        name="简易卫生表",
        kind="hygiene",
        items=[("院落", 10), ("室内", 10)],
    )
    h = c.households_a[2]
    _score(_round(c.village_a, small, dt.date(2026, 10, 2)), h, 17)
    _score(_round(c.village_a, small, dt.date(2026, 10, 9)), h, 13)
    assert household_average_score(household_id=h.pk, since=dt.date(2026, 1, 1)) == Decimal("75")


def test_resident_sees_only_own_households_results(cast, client_for):  # type: ignore[no-untyped-def]
    c = cast.county
    _score(cast.round_a, c.households_a[0], 92)
    _score(cast.round_a, c.households_a[2], 71)
    me = client_for(cast.resident_a)
    page = me.get(reverse("inspections:household", args=[c.households_a[0].pk]))
    assert page.status_code == 200 and "92/100" in page.content.decode()
    assert me.get(reverse("inspections:household", args=[c.households_a[2].pk])).status_code == 404
    api = me.get(f"/api/v1/inspections/households/{c.households_a[0].pk}/results").json()
    assert [s["score"] for s in api["sheets"]] == [92]
    other = me.get(f"/api/v1/inspections/households/{c.households_a[2].pk}/results")
    assert other.status_code == 404
    # The village's cadre sees both; 楼台村's does not.
    cadre = client_for(cast.cadre_a)
    assert (
        cadre.get(reverse("inspections:household", args=[c.households_a[2].pk])).status_code == 200
    )
    assert (
        client_for(cast.cadre_b)
        .get(reverse("inspections:household", args=[c.households_a[2].pk]))
        .status_code
        == 404
    )


def test_monthly_ranking_per_group_with_ties(cast, client_for):  # type: ignore[no-untyped-def]
    """一组: 王秀英 and 李建国 tie at 90 and share first place; 二组 ranks on its own. Public to
    the village's residents (names and addresses only), not to another village's cadre."""
    c = cast.county
    first = _round(c.village_a, cast.hygiene, dt.date(2026, 10, 2))
    second = _round(c.village_a, cast.hygiene, dt.date(2026, 10, 9))
    outside = _round(c.village_a, cast.hygiene, dt.date(2026, 11, 6))
    _score(first, c.households_a[0], 95)
    _score(second, c.households_a[0], 85)
    _score(first, c.households_a[1], 90)
    _score(first, c.households_a[2], 60)
    _score(first, c.households_a[3], 80)
    _score(outside, c.households_a[2], 100)  # another month: not counted
    month = "2026-10"
    api = client_for(cast.resident_a2).get(
        f"/api/v1/inspections/ranking?place={c.village_a.pk}&month={month}"
    )
    assert api.status_code == 200, api.content
    groups = {
        g["group"]: [(r["rank"], r["address"], r["mean"]) for r in g["rows"]]
        for g in api.json()["groups"]
    }
    assert sorted(groups["一组"]) == [(1, "一组1号", "90.0"), (1, "一组2号", "90.0")]
    assert groups["二组"] == [(1, "二组2号", "80.0"), (2, "二组1号", "60.0")]
    page = client_for(cast.resident_a).get(
        reverse("inspections:ranking") + f"?place={c.village_a.pk}&month={month}"
    )
    body = page.content.decode()
    assert page.status_code == 200 and "王秀英" in body and "一组" in body
    assert "138" not in body  # no phone numbers
    assert (
        client_for(cast.cadre_b)
        .get(f"/api/v1/inspections/ranking?place={c.village_a.pk}&month={month}")
        .status_code
        == 404
    )


def test_anonymous_is_sent_to_sign_in(cast, client):  # type: ignore[no-untyped-def]
    assert ANONYMOUS.is_anonymous
    r = client.get(reverse("inspections:ranking"))
    assert r.status_code == 302
