"""The place tree: rural and urban shapes of any depth, kinds that fit under their parent,
"everything under this town" in one indexed range query, micro-grids, and list pages whose query
count does not grow with the number of households."""

import datetime as dt
import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wugong.core.errors import ValidationFailed
from wugong.people import services as ps
from wugong.people.models import Household
from wugong.places.models import MicroGrid, Place
from wugong.places.paths import subtree_q
from wugong.places.selectors import place_ancestors, place_subtree
from wugong.places.services import grid_create, place_create


def test_rural_tree_has_four_levels_town_village_group_household(county):
    """Rural: town › village › group › household; each place's path is its parent's plus its own
    id, and its depth one more than its parent's."""
    c = county
    assert [p.kind for p in (c.town_a, c.village_a, c.group_a1)] == ["town", "village", "group"]
    for parent, child in ((c.county, c.town_a), (c.town_a, c.village_a), (c.village_a, c.group_a1)):
        assert child.path == f"{parent.path}{child.pk}/"
        assert child.depth == parent.depth + 1
    household = c.households_a[0]
    assert household.place == c.group_a1
    assert household.place_path == c.group_a1.path
    assert place_ancestors(c.group_a1) == [c.county, c.town_a, c.village_a]


def test_urban_tree_has_five_levels_down_to_the_centre_household(county):
    """Urban: street › community › estate › building › (centre) household."""
    c = county
    chain = [c.street, c.community, c.estate, c.building]
    assert [p.kind for p in chain] == ["street", "community", "estate", "building"]
    assert [p.depth for p in chain] == [1, 2, 3, 4]
    h = c.households_urban[0]
    assert h.place == c.building and h.place_path.startswith(c.street.path)
    ps.centre_designate(household=h)
    ps.centre_link(household=c.households_urban[1], centre=h)
    assert list(h.neighbours.all()) == [c.households_urban[1]]


def test_a_tree_of_any_depth_city_county_town(db):
    """The tree is not fixed in depth: a province › city › county › street › community ›
    estate › building chain keeps correct paths all the way down."""
    parent = None
    for kind, name in [("province", "湖北省"), ("city", "十堰市"), ("county", "竹山县"),
                       ("street", "城关"), ("community", "东关社区"), ("estate", "花园小区"),
                       ("building", "8号楼")]:  # fmt: skip
        place = place_create(name=name, kind=kind, parent=parent)
        assert place.path == (parent.path if parent else "/") + f"{place.pk}/"
        parent = place
    assert parent.depth == 6
    assert [p.name for p in place_ancestors(parent)][:2] == ["湖北省", "十堰市"]


@pytest.mark.parametrize(
    ("parent_kind", "child_kind"),
    [("group", "village"), ("village", "town"), ("building", "estate"), ("county", "group"),
     ("estate", "community"), ("village", "building")],
)  # fmt: skip
def test_a_kind_that_does_not_fit_under_its_parent_is_refused(parent_kind, child_kind, county):
    """A village under a group, a town under a village, an estate under a building …: refused in
    Chinese, naming the kinds, and nothing is created."""
    parent = Place.objects.filter(kind=parent_kind).first()
    before = Place.objects.count()
    with pytest.raises(ValidationFailed) as e:
        place_create(name="新地点", kind=child_kind, parent=parent)
    assert e.value.field == "kind"
    assert "不能直接设立" in str(e.value)
    assert Place.objects.count() == before


def test_unknown_kind_empty_name_and_duplicate_sibling_name_are_refused(county):
    """Unknown kinds, empty names and a second 一组 in the same village are refused."""
    with pytest.raises(ValidationFailed, match="未知的地点类型"):
        place_create(name="x", kind="planet", parent=county.village_a)
    with pytest.raises(ValidationFailed, match="请填写地点名称"):
        place_create(name="  ", kind="group", parent=county.village_a)
    with pytest.raises(ValidationFailed, match="同一上级下已有同名地点"):
        place_create(name="一组", kind="group", parent=county.village_a)
    # The same name under another parent is fine: 楼台村 has its own 一组 already.
    assert county.group_b1.name == county.group_a1.name


def test_the_add_place_page_refuses_a_wrong_kind(county, make_user, client_for):
    """On the place page a village cadre may add a group, not a village, under their village;
    the refusal is shown in Chinese and nothing is created."""
    c = client_for(make_user("village_cadre", county.village_a))
    url = f"/places/{county.village_a.pk}/children/"
    r = c.post(url, {"name": "三组", "kind": "village"}, follow=True)
    assert "不能直接设立" in r.content.decode()
    assert not Place.objects.filter(name="三组").exists()
    c.post(url, {"name": "三组", "kind": "group"})
    assert Place.objects.get(name="三组").parent == county.village_a


