"""Done when: a user of one village gets no data of another village through any page, export or
API call — proven here for every role.

Each role is held on 双台村's side of 竹山县 (its village, group, grid, town, or for chiefs and
community cadres the urban street next to it; county and city supervisors sit in 房县 of 十堰市).
Every page, the export and every API endpoint is then asked about 楼台村 (麻家渡镇), and must
answer 403/404 or leave it out, while still showing what the role is meant to see.
"""

import io
import re

import pytest
from openpyxl import load_workbook

from wugong.core.models import SensitiveAccess
from wugong.people import services as ps
from wugong.people.models import Household, KeyHouseholdTag, Person, RoleAssignment
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.people.tests.factories import OTHER_VILLAGE_NAMES, xlsx_bytes
from wugong.places.models import MicroGrid, Place

ROLES = [r for r in Role.values if r != Role.SYSTEM_ADMIN]
FOREIGN = ("楼台", "麻家渡", *OTHER_VILLAGE_NAMES)
REFUSED = {403, 404}
ADMIN = Viewer(
    user_id=0, person_id=None, household_id=None, assignments=(Assignment("system_admin", 0, "/"),)
)


def _no_foreign(response) -> None:  # type: ignore[no-untyped-def]
    text = response.content.decode()
    leaked = [w for w in FOREIGN if w in text]
    assert leaked == [], f"{response.request['PATH_INFO']} shows {leaked}"


def _api_household_ids(client, **params) -> set[int]:  # type: ignore[no-untyped-def]
    ids: set[int] = set()
    page = 1
    while True:
        r = client.get("/api/v1/households", {**params, "page": page})
        assert r.status_code == 200, r.content
        body = r.json()
        ids |= {h["id"] for h in body["items"]}
        if not body["items"] or len(ids) >= body["count"]:
            return ids
        page += 1


def _xlsx_text(data: bytes) -> str:
    ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return "\n".join(" ".join(str(v) for v in row if v is not None) for row in ws.values)


@pytest.mark.parametrize("role", ROLES)
def test_pages_show_nothing_of_another_village(role, placed, county, client_for):
    """Home, household list and search, household pages, place pages, place search, the roles
    page and the audit trail: 楼台村 is 404 or absent, for every role; what the role is meant to
    see is there."""
    p = placed(role)
    c = client_for(p.user)
    vb, b1, tb = county.village_b, county.group_b1, county.town_b

    _no_foreign(c.get("/"))
    listing = c.get("/households/")
    assert listing.status_code == 200
    _no_foreign(listing)
    for h in p.visible:
        assert h.head.name in listing.content.decode()
    # The search box echoes the query: look at the results fragment htmx swaps in.
    results = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
    for q in ("刘长春", "楼台", "liu", "zhao"):
        r = c.get("/households/", {"q": q}, **results)
        assert r.status_code == 200
        _no_foreign(r)
    r = c.get("/households/", {"tag": "illness"})
    assert r.status_code == 403 or "刘长春" not in r.content.decode()
    for place in (vb, b1, tb):
        assert c.get("/households/", {"place": place.pk}).status_code == 404
        assert c.get(f"/places/{place.pk}/").status_code == 404
        assert c.get(f"/places/{place.pk}/roles/").status_code == 404
        assert c.get("/households/new/", {"place": place.pk}).status_code in REFUSED
    for h in county.households_b:
        assert c.get(f"/households/{h.pk}/").status_code == 404
    for h in p.visible:
        assert c.get(f"/households/{h.pk}/").status_code == 200
    places = c.get("/places/")
    assert places.status_code == 200
    _no_foreign(places)
    for q in ("楼台", "lou", "麻家渡"):
        text = c.get("/places/", {"q": q}).content.decode()
        assert "楼台村" not in text.replace(f'value="{q}"', "")
        assert "麻家渡镇" not in text
    audit = c.get("/audit/")
    assert audit.status_code in {200, 403}
    if audit.status_code == 200:
        text = audit.content.decode()
        for h in county.households_b:
            assert f"people.household #{h.pk}</td>" not in text
            assert f"people.person #{h.head_id}</td>" not in text
        assert f"people.household #{p.visible[0].pk}</td>" in text


