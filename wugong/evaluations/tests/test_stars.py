"""Ten-star households (十星级文明户): self-declaration, review by representatives, the
committee's check (the hygiene star needs the Friday inspections), a public notice, the award,
periodic review and revocation; the household's status and the village's public list."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wugong.evaluations.models import (
    StarAward,
    StarCampaign,
    StarDeclaration,
    StarReview,
)
from wugong.evaluations.tests.conftest import admin_viewer, inspect, inspections_ready
from wugong.transparency.models import Notice

pytestmark = pytest.mark.django_db
J = "application/json"


def start(cast, client_for, **kw):  # type: ignore[no-untyped-def]
    r = client_for(cast.cadre_a).post(
        "/api/v1/evaluations/campaigns",
        {
            "place_id": cast.county.village_a.pk,
            "year": 2025,
            "starts_on": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
            **kw,
        },
        content_type=J,
    )
    assert r.status_code == 201, r.content
    return StarCampaign.objects.get(pk=r.json()["id"])


def declare(client, campaign, areas, household=None):  # type: ignore[no-untyped-def]
    body = {"areas": areas}
    if household is not None:
        body["household_id"] = household.pk
    return client.post(
        f"/api/v1/evaluations/campaigns/{campaign.pk}/declarations", body, content_type=J
    )


def review(client, d, opinions):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/evaluations/declarations/{d.pk}/review", {"opinions": opinions}, content_type=J
    )


def check(client, d, approved):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/evaluations/declarations/{d.pk}/check", {"approved": approved}, content_type=J
    )


def end_notice(campaign):  # type: ignore[no-untyped-def]
    """The notice's period as if it had run out (dated a week earlier, re-hashed)."""
    from wugong.transparency.services import notice_hash

    campaign.refresh_from_db()
    n = Notice.objects.get(pk=campaign.notice_id)
    delta = n.ends_at - n.starts_at + dt.timedelta(minutes=1)
    n.starts_at -= delta
    n.ends_at -= delta
    n.published_at -= delta
    n.content_hash = notice_hash(n)
    Notice.objects.filter(pk=n.pk).update(
        starts_at=n.starts_at,
        ends_at=n.ends_at,
        published_at=n.published_at,
        content_hash=n.content_hash,
    )


