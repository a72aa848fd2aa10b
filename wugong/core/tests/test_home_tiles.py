"""Every tile on a role's home page opens: nobody is offered a page they cannot use."""

import re

import pytest

from wugong.people.models import User
from wugong.people.roles import Role

pytestmark = pytest.mark.django_db

PLACE_OF = {
    Role.RESIDENT: "group_a1",
    Role.CENTRE_HOUSEHOLD: "group_a1",
    Role.GRID_WORKER: "village_a",
    Role.BUILDING_CHIEF: "building",
    Role.ESTATE_CHIEF: "estate",
    Role.STREET_CHIEF: "street",
    Role.COUNCIL_MEMBER: "village_a",
    Role.VILLAGE_CADRE: "village_a",
    Role.COMMUNITY_CADRE: "community",
    Role.WORK_TEAM: "village_a",
    Role.TOWN_SUPERVISOR: "town_a",
    Role.COUNTY_SUPERVISOR: "county",
    Role.CITY_SUPERVISOR: "county",
    Role.SYSTEM_ADMIN: "county",
}


def _tile_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="tiles".*?</nav>', html, re.S)
    assert nav, "the home page has its tiles"
    return re.findall(r'href="([^"]+)"', nav.group(0))


@pytest.mark.parametrize("role", list(Role.values))
def test_every_tile_on_a_roles_home_page_opens(role, county, make_user, client_for):
    """Each role's home shows the five togethers as tiles, and each one answers 200."""
    kw = {}
    if role in {Role.RESIDENT, Role.CENTRE_HOUSEHOLD}:
        kw["household"] = county.households_a[0]
    if role == Role.GRID_WORKER:
        kw["grid"] = county.grid_a
    user = make_user(role, getattr(county, PLACE_OF[role]), **kw)
    c = client_for(user)
    links = _tile_links(c.get("/").content.decode())
    assert len(links) >= 6
    for url in links:
        assert c.get(url).status_code == 200, url


def test_a_superuser_with_no_person_is_not_offered_to_raise_a_need(county, client_for):
    """An administrator account tied to no resident cannot raise a need (nor keep a points
    counter, nor have points), so no tile for it; the rest open for it in a county."""
    admin = User.objects.create_superuser("root", password="pw")
    c = client_for(admin)
    links = _tile_links(c.get("/").content.decode())
    assert "/needs/new/" not in links and "/points/" not in links
    for url in links:
        assert c.get(url).status_code == 200, url
