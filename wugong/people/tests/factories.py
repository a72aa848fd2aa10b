"""Test builders shared by the foundation's tests: one user per role, placed in 双台村's side
of the county (or, for county and city supervisors, in a second county), plus an .xlsx writer.

Every builder goes through the real services, never through model rows directly.
"""

import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

from wugong.core.validators import id_check_digit
from wugong.people.roles import Role

# Names of 楼台村's heads: they must never appear to a user scoped to 双台村's side.
OTHER_VILLAGE_NAMES = ("刘长春", "赵玉梅")


def id_number(seq: int, birth: str = "19560308", region: str = "420325") -> str:
    """A valid ID number (GB 11643 checksum), distinct from the shared fixture's numbers."""
    first17 = f"{region}{birth}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


@dataclass
class OtherCounty:
    """十堰市 › 房县 › 城关镇 › 七里村 › 一组, with one household: the home of the county and
    city supervisors, so that all of 竹山县 (and 楼台村 in it) lies outside their scope."""

    city: Any
    county: Any
    town: Any
    village: Any
    group: Any
    household: Any


def other_county_build() -> OtherCounty:
    from wugong.people import services as ps
    from wugong.places.services import place_create

    city = place_create(name="十堰市", kind="city", parent=None)
    county = place_create(name="房县", kind="county", parent=city)
    town = place_create(name="城关镇", kind="town", parent=county)
    village = place_create(name="七里村", kind="village", parent=town)
    group = place_create(name="一组", kind="group", parent=village)
    head = ps.person_data_clean(name="郭春生", id_number=id_number(901), phone="13700000901")
    household = ps.household_create(place=group, address="七里村一组1号", head=head)
    return OtherCounty(city, county, town, village, group, household)


@dataclass
class Placed:
    """A user holding ``role``, the place of their assignment, and households they must see."""

    role: str
    user: Any
    place: Any
    visible: list  # households this user must see (positive control)


def user_for_role(role: str, county: Any, make_user: Any, other: OtherCounty) -> Placed:
    """A user holding ``role`` on 双台村's side (or in 房县 for county/city supervisors)."""
    c = county
    if role == Role.RESIDENT:
        user = make_user("resident", c.group_a2, household=c.households_a[2])
        return Placed(role, user, c.group_a2, [c.households_a[2]])
    if role == Role.CENTRE_HOUSEHOLD:
        user = make_user("centre_household", c.group_a1, household=c.households_a[0])
        return Placed(role, user, c.group_a1, c.households_a[:2])
    if role == Role.GRID_WORKER:
        user = make_user("grid_worker", c.village_a, grid=c.grid_a)
        return Placed(role, user, c.village_a, c.households_a[:2])
    if role == Role.SYSTEM_ADMIN:
        user = make_user("system_admin", c.county)
        return Placed(role, user, c.county, [*c.households_a, *c.households_b])
    place = {
        Role.BUILDING_CHIEF: c.building,
        Role.ESTATE_CHIEF: c.estate,
        Role.STREET_CHIEF: c.street,
        Role.COMMUNITY_CADRE: c.community,
        Role.COUNCIL_MEMBER: c.village_a,
        Role.VILLAGE_CADRE: c.village_a,
        Role.WORK_TEAM: c.village_a,
        Role.TOWN_SUPERVISOR: c.town_a,
        Role.COUNTY_SUPERVISOR: other.county,
        Role.CITY_SUPERVISOR: other.city,
    }[role]
    if place in (other.county, other.city):
        visible = [other.household]
    elif place.path.startswith(c.street.path):
        visible = list(c.households_urban)
    else:
        visible = [h for h in c.households_a if h.place_path.startswith(place.path)]
    return Placed(role, make_user(role, place), place, visible)


def xlsx_bytes(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    """An .xlsx file whose first sheet holds ``header`` (the roster's) and then ``rows``."""
    from wugong.people.roster import HEADERS

    wb = Workbook()
    ws = wb.active
    ws.append(header if header is not None else HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