def test_the_whole_way_through_the_pages(cast, client_for):  # type: ignore[no-untyped-def]
    """A campaign from the cadre's form to the plaque: declare, review, check, notice, award;
    the household sees its stars; the village's public list names households only."""
    c = cast.county
    cadre = client_for(cast.cadre_a)
    r = cadre.post(
        f"/evaluations/stars/new/?place={c.village_a.pk}",
        {"year": "2025", "starts_on": (timezone.localdate() - dt.timedelta(days=30)).isoformat()},
    )
    assert r.status_code == 302
    campaign = StarCampaign.objects.get()
    assert campaign.title == "2025年度双台村十星级文明户评选"
    assert len(campaign.areas) == 10 and campaign.areas[6] == ["family_planning", "计划生育"]
    resident = client_for(cast.resident_a)
    page = resident.get(f"/evaluations/stars/{campaign.pk}/").content.decode()
    assert "我家自评申报" in page and "热心公益" in page
    r = resident.post(
        f"/evaluations/stars/{campaign.pk}/declare/",
        {"areas": ["thought", "law", "public_good"], "note_public_good": "义务修路三天"},
    )
    assert r.status_code == 302
    d = StarDeclaration.objects.get()
    assert d.household_id == c.households_a[0].pk
    assert dict(d.stars.values_list("area", "note"))["public_good"] == "义务修路三天"
    council = client_for(cast.council_a)
    r = council.post(
        f"/evaluations/stars/declarations/{d.pk}/review/",
        {"opinion_thought": "agree", "opinion_law": "agree", "opinion_public_good": "disagree"},
    )
    assert r.status_code == 302 and StarReview.objects.count() == 3
    page = cadre.get(f"/evaluations/stars/declarations/{d.pk}/").content.decode()
    assert "1 / 0" in page and "0 / 1" in page
    r = cadre.post(
        f"/evaluations/stars/declarations/{d.pk}/check/", {"approved": ["thought", "law"]}
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "checked"
    assert set(d.stars.filter(decided=True).values_list("area", flat=True)) == {"thought", "law"}
    r = cadre.post(f"/evaluations/stars/{campaign.pk}/notice/", {"days": "7"})
    assert r.status_code == 302
    campaign.refresh_from_db()
    notice = Notice.objects.get(pk=campaign.notice_id)
    assert notice.status == "published" and notice.kind == "list"
    assert notice.subject == campaign and notice.place_id == c.village_a.pk
    assert "王秀英户：2星（思想进步、遵纪守法）" in notice.body
    assert "138" not in notice.body  # no phone numbers, no ID numbers
    # The notice is running: no award yet.
    r = cadre.post(f"/evaluations/stars/{campaign.pk}/award/")
    assert r.status_code == 400 and "公示期满" in r.content.decode()
    assert not StarAward.objects.exists()
    end_notice(campaign)
    assert cadre.post(f"/evaluations/stars/{campaign.pk}/award/").status_code == 302
    assert set(StarAward.objects.values_list("area_name", flat=True)) == {"思想进步", "遵纪守法"}
    # The household's own page: which stars, since when.
    page = resident.get("/evaluations/stars/mine/", follow=True).content.decode()
    assert "思想进步" in page and timezone.localdate().isoformat() in page and "2星" in page
    # The public list and plaque: the household's name, nothing sensitive.
    text = Client().get(f"/evaluations/stars/places/{c.village_a.pk}/").content.decode()
    assert "王秀英户" in text and "2星" in text and "138" not in text and "一组1号" not in text
    plaque = Client().get(f"/evaluations/stars/households/{c.households_a[0].pk}/plaque/")
    assert plaque.status_code == 200 and "王秀英户" in plaque.content.decode()
    assert (
        Client().get(f"/evaluations/stars/households/{c.households_a[1].pk}/plaque/").status_code
        == 404
    )


def test_declaration_rules(cast, client_for):  # type: ignore[no-untyped-def]
    campaign = start(cast, client_for)
    c = cast.county
    resident = client_for(cast.resident_a)
    r = declare(resident, campaign, {})
    assert r.status_code == 400 and r.json()["field"] == "areas"
    assert declare(resident, campaign, {"beauty": ""}).status_code == 400
    # Someone else's household, or a household of another village: 404.
    assert declare(resident, campaign, {"law": ""}, household=c.households_a[1]).status_code == 404
    assert declare(client_for(cast.resident_b), campaign, {"law": ""}).status_code == 404
    assert declare(resident, campaign, {"law": "", "duty": "按时缴纳医保"}).status_code == 201
    r = declare(resident, campaign, {"thought": ""})
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    # A cadre records a declaration for a household (代录).
    r = declare(client_for(cast.cadre_a), campaign, {"customs": ""}, household=c.households_a[2])
    assert r.status_code == 201
    assert StarDeclaration.objects.count() == 2


def test_review_only_by_representatives_in_scope(cast, client_for):  # type: ignore[no-untyped-def]
    campaign = start(cast, client_for)
    assert (
        declare(client_for(cast.resident_a), campaign, {"law": "", "duty": ""}).status_code == 201
    )
    d = StarDeclaration.objects.get()
    both = {"law": True, "duty": False}
    assert review(client_for(cast.resident_a2), d, both).status_code == 404  # not theirs to see
    assert review(client_for(cast.cadre_a), d, both).status_code == 403  # the committee checks
    assert review(client_for(cast.council_b), d, both).status_code == 404
    r = review(client_for(cast.council_a), d, {"law": True})
    assert r.status_code == 400 and r.json()["field"] == "opinions"
    assert not StarReview.objects.exists()
    r = review(client_for(cast.council_a), d, both)
    assert r.status_code == 201
    assert [(s["area"], s["agree"], s["disagree"]) for s in r.json()["stars"]] == [
        ("law", 1, 0),
        ("duty", 0, 1),
    ]
    r = review(client_for(cast.council_a), d, both)
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    assert StarReview.objects.count() == 2


def test_check_only_by_the_committee_after_review(cast, client_for):  # type: ignore[no-untyped-def]
    campaign = start(cast, client_for)
    declare(client_for(cast.resident_a), campaign, {"law": "", "duty": ""})
    d = StarDeclaration.objects.get()
    cadre = client_for(cast.cadre_a)
    r = check(cadre, d, ["law"])
    assert r.status_code == 400 and r.json()["code"] == "not_reviewed"
    review(client_for(cast.council_a), d, {"law": True, "duty": True})
    assert check(client_for(cast.council_a), d, ["law"]).status_code == 403
    assert check(client_for(cast.team_a), d, ["law"]).status_code == 404  # may not even see it
    assert check(client_for(cast.cadre_b), d, ["law"]).status_code == 404
    assert check(cadre, d, ["thought"]).status_code == 400  # not declared
    r = check(cadre, d, ["law"])
    assert r.status_code == 200 and r.json()["status"] == "checked"
    assert check(cadre, d, ["duty"]).json()["code"] == "state"


def test_notice_and_award_only_by_the_committee(cast, client_for):  # type: ignore[no-untyped-def]
    campaign = start(cast, client_for)
    cadre = client_for(cast.cadre_a)
    r = cadre.post(f"/api/v1/evaluations/campaigns/{campaign.pk}/notice", {}, content_type=J)
    assert r.status_code == 400 and r.json()["code"] == "empty"
    declare(client_for(cast.resident_a), campaign, {"law": ""})
    d = StarDeclaration.objects.get()
    review(client_for(cast.council_a), d, {"law": True})
    check(cadre, d, ["law"])
    for user, status in ((cast.resident_a, 403), (cast.council_a, 403), (cast.cadre_b, 404)):
        r = client_for(user).post(
            f"/api/v1/evaluations/campaigns/{campaign.pk}/notice", {}, content_type=J
        )
        assert r.status_code == status
    assert not Notice.objects.exists()
    r = cadre.post(
        f"/api/v1/evaluations/campaigns/{campaign.pk}/notice", {"days": 5}, content_type=J
    )
    assert r.status_code == 200 and r.json()["notice_id"]
    notice = Notice.objects.get()
    assert notice.ends_at - notice.starts_at == dt.timedelta(days=5)
    end_notice(campaign)
    for user, status in ((cast.resident_a, 403), (cast.council_a, 403), (cast.cadre_b, 404)):
        assert (
            client_for(user).post(f"/api/v1/evaluations/campaigns/{campaign.pk}/award").status_code
            == status
        )
    assert not StarAward.objects.exists()
    r = cadre.post(f"/api/v1/evaluations/campaigns/{campaign.pk}/award")
    assert r.status_code == 200 and [s["area_name"] for s in r.json()] == ["遵纪守法"]


def test_an_unanswered_objection_holds_the_award(cast, client_for):  # type: ignore[no-untyped-def]
    from wugong.people.rules import viewer_for
    from wugong.transparency.services import objection_answer, objection_submit

    campaign = start(cast, client_for)
    cadre = client_for(cast.cadre_a)
    declare(client_for(cast.resident_a), campaign, {"law": ""})
    d = StarDeclaration.objects.get()
    review(client_for(cast.council_a), d, {"law": True})
    check(cadre, d, ["law"])
    cadre.post(f"/api/v1/evaluations/campaigns/{campaign.pk}/notice", {}, content_type=J)
    campaign.refresh_from_db()
    objection = objection_submit(
        viewer=viewer_for(cast.resident_a2),
        notice=campaign.notice,
        text="他家去年大操大办",
        actor=cast.resident_a2,
    )
    end_notice(campaign)
    r = cadre.post(f"/api/v1/evaluations/campaigns/{campaign.pk}/award")
    assert r.status_code == 400 and r.json()["code"] == "objections"
    objection_answer(
        viewer=admin_viewer(), objection=objection, text="经核实，未大操大办。", actor=None
    )
    assert cadre.post(f"/api/v1/evaluations/campaigns/{campaign.pk}/award").status_code == 200


def _to_check(cast, client_for, household_user):  # type: ignore[no-untyped-def]
    campaign = start(cast, client_for)
    declare(client_for(household_user), campaign, {"hygiene": "", "law": ""})
    d = StarDeclaration.objects.get()
    review(client_for(cast.council_a), d, {"hygiene": True, "law": True})
    return campaign, d


def test_hygiene_star_refused_without_inspections(cast, client_for):  # type: ignore[no-untyped-def]
    """No Friday-inspection sheet since the campaign started: the hygiene star is refused."""
    _campaign, d = _to_check(cast, client_for, cast.resident_a)
    r = check(client_for(cast.cadre_a), d, ["hygiene", "law"])
    assert r.status_code == 400 and r.json()["code"] == "hygiene"
    assert "暂无检查记录" in r.json()["detail"]
    d.refresh_from_db()
    assert d.status == "declared" and not d.stars.filter(decided__isnull=False).exists()
    assert check(client_for(cast.cadre_a), d, ["law"]).status_code == 200


@pytest.mark.skipif(not inspections_ready(), reason="wugong.inspections is not installed yet")
def test_hygiene_star_follows_the_friday_inspections(cast, client_for):  # type: ignore[no-untyped-def]
    """An average of 50 (one sheet of 100, one of 0) is below 85: refused, and the committee
    sees the average; a household with 100 gets it. The threshold is the campaign's."""
    c = cast.county
    inspect(c.households_a[0], [100, 0], cadre=cast.cadre_a)
    _campaign, d = _to_check(cast, client_for, cast.resident_a)
    cadre = client_for(cast.cadre_a)
    page = cadre.get(f"/evaluations/stars/declarations/{d.pk}/").content.decode()
    assert "50.0" in page
    r = check(cadre, d, ["hygiene", "law"])
    assert r.status_code == 400 and r.json()["code"] == "hygiene" and "50.0" in r.json()["detail"]
    assert check(cadre, d, ["law"]).json()["hygiene_average"].startswith("50")


@pytest.mark.skipif(not inspections_ready(), reason="wugong.inspections is not installed yet")
def test_hygiene_star_awarded_at_or_above_the_threshold(cast, client_for):  # type: ignore[no-untyped-def]
    c = cast.county
    inspect(c.households_a[0], [100, 100], cadre=cast.cadre_a)
    campaign, d = _to_check(cast, client_for, cast.resident_a)
    cadre = client_for(cast.cadre_a)
    assert check(cadre, d, ["hygiene", "law"]).status_code == 200
    cadre.post(f"/api/v1/evaluations/campaigns/{campaign.pk}/notice", {}, content_type=J)
    end_notice(campaign)
    r = cadre.post(f"/api/v1/evaluations/campaigns/{campaign.pk}/award")
    assert sorted(s["area"] for s in r.json()) == ["hygiene", "law"]


def test_threshold_is_configurable(cast, client_for):  # type: ignore[no-untyped-def]
    r = client_for(cast.cadre_a).post(
        "/api/v1/evaluations/campaigns",
        {
            "place_id": cast.county.village_a.pk,
            "year": 2025,
            "starts_on": "2025-01-01",
            "hygiene_threshold": "101",
        },
        content_type=J,
    )
    assert r.status_code == 400 and r.json()["field"] == "hygiene_threshold"
    campaign = start(cast, client_for, hygiene_threshold="90", title="2025年下半年评星")
    assert str(campaign.hygiene_threshold) == "90.00"
    r = client_for(cast.cadre_a).post(
        "/api/v1/evaluations/campaigns",
        {"place_id": cast.county.group_a1.pk, "year": 2025, "starts_on": "2025-01-01"},
        content_type=J,
    )
    assert r.status_code == 400 and r.json()["field"] == "place"  # a village or community
    r = client_for(cast.council_a).post(
        "/api/v1/evaluations/campaigns",
        {"place_id": cast.county.village_a.pk, "year": 2025, "starts_on": "2025-01-01"},
        content_type=J,
    )
    assert r.status_code == 403


def _awarded(cast, client_for):  # type: ignore[no-untyped-def]
    campaign = start(cast, client_for)
    cadre = client_for(cast.cadre_a)
    declare(client_for(cast.resident_a), campaign, {"law": "", "duty": ""})
    d = StarDeclaration.objects.get()
    review(client_for(cast.council_a), d, {"law": True, "duty": True})
    check(cadre, d, ["law", "duty"])
    cadre.post(f"/api/v1/evaluations/campaigns/{campaign.pk}/notice", {}, content_type=J)
    end_notice(campaign)
    cadre.post(f"/api/v1/evaluations/campaigns/{campaign.pk}/award")
    return StarAward.objects.get(area="law"), StarAward.objects.get(area="duty")


def test_revocation_with_a_reason_keeps_the_history(cast, client_for):  # type: ignore[no-untyped-def]
    law, duty = _awarded(cast, client_for)
    h = cast.county.households_a[0]
    url = f"/evaluations/stars/awards/{law.pk}/revoke/"
    assert client_for(cast.resident_a).post(url, {"reason": "x"}).status_code == 403
    assert client_for(cast.council_a).post(url, {"reason": "x"}).status_code == 403
    assert client_for(cast.cadre_b).post(url, {"reason": "x"}).status_code == 404
    r = client_for(cast.cadre_a).post(url, {"reason": "  "})
    assert r.status_code == 400 and "摘星原因" in r.content.decode()
    law.refresh_from_db()
    assert law.revoked_on is None
    assert (
        client_for(cast.cadre_a).post(url, {"reason": "违反村规民约，乱倒垃圾"}).status_code == 302
    )
    law.refresh_from_db()
    assert law.revoked_on == timezone.localdate() and law.revoke_reason == "违反村规民约，乱倒垃圾"
    body = client_for(cast.resident_a).get(f"/api/v1/evaluations/households/{h.pk}/stars").json()
    assert [s["area"] for s in body["stars"]] == ["duty"]
    assert [s["revoke_reason"] for s in body["revoked"]] == ["违反村规民约，乱倒垃圾"]
    page = (
        client_for(cast.resident_a).get(f"/evaluations/stars/households/{h.pk}/").content.decode()
    )
    assert "摘星记录" in page and "乱倒垃圾" in page
    # Periodic review keeps a star and records the date.
    r = client_for(cast.cadre_a).post(f"/api/v1/evaluations/stars/{duty.pk}/confirm")
    assert r.status_code == 200 and r.json()["reviewed_on"] == timezone.localdate().isoformat()
    assert (
        client_for(cast.council_a).post(f"/api/v1/evaluations/stars/{duty.pk}/confirm").status_code
        == 403
    )
    # A revoked star may be declared again in a later campaign; one held may not.
    later = start(cast, client_for, title="2026年度评星")
    r = declare(client_for(cast.resident_a), later, {"duty": ""})
    assert r.status_code == 400 and r.json()["code"] == "held"
    assert declare(client_for(cast.resident_a), later, {"law": ""}).status_code == 201


def test_household_sees_only_its_own_status(cast, client_for):  # type: ignore[no-untyped-def]
    _awarded(cast, client_for)
    h = cast.county.households_a[0]
    body = client_for(cast.resident_a).get(f"/api/v1/evaluations/households/{h.pk}/stars").json()
    assert body["name"] == "王秀英户" and len(body["stars"]) == 2
    assert (
        client_for(cast.resident_a2).get(f"/api/v1/evaluations/households/{h.pk}/stars").status_code
        == 404
    )
    assert (
        client_for(cast.resident_a2).get(f"/evaluations/stars/households/{h.pk}/").status_code
        == 404
    )
    assert (
        client_for(cast.cadre_b).get(f"/api/v1/evaluations/households/{h.pk}/stars").status_code
        == 404
    )
    assert (
        client_for(cast.cadre_a).get(f"/api/v1/evaluations/households/{h.pk}/stars").status_code
        == 200
    )
    public = Client().get(f"/api/v1/evaluations/places/{cast.county.village_a.pk}/stars").json()
    assert public == [{"household_id": h.pk, "name": "王秀英户", "stars": ["遵纪守法", "履行义务"]}]


def test_areas_configurable_per_county_and_village(cast, client_for):  # type: ignore[no-untyped-def]
    """A county renames an area for all its villages; a village may replace one itself; the
    nearest place wins; campaigns keep the names they started with."""
    from wugong.evaluations import services

    c = cast.county
    services.star_area_set(
        viewer=admin_viewer(), actor=None, place=c.county, area="family_planning", name="家庭和睦"
    )
    r = client_for(cast.cadre_a).post(
        f"/evaluations/stars/places/{c.village_a.pk}/areas/",
        {"area": "customs", "name": "红白喜事简办"},
    )
    assert r.status_code == 302
    assert (
        client_for(cast.cadre_b)
        .post(
            f"/evaluations/stars/places/{c.village_a.pk}/areas/", {"area": "customs", "name": "x"}
        )
        .status_code
        == 404
    )
    campaign = start(cast, client_for)
    names = dict(campaign.areas)
    assert names["family_planning"] == "家庭和睦" and names["customs"] == "红白喜事简办"
    from wugong.evaluations.selectors import star_areas_for

    assert dict(star_areas_for(c.village_b))["customs"] == "移风易俗"
    assert dict(star_areas_for(c.village_b))["family_planning"] == "家庭和睦"
    client_for(cast.cadre_a).post(
        f"/evaluations/stars/places/{c.village_a.pk}/areas/", {"area": "customs", "name": ""}
    )
    assert dict(star_areas_for(c.village_a))["customs"] == "移风易俗"
    campaign.refresh_from_db()
    assert dict(campaign.areas)["customs"] == "红白喜事简办"
