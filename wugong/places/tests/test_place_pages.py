"""Adding places and grids from the pages, and searching places."""

import pytest

from wugong.core.models import AuditEvent
from wugong.places.models import MicroGrid, Place

pytestmark = pytest.mark.django_db


def test_village_cadre_adds_a_group_under_their_village(county, make_user, client_for):
    """A village cadre adds a 村民小组 under their village; the path puts it in the subtree."""
    cadre = make_user("village_cadre", county.village_a)
    r = client_for(cadre).post(
        f"/places/{county.village_a.pk}/children/", {"name": "三组", "kind": "group"}
    )
    assert r.status_code == 302
    group = Place.objects.get(parent=county.village_a, name="三组")
    assert group.path.startswith(county.village_a.path)
    assert AuditEvent.objects.filter(
        action="place.create", object_id=str(group.pk), actor=cadre
    ).exists()


def test_a_kind_that_does_not_fit_is_refused_in_chinese(county, make_user, client_for):
    """A town cannot sit under a village: a Chinese message, nothing saved."""
    cadre = make_user("village_cadre", county.village_a)
    before = Place.objects.count()
    r = client_for(cadre).post(
        f"/places/{county.village_a.pk}/children/", {"name": "新镇", "kind": "town"}, follow=True
    )
    assert "不能直接设立" in r.content.decode()
    assert Place.objects.count() == before


def test_duplicate_name_under_the_same_parent_is_refused(county, make_user, client_for):
    """Two 一组 under one village would be ambiguous on rosters."""
    cadre = make_user("village_cadre", county.village_a)
    r = client_for(cadre).post(
        f"/places/{county.village_a.pk}/children/", {"name": "一组", "kind": "group"}, follow=True
    )
    assert "同名地点" in r.content.decode()
    assert Place.objects.filter(parent=county.village_a, name="一组").count() == 1


def test_cadre_cannot_add_places_in_another_village(county, make_user, client_for):
    """Scope: 双台村's cadre cannot add a group under 楼台村."""
    cadre = make_user("village_cadre", county.village_a)
    r = client_for(cadre).post(
        f"/places/{county.village_b.pk}/children/", {"name": "三组", "kind": "group"}
    )
    assert r.status_code == 403
    assert not Place.objects.filter(parent=county.village_b, name="三组").exists()


def test_grid_worker_cannot_add_places(county, make_user, client_for):
    """Adding places is a named rule (place.manage) that grid workers do not hold."""
    worker = make_user("grid_worker", county.village_a, grid=county.grid_a)
    r = client_for(worker).post(
        f"/places/{county.village_a.pk}/children/", {"name": "三组", "kind": "group"}
    )
    assert r.status_code == 403


def test_cadre_sets_up_a_micro_grid(county, make_user, client_for):
    """A micro-grid (微网格) is set up in the village and listed on its page."""
    cadre = make_user("village_cadre", county.village_a)
    c = client_for(cadre)
    c.post(f"/places/{county.village_a.pk}/grids/", {"name": "二组网格"})
    grid = MicroGrid.objects.get(place=county.village_a, name="二组网格")
    assert grid.place_path == county.village_a.path
    assert "二组网格" in c.get(f"/places/{county.village_a.pk}/").content.decode()


def test_place_search_by_name_and_pinyin_stays_in_scope(county, make_user, client_for):
    """Searching 一组 finds 双台村's groups only; pinyin 'shuang' finds 双台村."""
    cadre = make_user("village_cadre", county.village_a)
    c = client_for(cadre)
    body = c.get("/places/", {"q": "一组"}).content.decode()
    assert f"/places/{county.group_a1.pk}/" in body
    assert f"/places/{county.group_b1.pk}/" not in body
    assert f"/places/{county.village_a.pk}/" in c.get("/places/", {"q": "shuang"}).content.decode()
    assert "没有找到地点" in c.get("/places/", {"q": "楼台"}).content.decode()
