"""试点 pilot sites: set up by supervisors, assessed against "五有三无" / "六有三无", monthly
experience reports filed by the site team (length rules, contact masked), edited with history,
published to the case library, recommended upwards; the overdue list; coverage paths."""

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wugong.core.models import AuditEvent
from wugong.pilots.models import Checklist, Report, ReportRevision, Site
from wugong.pilots.scoring import checklist_score, previous_month, report_due
from wugong.pilots.selectors import active_site_paths

pytestmark = pytest.mark.django_db
BODY = "我们坚持户户走到、人人见到，把群众组织起来。" * 120  # about 2,500 characters


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):  # type: ignore[no-untyped-def]
    from wugong.pilots.defaults import checklists_ensure

    settings.MEDIA_ROOT = tmp_path / "media"
    checklists_ensure()


@pytest.fixture
def cast(county, make_user):  # type: ignore[no-untyped-def]
    c = county
    return {
        "town_a": make_user("town_supervisor", c.town_a),
        "town_b": make_user("town_supervisor", c.town_b),
        "county": make_user("county_supervisor", c.county),
        "cadre_a": make_user("village_cadre", c.village_a),
        "cadre_b": make_user("village_cadre", c.village_b),
        "cadre_urban": make_user("community_cadre", c.community),
        "resident": make_user("resident", c.group_a1, household=c.households_a[0]),
    }


def post(client, url, data, method="post"):  # type: ignore[no-untyped-def]
    return getattr(client, method)(url, data, content_type="application/json")


def started() -> str:
    return previous_month(previous_month(timezone.localdate())).isoformat()


@pytest.fixture
def site_a1(county, cast, client_for):  # type: ignore[no-untyped-def]
    r = post(
        client_for(cast["town_a"]),
        "/api/v1/pilots/sites",
        {
            "place_id": county.group_a1.pk,
            "started_on": started(),
            "team": [cast["cadre_a"].person_id],
        },
    )
    assert r.status_code == 201, r.content
    return Site.objects.get(pk=r.json()["id"])


def report_data(month: str | None = None, body: str = BODY, **kw):  # type: ignore[no-untyped-def]
    month = month or previous_month(timezone.localdate()).strftime("%Y-%m")
    return {
        "month": month,
        "title": "小切口撬动大治理",
        "body": body,
        "author_name": "王春华",
        "author_phone": "13912345678",
        **kw,
    }


# --- pure cores ------------------------------------------------------------------------------
def test_score_and_due_month():
    assert checklist_score(5, 8) == Decimal("62.5")
    assert checklist_score(2, 3) == Decimal("66.7")
    assert checklist_score(0, 0) == Decimal("0.0")
    assert report_due(dt.date(2025, 3, 5), 5) == (dt.date(2025, 2, 1), False)
    assert report_due(dt.date(2025, 3, 6), 5) == (dt.date(2025, 2, 1), True)
    assert report_due(dt.date(2025, 1, 20), 5) == (dt.date(2024, 12, 1), True)


# --- sites -----------------------------------------------------------------------------------
def test_supervisor_sets_up_a_site_in_scope_only(county, cast, client_for, site_a1):
    assert site_a1.village_path == county.village_a.path
    assert site_a1.team.get().pk == cast["cadre_a"].person_id
    assert AuditEvent.objects.filter(action="pilot.site_create", object_id=str(site_a1.pk)).exists()
    # a town supervisor of another town: 404 for the place; a cadre: no rule
    r = post(
        client_for(cast["town_b"]),
        "/api/v1/pilots/sites",
        {"place_id": county.group_a2.pk, "started_on": started()},
    )
    assert r.status_code == 404
    r = post(
        client_for(cast["cadre_a"]),
        "/api/v1/pilots/sites",
        {"place_id": county.group_a2.pk, "started_on": started()},
    )
    assert r.status_code == 404
    # a second active site at the same place; a town is no site
    c = client_for(cast["county"])
    r = post(c, "/api/v1/pilots/sites", {"place_id": county.group_a1.pk, "started_on": started()})
    assert r.status_code == 400 and r.json()["field"] == "place"
    r = post(c, "/api/v1/pilots/sites", {"place_id": county.town_a.pk, "started_on": started()})
    assert r.status_code == 400
    assert Site.objects.count() == 1


