"""矛盾纠纷调解 through pages and the API: the whole path of a dispute, who sees it (and who
gets 404), the agreement document's access control, the log of every look, and bad input that
changes nothing."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from wugong.core.models import AuditEvent, SensitiveAccess
from wugong.mediation.models import Matter, Mediator, Party, Session

from .conftest import PDF, jpeg_bytes

pytestmark = pytest.mark.django_db
API = "/api/v1/mediation"
TODAY = timezone.localdate()


def post_json(client: Client, url: str, body: dict) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def receive(client: Client, place, **kw) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "place_id": place.pk,
        "kind": "neighbour",
        "summary": "两户因排水沟界线争执",
        "received_on": (TODAY - dt.timedelta(days=3)).isoformat(),
        "source": "visit",
        **kw,
    }
    r = post_json(client, f"{API}/matters", body)
    assert r.status_code in (200, 201), r.content
    return r.json()


@pytest.fixture
def matter(cast, client_for) -> Matter:  # type: ignore[no-untyped-def]
    """A matter of 双台村 with a roster party, an outsider party and a named mediator."""
    c = client_for(cast.cadre_a)
    m = receive(c, cast.county.village_a)
    post_json(
        c,
        f"{API}/matters/{m['id']}/parties",
        {"role": "applicant", "person_id": cast.party.person_id},
    )
    post_json(c, f"{API}/matters/{m['id']}/parties", {"role": "respondent", "name": "外村张某"})
    r = post_json(c, f"{API}/matters/{m['id']}/mediators", {"person_id": cast.mediator.person_id})
    assert r.status_code == 201, r.content
    return Matter.objects.get(pk=m["id"])


# --- the whole path, through the pages ---------------------------------------------------------
def test_pages_receive_mediate_agree_follow_up(cast, client_for):  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_a)
    page = c.get("/mediation/new/")
    assert page.status_code == 200 and "受理纠纷" in page.content.decode()
    key = page.context["key"]
    form = {
        "place": cast.county.village_a.pk,
        "kind": "land",
        "source": "walk_in",
        "received_on": (TODAY - dt.timedelta(days=10)).isoformat(),
        "summary": "承包地边界争议",
        "idempotency_key": key,
    }
    r = c.post("/mediation/new/", form)
    assert r.status_code == 302
    again = c.post("/mediation/new/", form)  # the phone sends it twice
    assert again.status_code == 302 and again.url == r.url
    assert Matter.objects.count() == 1
    m = Matter.objects.get()
    assert m.place_path == cast.county.village_a.path and m.status == "received"

    # search the roster, name a party and a mediator
    found = c.get(f"/mediation/{m.pk}/", {"q": cast.party.person.name})
    assert cast.party.person.name in found.content.decode()
    assert (
        c.post(
            f"/mediation/{m.pk}/party/", {"person": cast.party.person_id, "role": "applicant"}
        ).status_code
        == 302
    )
    assert (
        c.post(f"/mediation/{m.pk}/party/", {"name": "李某", "role": "respondent"}).status_code
        == 302
    )
    assert (
        c.post(f"/mediation/{m.pk}/mediator/", {"person": cast.mediator.person_id}).status_code
        == 302
    )
    assert (
        Party.objects.filter(matter=m).count() == 2
        and Mediator.objects.filter(matter=m).count() == 1
    )

    # a session with a signed agreement (photo) puts it in mediation
    doc = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    r = c.post(
        f"/mediation/{m.pk}/session/",
        {
            "held_on": (TODAY - dt.timedelta(days=2)).isoformat(),
            "notes": "现场查看",
            "attended": "双方",
            "agreement": doc,
            "idempotency_key": "s1",
        },
    )
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "mediating"
    s = Session.objects.get(matter=m)
    assert s.agreement_type == "image/jpeg" and s.agreement.name.endswith(".jpg")
    assert "a.jpg" not in s.agreement.name  # the uploader's name never reaches the disk

    follow = (TODAY - dt.timedelta(days=1)).isoformat()
    r = c.post(
        f"/mediation/{m.pk}/conclude/",
        {
            "agreed": "1",
            "outcome": "按界址砌墙",
            "concluded_on": (TODAY - dt.timedelta(days=2)).isoformat(),
            "follow_up_on": follow,
        },
    )
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "agreed" and m.follow_up_on.isoformat() == follow

    due = c.get("/mediation/follow-up/")
    assert f"#{m.pk}" in due.content.decode()
    r = c.post(f"/mediation/{m.pk}/follow-up/", {"note": "协议已履行"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "followed_up" and m.followed_up_on == TODAY
    assert f"#{m.pk}" not in c.get("/mediation/follow-up/").content.decode()

    actions = set(
        AuditEvent.objects.filter(object_type="mediation.matter", object_id=str(m.pk)).values_list(
            "action", flat=True
        )
    )
    assert {
        "mediation.matter_receive",
        "mediation.party_add",
        "mediation.mediator_add",
        "mediation.session_record",
        "mediation.matter_conclude",
        "mediation.matter_follow_up",
        "mediation.matter_view",
    } <= actions


def test_refer_up_with_reason(cast, client_for, matter):  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_a)
    r = c.post(f"/mediation/{matter.pk}/refer/", {"reason": "  ", "referred_to": "镇司法所"})
    assert r.status_code == 400 and "请填写上交理由" in r.content.decode()
    matter.refresh_from_db()
    assert matter.status == "received"
    r = c.post(f"/mediation/{matter.pk}/refer/", {"reason": "涉及确权", "referred_to": "镇司法所"})
    assert r.status_code == 302
    matter.refresh_from_db()
    assert matter.status == "referred" and matter.referred_reason == "涉及确权"
    assert AuditEvent.objects.filter(
        action="mediation.matter_refer", object_id=str(matter.pk)
    ).exists()
    # referred: no more sessions, no second referral
    r = post_json(
        c, f"{API}/matters/{matter.pk}/sessions", {"held_on": TODAY.isoformat(), "notes": "x"}
    )
    assert r.status_code == 400 and r.json()["code"] == "closed"
    r = post_json(c, f"{API}/matters/{matter.pk}/refer", {"reason": "again"})
    assert r.status_code == 400


# --- who sees a matter -------------------------------------------------------------------------
SEES = {
    "cadre_a": True,
    "town_a": True,
    "mediator": True,
    "cadre_b": False,
    "town_b": False,
    "county_sup": False,
    "admin": False,
    "party": False,
    "neighbour": False,
    "community_cadre": False,
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_visibility_of_a_matter(cast, client_for, matter, who):  # type: ignore[no-untyped-def]
    c = client_for(getattr(cast, who))
    page = c.get(f"/mediation/{matter.pk}/")
    api = c.get(f"{API}/matters/{matter.pk}")
    listed = c.get(f"{API}/matters")
    if SEES[who]:
        assert page.status_code == 200 and "排水沟" in page.content.decode()
        assert api.status_code == 200 and api.json()["summary"] == matter.summary
        assert [m["id"] for m in listed.json()] == [matter.pk]
        assert c.get("/mediation/").status_code == 200
    else:
        assert page.status_code == 404 and "排水沟" not in page.content.decode()
        assert api.status_code == 404 and api.json()["code"] == "not_found"
        assert listed.status_code == 404 or listed.json() == []
        lst = c.get("/mediation/")
        assert lst.status_code == 404 or "排水沟" not in lst.content.decode()


def test_anonymous_is_sent_to_sign_in(matter):  # type: ignore[no-untyped-def]
    c = Client()
    assert c.get(f"/mediation/{matter.pk}/").status_code == 302
    assert c.get(f"{API}/matters/{matter.pk}").status_code == 401


def test_other_village_cadre_cannot_write(cast, client_for, matter):  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_b)
    before = AuditEvent.objects.count()
    assert c.post(f"/mediation/{matter.pk}/refer/", {"reason": "x"}).status_code == 404
    r = post_json(c, f"{API}/matters/{matter.pk}/conclude", {"agreed": True, "outcome": "x"})
    assert r.status_code == 404
    r = post_json(
        c,
        f"{API}/matters",
        {
            "place_id": cast.county.village_a.pk,
            "kind": "debt",
            "summary": "x",
            "received_on": TODAY.isoformat(),
            "source": "visit",
        },
    )
    assert r.status_code == 404
    assert AuditEvent.objects.count() == before
    matter.refresh_from_db()
    assert matter.status == "received"


def test_mediator_records_sessions_but_does_not_manage(cast, client_for, matter):  # type: ignore[no-untyped-def]
    c = client_for(cast.mediator)
    r = post_json(
        c,
        f"{API}/matters/{matter.pk}/sessions",
        {"held_on": TODAY.isoformat(), "notes": "上门劝解"},
    )
    assert r.status_code == 201 and r.json()["status"] == "mediating"
    r = post_json(c, f"{API}/matters/{matter.pk}/parties", {"role": "respondent", "name": "王某"})
    assert r.status_code == 403 and "无权" in r.json()["detail"]
    r = post_json(c, f"{API}/matters/{matter.pk}/refer", {"reason": "太难"})
    assert r.status_code == 403
    r = post_json(
        c,
        f"{API}/matters/{matter.pk}/conclude",
        {"agreed": False, "outcome": "分歧大", "follow_up_on": TODAY.isoformat()},
    )
    assert r.status_code == 200 and r.json()["status"] == "not_agreed"
    # once removed, the mediator no longer sees it
    client_for(cast.cadre_a).post(
        f"/mediation/{matter.pk}/mediator-remove/", {"person": cast.mediator.person_id}
    )
    assert c.get(f"/mediation/{matter.pk}/").status_code == 404


# --- every look is logged ----------------------------------------------------------------------
def test_each_look_is_logged(cast, client_for, matter):  # type: ignore[no-untyped-def]
    SensitiveAccess.objects.all().delete()
    AuditEvent.objects.filter(action="mediation.matter_view").delete()
    c = client_for(cast.town_a)
    c.get(f"/mediation/{matter.pk}/")
    c.get(f"{API}/matters/{matter.pk}")
    looks = SensitiveAccess.objects.filter(viewer=cast.town_a)
    assert sorted(looks.values_list("channel", flat=True)) == ["api", "page"]
    assert set(looks.values_list("person_id", flat=True)) == {cast.party.person_id}
    assert set(looks.values_list("field", flat=True)) == {"mediation"}
    views = AuditEvent.objects.filter(action="mediation.matter_view", object_id=str(matter.pk))
    assert views.count() == 2 and set(views.values_list("actor_id", flat=True)) == {cast.town_a.pk}
    # a refused look logs nothing
    client_for(cast.county_sup).get(f"/mediation/{matter.pk}/")
    assert not SensitiveAccess.objects.filter(viewer=cast.county_sup).exists()


# --- the agreement document --------------------------------------------------------------------
@pytest.fixture
def signed(cast, client_for, matter) -> Session:  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_a)
    doc = SimpleUploadedFile("协议.pdf", PDF, content_type="application/pdf")
    r = c.post(
        f"/mediation/{matter.pk}/session/",
        {"held_on": TODAY.isoformat(), "notes": "签订协议", "agreement": doc},
    )
    assert r.status_code == 302
    return Session.objects.get(matter=matter)


@pytest.mark.parametrize("who", sorted(SEES))
def test_agreement_document_access(cast, client_for, signed, who):  # type: ignore[no-untyped-def]
    c = client_for(getattr(cast, who))
    page = c.get(f"/mediation/agreements/{signed.pk}/")
    api = c.get(f"{API}/sessions/{signed.pk}/agreement")
    if SEES[who]:
        assert page.status_code == 200 and b"".join(page.streaming_content) == PDF
        assert page["Content-Type"] == "application/pdf" and "no-store" in page["Cache-Control"]
        assert api.status_code == 200
    else:
        assert page.status_code == 404 and api.status_code == 404


def test_agreement_not_under_a_public_url(client, signed):  # type: ignore[no-untyped-def]
    assert client.get(f"/mediation/agreements/{signed.pk}/").status_code == 302
    assert client.get("/media/" + signed.agreement.name).status_code == 404


def test_agreement_attached_by_api(cast, client_for, matter):  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_a)
    r = post_json(
        c, f"{API}/matters/{matter.pk}/sessions", {"held_on": TODAY.isoformat(), "notes": "签订"}
    )
    sid = r.json()["sessions"][0]["id"]
    bad = c.post(
        f"{API}/sessions/{sid}/agreement", {"agreement": SimpleUploadedFile("x.pdf", b"not a pdf")}
    )
    assert bad.status_code == 400 and bad.json()["field"] == "agreement"
    assert not Session.objects.get(pk=sid).agreement
    ok = c.post(
        f"{API}/sessions/{sid}/agreement", {"agreement": SimpleUploadedFile("x.png", jpeg_bytes())}
    )
    assert ok.status_code == 200 and ok.json()["sessions"][0]["agreement_url"]
    other = client_for(cast.cadre_b).post(
        f"{API}/sessions/{sid}/agreement", {"agreement": SimpleUploadedFile("x.pdf", PDF)}
    )
    assert other.status_code == 404


# --- bad input changes nothing -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00 this is an exe named pdf", "调解协议书应为 PDF 文件或照片"),
        (b"<html><script>alert(1)</script></html>", "调解协议书应为 PDF 文件或照片"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "不能超过10MB"),
    ],
)
def test_bad_agreement_refused(cast, client_for, matter, content, message):  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_a)
    doc = SimpleUploadedFile("协议.pdf", content, content_type="application/pdf")
    r = c.post(
        f"/mediation/{matter.pk}/session/",
        {"held_on": TODAY.isoformat(), "notes": "x", "agreement": doc},
    )
    assert r.status_code == 400 and message in r.content.decode()
    assert not Session.objects.filter(matter=matter).exists()
    matter.refresh_from_db()
    assert matter.status == "received"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "alien"}, "kind"),
        ({"source": "tv"}, "source"),
        ({"summary": "  "}, "summary"),
        ({"received_on": "2026-13-40"}, "received_on"),
        ({"received_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "received_on"),
    ],
)
def test_receive_bad_input(cast, client_for, body, field):  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_a)
    base = {
        "place_id": cast.county.village_a.pk,
        "kind": "debt",
        "summary": "欠款",
        "received_on": TODAY.isoformat(),
        "source": "report",
    }
    r = post_json(c, f"{API}/matters", {**base, **body})
    assert r.status_code == 400 and r.json()["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"])
    assert (
        not Matter.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="mediation").exists()
    )


def test_state_rules(cast, client_for, matter):  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_a)
    url = f"{API}/matters/{matter.pk}"
    # conclude before any session, follow up before concluding
    assert (
        post_json(c, f"{url}/conclude", {"agreed": True, "outcome": "x"}).json()["code"]
        == "not_mediating"
    )
    assert post_json(c, f"{url}/follow-up", {"note": "x"}).json()["code"] == "not_concluded"
    # a session before the matter was received, or in the future
    early = (matter.received_on - dt.timedelta(days=1)).isoformat()
    assert (
        post_json(c, f"{url}/sessions", {"held_on": early, "notes": "x"}).json()["field"]
        == "held_on"
    )
    late = (TODAY + dt.timedelta(days=1)).isoformat()
    assert (
        post_json(c, f"{url}/sessions", {"held_on": late, "notes": "x"}).json()["field"]
        == "held_on"
    )
    assert (
        post_json(c, f"{url}/sessions", {"held_on": TODAY.isoformat(), "notes": ""}).json()["field"]
        == "notes"
    )
    assert not Session.objects.exists()
    # the same session sent twice is recorded once
    body = {"held_on": TODAY.isoformat(), "notes": "调解", "idempotency_key": "k-1"}
    assert post_json(c, f"{url}/sessions", body).status_code == 201
    assert post_json(c, f"{url}/sessions", body).status_code == 200
    assert Session.objects.count() == 1
    # follow-up before the conclusion date; then the conclusion
    r = post_json(
        c,
        f"{url}/conclude",
        {
            "agreed": True,
            "outcome": "和解",
            "follow_up_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert r.status_code == 400 and r.json()["field"] == "follow_up_on"
    matter.refresh_from_db()
    assert matter.status == "mediating"
    r = post_json(c, f"{url}/conclude", {"agreed": True, "outcome": "和解"})
    assert r.status_code == 200 and r.json()["status"] == "agreed"
    # agreed matters are not referred up
    assert post_json(c, f"{url}/refer", {"reason": "x"}).json()["code"] == "not_referable"


def test_parties_and_mediators_rules(cast, client_for, matter):  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_a)
    url = f"{API}/matters/{matter.pk}"
    # someone of another village is not on this place's roster
    stranger = cast.county.households_b[0].head_id
    r = post_json(c, f"{url}/parties", {"role": "applicant", "person_id": stranger})
    assert r.status_code == 400 and r.json()["detail"] == "该人员不在本地名册中。"
    assert post_json(c, f"{url}/mediators", {"person_id": stranger}).status_code == 400
    # a party is not a mediator of its own dispute; no one named twice
    r = post_json(c, f"{url}/mediators", {"person_id": cast.party.person_id})
    assert r.status_code == 400 and "当事人" in r.json()["detail"]
    assert (
        post_json(
            c, f"{url}/parties", {"role": "applicant", "person_id": cast.party.person_id}
        ).status_code
        == 400
    )
    assert (
        post_json(c, f"{url}/mediators", {"person_id": cast.mediator.person_id}).status_code == 400
    )
    assert post_json(c, f"{url}/parties", {"role": "judge", "name": "x"}).json()["field"] == "role"
    assert (
        post_json(c, f"{url}/parties", {"role": "applicant", "name": ""}).json()["field"] == "name"
    )
    assert Party.objects.filter(matter=matter).count() == 2
    assert Mediator.objects.filter(matter=matter).count() == 1
    # a town supervisor's post above the village may mediate (a town's judicial assistant)
    assert post_json(c, f"{url}/mediators", {"person_id": cast.town_a.person_id}).status_code == 201


def test_town_supervisor_receives_for_a_village(cast, client_for):  # type: ignore[no-untyped-def]
    c = client_for(cast.town_a)
    m = receive(c, cast.county.village_a)
    assert m["place_id"] == cast.county.village_a.pk
    assert (
        post_json(
            c,
            f"{API}/matters",
            {
                "place_id": cast.county.village_b.pk,
                "kind": "debt",
                "summary": "x",
                "received_on": TODAY.isoformat(),
                "source": "visit",
            },
        ).status_code
        == 404
    )
    assert client_for(cast.cadre_b).get(f"{API}/matters").json() == []


def test_follow_up_due_list_api(cast, client_for, matter):  # type: ignore[no-untyped-def]
    c = client_for(cast.cadre_a)
    url = f"{API}/matters/{matter.pk}"
    post_json(c, f"{url}/sessions", {"held_on": TODAY.isoformat(), "notes": "调解"})
    post_json(
        c,
        f"{url}/conclude",
        {
            "agreed": True,
            "outcome": "和解",
            "follow_up_on": (TODAY + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert c.get(f"{API}/matters", {"follow_up_due": True}).json() == []
    Matter.objects.filter(pk=matter.pk).update(follow_up_on=TODAY)
    assert [m["id"] for m in c.get(f"{API}/matters", {"follow_up_due": True}).json()] == [matter.pk]