def test_micro_grids_belong_to_a_place(county):
    """A micro-grid (微网格) lives in a place; a household's grid must lie within its place; the
    grid worker's households are the grid's."""
    assert county.grid_a.place_path == county.village_a.path
    assert set(county.grid_a.households.all()) == set(county.households_a[:2])
    with pytest.raises(ValidationFailed, match="同名网格"):
        grid_create(name="双台一组网格", place=county.village_a)
    head = ps.person_data_clean(name="甲", sex="M")
    with pytest.raises(ValidationFailed) as e:
        ps.household_create(place=county.group_b1, address="x", head=head, grid=county.grid_a)
    assert e.value.field == "grid"
    assert MicroGrid.objects.filter(place=county.village_a).count() == 1


# --- everything under a place: one range query ------------------------------------------------
def test_everything_under_a_town_is_one_range_query(county, django_assert_num_queries):
    """The subtree of a town is read in ONE query, a range on the materialized path (no
    recursion, no LIKE), and holds exactly the town and what lies under it."""
    with django_assert_num_queries(1) as captured:
        names = {p.name for p in place_subtree(county.town_a)}
    assert names == {"宝丰镇", "双台村", "一组", "二组"}
    sql = captured.captured_queries[0]["sql"]
    assert '"path" >=' in sql and '"path" <' in sql
    assert "LIKE" not in sql.upper()


def test_every_household_under_a_town_is_one_range_query(county, django_assert_num_queries):
    """Every household under a town: one query on the households' copied place path."""
    with django_assert_num_queries(1) as captured:
        found = set(Household.objects.filter(subtree_q(county.town_a.path, "place_path")))
    assert found == set(county.households_a)
    assert '"place_path" >=' in captured.captured_queries[0]["sql"]


def test_subtree_range_never_catches_a_sibling_whose_id_starts_alike(db):
    """/1/2/ must not take in /1/23/ (a sibling whose id starts with the same digits) nor
    anything outside, on both databases. Many random trees are checked."""
    rng = random.Random(7)
    root = place_create(name="县", kind="county", parent=None)
    towns = [place_create(name=f"镇{n}", kind="town", parent=root) for n in range(25)]
    villages = [
        place_create(name=f"村{n}", kind="village", parent=rng.choice(towns)) for n in range(40)
    ]
    for place in [root, *towns, *villages]:
        expected = {p.pk for p in [root, *towns, *villages] if p.path.startswith(place.path)}
        assert set(place_subtree(place).values_list("pk", flat=True)) == expected, place.path


# --- list pages do not grow queries with their rows --------------------------------------------
def _more_households(place, n: int, start: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        head = ps.person_data_clean(name=f"户主{start + i}", sex="M")
        h = ps.household_create(place=place, address=f"新{start + i}号", head=head)
        ps.key_tag_set(household=h, tag="alone", reason="", since=dt.date(2020, 1, 1))


# The page reads its ids from the index, then loads just those rows: one query more than a
# joined slice, the same whatever the number of households.
HOUSEHOLD_LIST_MAX_QUERIES = 8


def test_household_list_page_query_count_is_pinned(
    county, make_user, client_for, django_assert_max_num_queries
):
    """The household list page costs at most a fixed number of queries, the same with 4
    households as with 24 (heads, places and tags are fetched together, no N+1)."""
    c = client_for(make_user("village_cadre", county.village_a))
    c.get("/households/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert c.get("/households/").status_code == 200
    _more_households(county.group_a1, 20, 100)
    with django_assert_max_num_queries(HOUSEHOLD_LIST_MAX_QUERIES):
        r = c.get("/households/")
    assert r.content.decode().count("独居户") >= 20
    with CaptureQueriesContext(connection) as many:
        c.get("/households/")
    assert len(many) == len(few)


def test_place_page_and_api_lists_do_not_grow_with_households(
    county, make_user, client_for, django_assert_max_num_queries
):
    """The place page and the API household list cost the same number of queries with 4 or 24
    households; the API reads one page of households, never the whole table."""
    c = client_for(make_user("village_cadre", county.village_a))
    url = f"/places/{county.village_a.pk}/"
    c.get(url)
    with CaptureQueriesContext(connection) as place_few:
        c.get(url)
    with CaptureQueriesContext(connection) as api_few:
        c.get("/api/v1/households")
    _more_households(county.group_a1, 20, 200)
    with CaptureQueriesContext(connection) as place_many:
        c.get(url)
    with CaptureQueriesContext(connection) as api_many:
        body = c.get("/api/v1/households").json()
    assert len(place_many) == len(place_few)
    assert len(api_many) == len(api_few)
    assert body["count"] == 24 and len(body["items"]) == 20
    household_reads = [
        q["sql"]
        for q in api_many.captured_queries
        if 'FROM "people_household"' in q["sql"] and "COUNT(" not in q["sql"].upper()
    ]

    # Each read is one page: the ids with a LIMIT, then those rows by their ids (20 at most).
    def one_page(sql: str) -> bool:
        if "LIMIT" in sql.upper():
            return True
        ids = re.search(r'"people_household"\."id" IN \(([^)]*)\)', sql)
        return ids is not None and len(ids.group(1).split(",")) <= 20

    assert household_reads and all(one_page(sql) for sql in household_reads)
    assert any("LIMIT" in sql.upper() for sql in household_reads)