def test_active_site_paths_count_groups_and_estates_for_their_village(
    county, cast, client_for, site_a1
):
    c = client_for(cast["county"])
    r = post(c, "/api/v1/pilots/sites", {"place_id": county.estate.pk, "started_on": started()})
    assert r.status_code == 201
    r = post(c, "/api/v1/pilots/sites", {"place_id": county.village_b.pk, "started_on": started()})
    assert r.status_code == 201
    assert active_site_paths(path_prefix=county.county.path) == {
        county.village_a.path,
        county.community.path,
        county.village_b.path,
    }
    assert active_site_paths(path_prefix=county.town_a.path) == {county.village_a.path}
    r = post(c, f"/api/v1/pilots/sites/{r.json()['id']}/finish", {})
    assert r.status_code == 200 and r.json()["status"] == "finished"
    assert county.village_b.path not in active_site_paths(path_prefix=county.county.path)


# --- assessments -----------------------------------------------------------------------------
def test_group_is_assessed_on_five_three_and_estate_on_six_three(county, cast, client_for, site_a1):
    checklists = {
        c["name"]: c for c in client_for(cast["county"]).get("/api/v1/pilots/checklists").json()
    }
    five = checklists["五有三无"]
    assert len(five["items"]) == 8 and "group" in five["place_kinds"]
    assert len(checklists["六有三无"]["items"]) == 9
    items = [{"item_id": i["id"], "met": n < 5} for n, i in enumerate(five["items"])]
    c = client_for(cast["cadre_a"])
    today = timezone.localdate().isoformat()
    key = str(uuid.uuid4())
    r = post(
        c,
        f"/api/v1/pilots/sites/{site_a1.pk}/assessments",
        {"assessed_on": today, "items": items, "idempotency_key": key},
    )
    assert r.status_code == 201, r.content
    assert r.json()["met"] == 5 and r.json()["score_percent"] == "62.5"
    again = post(
        c,
        f"/api/v1/pilots/sites/{site_a1.pk}/assessments",
        {"assessed_on": today, "items": items, "idempotency_key": key},
    )
    assert again.json()["id"] == r.json()["id"]
    site = client_for(cast["resident"]).get(f"/api/v1/pilots/sites/{site_a1.pk}").json()
    assert site["score_percent"] == "62.5" and site["score_met"] == 5
    # every item must be answered; items of another checklist are refused
    r = post(
        c,
        f"/api/v1/pilots/sites/{site_a1.pk}/assessments",
        {"assessed_on": today, "items": items[:3]},
    )
    assert r.status_code == 400 and r.json()["field"] == "results"
    six = checklists["六有三无"]["items"][0]["id"]
    bad = [*items, {"item_id": six, "met": True}]
    r = post(
        c, f"/api/v1/pilots/sites/{site_a1.pk}/assessments", {"assessed_on": today, "items": bad}
    )
    assert r.status_code == 400
    # out of scope: a cadre of 楼台村
    r = post(
        client_for(cast["cadre_b"]),
        f"/api/v1/pilots/sites/{site_a1.pk}/assessments",
        {"assessed_on": today, "items": items},
    )
    assert r.status_code == 404


def test_assessment_page_with_evidence_photo(county, cast, client_for, site_a1):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 120, 0)).save(buf, format="JPEG")
    checklist = Checklist.objects.get(name="五有三无")
    items = list(checklist.items.all())
    data = {"assessed_on": timezone.localdate().isoformat(), "idempotency_key": uuid.uuid4().hex}
    for i in items:
        data[f"met_{i.pk}"] = "1"
    data[f"photo_{items[0].pk}"] = SimpleUploadedFile("x.jpg", buf.getvalue(), "image/jpeg")
    data[f"note_{items[0].pk}"] = "党小组活动记录齐全"
    c = client_for(cast["town_a"])
    assert c.get(f"/pilots/{site_a1.pk}/assess/").status_code == 200
    r = c.post(f"/pilots/{site_a1.pk}/assess/", data)
    assert r.status_code == 302
    page = c.get(f"/pilots/{site_a1.pk}/").content.decode()
    assert "8/8" in page and "党小组活动记录齐全" in page and "佐证照片" in page


