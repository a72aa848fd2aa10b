"""Every role against every named rule (RULES), in scope and out of scope.

The expected table is written out here by hand, not derived from RULES: a change to who may do
what must change this table too, or the test fails.
"""

import pytest

from wugong.people.models import Household
from wugong.people.roles import Role
from wugong.people.rules import RULES, viewer_for
from wugong.places.models import Place

RULE_COLUMNS = (
    "household.view",
    "household.edit",
    "person.view_sensitive",
    "roster.import",
    "roster.export",
    "place.view",
    "place.manage",
    "role.assign",
    "audit.view",
    "sensitive_log.view",
)

# Y: the role grants the rule (on targets in its scope); .: it does not.
#                     hv he ps ri re pv pm ra av sl
EXPECTED_TABLE = """
resident             Y  .  .  .  .  Y  .  .  .  .
centre_household     Y  .  .  .  .  Y  .  .  .  .
grid_worker          Y  Y  Y  .  .  Y  .  .  .  .
building_chief       Y  .  .  .  .  Y  .  .  .  .
estate_chief         Y  .  .  .  .  Y  .  .  .  .
street_chief         Y  .  .  .  .  Y  .  .  .  .
council_member       Y  .  .  .  .  Y  .  .  .  .
village_cadre        Y  Y  Y  Y  Y  Y  Y  Y  Y  .
community_cadre      Y  Y  Y  Y  Y  Y  Y  Y  Y  .
work_team            Y  Y  .  Y  Y  Y  .  .  Y  .
town_supervisor      Y  .  .  .  Y  Y  .  Y  Y  Y
county_supervisor    Y  .  .  .  Y  Y  Y  Y  Y  Y
city_supervisor      Y  .  .  .  Y  Y  Y  Y  Y  Y
system_admin         Y  Y  .  Y  Y  Y  Y  Y  Y  Y
"""


def _parse(table: str) -> dict[str, dict[str, bool]]:
    out = {}
    for line in table.strip().splitlines():
        role, *marks = line.split()
        assert len(marks) == len(RULE_COLUMNS), line
        out[role] = {rule: m == "Y" for rule, m in zip(RULE_COLUMNS, marks, strict=True)}
    return out


EXPECTED = _parse(EXPECTED_TABLE)

# Which roles each role may hand out at or below its own place (民主选举/任命 chain).
EXPECTED_ASSIGNABLE = {
    "village_cadre": {
        "resident",
        "centre_household",
        "grid_worker",
        "council_member",
        "building_chief",
        "estate_chief",
        "street_chief",
    },
    "community_cadre": {
        "resident",
        "centre_household",
        "grid_worker",
        "council_member",
        "building_chief",
        "estate_chief",
        "street_chief",
    },
    "town_supervisor": {"village_cadre", "community_cadre", "work_team"},
    "county_supervisor": {"village_cadre", "community_cadre", "work_team", "town_supervisor"},
    "city_supervisor": {"county_supervisor", "town_supervisor", "work_team"},
    "system_admin": set(Role.values),
}

# Only the system administrator reaches past a village boundary.
REACHES_EVERYWHERE = {"system_admin"}


# The foundation's rules; other apps' rules (need.*, vote.* ...) are tabled in their own tests.
FOUNDATION_PREFIXES = ("household.", "person.", "roster.", "place.", "role.", "audit.")
FOUNDATION_PREFIXES += ("sensitive_log.",)


def test_the_table_covers_every_role_and_every_foundation_rule():
    """The expected table names exactly the roles of Role and the foundation's rules in RULES: a
    new rule or role cannot slip in without someone deciding who holds it."""
    assert set(EXPECTED) == set(Role.values)
    foundation = {r for r in RULES if r.startswith(FOUNDATION_PREFIXES)}
    assert set(RULE_COLUMNS) == foundation


@pytest.mark.parametrize(
    "role",
    [r for r in EXPECTED],
)
def test_role_against_every_rule_in_and_out_of_scope(role, placed, county):
    """A role grants exactly the rules of its row of the table: on a household and a place in its
    own scope it may act exactly when the table says Y; on 楼台村 (another village, town and for
    supervisors another county) it may never act, whatever the rule, unless it is the system
    administrator."""
    p = placed(role)
    viewer = viewer_for(p.user)
    in_household = p.visible[0]
    out_household = county.households_b[0]
    out_place = county.village_b
    mismatches = []
    for rule in RULE_COLUMNS:
        granted = EXPECTED[role][rule]
        out_expected = granted and role in REACHES_EVERYWHERE
        seen_q = set(
            Household.objects.filter(viewer.household_q(rule)).values_list("pk", flat=True)
        )
        observed = {
            "has_rule": viewer.has_rule(rule),
            "in-scope household": viewer.can_household(rule, in_household),
            "in-scope household (query)": in_household.pk in seen_q,
            "in-scope place": viewer.can_place(rule, p.place),
            "in-scope place (query)": Place.objects.filter(
                viewer.place_q(rule), pk=p.place.pk
            ).exists(),
            "楼台村 household": viewer.can_household(rule, out_household),
            "楼台村 household (query)": out_household.pk in seen_q,
            "楼台村": viewer.can_place(rule, out_place),
            "楼台村 (query)": Place.objects.filter(viewer.place_q(rule), pk=out_place.pk).exists(),
        }
        for what, value in observed.items():
            expected = out_expected if what.startswith("楼台村") else granted
            if value != expected:
                mismatches.append(f"{role} × {rule} × {what}: expected {expected}, got {value}")
    assert mismatches == [], "\n".join(mismatches)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_hands_out_only_its_listed_roles_and_only_at_home(role, placed, county):
    """A role may assign exactly the roles listed for it, at its own place; never at 楼台村
    (except the system administrator)."""
    p = placed(role)
    viewer = viewer_for(p.user)
    allowed = EXPECTED_ASSIGNABLE.get(role, set())
    here = {r for r in Role.values if viewer.can_assign(r, p.place)}
    there = {r for r in Role.values if viewer.can_assign(r, county.village_b)}
    assert here == allowed
    assert there == (allowed if role in REACHES_EVERYWHERE else set())


def test_a_person_in_two_roles_acts_through_the_right_one(county, make_user):
    """Scope comes from the assignment that grants the rule: a village cadre of 双台村 who is
    also a plain council member of 楼台村 may see 楼台村's households but not edit them, nor
    unmask anyone there."""
    user = make_user("village_cadre", county.village_a)
    from wugong.people import services as ps
    from wugong.people.rules import Assignment, Viewer

    admin = Viewer(user_id=0, person_id=None, household_id=None,
                   assignments=(Assignment("system_admin", 0, "/"),))  # fmt: skip
    ps.role_assign(viewer=admin, person=user.person, role="council_member", place=county.village_b)
    viewer = viewer_for(user)
    hb = county.households_b[0]
    ha = county.households_a[0]
    assert viewer.can_household("household.view", hb)
    assert not viewer.can_household("household.edit", hb)
    assert not viewer.can_household("person.view_sensitive", hb)
    assert viewer.can_household("household.edit", ha)
    assert viewer.can_household("person.view_sensitive", ha)
