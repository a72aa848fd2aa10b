"""Every role against every named rule the capabilities added (needs, meetings, votes, budgets,
common ground, notices, surveys, projects, visits and reports), in scope and out of scope.

The table is written out here by hand, not derived from RULES: a change to who may do what must
change this table too, or the test fails. (The foundation's rules: test_rules_matrix.py.)
"""

import pytest

from wugong.people.roles import ROLE_SCOPE, Role, Scope
from wugong.people.rules import RULES, viewer_for

EVERYONE = set(Role.values)
CADRES = {"village_cadre", "community_cadre"}
CADRES_WT = CADRES | {"work_team"}
RESIDENT_SIDE = {
    "resident",
    "centre_household",
    "grid_worker",
    "building_chief",
    "estate_chief",
    "street_chief",
    "council_member",
}
CHIEFS = {"building_chief", "estate_chief", "street_chief"}

EXPECTED: dict[str, set[str]] = {
    "assistance.decide": CADRES | {"town_supervisor", "system_admin"},
    "budget.manage": CADRES_WT | {"system_admin"},
    "budget.view": EVERYONE,
    "budget.vote": EVERYONE,
    "conversation.manage": CADRES_WT | {"system_admin"},
    "conversation.take_part": EVERYONE,
    "decision.manage": CADRES | {"system_admin"},
    "decision.view": EVERYONE,
    "meeting.attend": EVERYONE,
    "meeting.manage": CADRES_WT | {"system_admin"},
    "meeting.manage_council": {"council_member"},
    "meeting.view": EVERYONE,
    "need.manage": CADRES_WT | {"system_admin"},
    "need.record": CADRES_WT | CHIEFS | {"centre_household", "grid_worker"},
    "need.submit": EVERYONE,
    "need.view": EVERYONE,
    "notice.answer": CADRES_WT | {"town_supervisor", "system_admin"},
    "notice.manage": CADRES_WT | {"town_supervisor", "system_admin"},
    "notice.object": EVERYONE,
    "programme.manage": {"town_supervisor", "county_supervisor", "city_supervisor", "system_admin"},
    "project.contribute": EVERYONE,
    "project.manage": CADRES_WT | {"system_admin"},
    "project.view": EVERYONE,
    "report.escalate": CADRES_WT | {"grid_worker", "town_supervisor", "system_admin"},
    "report.handle": CADRES_WT
    | {"grid_worker", "town_supervisor", "county_supervisor", "system_admin"},
    "report.submit": EVERYONE,
    "resource.offer": EVERYONE,
    "survey.manage": CADRES_WT | {"system_admin"},
    "survey.respond": EVERYONE,
    "visit.record": CADRES_WT | {"grid_worker", "centre_household"},
    "visit.view": CADRES_WT
    | {
        "grid_worker",
        "centre_household",
        "town_supervisor",
        "county_supervisor",
        "city_supervisor",
        "system_admin",
    },
    "vote.cast": EVERYONE,
    "vote.manage": CADRES_WT | {"system_admin"},
    "vote.view": EVERYONE,
    "inspection.manage": CADRES_WT | {"system_admin"},
    "inspection.record": CADRES_WT | CHIEFS | {"grid_worker", "council_member"},
    "inspection.view": EVERYONE,
    "volunteer.manage": CADRES_WT | {"system_admin"},
    "volunteer.join": EVERYONE,
    "volunteer.view": EVERYONE,
    "mediation.handle": CADRES | {"town_supervisor"},
    "village_rules.manage": CADRES | {"system_admin"},
    "village_rules.file": {"town_supervisor", "system_admin"},
    "village_rules.view": EVERYONE,
    "evaluation.rate": EVERYONE,
    "evaluation.manage": CADRES_WT
    | {"town_supervisor", "county_supervisor", "city_supervisor", "system_admin"},
    "evaluation.view": EVERYONE,
    "stars.declare": EVERYONE,
    "stars.review": CHIEFS | {"council_member"},
    "stars.manage": CADRES | {"system_admin"},
    "points.manage": CADRES_WT | {"system_admin"},
    "points.claim": EVERYONE,
    "points.view": EVERYONE,
    "points.counter": CADRES_WT | {"system_admin"},
    "pilot.report": CADRES_WT,
    "pilot.manage": {"town_supervisor", "county_supervisor", "city_supervisor", "system_admin"},
    "pilot.view": EVERYONE,
    "dashboard.view": CADRES_WT
    | {"town_supervisor", "county_supervisor", "city_supervisor", "system_admin"},
}

FOUNDATION = {
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
}

PLACE_OF = {
    "resident": "group_a1",
    "centre_household": "group_a1",
    "grid_worker": "village_a",
    "building_chief": "building",
    "estate_chief": "estate",
    "street_chief": "street",
    "council_member": "village_a",
    "village_cadre": "village_a",
    "community_cadre": "community",
    "work_team": "village_a",
    "town_supervisor": "town_a",
    "county_supervisor": "county",
    "city_supervisor": "county",
    "system_admin": "county",
}


def test_the_table_names_every_rule_and_no_other():
    """A new rule cannot slip in without someone deciding, here, which roles hold it."""
    assert set(EXPECTED) | FOUNDATION == set(RULES)
    assert all(roles <= EVERYONE for roles in EXPECTED.values())


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role.values))
def test_role_holds_exactly_its_rules_and_none_in_another_village(role, county, make_user):
    """Each role holds exactly the rules its row grants; whatever it holds, it never reaches
    楼台村 (another village of another town) through a place-scoped assignment, unless it is the
    system administrator or a supervisor whose place contains it."""
    kw = {}
    if role in {"resident", "centre_household"}:
        kw["household"] = county.households_a[0]
    if role == "grid_worker":
        kw["grid"] = county.grid_a
    own = getattr(county, PLACE_OF[role])
    viewer = viewer_for(make_user(role, own, **kw))
    reaches_b = role in {"system_admin", "county_supervisor", "city_supervisor"}
    for rule, roles in EXPECTED.items():
        holds = role in roles
        assert viewer.has_rule(rule) is holds, (role, rule)
        assert viewer.can_place(rule, county.village_b) is (holds and reaches_b), (role, rule)
        if holds and ROLE_SCOPE[role] in {Scope.PLACE, Scope.EVERYTHING}:
            assert viewer.can_place(rule, own), (role, rule)