# --- monthly experience reports ---------------------------------------------------------------
def test_team_files_a_report_and_length_rules(county, cast, client_for, site_a1):
    c = client_for(cast["cadre_a"])
    url = f"/api/v1/pilots/sites/{site_a1.pk}/reports"
    r = post(c, url, report_data(body=""))
    assert r.status_code == 400 and r.json()["field"] == "body"
    r = post(c, url, report_data(body="字" * 10_001))
    assert r.status_code == 400 and r.json()["field"] == "body"
    r = post(c, url, report_data(author_phone="12345"))
    assert r.status_code == 400 and r.json()["field"] == "phone"
    next_month = (timezone.localdate().replace(day=28) + dt.timedelta(days=5)).strftime("%Y-%m")
    assert post(c, url, report_data(month=next_month)).status_code == 400
    assert Report.objects.count() == 0
    # short: filed, with a warning
    key = str(uuid.uuid4())
    r = post(c, url, report_data(body="简短的材料。" * 50, idempotency_key=key))
    assert r.status_code == 201 and r.json()["warnings"] and "2500" in r.json()["warnings"][0]
    assert post(c, url, report_data(idempotency_key=key)).status_code == 200  # a repeat
    r = post(c, url, report_data())  # a second report for the same month
    assert r.status_code == 400 and r.json()["field"] == "month"
    assert Report.objects.count() == 1
    ok = post(
        c,
        url,
        report_data(month=previous_month(previous_month(timezone.localdate())).strftime("%Y-%m")),
    )
    assert ok.status_code == 201 and ok.json()["warnings"] == []
    assert ok.json()["author_phone"] == "13912345678"
    # supervisors cannot file (pilot.report is the team's); another village's cadre: 404
    r = post(client_for(cast["town_a"]), url, report_data(month=started()[:7]))
    assert r.status_code == 403
    assert post(client_for(cast["cadre_b"]), url, report_data()).status_code == 404


def test_report_page_form_and_phone_masked_in_the_case_library(
    county, cast, client_for, client, site_a1
):
    c = client_for(cast["cadre_a"])
    r = c.post(
        f"/pilots/{site_a1.pk}/report/",
        {**report_data(), "idempotency_key": uuid.uuid4().hex},
    )
    assert r.status_code == 302
    report = Report.objects.get()
    # not public before publication
    assert client.get(f"/pilots/reports/{report.pk}/").status_code == 404
    assert client_for(cast["cadre_b"]).get(f"/api/v1/pilots/reports/{report.pk}").status_code == 404
    assert "13912345678" in c.get(f"/pilots/reports/{report.pk}/").content.decode()
    sup = client_for(cast["town_a"])
    assert post(sup, f"/api/v1/pilots/reports/{report.pk}/publish", {}).status_code == 200
    public = client.get(f"/pilots/reports/{report.pk}/").content.decode()
    assert "139****5678" in public and "13912345678" not in public
    cases = client.get("/api/v1/pilots/cases").json()
    assert [x["id"] for x in cases] == [report.pk] and cases[0]["author_phone"] == "139****5678"
    assert "小切口撬动大治理" in client.get("/pilots/cases/").content.decode()
    # a second publication is refused
    assert post(sup, f"/api/v1/pilots/reports/{report.pk}/publish", {}).status_code == 400


def test_supervisor_edits_with_history_and_the_team_cannot(county, cast, client_for, site_a1):
    c = client_for(cast["cadre_a"])
    rid = post(c, f"/api/v1/pilots/sites/{site_a1.pk}/reports", report_data()).json()["id"]
    new = {"title": "修改后的标题", "body": BODY + "补充一段数据。"}
    assert post(c, f"/api/v1/pilots/reports/{rid}", new, "patch").status_code == 403
    sup = client_for(cast["town_a"])
    r = post(sup, f"/api/v1/pilots/reports/{rid}", new, "patch")
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["title"] == "修改后的标题"
    old = ReportRevision.objects.get(report_id=rid)
    assert old.version == 1 and old.title == "小切口撬动大治理" and old.body == BODY
    assert (
        post(sup, f"/api/v1/pilots/reports/{rid}", {"title": "x", "body": ""}, "patch").status_code
        == 400
    )
    assert (
        post(client_for(cast["town_b"]), f"/api/v1/pilots/reports/{rid}", new, "patch").status_code
        == 404
    )
    page = sup.get(f"/pilots/reports/{rid}/").content.decode()
    assert "修改记录" in page and "第1版" in page
    assert AuditEvent.objects.filter(action="pilot.report_edit", object_id=str(rid)).exists()


