"""Dashboards (scoped to the viewer's place and below), the big screen, public report cards,
their exports and the JSON API."""

import csv
import io
import json
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshed(facts, refresh):  # type: ignore[no-untyped-def]
    refresh()
    return facts


# Children are listed in pinyin order (sort_key): 宝丰镇, 城关街道, 麻家渡镇.
def _chart_data(html: str) -> dict:
    m = re.search(r'<script id="dash-data" type="application/json">(.*?)</script>', html, re.S)
    assert m, "the chart data block is missing"
    return json.loads(m.group(1))


def test_county_supervisor_sees_the_county_and_drills_down(refreshed, make_user, client_for):  # type: ignore[no-untyped-def]
    c = refreshed
    user = make_user("county_supervisor", c.county)
    client = client_for(user)
    r = client.get("/dashboards/")
    assert r.status_code == 200
    html = r.content.decode()
    assert c.county.name in html and "数据更新于" in html
    for child in (c.town_a, c.town_b, c.street):  # one row per town, each linking down
        assert f'href="/dashboards/{child.pk}/"' in html
    assert "<script>" not in html  # CSP: no inline script
    r = client.get(f"/dashboards/{c.town_a.pk}/")
    assert r.status_code == 200 and c.village_a.name in r.content.decode()
    r = client.get(f"/dashboards/{c.village_a.pk}/")
    assert r.status_code == 200
    # a group shows its village's figures
    assert client.get(f"/dashboards/{c.group_a1.pk}/").status_code == 200


def test_figures_on_the_page(refreshed, make_user, client_for):  # type: ignore[no-untyped-def]
    c = refreshed
    client = client_for(make_user("county_supervisor", c.county))
    html = client.get(f"/dashboards/{c.county.pk}/").content.decode()
    # reports: 3 collected, 2 handled (66.7%), 1 of 2 that needed it sent up (50.0%)
    assert "66.7%" in html and "50.0%" in html
    # money: 100,000 + 50,000 + 30,000 fen + 20,000 in kind = ¥2,000.00; leverage 1 : 1.00
    assert "¥2,000.00" in html and "1 : 1.00" in html


def test_chart_data_block(refreshed, make_user, client_for):  # type: ignore[no-untyped-def]
    c = refreshed
    client = client_for(make_user("county_supervisor", c.county))
    html = client.get(f"/dashboards/{c.county.pk}/").content.decode()
    data = _chart_data(html)
    assert data["stages"]["values"] == [1, 0, 0, 1, 1, 0, 0]
    assert data["sources"]["values"] == [1000, 300, 500, 0, 0]
    assert data["children"]["labels"] == [c.town_a.name, c.street.name, c.town_b.name]
    assert "/static/vendor/uPlot.iife.min.js" in html
    assert "/static/dashboards/charts.js" in html


def test_town_supervisor_cannot_open_another_town(refreshed, make_user, client_for):  # type: ignore[no-untyped-def]
    c = refreshed
    client = client_for(make_user("town_supervisor", c.town_a))
    assert client.get("/dashboards/").status_code == 200
    assert client.get(f"/dashboards/{c.town_a.pk}/").status_code == 200
    assert client.get(f"/dashboards/{c.village_a.pk}/").status_code == 200
    assert client.get(f"/dashboards/{c.town_b.pk}/").status_code == 404
    assert client.get(f"/dashboards/{c.village_b.pk}/").status_code == 404
    assert client.get(f"/dashboards/{c.county.pk}/").status_code == 404
    assert client.get(f"/dashboards/{c.town_b.pk}/big/").status_code == 404
    assert client.get("/dashboards/999999/").status_code == 404
    assert client.get(f"/api/v1/dashboards/places/{c.town_b.pk}").status_code == 404
    # the way up shows only what the viewer covers
    html = client.get(f"/dashboards/{c.village_a.pk}/").content.decode()
    assert f'href="/dashboards/{c.county.pk}/"' not in html


def test_village_cadre_sees_only_the_village(refreshed, make_user, client_for):  # type: ignore[no-untyped-def]
    c = refreshed
    client = client_for(make_user("village_cadre", c.village_b))
    assert client.get(f"/dashboards/{c.village_b.pk}/").status_code == 200
    assert client.get(f"/dashboards/{c.village_a.pk}/").status_code == 404


def test_residents_and_strangers_get_no_dashboard(refreshed, make_user, client_for):  # type: ignore[no-untyped-def]
    c = refreshed
    resident = make_user("resident", c.village_a, household=c.households_a[0])
    client = client_for(resident)
    assert client.get("/dashboards/").status_code == 403
    assert client.get(f"/dashboards/{c.village_a.pk}/").status_code == 403
    assert client.get(f"/api/v1/dashboards/places/{c.village_a.pk}").status_code == 403
    anonymous = Client()
    assert anonymous.get("/dashboards/").status_code == 302  # to sign-in
    assert anonymous.get(f"/api/v1/dashboards/places/{c.county.pk}").status_code == 401


