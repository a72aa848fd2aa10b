"""The resources list (资源清单): offers of skills, labour, materials, equipment, venues and
money; searchable; matched to needs and projects; 点单、接单、派单, and a used offer becomes a
contribution."""

import pytest
from django.test import Client

from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.people.models import Person
from wugong.projects import selectors, services
from wugong.projects.models import Contribution, RequestStatus
from wugong.projects.tests.conftest import as_, giver

pytestmark = pytest.mark.django_db


def _me(user):  # type: ignore[no-untyped-def]
    return services.Giver(kind="person", person=Person.objects.get(pk=user.person_id))


def test_residents_offer_and_everyone_searches(cast, county, client_for):
    r = client_for(cast.resident_a).post(
        "/projects/resources/",
        {
            "self": "1",
            "category": "equipment",
            "title": "小型挖掘机一台",
            "place": county.village_a.pk,
        },
    )
    assert r.status_code == 302
    services.resource_offer(
        **as_(cast.cadre_a),
        place=county.village_a,
        giver=giver("鑫源建材", "enterprise"),
        category="material",
        title="水泥50吨",
    )
    html = Client().get("/projects/resources/?q=挖掘机").content.decode()
    assert "小型挖掘机一台" in html and "水泥50吨" not in html
    api = Client().get("/api/v1/projects/resources?category=material").json()
    assert [x["title"] for x in api] == ["水泥50吨"]
    with pytest.raises(PermissionDenied):
        services.resource_offer(
            **as_(cast.resident_b),
            place=county.village_a,
            giver=_me(cast.resident_b),
            category="labour",
            title="出工",
        )
    with pytest.raises(ValidationFailed):
        services.resource_offer(
            **as_(cast.resident_a),
            place=county.village_a,
            giver=_me(cast.resident_a),
            category="gold",
            title="x",
        )


def test_order_take_dispatch_and_use_becomes_a_contribution(cast, county, project_at):
    """点单 by the project; 接单 by the resource's holder, or 派单 by a cadre; when done the
    use is recorded as the holder's contribution and the order is closed."""
    p = project_at(title="通组路硬化")
    digger = services.resource_offer(
        **as_(cast.resident_a),
        place=county.village_a,
        giver=_me(cast.resident_a),
        category="equipment",
        title="挖掘机",
    )
    cement = services.resource_offer(
        **as_(cast.cadre_a),
        place=county.village_a,
        giver=giver("鑫源建材", "enterprise"),
        category="material",
        title="水泥",
    )
    me = as_(cast.cadre_a)
    dig = services.request_order(**me, project=p, category="equipment", title="挖路基两天")
    mix = services.request_order(**me, project=p, category="material", title="水泥10吨")
    assert [r.pk for r in selectors.resource_matches(project=p)][:2] in (
        [digger.pk, cement.pk],
        [cement.pk, digger.pk],
    )
    with pytest.raises(PermissionDenied):
        services.request_take(**as_(cast.resident_a), request=mix, resource=cement)
    dig = services.request_take(**as_(cast.resident_a), request=dig, resource=digger)
    assert dig.status == RequestStatus.TAKEN
    mix = services.request_dispatch(**me, request=mix, resource=cement)
    assert mix.status == RequestStatus.DISPATCHED
    with pytest.raises(ValidationFailed):
        services.request_dispatch(**me, request=mix, resource=digger)
    used = services.request_fulfil(
        **me,
        request=mix,
        kind="material",
        quantity="10",
        unit="吨",
        unit_price_fen=450_00,
    )
    assert used.contributor_name == "鑫源建材" and used.value_fen == 4500_00
    assert used.resource_id == cement.pk
    mix.refresh_from_db()
    assert mix.status == RequestStatus.DONE and mix.contribution_id == used.pk
    days = services.request_fulfil(**me, request=dig, kind="labour", person_days="2")
    assert days.person_id == cast.resident_a.person_id
    assert Contribution.objects.filter(project=p).count() == 2


def test_needs_are_matched_to_offers(cast, county):
    from wugong.needs import services as need_services
    from wugong.people.rules import viewer_for

    need = need_services.need_submit(
        viewer=viewer_for(cast.resident_a),
        actor=cast.resident_a,
        text="路烂了要修",
        category="roads",
    )
    labour = services.resource_offer(
        **as_(cast.resident_a),
        place=county.village_a,
        giver=_me(cast.resident_a),
        category="labour",
        title="能出工",
    )
    services.resource_offer(
        **as_(cast.resident_a),
        place=county.village_a,
        giver=_me(cast.resident_a),
        category="venue",
        title="院子可开会",
    )
    assert [r.pk for r in selectors.need_matches(need=need)] == [labour.pk]


def test_need_matches_through_the_api(cast, county):
    from wugong.needs import services as need_services
    from wugong.people.rules import viewer_for

    need = need_services.need_submit(
        viewer=viewer_for(cast.resident_a),
        actor=cast.resident_a,
        text="路灯不亮",
        category="lighting",
    )
    skill = services.resource_offer(
        **as_(cast.resident_a),
        place=county.village_a,
        giver=_me(cast.resident_a),
        category="skill",
        title="会修电路",
    )
    r = Client().get(f"/api/v1/projects/resources/for-need/{need.pk}").json()
    assert [x["id"] for x in r] == [skill.pk]
    assert Client().get("/api/v1/projects/resources/for-need/999999").status_code == 404


def test_order_and_dispatch_through_the_api(cast, county, project_at, client_for):
    p = project_at()
    res = services.resource_offer(
        **as_(cast.cadre_a),
        place=county.village_a,
        giver=giver("鑫源建材", "enterprise"),
        category="material",
        title="水泥",
    )
    c = client_for(cast.cadre_a)
    order = c.post(
        f"/api/v1/projects/{p.pk}/requests", {"category": "material", "title": "水泥5吨"},
        "application/json",
    )  # fmt: skip
    assert order.status_code == 201 and order.json()["status"] == "ordered"
    rid = order.json()["id"]
    sent = c.post(
        f"/api/v1/projects/{p.pk}/requests/{rid}/dispatch", {"resource": res.pk}, "application/json"
    )
    assert sent.json()["status"] == "dispatched"
    done = c.post(
        f"/api/v1/projects/{p.pk}/requests/{rid}/done",
        {"kind": "material", "quantity": "5", "unit": "吨", "unit_price_fen": 45000},
        "application/json",
    )
    assert done.status_code == 201, done.content
    assert done.json()["contributor"] == "鑫源建材" and done.json()["value_fen"] == 225000
    again = c.post(
        f"/api/v1/projects/{p.pk}/requests/{rid}/dispatch", {"resource": res.pk}, "application/json"
    )
    assert again.status_code == 400 and again.json()["detail"] == "这张单已经有人接了。"
