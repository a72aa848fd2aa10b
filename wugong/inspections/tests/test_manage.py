"""Checklist management, schedules, rounds by hand and public areas (inspection.manage), and
the pages each role opens."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from wugong.inspections.models import Area, Checklist, Round, Schedule, ScoreSheet

pytestmark = pytest.mark.django_db


def _items(*pairs):  # type: ignore[no-untyped-def]
    data = {"item_text": [t for t, _m in pairs], "item_max": [str(m) for _t, m in pairs]}
    return data


def test_cadre_adds_a_checklist_used_by_places_below(cast, client_for):  # type: ignore[no-untyped-def]
    c = cast.county
    client = client_for(cast.cadre_a)
    data = {
        "place": c.village_a.pk,
        "name": "双台村卫生表",
        "kind": "hygiene",
        "target": "household",
    }
    r = client.post(
        reverse("inspections:checklist_new"),
        {**data, **_items(("院落", 60), ("室内", 40), ("", 0))},
    )
    assert r.status_code == 302
    row = Checklist.objects.get(name="双台村卫生表")
    assert row.place_path == c.village_a.path and row.full_score == 100
    page = client.get(reverse("inspections:manage") + f"?place={c.village_a.pk}")
    assert "双台村卫生表" in page.content.decode() and "农户环境卫生检查表" in page.content.decode()
    # 楼台村 cannot use it, nor manage 双台村.
    other = client_for(cast.cadre_b)
    assert other.get(reverse("inspections:manage") + f"?place={c.village_a.pk}").status_code == 404
    r = other.post(
        reverse("inspections:schedule_set"),
        {"place": c.village_b.pk, "checklist": row.pk, "weekday": "4"},
    )
    assert not Schedule.objects.exists()


def test_checklist_whose_total_is_not_exact_is_refused(cast, client_for):  # type: ignore[no-untyped-def]
    client = client_for(cast.cadre_a)
    data = {"place": cast.county.village_a.pk, "name": "九十分表", "kind": "safety"}
    r = client.post(
        reverse("inspections:checklist_new"),
        {**data, **_items(("用电", 45), ("用气", 45))},
        follow=True,
    )
    assert "整除10000" in r.content.decode()
    assert not Checklist.objects.filter(name="九十分表").exists()


def test_schedule_and_round_by_hand(cast, client_for):  # type: ignore[no-untyped-def]
    c = cast.county
    client = client_for(cast.cadre_a)
    r = client.post(
        reverse("inspections:schedule_set"),
        {"place": c.village_a.pk, "checklist": cast.hygiene.pk, "weekday": "3", "active": "1"},
    )
    assert r.status_code == 302
    assert Schedule.objects.get().weekday == 3
    date = timezone.localdate().isoformat()
    safety = Checklist.objects.get(name="家庭安全检查表", place_path="")
    for _ in range(2):
        client.post(
            reverse("inspections:round_new"),
            {"place": c.village_a.pk, "checklist": safety.pk, "date": date},
        )
    assert Round.objects.filter(checklist=safety).count() == 1
    # A grid worker may score but not manage.
    grid = client_for(cast.grid_a)
    assert grid.get(reverse("inspections:manage")).status_code == 404


def test_public_area_scored_on_an_area_round(cast, client_for):  # type: ignore[no-untyped-def]
    c = cast.county
    client = client_for(cast.cadre_a)
    client.post(reverse("inspections:area_new"), {"place": c.village_a.pk, "name": "村广场"})
    area = Area.objects.get()
    areas = Checklist.objects.get(name="公共区域卫生检查表", place_path="")
    client.post(
        reverse("inspections:round_new"),
        {"place": c.village_a.pk, "checklist": areas.pk, "date": timezone.localdate().isoformat()},
    )
    rnd = Round.objects.get(checklist=areas)
    assert "村广场" in client.get(reverse("inspections:round", args=[rnd.pk])).content.decode()
    data = {f"item_{i.pk}": str(i.max_score) for i in areas.items.all()}
    r = client.post(
        reverse("inspections:score_area", args=[rnd.pk, area.pk]),
        {**data, "idempotency_key": uuid.uuid4().hex},
    )
    assert r.status_code == 302
    sheet = ScoreSheet.objects.get()
    assert sheet.area == area and sheet.household is None and sheet.score == 100
    # A household URL on an area round is not a target.
    url = reverse("inspections:score", args=[rnd.pk, c.households_a[0].pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["grid_a", "cadre_a", "cadre_b", "resident_a"])
def test_home_and_ranking_open_for_each_role(cast, client_for, who):  # type: ignore[no-untyped-def]
    client = client_for(getattr(cast, who))
    home = client.get(reverse("inspections:home"))
    assert home.status_code == 200
    body = home.content.decode()
    if who in {"grid_a", "cadre_a"}:
        assert reverse("inspections:round", args=[cast.round_a.pk]) in body
    else:
        assert reverse("inspections:round", args=[cast.round_a.pk]) not in body
    assert client.get(reverse("inspections:ranking")).status_code == 200
