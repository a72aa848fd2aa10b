"""Project ratings by stage (事前、事中、事后评), published summaries, satisfaction per place,
and ``village_satisfaction`` for the dashboards — through the pages and the API."""

import pytest
from django.test import Client

from wugong.evaluations.models import ProjectRating
from wugong.evaluations.selectors import village_satisfaction
from wugong.people.rules import viewer_for

pytestmark = pytest.mark.django_db


def rate(client, project, stage, stars, comment=""):  # type: ignore[no-untyped-def]
    return client.post(
        f"/evaluations/projects/{project.pk}/rate/",
        {"stage": stage, "stars": stars, "comment": comment},
    )


def api_rate(client, project, stage, stars):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/evaluations/projects/{project.pk}/ratings",
        {"stage": stage, "stars": stars},
        content_type="application/json",
    )


def test_resident_rates_a_proposed_project_and_everyone_sees_the_result(
    cast, project_at, client_for
):  # type: ignore[no-untyped-def]
    """Before it starts, residents of the village say whether it is feasible (可行吗); the
    summary is public."""
    project = project_at("proposed")
    r = rate(client_for(cast.resident_a), project, "before", 4, "路太窄，要拓宽")
    assert r.status_code == 302
    rating = ProjectRating.objects.get()
    assert (rating.stars, rating.stage, rating.person_id) == (
        4,
        "before",
        cast.resident_a.person_id,
    )
    assert rating.village_path == cast.county.village_a.path
    page = Client().get(f"/evaluations/projects/{project.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "4.0★" in text and "1人评价" in text and "路太窄，要拓宽" in text
    assert "测试resident" not in text  # raters are not named


def test_second_rating_of_the_same_stage_is_refused(cast, project_at, client_for):  # type: ignore[no-untyped-def]
    """One rating per person per project and stage: a second one is refused, the first stays."""
    project = project_at("accepted")
    client = client_for(cast.resident_a)
    assert rate(client, project, "satisfied", 5).status_code == 302
    again = rate(client, project, "satisfied", 1)
    assert again.status_code == 400
    assert "每人每个阶段只能评价一次" in again.content.decode()
    r = api_rate(client, project, "satisfied", 2)
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    assert list(ProjectRating.objects.values_list("stars", flat=True)) == [5]
    # Another stage of the same project is another question.
    assert api_rate(client, project, "done", 4).status_code == 201


@pytest.mark.parametrize("stars", [0, 6, -1, 100])
def test_rating_outside_the_scale_is_refused(cast, project_at, client_for, stars):  # type: ignore[no-untyped-def]
    project = project_at("building")
    client = client_for(cast.resident_a)
    r = api_rate(client, project, "during", stars)
    assert r.status_code == 400
    assert r.json()["code"] == "out_of_scale" and r.json()["field"] == "stars"
    assert rate(client, project, "during", stars).status_code == 400
    assert not ProjectRating.objects.exists()


def test_rating_by_someone_out_of_scope_is_404(cast, project_at, client_for):  # type: ignore[no-untyped-def]
    """A resident or cadre of 楼台村 cannot rate a project of 双台村 (it answers like a
    missing one); anonymous callers must sign in."""
    project = project_at("proposed")
    for user in (cast.resident_b, cast.cadre_b, cast.council_b):
        client = client_for(user)
        assert rate(client, project, "before", 3).status_code == 404
        r = api_rate(client, project, "before", 3)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert Client().post(f"/api/v1/evaluations/projects/{project.pk}/ratings").status_code == 401
    assert not ProjectRating.objects.exists()
    # A resident of another group of the same village may.
    assert api_rate(client_for(cast.resident_a3), project, "before", 3).status_code == 201


def test_a_stage_is_open_only_while_the_project_is_there(cast, project_at, client_for):  # type: ignore[no-untyped-def]
    client = client_for(cast.resident_a)
    building = project_at("building", title="文化广场")
    r = api_rate(client, building, "before", 4)
    assert r.status_code == 400 and r.json()["code"] == "stage_closed"
    r = api_rate(client, building, "satisfied", 4)
    assert r.status_code == 400 and r.json()["code"] == "stage_closed"
    assert api_rate(client, building, "during", 4).status_code == 201
    proposed = project_at("proposed", title="路灯")
    assert api_rate(client, proposed, "during", 3).json()["code"] == "stage_closed"
    cancelled = project_at("cancelled", title="LED 屏")
    for stage in ("before", "during", "done", "satisfied"):
        assert api_rate(client, cancelled, stage, 3).status_code == 400
    upkeep = project_at("upkeep", title="竹篱笆")
    assert api_rate(client, upkeep, "done", 5).status_code == 201
    assert api_rate(client, upkeep, "satisfied", 5).status_code == 201
    r = api_rate(client, upkeep, "someday", 5)
    assert r.status_code == 400 and r.json()["field"] == "stage"
    assert ProjectRating.objects.count() == 3


def test_summary_in_the_api_is_exact(cast, project_at, client_for):  # type: ignore[no-untyped-def]
    """Count, sum, the mean to one decimal (13/3 = 4.3) and the distribution per star."""
    project = project_at("accepted")
    for user, stars in ((cast.resident_a, 5), (cast.resident_a2, 4), (cast.resident_a3, 4)):
        assert api_rate(client_for(user), project, "satisfied", stars).status_code == 201
    body = Client().get(f"/api/v1/evaluations/projects/{project.pk}/ratings").json()
    sat = body["stages"]["satisfied"]
    assert (sat["count"], sat["total"], sat["mean"]) == (3, 13, "4.3")
    assert sat["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}
    assert body["stages"]["before"] == {
        "count": 0,
        "total": 0,
        "mean": "—",
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    }
    assert set(body["open_stages"]) == {"done", "satisfied"}


def test_village_satisfaction_is_exact_and_one_query(
    cast, project_at, client_for, django_assert_num_queries
):  # type: ignore[no-untyped-def]
    """Per village/community under a prefix: (number of 满意吗 ratings, sum of their stars);
    other stages do not count; villages without any are absent."""
    c = cast.county
    road = project_at("accepted", place=c.group_a1, title="通组路")
    square = project_at("upkeep", place=c.group_a2, title="小广场")
    bridge = project_at("accepted", place=c.group_b1, title="便民桥")
    for user, project, stars in (
        (cast.resident_a, road, 5),
        (cast.resident_a2, road, 3),
        (cast.resident_a3, square, 4),
        (cast.resident_b, bridge, 2),
    ):
        assert api_rate(client_for(user), project, "satisfied", stars).status_code == 201
    assert api_rate(client_for(cast.resident_a), road, "done", 1).status_code == 201
    with django_assert_num_queries(1):
        result = village_satisfaction(path_prefix=c.county.path)
    assert result == {c.village_a.path: (3, 12), c.village_b.path: (1, 2)}
    assert village_satisfaction(path_prefix=c.village_a.path) == {c.village_a.path: (3, 12)}
    assert village_satisfaction(path_prefix=c.town_b.path) == {c.village_b.path: (1, 2)}
    assert village_satisfaction(path_prefix=c.street.path) == {}


def _report_rated(cast, stars):  # type: ignore[no-untyped-def]
    """A report by 王秀英's household, answered by the cadre and rated by the reporter."""
    from wugong.upkeep import report_services
    from wugong.upkeep.defaults import report_categories_ensure

    report_categories_ensure()
    report = report_services.report_submit(
        viewer=viewer_for(cast.resident_a),
        actor=cast.resident_a,
        category_code="street_light",
        text="路灯不亮",
    )
    report_services.report_resolve(
        viewer=viewer_for(cast.cadre_a), actor=cast.cadre_a, report=report, answer="已更换灯泡"
    )
    report_services.report_rate(
        viewer=viewer_for(cast.resident_a), actor=cast.resident_a, report=report, stars=stars
    )


def test_place_satisfaction_drills_down_and_shows_report_handling(cast, project_at, client_for):  # type: ignore[no-untyped-def]
    """The place page and API: projects by stage, the handling of problem reports (rated in
    upkeep, not here), closed rounds; one row per place under it."""
    c = cast.county
    road = project_at("accepted", place=c.group_a1)
    api_rate(client_for(cast.resident_a), road, "satisfied", 5)
    api_rate(client_for(cast.resident_a3), road, "satisfied", 2)
    _report_rated(cast, 4)
    body = Client().get(f"/api/v1/evaluations/places/{c.town_a.pk}/satisfaction").json()
    assert body["total"]["projects"]["satisfied"]["count"] == 2
    assert body["total"]["projects"]["satisfied"]["mean"] == "3.5"
    assert body["total"]["reports"]["count"] == 1 and body["total"]["reports"]["mean"] == "4.0"
    assert [ch["place"] for ch in body["children"]] == ["双台村"]
    assert body["children"][0]["projects"]["satisfied"]["total"] == 7
    page = Client().get(f"/evaluations/places/{c.village_a.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "问题办理满意度" in text and "一组" in text and "二组" in text
    assert f"/evaluations/places/{c.group_a1.pk}/" in text
    assert Client().get("/evaluations/places/999999/").status_code == 404


def test_hub_lists_projects_of_ones_village(cast, project_at, client_for):  # type: ignore[no-untyped-def]
    project_at("proposed", title="双台村通组路")
    project_at("proposed", place=cast.county.group_b1, title="楼台村便民桥")
    text = client_for(cast.resident_a).get("/evaluations/").content.decode()
    assert "双台村通组路" in text and "楼台村便民桥" not in text