def test_recommended_upwards_shows_on_the_next_levels_list(county, cast, client_for, site_a1):
    c = client_for(cast["cadre_a"])
    rid = post(c, f"/api/v1/pilots/sites/{site_a1.pk}/reports", report_data()).json()["id"]
    sup = client_for(cast["town_a"])
    r = post(sup, f"/api/v1/pilots/reports/{rid}/recommend", {})
    assert r.status_code == 200 and r.json()["recommended_to"] == "竹山县"
    assert post(sup, f"/api/v1/pilots/reports/{rid}/recommend", {}).status_code == 400
    county_list = client_for(cast["county"]).get("/api/v1/pilots/reports/recommended").json()
    assert [x["id"] for x in county_list] == [rid]
    assert sup.get("/api/v1/pilots/reports/recommended").json() == []
    assert client_for(cast["town_b"]).get("/api/v1/pilots/reports/recommended").json() == []
    page = client_for(cast["county"]).get("/pilots/recommended/").content.decode()
    assert "小切口撬动大治理" in page
    assert post(c, f"/api/v1/pilots/reports/{rid}/recommend", {}).status_code == 403


def test_overdue_list(county, cast, client_for, site_a1, settings):
    settings.WUGONG_PILOT_REPORT_DAY = 5
    c = client_for(cast["county"])
    r = post(c, "/api/v1/pilots/sites", {"place_id": county.group_a2.pk, "started_on": started()})
    site_a2 = r.json()["id"]
    today = timezone.localdate()
    after = today.replace(day=6).isoformat()
    before = today.replace(day=5).isoformat()
    o = c.get("/api/v1/pilots/overdue", {"today": after}).json()
    assert o["past_due"] and {s["id"] for s in o["sites"]} == {site_a1.pk, site_a2}
    assert c.get("/api/v1/pilots/overdue", {"today": before}).json()["sites"] == []
    cadre = client_for(cast["cadre_a"])
    assert (
        post(cadre, f"/api/v1/pilots/sites/{site_a1.pk}/reports", report_data()).status_code == 201
    )
    o = c.get("/api/v1/pilots/overdue", {"today": after}).json()
    assert [s["id"] for s in o["sites"]] == [site_a2]
    # scope: 楼台村's cadre sees none of 双台村's sites; a resident may not look
    assert (
        client_for(cast["cadre_b"]).get("/api/v1/pilots/overdue", {"today": after}).json()["sites"]
        == []
    )
    assert client_for(cast["resident"]).get("/api/v1/pilots/overdue").status_code == 403
    # a site started this month owes nothing yet
    settings.WUGONG_PILOT_REPORT_DAY = 0
    page = c.get("/pilots/overdue/").content.decode()
    assert "二组" in page or str(site_a2) in page


def test_pages_public_and_staff(county, cast, client_for, client, site_a1):
    assert site_a1.name in client.get("/pilots/").content.decode()
    assert client.get(f"/pilots/{site_a1.pk}/").status_code == 200
    assert client.get("/pilots/new/").status_code == 302  # sign in first
    assert client_for(cast["cadre_a"]).get("/pilots/new/").status_code == 403
    sup = client_for(cast["town_a"])
    assert sup.get("/pilots/new/").status_code == 200
    r = sup.post(
        "/pilots/new/",
        {"place": county.group_a2.pk, "name": "二组试点", "started_on": started()},
    )
    assert r.status_code == 302 and Site.objects.filter(name="二组试点").exists()
    assert client_for(cast["resident"]).get(f"/pilots/{site_a1.pk}/report/").status_code == 404
    assert client_for(cast["cadre_a"]).get(f"/pilots/{site_a1.pk}/report/").status_code == 200
