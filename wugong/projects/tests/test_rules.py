"""The named rules of building together, role by role: who manages projects, who may
contribute, who offers resources, who sets up programmes; public pages need no sign-in."""

import pytest
from django.test import Client

from wugong.people.roles import Role
from wugong.people.rules import RULES

pytestmark = pytest.mark.django_db

MANAGERS = {Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.WORK_TEAM, Role.SYSTEM_ADMIN}
PROGRAMME = {
    Role.TOWN_SUPERVISOR,
    Role.COUNTY_SUPERVISOR,
    Role.CITY_SUPERVISOR,
    Role.SYSTEM_ADMIN,
}


@pytest.mark.parametrize("role", list(Role.values))
def test_each_role_against_each_rule(role):
    assert (role in RULES["project.manage"]) == (role in MANAGERS)
    assert (role in RULES["programme.manage"]) == (role in PROGRAMME)
    for rule in ("project.view", "project.contribute", "resource.offer"):
        assert role in RULES[rule]


def test_work_team_manages_projects_of_its_place(county, make_user, client_for):
    """A work team sent to 双台村 proposes there, not in 楼台村."""
    team = make_user("work_team", county.village_a)
    c = client_for(team)
    ok = c.post(
        "/api/v1/projects/",
        {"place": county.village_a.pk, "title": "修水渠", "motion": "村民代表会议"},
        "application/json",
    )
    assert ok.status_code == 201
    refused = c.post(
        "/api/v1/projects/",
        {"place": county.village_b.pk, "title": "修水渠", "motion": "村民代表会议"},
        "application/json",
    )
    assert refused.status_code == 403


def test_public_reads_need_no_sign_in(county, make_user, client_for):
    cadre = make_user("village_cadre", county.village_a)
    pk = (
        client_for(cadre)
        .post(
            "/api/v1/projects/",
            {"place": county.village_a.pk, "title": "路灯", "motion": "决议"},
            "application/json",
        )
        .json()["id"]
    )
    anon = Client()
    for url in (
        "/projects/",
        f"/projects/{pk}/",
        f"/projects/{pk}/accounts/",
        f"/projects/{pk}/honour/",
        f"/projects/programme/{county.county.pk}/",
        f"/projects/honour/{county.village_a.pk}/",
        "/projects/resources/",
        "/api/v1/projects/",
        f"/api/v1/projects/{pk}",
        f"/api/v1/projects/{pk}/accounts",
        f"/api/v1/projects/{pk}/ledger",
        f"/api/v1/projects/{pk}/timeline",
        f"/api/v1/projects/programme/{county.county.pk}",
        "/api/v1/projects/resources",
    ):
        assert anon.get(url).status_code == 200, url
    assert anon.post(f"/projects/{pk}/do/stage/", {"stage": "planned"}).status_code == 302
    r = anon.post(
        "/api/v1/projects/",
        {"place": county.village_a.pk, "title": "x", "motion": "y"},
        "application/json",
    )
    assert r.status_code == 401
    assert anon.get("/projects/programme/abc/").status_code == 404
    assert anon.get("/projects/?place=x").status_code == 404


def test_public_pages_read_a_fixed_number_of_queries(
    county, make_user, django_assert_max_num_queries
):
    """The project page and the accounts page do not grow with the number of gifts/entries."""
    from wugong.projects import services
    from wugong.projects.tests.conftest import as_, giver

    cadre = make_user("village_cadre", county.village_a)
    me = as_(cadre)
    p = services.project_propose(**me, place=county.village_a, title="路", motion="决议")
    services.project_plan(
        **me, project=p, scope="x", plan="x", budget_fen=1, tender_estimate_fen=1, responsible="x"
    )
    for i in range(30):
        services.contribution_record(
            **me, project=p, kind="money", giver=giver(f"村民{i}"), amount_fen=100 + i
        )
        services.contribution_record(
            **me, project=p, kind="labour", giver=giver(f"村民{i}"), person_days="1"
        )
    anon = Client()
    with django_assert_max_num_queries(16):
        assert anon.get(f"/projects/{p.pk}/").status_code == 200
    with django_assert_max_num_queries(10):
        assert anon.get(f"/projects/{p.pk}/accounts/").status_code == 200