@pytest.mark.parametrize("role", ROLES)
def test_writes_to_another_village_are_refused_and_save_nothing(role, placed, county, client_for):
    """Adding a member, a tag, a household, a centre link, a place, a grid or a role in 楼台村,
    revoking a role there, unmasking a person there, or importing a roster there: refused, and
    nothing is saved or logged."""
    p = placed(role)
    c = client_for(p.user)
    vb, hb = county.village_b, county.households_b[0]
    other_cadre = ps.role_assign(
        viewer=ADMIN,
        person=ps.person_create(data=ps.person_data_clean(name="楼台村干部", sex="M")),
        role="village_cadre",
        place=vb,
    )
    before = (
        Person.objects.count(),
        Household.objects.count(),
        KeyHouseholdTag.objects.count(),
        Place.objects.count(),
        MicroGrid.objects.count(),
        RoleAssignment.objects.filter(active=True).count(),
        SensitiveAccess.objects.count(),
    )
    person = {"name": "外村人", "sex": "M", "relation": "子"}
    assert c.post(f"/households/{hb.pk}/members/", person).status_code in REFUSED
    tag = {"tag": "alone", "reason": "x", "since": "2022-01-01"}
    assert c.post(f"/households/{hb.pk}/tags/", tag).status_code in REFUSED
    assert c.post(f"/households/{hb.pk}/centre/", {"action": "designate"}).status_code in REFUSED
    new = {"place": vb.pk, "address": "楼台一组9号", "name": "新户主", "sex": "M"}
    assert c.post(f"/households/new/?place={vb.pk}", new).status_code in REFUSED
    for field in ("id_number", "phone", "tags"):
        r = c.post(f"/people/{hb.head_id}/reveal/{field}/")
        assert r.status_code in REFUSED
        assert hb.head.phone not in r.content.decode()
        assert hb.head.id_number not in r.content.decode()
    assert c.post(f"/places/{vb.pk}/children/", {"name": "三组", "kind": "group"}).status_code in (
        REFUSED
    )
    assert c.post(f"/places/{vb.pk}/grids/", {"name": "新网格"}).status_code in REFUSED
    assign = {"person": hb.head_id, "role": "council_member"}
    assert c.post(f"/places/{vb.pk}/roles/", assign).status_code in REFUSED
    assert c.post(f"/roles/{other_cadre.pk}/revoke/").status_code in REFUSED
    roster = xlsx_bytes([["1", "", "楼台一组9号", "外村人", "户主", "男"]])
    upload = io.BytesIO(roster)
    upload.name = "roster.xlsx"
    assert c.post("/roster/", {"place": vb.pk, "file": upload}).status_code in REFUSED
    after = (
        Person.objects.count(),
        Household.objects.count(),
        KeyHouseholdTag.objects.count(),
        Place.objects.count(),
        MicroGrid.objects.count(),
        RoleAssignment.objects.filter(active=True).count(),
        SensitiveAccess.objects.count(),
    )
    assert after == before


@pytest.mark.parametrize("role", ROLES)
def test_export_holds_nothing_of_another_village(role, placed, county, client_for):
    """The household export, masked or full, and asked for 楼台村 by id: refused, or an .xlsx with
    only the role's own households."""
    p = placed(role)
    c = client_for(p.user)
    for params in ({}, {"full": "1"}):
        r = c.get("/roster/export.xlsx", params)
        assert r.status_code in {200, 403}
        if r.status_code == 200:
            text = _xlsx_text(r.content)
            assert [w for w in FOREIGN if w in text] == []
            assert p.visible[0].head.name in text
    for place in (county.village_b, county.town_b):
        assert c.get("/roster/export.xlsx", {"place": place.pk}).status_code in REFUSED


