"""The honour roll (光荣榜): per project and per place, who gave what, with opt-out;
exported to .xlsx and printed as a poster PDF with the embedded Chinese font."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from wugong.projects import services
from wugong.projects.tests.conftest import as_, giver

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(cast, project_at):  # type: ignore[no-untyped-def]
    p = project_at()
    me = as_(cast.cadre_a)
    services.contribution_record(
        **me, project=p, kind="money", giver=giver("胡玉华"), amount_fen=1000_00
    )
    services.contribution_record(
        **me, project=p, kind="money", giver=giver("周萍", anonymous=True), amount_fen=800_00
    )
    services.contribution_record(
        **me, project=p, kind="money", giver=giver("吴强", anonymous=True), amount_fen=200_00
    )
    services.contribution_record(
        **me,
        project=p,
        kind="material",
        giver=giver("鑫源建材", "enterprise"),
        item="水泥",
        quantity="20",
        unit="吨",
        unit_price_fen=450_00,
    )
    services.contribution_record(
        **me, project=p, kind="labour", giver=giver("胡玉华"), person_days="3", person_times=3
    )
    services.contribution_record(
        **me, project=p, kind="land", giver=giver("王秀英"), item="菜园", land_mu="0.5"
    )
    return p


def test_project_roll_shows_who_gave_what(roll):
    """One line per giver with money, materials, days and land; the anonymous merged."""
    html = Client().get(f"/projects/{roll.pk}/honour/").content.decode()
    for text in ("胡玉华", "¥1,000", "3 工日", "鑫源建材", "水泥20吨", "王秀英", "0.5 亩"):
        assert text in html, text
    assert "周萍" not in html and "吴强" not in html
    assert html.count("爱心人士（匿名）") == 2  # the line, and the note under the table


def test_place_roll_spans_the_places_projects(cast, county, roll, project_at):
    other = project_at(title="二组路灯")
    services.contribution_record(
        **as_(cast.cadre_a), project=other, kind="money", giver=giver("胡玉华"), amount_fen=50_00
    )
    html = Client().get(f"/projects/honour/{county.village_a.pk}/").content.decode()
    assert "¥1,050" in html
    assert Client().get(f"/projects/honour/{county.village_b.pk}/").status_code == 200


def test_xlsx_export(roll):
    r = Client().get(f"/projects/{roll.pk}/honour.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][1] == "出资方"
    names = [row[1] for row in rows[2:]]
    assert "鑫源建材" in names and "爱心人士（匿名）" in names and "周萍" not in names
    hu = next(row for row in rows[2:] if row[1] == "胡玉华")
    assert hu[2] == 1000 and hu[5] == 3


def test_poster_pdf_embeds_the_chinese_font(roll):
    r = Client().get(f"/projects/{roll.pk}/honour.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert b"NotoSansSC" in r.content and b"FontFile2" in r.content
    assert Client().get(f"/projects/{roll.pk}/honour.doc").status_code == 404
