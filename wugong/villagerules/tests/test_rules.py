"""村规民约 through pages and the API: draft → adopted by a carried vote → filed with the town →
published (superseding the version in force); refusals for lost or open votes, filing only by
the town holding the village, one published version per place, the public page for visitors."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from wugong.core.models import AuditEvent
from wugong.villagerules.models import RulesVersion

from .conftest import vote_make

pytestmark = pytest.mark.django_db
API = "/api/v1/village-rules"
TEXT_1 = "第一章 总则\n第一条 村民应遵纪守法。\n第二条 门前三包。"
TEXT_2 = "第一章 总则\n第一条 村民应遵纪守法。\n第二条 门前三包。\n第三条 每周五为卫生日。"


def post_json(client: Client, url: str, body: dict | None = None) -> object:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def draft(client: Client, place, text: str = TEXT_1) -> dict:  # type: ignore[no-untyped-def]
    r = post_json(
        client, f"{API}/places/{place.pk}/versions", {"text": text, "change_note": "首次制定"}
    )
    assert r.status_code == 201, r.content
    return r.json()


def publish_path(cast, client_for, text: str = TEXT_1) -> RulesVersion:  # type: ignore[no-untyped-def]
    """Draft, adopt, submit, file and publish one version of 双台村 through the API."""
    cadre, town = client_for(cast.cadre_a), client_for(cast.town_a)
    v = draft(cadre, cast.county.village_a, text)
    vote = vote_make(cast.county.village_a)
    assert (
        post_json(cadre, f"{API}/versions/{v['id']}/adopt", {"vote_id": vote.pk}).status_code == 200
    )
    assert post_json(cadre, f"{API}/versions/{v['id']}/submit").status_code == 200
    r = post_json(
        town, f"{API}/versions/{v['id']}/accept", {"filing_number": f"宝丰备〔2026〕{v['id']}号"}
    )
    assert r.status_code == 200, r.content
    assert post_json(cadre, f"{API}/versions/{v['id']}/publish").status_code == 200
    return RulesVersion.objects.get(pk=v["id"])


# --- the whole path through the pages ----------------------------------------------------------
def test_pages_draft_adopt_file_publish(cast, client_for):  # type: ignore[no-untyped-def]
    village = cast.county.village_a
    cadre, town = client_for(cast.cadre_a), client_for(cast.town_a)
    assert cadre.get(f"/village-rules/place/{village.pk}/new/").status_code == 200
    r = cadre.post(
        f"/village-rules/place/{village.pk}/new/", {"text": TEXT_1, "change_note": "首次制定"}
    )
    assert r.status_code == 302
    v = RulesVersion.objects.get()
    assert (v.number, v.status, v.title) == (1, "draft", "双台村村规民约")
    vote = vote_make(village)
    page = cadre.get(f"/village-rules/versions/{v.pk}/")
    assert vote.title in page.content.decode()  # offered as the adopting vote
    assert (
        cadre.post(f"/village-rules/versions/{v.pk}/adopt/", {"vote": vote.pk}).status_code == 302
    )
    assert cadre.post(f"/village-rules/versions/{v.pk}/submit/").status_code == 302
    assert "报备审查中" in cadre.get(f"/village-rules/versions/{v.pk}/").content.decode()
    assert v.title in town.get("/village-rules/").content.decode()  # waiting for the town
    r = town.post(
        f"/village-rules/versions/{v.pk}/accept/",
        {"filing_number": "宝丰备〔2026〕1号", "filed_on": timezone.localdate().isoformat()},
    )
    assert r.status_code == 302
    assert cadre.post(f"/village-rules/versions/{v.pk}/publish/").status_code == 302
    v.refresh_from_db()
    assert v.status == "published" and v.filing_number == "宝丰备〔2026〕1号"
    actions = list(
        AuditEvent.objects.filter(
            object_type="villagerules.rulesversion", object_id=str(v.pk)
        ).values_list("action", flat=True)
    )
    assert set(actions) == {
        "village_rules.create",
        "village_rules.adopt",
        "village_rules.submit",
        "village_rules.file_accept",
        "village_rules.publish",
    }

    # the public page, for a visitor not signed in: text, vote result, filing number; printable
    public = Client().get(f"/village-rules/place/{village.pk}/")
    body = public.content.decode()
    assert public.status_code == 200
    assert "第二条 门前三包。" in body and "宝丰备〔2026〕1号" in body and "通过" in body
    assert "rules-text" in body and "viewport" in body
    assert "双台村村规民约" in Client().get("/village-rules/").content.decode()


def test_public_page_without_published_version_and_for_non_villages(cast):  # type: ignore[no-untyped-def]
    c = Client()
    r = c.get(f"/village-rules/place/{cast.county.village_b.pk}/")
    assert r.status_code == 200 and "尚未公布" in r.content.decode()
    assert c.get(f"/village-rules/place/{cast.county.town_a.pk}/").status_code == 404
    assert c.get(f"{API}/places/{cast.county.village_b.pk}/current").status_code == 404


def test_community_has_a_residents_covenant(cast, client_for, make_user):  # type: ignore[no-untyped-def]
    cadre = make_user("community_cadre", cast.county.community)
    v = draft(client_for(cadre), cast.county.community)
    assert v["title"] == "南关社区居民公约"


# --- adoption needs a carried vote of the same place ------------------------------------------
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda c: vote_make(c.village_a, outcome="lost"), "未通过"),
        (lambda c: vote_make(c.village_a, outcome="open"), "尚未截止"),
        (lambda c: vote_make(c.village_b), "本村（社区）"),
        (lambda c: vote_make(c.village_a, method="approval"), "赞成/反对/弃权"),
    ],
    ids=["lost", "open", "other-village", "not-a-motion"],
)
def test_adoption_refused(cast, client_for, make, message):  # type: ignore[no-untyped-def]
    cadre = client_for(cast.cadre_a)
    v = draft(cadre, cast.county.village_a)
    vote = make(cast.county)
    r = post_json(cadre, f"{API}/versions/{v['id']}/adopt", {"vote_id": vote.pk})
    assert r.status_code == 400 and message in r.json()["detail"] and r.json()["field"] == "vote"
    page = cadre.post(f"/village-rules/versions/{v['id']}/adopt/", {"vote": vote.pk})
    assert page.status_code == 400 and message in page.content.decode()
    row = RulesVersion.objects.get(pk=v["id"])
    assert row.status == "draft" and row.vote_id is None
    assert not AuditEvent.objects.filter(action="village_rules.adopt").exists()


def test_adoption_by_closed_vote_and_one_vote_adopts_one_version(cast, client_for):  # type: ignore[no-untyped-def]
    cadre = client_for(cast.cadre_a)
    vote = vote_make(cast.county.village_a, publish=False)  # closed, result not yet published
    a, b = draft(cadre, cast.county.village_a), draft(cadre, cast.county.village_a, TEXT_2)
    assert b["number"] == 2
    r = post_json(cadre, f"{API}/versions/{a['id']}/adopt", {"vote_id": vote.pk})
    assert r.status_code == 200 and r.json()["vote"]["outcome"] == "passed"
    r = post_json(cadre, f"{API}/versions/{b['id']}/adopt", {"vote_id": vote.pk})
    assert r.status_code == 400 and "另一版本" in r.json()["detail"]
    assert (
        post_json(cadre, f"{API}/versions/{a['id']}/adopt", {"vote_id": vote.pk}).json()["code"]
        == "not_draft"
    )
    assert (
        post_json(cadre, f"{API}/versions/{b['id']}/adopt", {"vote_id": 999999}).status_code == 400
    )


# --- filing: only the town holding the village ------------------------------------------------
@pytest.fixture
def submitted(cast, client_for) -> RulesVersion:  # type: ignore[no-untyped-def]
    cadre = client_for(cast.cadre_a)
    v = draft(cadre, cast.county.village_a)
    post_json(
        cadre, f"{API}/versions/{v['id']}/adopt", {"vote_id": vote_make(cast.county.village_a).pk}
    )
    assert post_json(cadre, f"{API}/versions/{v['id']}/submit").status_code == 200
    return RulesVersion.objects.get(pk=v["id"])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("town_b", 404),
        ("cadre_b", 404),
        ("resident_b", 404),
        ("county_sup", 403),
        ("cadre_a", 403),
        ("resident_a", 403),
    ],
)
def test_filing_only_by_the_town_in_scope(cast, client_for, submitted, who, status):  # type: ignore[no-untyped-def]
    c = client_for(getattr(cast, who))
    r = post_json(c, f"{API}/versions/{submitted.pk}/accept", {"filing_number": "X1"})
    assert r.status_code == status
    assert (
        post_json(c, f"{API}/versions/{submitted.pk}/return", {"reason": "不行"}).status_code
        == status
    )
    assert (
        c.post(
            f"/village-rules/versions/{submitted.pk}/accept/", {"filing_number": "X1"}
        ).status_code
        == status
    )
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and submitted.filing_number == ""


def test_filing_returned_then_refiled(cast, client_for, submitted):  # type: ignore[no-untyped-def]
    town, cadre = client_for(cast.town_a), client_for(cast.cadre_a)
    url = f"{API}/versions/{submitted.pk}"
    assert post_json(town, f"{url}/return", {"reason": ""}).json()["field"] == "reason"
    r = post_json(town, f"{url}/return", {"reason": "第二条与法律不符，请修改"})
    assert r.status_code == 200 and r.json()["status"] == "adopted"
    assert (
        "第二条与法律不符" in cadre.get(f"/village-rules/versions/{submitted.pk}/").content.decode()
    )
    assert (
        post_json(town, f"{url}/accept", {"filing_number": "X"}).json()["code"] == "not_submitted"
    )
    assert post_json(cadre, f"{url}/publish").json()["code"] == "not_filed"
    assert post_json(cadre, f"{url}/submit").status_code == 200
    assert (
        post_json(town, f"{url}/accept", {"filing_number": " "}).json()["field"] == "filing_number"
    )
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert (
        post_json(town, f"{url}/accept", {"filing_number": "宝丰备1号", "filed_on": future}).json()[
            "field"
        ]
        == "filed_on"
    )
    assert (
        post_json(town, f"{url}/accept", {"filing_number": "宝丰备1号", "filed_on": "昨天"}).json()[
            "field"
        ]
        == "filed_on"
    )
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    r = post_json(town, f"{url}/accept", {"filing_number": "宝丰备1号"})
    assert (
        r.status_code == 200
        and r.json()["status"] == "filed"
        and r.json()["filed_on"] == timezone.localdate().isoformat()
    )
    assert AuditEvent.objects.filter(
        action="village_rules.file_return", object_id=str(submitted.pk)
    ).exists()


# --- one published version per place ----------------------------------------------------------
def test_publishing_a_revision_supersedes_the_one_in_force(cast, client_for):  # type: ignore[no-untyped-def]
    first = publish_path(cast, client_for, TEXT_1)
    second = publish_path(cast, client_for, TEXT_2)
    first.refresh_from_db()
    assert first.status == "superseded" and first.superseded_at is not None
    assert second.status == "published" and second.number == 2
    assert RulesVersion.objects.filter(place=cast.county.village_a, status="published").count() == 1
    current = Client().get(f"{API}/places/{cast.county.village_a.pk}/current").json()
    assert current["id"] == second.pk and current["previous_id"] == first.pk
    # history and diff, public
    hist = (
        Client().get(f"/village-rules/place/{cast.county.village_a.pk}/versions/").content.decode()
    )
    assert "已废止" in hist and "现行有效" in hist
    diff = Client().get(f"{API}/versions/{second.pk}/diff").json()
    assert {"kind": "+", "text": "第三条 每周五为卫生日。"} in diff["lines"]
    assert not [line for line in diff["lines"] if line["kind"] == "-"]
    page = Client().get(f"/village-rules/versions/{second.pk}/").content.decode()
    assert "+ 第三条 每周五为卫生日。" in page
    # the database itself refuses a second published row
    with pytest.raises(IntegrityError), transaction.atomic():
        RulesVersion.objects.filter(pk=first.pk).update(status="published")


# --- who sees which versions -------------------------------------------------------------------
def test_drafts_only_for_managers_and_the_town(cast, client_for):  # type: ignore[no-untyped-def]
    published = publish_path(cast, client_for)
    cadre = client_for(cast.cadre_a)
    d = draft(cadre, cast.county.village_a, TEXT_2)
    for who in ("cadre_a", "town_a", "admin"):
        assert client_for(getattr(cast, who)).get(f"{API}/versions/{d['id']}").status_code == 200
    for c in (
        Client(),
        client_for(cast.resident_a),
        client_for(cast.cadre_b),
        client_for(cast.town_b),
        client_for(cast.county_sup),
    ):
        assert c.get(f"{API}/versions/{d['id']}").status_code == 404
        assert c.get(f"/village-rules/versions/{d['id']}/").status_code == 404
        ids = [v["id"] for v in c.get(f"{API}/places/{cast.county.village_a.pk}/versions").json()]
        assert ids == [published.pk]
        assert c.get(f"{API}/versions/{published.pk}").status_code == 200


def test_adopted_versions_seen_in_scope_not_by_strangers(cast, client_for, submitted):  # type: ignore[no-untyped-def]
    assert client_for(cast.resident_a).get(f"{API}/versions/{submitted.pk}").status_code == 200
    assert client_for(cast.county_sup).get(f"{API}/versions/{submitted.pk}").status_code == 200
    assert client_for(cast.resident_b).get(f"{API}/versions/{submitted.pk}").status_code == 404
    assert Client().get(f"{API}/versions/{submitted.pk}").status_code == 404


# --- drafting rules ----------------------------------------------------------------------------
def test_drafting_refusals(cast, client_for):  # type: ignore[no-untyped-def]
    cadre = client_for(cast.cadre_a)
    c = cast.county
    assert (
        post_json(cadre, f"{API}/places/{c.village_b.pk}/versions", {"text": "x"}).status_code
        == 404
    )
    r = post_json(cadre, f"{API}/places/{c.group_a1.pk}/versions", {"text": "x"})
    assert r.status_code == 400 and r.json()["field"] == "place"
    assert (
        post_json(cadre, f"{API}/places/{c.village_a.pk}/versions", {"text": "  "}).json()["field"]
        == "text"
    )
    assert (
        post_json(
            client_for(cast.resident_a), f"{API}/places/{c.village_a.pk}/versions", {"text": "x"}
        ).status_code
        == 404
    )
    assert (
        post_json(
            client_for(cast.town_a), f"{API}/places/{c.village_a.pk}/versions", {"text": "x"}
        ).status_code
        == 404
    )
    assert not RulesVersion.objects.exists()
    assert (
        Client()
        .post(f"{API}/places/{c.village_a.pk}/versions", "{}", content_type="application/json")
        .status_code
        == 401
    )
    # edit a draft; an adopted version is not edited
    v = draft(cadre, c.village_a)
    r = post_json(
        cadre, f"{API}/versions/{v['id']}/edit", {"text": TEXT_2, "change_note": "加一条"}
    )
    assert r.status_code == 200 and r.json()["text"] == TEXT_2
    post_json(cadre, f"{API}/versions/{v['id']}/adopt", {"vote_id": vote_make(c.village_a).pk})
    r = post_json(cadre, f"{API}/versions/{v['id']}/edit", {"text": "改"})
    assert r.status_code == 400 and r.json()["code"] == "not_draft"
    assert RulesVersion.objects.get(pk=v["id"]).text == TEXT_2