@pytest.mark.parametrize("role", ROLES)
def test_api_gives_nothing_of_another_village(role, placed, county, client_for):
    """Every /api/v1/ endpoint about places, households and people: 楼台村's rows are 404/403 or
    absent; the household list is exactly the role's own households."""
    p = placed(role)
    c = client_for(p.user)
    vb, b1, tb = county.village_b, county.group_b1, county.town_b
    hb = county.households_b

    assert _api_household_ids(c) == {h.pk for h in p.visible}
    for params in ({"q": "刘长春"}, {"q": "liu"}, {"q": "楼台"}, {"tag": "illness"}):
        assert not _api_household_ids(c, **params) & {h.pk for h in hb}
    for place in (vb, b1, tb):
        assert c.get("/api/v1/households", {"place": place.pk}).status_code == 404
        assert c.get(f"/api/v1/places/{place.pk}").status_code == 404
        assert c.get(f"/api/v1/places/{place.pk}/key-household-counts").status_code == 404
        assert c.get("/api/v1/places", {"parent": place.pk}).json() == []
    for h in hb:
        assert c.get(f"/api/v1/households/{h.pk}").status_code == 404
        assert c.get(f"/api/v1/people/{h.head_id}").status_code == 404
        for field in ("id_number", "phone", "tags"):
            r = c.post(
                f"/api/v1/people/{h.head_id}/reveal",
                {"field": field},
                content_type="application/json",
            )
            assert r.status_code in REFUSED
    assert SensitiveAccess.objects.count() == 0
    tops = c.get("/api/v1/places")
    assert tops.status_code == 200
    assert [w for w in FOREIGN if w in tops.content.decode()] == []
    assert {a["place_id"] for a in c.get("/api/v1/me").json()["roles"]} <= {
        p.place.pk,
        *(h.place_id for h in p.visible),
    }
    for h in p.visible:
        detail = c.get(f"/api/v1/households/{h.pk}")
        assert detail.status_code == 200
        _no_foreign(detail)


def test_a_resident_sees_only_their_own_household(county, make_user, client_for):
    """A resident's household list, page and API, holds their own household and nothing else,
    not even the neighbour in the same group."""
    user = make_user("resident", county.group_a2, household=county.households_a[2])
    c = client_for(user)
    own, neighbour = county.households_a[2], county.households_a[3]
    text = c.get("/households/").content.decode()
    assert own.head.name in text
    assert neighbour.head.name not in text
    assert _api_household_ids(c) == {own.pk}
    assert c.get(f"/households/{neighbour.pk}/").status_code == 404
    assert c.get(f"/api/v1/people/{neighbour.head_id}").status_code == 404


def test_a_centre_household_sees_its_linked_neighbours(county, make_user, client_for):
    """A centre household (中心户) sees its own household and the neighbours linked to it, and
    not the other households of its group or village."""
    centre, linked = county.households_a[0], county.households_a[1]
    user = make_user("centre_household", county.group_a1, household=centre)
    c = client_for(user)
    assert _api_household_ids(c) == {centre.pk, linked.pk}
    assert c.get(f"/households/{linked.pk}/").status_code == 200
    for h in county.households_a[2:]:
        assert c.get(f"/households/{h.pk}/").status_code == 404


def test_a_centre_household_role_without_a_household_sees_nothing(county, make_user, client_for):
    """A person given the centre-household role who belongs to no household has no neighbours:
    they see no households at all, and certainly not 楼台村's."""
    user = make_user("centre_household", county.group_a1)
    c = client_for(user)
    assert _api_household_ids(c) == set()


def test_the_system_administrator_sees_both_villages(county, make_user, client_for):
    """The control: the checks above can see 楼台村 when it is in scope. The system
    administrator's household list, page and API, holds 楼台村's households."""
    c = client_for(make_user("system_admin", county.county))
    assert {h.pk for h in county.households_b} <= _api_household_ids(c)
    assert c.get(f"/households/{county.households_b[0].pk}/").status_code == 200


def test_a_cadre_with_both_villages_in_scope_does_see_both(county, make_user, client_for):
    """The control for the page checks: a town supervisor of 麻家渡镇 does see 楼台村 on the
    pages and in the API (so the absence checks above are not vacuous)."""
    c = client_for(make_user("town_supervisor", county.town_b))
    text = c.get("/households/").content.decode()
    assert all(name in text for name in OTHER_VILLAGE_NAMES)
    assert c.get(f"/places/{county.village_b.pk}/").status_code == 200
    assert _api_household_ids(c) == {h.pk for h in county.households_b}
    audit = c.get("/audit/").content.decode()
    assert re.search(rf"people\.household #{county.households_b[0].pk}</td>", audit)


def test_a_mangled_place_parameter_is_a_404_not_a_server_error(county, make_user, client_for):
    """?place=abc on the household list, the new-household page, the export and the roster
    upload is answered 404, like any place out of reach."""
    c = client_for(make_user("village_cadre", county.village_a))
    assert c.get("/households/", {"place": "abc"}).status_code == 404
    assert c.get("/households/new/", {"place": "1 OR 1=1"}).status_code == 404
    assert c.get("/roster/export.xlsx", {"place": "x"}).status_code == 404
    upload = io.BytesIO(xlsx_bytes([]))
    upload.name = "roster.xlsx"
    assert c.post("/roster/", {"place": "x", "file": upload}).status_code == 404