def test_big_screen_polls_and_is_dark(refreshed, make_user, client_for):  # type: ignore[no-untyped-def]
    c = refreshed
    client = client_for(make_user("county_supervisor", c.county))
    html = client.get(f"/dashboards/{c.county.pk}/big/").content.decode()
    assert 'hx-trigger="every 180s"' in html
    assert f'hx-get="/dashboards/{c.county.pk}/big/body/"' in html
    assert "dash-big-body" in html
    body = client.get(f"/dashboards/{c.county.pk}/big/body/", HTTP_HX_REQUEST="true")
    assert body.status_code == 200
    assert "<html" not in body.content.decode() and "dash-data" in body.content.decode()


def test_report_card_is_public_and_has_no_personal_data(refreshed):  # type: ignore[no-untyped-def]
    c = refreshed
    client = Client()
    r = client.get(f"/report-cards/{c.county.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "晒成绩单" in html and "¥2,000.00" in html
    assert "/projects/" in html  # the projects with links to their pages and accounts
    for h in c.households_a + c.households_b:
        assert h.head.name not in html
        assert h.head.phone not in html
    assert client.get(f"/report-cards/{c.village_b.pk}/").status_code == 200
    assert client.get(f"/report-cards/{c.group_a1.pk}/").status_code == 404
    assert client.get("/report-cards/999999/").status_code == 404
    assert client.get("/report-cards/").status_code == 200


def test_report_card_csv(refreshed):  # type: ignore[no-untyped-def]
    c = refreshed
    r = Client().get(f"/report-cards/{c.county.pk}.csv")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    body = r.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese right
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    values = {row[0]: row[1] for row in rows if len(row) == 2}
    assert values["地点"] == c.county.name
    assert values["项目（个）"] == "3"
    assert values["撬动资金合计（元）"] == "2,000.00"
    assert values["投工投劳（工日）"] == "12.75"
    assert values["问题报告（件）"] == "3"
    towns = [row[0] for row in rows if len(row) == 7][1:]
    assert towns == [c.town_a.name, c.street.name, c.town_b.name]


def test_report_card_xlsx(refreshed):  # type: ignore[no-untyped-def]
    c = refreshed
    r = Client().get(f"/report-cards/{c.county.pk}.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    values = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert values["地点"] == c.county.name
    assert values["项目（个）"] == 3
    assert values["资金·政府支持（元）"] == "1,000.00"
    assert values["投工投劳（工日）"] == "12.75"
    kids = wb.worksheets[1]
    assert [row[0] for row in kids.iter_rows(min_row=2, values_only=True)] == [
        c.town_a.name,
        c.street.name,
        c.town_b.name,
    ]
    assert Client().get(f"/report-cards/{c.county.pk}.pdf").status_code == 404


def test_report_card_api(refreshed):  # type: ignore[no-untyped-def]
    c = refreshed
    r = Client().get(f"/api/v1/dashboards/report-cards/{c.county.pk}")
    assert r.status_code == 200
    data = r.json()
    assert data["place"] == {"id": c.county.pk, "name": c.county.name, "kind": "county"}
    assert data["period"] == "2026-11"
    assert data["figures"]["needs"] == 4
    assert data["figures"]["labour_days"] == "12.75"
    assert data["money_total_fen"] == 200_000
    assert data["money_by_source_fen"]["government"] == 100_000
    assert data["projects_by_stage"]["building"] == 1
    assert data["shares"]["reports_handled"] == {
        "numerator": 2,
        "denominator": 3,
        "percent": "66.7%",
    }
    assert data["leverage"] == "1 : 1.00"
    assert [k["place"]["id"] for k in data["children"]] == [
        c.town_a.pk,
        c.street.pk,
        c.town_b.pk,
    ]
    assert len(data["projects"]) == 3
    assert data["projects"][0]["url"].startswith("/projects/")
    assert data["exports"]["csv"] == f"/report-cards/{c.county.pk}.csv"
    assert Client().get(f"/api/v1/dashboards/report-cards/{c.group_a1.pk}").status_code == 404


def test_dashboard_api_scoped(refreshed, make_user, client_for):  # type: ignore[no-untyped-def]
    c = refreshed
    client = client_for(make_user("town_supervisor", c.town_b))
    r = client.get("/api/v1/dashboards/")
    assert r.status_code == 200
    assert r.json()["place"]["id"] == c.town_b.pk
    assert r.json()["figures"]["needs"] == 1
    r = client.get(f"/api/v1/dashboards/places/{c.village_b.pk}")
    assert r.status_code == 200 and r.json()["figures"]["voters"] == 1
    assert client.get(f"/api/v1/dashboards/places/{c.town_a.pk}").status_code == 404


def test_before_any_refresh_the_page_says_so(county, make_user, client_for):  # type: ignore[no-untyped-def]
    client = client_for(make_user("county_supervisor", county.county))
    html = client.get("/dashboards/").content.decode()
    assert "暂无汇总数据" in html
