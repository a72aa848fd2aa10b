"""Who sees and handles which needs: rules need.submit / need.record / need.manage / need.view."""

import pytest

from wugong.needs.models import Need, NeedSupport, Status
from wugong.people.rules import RULES

pytestmark = pytest.mark.django_db


def test_rule_roles():
    """need.submit and need.view: every role; need.record: cadres, grid workers, centre
    households and chiefs; need.manage: village/community cadres, work teams, the admin."""
    everyone = set(RULES["household.view"])
    assert RULES["need.submit"] == everyone and RULES["need.view"] == everyone
    assert RULES["need.record"] == {
        "village_cadre",
        "community_cadre",
        "work_team",
        "grid_worker",
        "centre_household",
        "building_chief",
        "estate_chief",
        "street_chief",
    }
    assert RULES["need.manage"] == {"village_cadre", "community_cadre", "work_team", "system_admin"}


def test_a_cadre_of_one_village_cannot_see_or_touch_another_villages_needs(
    cast, client_for, raise_need
):
    """A cadre of 楼台村 gets "not found" for 双台村's needs on every page and API call, and
    nothing changes."""
    need = raise_need(cast.resident_a, "村口路灯坏了")
    other = raise_need(cast.resident_a2, "路灯也坏了")
    client = client_for(cast.cadre_b)
    assert "村口路灯坏了" not in client.get("/needs/").content.decode()
    assert client.get("/api/v1/needs/").json()["count"] == 0
    assert client.get(f"/needs/{need.pk}/").status_code == 404
    assert client.get(f"/api/v1/needs/{need.pk}").status_code == 404
    for url, data in [
        ("support/", {}),
        ("follow/", {"follow": "1"}),
        ("classify/", {"category": "roads", "urgency": "high"}),
        ("status/", {"status": "declined", "text": "不办"}),
        ("answer/", {"text": "好的"}),
        ("merge/", {"survivor": other.pk}),
    ]:
        assert client.post(f"/needs/{need.pk}/{url}", data).status_code == 404, url
    json = "application/json"
    api = [
        ("support", {}),
        ("follow", {}),
        ("classify", {"category": "roads", "urgency": "high"}),
        ("status", {"status": "declined", "text": "不办"}),
        ("answer", {"text": "好的"}),
        ("merge", {"survivor": other.pk}),
    ]
    for url, data in api:
        response = client.post(f"/api/v1/needs/{need.pk}/{url}", data, json)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    need.refresh_from_db()
    assert need.status == Status.NEW and need.category == "other"
    assert not NeedSupport.objects.exists()
    # Nor may they merge one of their own needs into 双台村's.
    mine = raise_need(cast.resident_b, "楼台村的路")
    response = client.post(f"/api/v1/needs/{mine.pk}/merge", {"survivor": need.pk}, json)
    assert response.status_code == 404


def test_residents_see_their_village_and_the_places_above_it(cast, client_for, raise_need):
    """Needs are public within the village: a resident of 双台村 一组 sees 二组's needs and
    town-level needs of 宝丰镇, but not 楼台村's or another town's."""
    c = cast.county
    in_group_2 = raise_need(cast.resident_a2, "二组的水渠堵了")
    town_need = Need.objects.create(
        title="镇上",
        text="镇上的",
        place=c.town_a,
        place_path=c.town_a.path,
        source="online",
        reporter=cast.resident_a2.person,
    )
    other_town = Need.objects.create(
        title="麻家渡",
        text="麻家渡",
        place=c.town_b,
        place_path=c.town_b.path,
        source="online",
        reporter=cast.resident_b.person,
    )
    elsewhere = raise_need(cast.resident_b, "楼台村的路")
    ids = {n["id"] for n in client_for(cast.resident_a).get("/api/v1/needs/").json()["items"]}
    assert in_group_2.pk in ids and town_need.pk in ids
    assert other_town.pk not in ids and elsewhere.pk not in ids
    # The grid worker and the cadre of 双台村 see the same village; they may not raise needs
    # at the town (only within the village).
    grid = client_for(cast.grid_a)
    assert grid.get(f"/api/v1/needs/{in_group_2.pk}").status_code == 200
    response = grid.post("/api/v1/needs/", {"text": "镇上的路", "place": str(c.town_a.pk)})
    assert response.status_code == 400 and response.json()["field"] == "place"


def test_residents_cannot_manage_and_cadres_can_in_their_village(cast, client_for, raise_need):
    """Classifying, answering and declining are for the village's cadres only."""
    need = raise_need(cast.resident_a, "路灯")
    resident = client_for(cast.resident_a2)
    json = "application/json"
    forbidden = resident.post(f"/api/v1/needs/{need.pk}/answer", {"text": "好"}, json)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    assert resident.post(f"/needs/{need.pk}/answer/", {"text": "好"}).status_code == 302
    page = resident.get(f"/needs/{need.pk}/").content.decode()
    assert "干部处理" not in page and "您无权处理这个问题" in page
    cadre = client_for(cast.cadre_a)
    assert "干部处理" in cadre.get(f"/needs/{need.pk}/").content.decode()
    ok = cadre.post(
        f"/api/v1/needs/{need.pk}/classify",
        {"category": "lighting", "urgency": "urgent", "place": cast.county.group_a2.pk},
        json,
    )
    assert ok.status_code == 200 and ok.json()["category_label"] == "照明"
    moved = cadre.post(
        f"/api/v1/needs/{need.pk}/classify",
        {"category": "lighting", "urgency": "urgent", "place": cast.county.group_b1.pk},
        json,
    )
    assert moved.status_code == 400 and moved.json()["field"] == "place"
