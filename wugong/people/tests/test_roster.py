"""The Excel roster (花名册): template, all-or-nothing import with errors by row and column in
Chinese, refusal of oversized and non-xlsx files, and the scoped, masked export."""

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from wugong.core.models import SensitiveAccess
from wugong.people.models import Household, KeyHouseholdTag, Person
from wugong.people.roster import HEADERS
from wugong.people.tests.factories import id_number, xlsx_bytes
from wugong.places.services import place_create

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _row(**kw) -> list:  # type: ignore[no-untyped-def]
    """A roster row from column headers: _row(户编号="1", 姓名="…")."""
    return [kw.get(h, "") for h in HEADERS]


def _upload(client, data: bytes, place, name: str = "roster.xlsx"):  # type: ignore[no-untyped-def]
    f = io.BytesIO(data)
    f.name = name
    return client.post("/roster/", {"place": place.pk, "file": f})


def _errors(response) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    """The (row, column, message) table the page shows under a refused upload."""
    text = response.content.decode()
    return [
        (int(r), c, m)
        for r, c, m in re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", text)
    ]


def _counts() -> tuple[int, int, int]:
    return Person.objects.count(), Household.objects.count(), KeyHouseholdTag.objects.count()


def _sheet(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in ws.values]


@pytest.fixture
def cadre(county, make_user):  # type: ignore[no-untyped-def]
    return make_user("village_cadre", county.village_a)


@pytest.fixture
def cadre_client(cadre, client_for):  # type: ignore[no-untyped-def]
    return client_for(cadre)


def _valid_rows() -> list[list]:
    """Three households, seven people, with tags, a grid and a party member."""
    return [
        _row(户编号="A", 所在地点="一组", 住址="一组8号", 姓名="胡春花", 与户主关系="户主",
             身份证号码=id_number(11), 手机号码="137 0000 0011", 重点户类别="独居户、低保",
             微网格="双台一组网格", 党员="是"),
        _row(户编号="A", 姓名="胡小军", 与户主关系="子", 性别="男", 出生日期="1985-02-01"),
        _row(户编号="B", 所在地点="二组", 住址="二组9号", 姓名="马德胜", 与户主关系="户主",
             身份证号码=id_number(12)),
        _row(户编号="B", 姓名="马丽", 与户主关系="妻", 身份证号码=id_number(13, "19600101")),
        _row(户编号="B", 姓名="马小兰", 与户主关系="女", 性别="女", 志愿者="是"),
        _row(户编号="C", 住址="村委会旁1号", 姓名="邓有福", 与户主关系="户主", 性别="男",
             重点户类别="留守户"),
        _row(户编号="C", 姓名="邓婷", 与户主关系="孙女", 性别="女"),
    ]  # fmt: skip


# --- template ----------------------------------------------------------------------------------
def test_template_downloads_with_the_roster_headers(cadre_client):
    """The template is an .xlsx whose first row is the roster's columns, with a sheet of
    instructions in Chinese."""
    r = cadre_client.get("/roster/template.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    assert wb.sheetnames == ["花名册", "填写说明"]
    assert _sheet(r.content)[0] == HEADERS
    for required in ("户编号", "住址", "姓名", "与户主关系", "身份证号码", "手机号码"):
        assert required in HEADERS


def test_the_downloaded_template_re_uploads(cadre_client, county):
    """The template's example household imports as it is: one household in 一组, tagged 独居户."""
    data = cadre_client.get("/roster/template.xlsx").content
    before = Household.objects.count()
    r = _upload(cadre_client, data, county.village_a)
    assert r.status_code == 302, _errors(r)
    assert Household.objects.count() == before + 1
    h = Household.objects.latest("pk")
    assert (h.place, h.address, h.head.name) == (county.group_a1, "一组12号", "王秀英")
    assert [t.tag for t in h.tags.all()] == ["alone"]


# --- import ------------------------------------------------------------------------------------
def test_a_valid_roster_imports_every_household_person_and_tag(cadre_client, county):
    """A valid roster imports all its households and people with their places, grid, tags
    (reason 花名册导入), relations and flags, and says how many in Chinese."""
    before = _counts()
    r = _upload(cadre_client, xlsx_bytes(_valid_rows()), county.village_a)
    assert r.status_code == 302, _errors(r)
    assert "已导入3户、7人" in cadre_client.get(r["Location"]).content.decode()
    assert _counts() == (before[0] + 7, before[1] + 3, before[2] + 3)
    a = Household.objects.get(address="一组8号")
    assert a.place == county.group_a1 and a.grid == county.grid_a
    assert a.head.name == "胡春花" and a.head.is_party_member
    assert a.head.phone == "13700000011" and a.head.id_number == id_number(11)
    assert {t.tag: t.reason for t in a.tags.all()} == {"alone": "花名册导入", "dibao": "花名册导入"}
    assert {m.name: m.relation for m in a.members.all()} == {"胡春花": "户主", "胡小军": "子"}
    b = Household.objects.get(address="二组9号")
    assert b.place == county.group_a2
    assert Person.objects.get(name="马小兰").is_volunteer
    assert Person.objects.get(name="马丽").birth_date.isoformat() == "1960-01-01"
    c = Household.objects.get(address="村委会旁1号")
    assert c.place == county.village_a
    assert [t.tag for t in c.tags.all()] == ["left_behind"]


ERROR_CASES = {
    "bad ID checksum": (
        [_row(户编号="1", 住址="x", 姓名="甲", 与户主关系="户主",
              身份证号码=id_number(21)[:17] + ("0" if id_number(21)[17] != "0" else "1"))],
        (2, "身份证号码", "校验位不正确"),
    ),
    "malformed phone": (
        [_row(户编号="1", 住址="x", 姓名="甲", 与户主关系="户主", 性别="男", 手机号码="1380000")],
        (2, "手机号码", "手机号码格式不正确"),
    ),
    "unknown place": (
        [_row(户编号="1", 所在地点="九组", 住址="x", 姓名="甲", 与户主关系="户主", 性别="男")],
        (2, "所在地点", "找不到地点：九组"),
    ),
    "another village's group is unknown here": (
        [_row(户编号="1", 所在地点="楼台村", 住址="x", 姓名="甲", 与户主关系="户主", 性别="男")],
        (2, "所在地点", "找不到地点"),
    ),
    "duplicate ID within the file": (
        [_row(户编号="1", 住址="x", 姓名="甲", 与户主关系="户主", 身份证号码=id_number(22)),
         _row(户编号="1", 姓名="乙", 与户主关系="子", 身份证号码=id_number(22))],
        (3, "身份证号码", "与第2行身份证号码重复"),
    ),
    "duplicate ID against the register": (
        [_row(户编号="1", 住址="x", 姓名="甲", 与户主关系="户主",
              身份证号码="420323195603080014")],
        (2, "身份证号码", "已登记"),
    ),
    "duplicate phone against the register": (
        [_row(户编号="1", 住址="x", 姓名="甲", 与户主关系="户主", 性别="男",
              手机号码="13800000001")],
        (2, "手机号码", "已登记"),
    ),
    "missing head": (
        [_row(户编号="1", 住址="x", 姓名="甲", 与户主关系="子", 性别="男")],
        (2, "与户主关系", "应有且只有一位户主"),
    ),
    "head without address": (
        [_row(户编号="1", 姓名="甲", 与户主关系="户主", 性别="男")],
        (2, "住址", "户主一行必须填写住址"),
    ),
    "unknown tag": (
        [_row(户编号="1", 住址="x", 姓名="甲", 与户主关系="户主", 性别="男", 重点户类别="富裕户")],
        (2, "重点户类别", "未知的重点户类别"),
    ),
    "missing name": (
        [_row(户编号="1", 住址="x", 与户主关系="户主", 性别="男")],
        (2, "姓名", "必填"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_an_invalid_row_is_reported_by_row_and_column_and_nothing_is_saved(
    case, cadre_client, county
):
    """Each kind of bad row is reported with its row number, its column and a Chinese message;
    a valid household in the same file is not imported either (all or nothing)."""
    rows, (row, column, fragment) = ERROR_CASES[case]
    good = _row(户编号="OK", 住址="一组99号", 姓名="好人", 与户主关系="户主", 性别="男")
    before = _counts()
    r = _upload(cadre_client, xlsx_bytes([*rows, good]), county.village_a)
    assert r.status_code == 200
    text = r.content.decode()
    assert "未导入任何数据" in text
    errors = _errors(r)
    assert any(e[0] == row and e[1] == column and fragment in e[2] for e in errors), errors
    assert _counts() == before


def test_all_errors_of_a_file_are_reported_at_once(cadre_client, county):
    """A file with several bad rows gets every error in one answer, in row order."""
    rows = [
        _row(户编号="1", 住址="x", 姓名="甲", 与户主关系="户主", 手机号码="12"),
        _row(户编号="2", 住址="y", 姓名="乙", 与户主关系="户主", 性别="男", 所在地点="九组"),
        _row(户编号="3", 姓名="丙", 与户主关系="子", 性别="男"),
    ]
    errors = _errors(_upload(cadre_client, xlsx_bytes(rows), county.village_a))
    assert [(e[0], e[1]) for e in errors] == [(2, "手机号码"), (3, "所在地点"), (4, "与户主关系")]


def test_a_place_name_that_is_ambiguous_is_an_error_not_a_guess(county, make_user, client_for):
    """Two estates of a community each have a 1号楼: "1号楼" cannot say which, so the row is
    refused by row and column rather than filed under either building."""
    other_estate = place_create(name="和平小区", kind="estate", parent=county.community)
    place_create(name="1号楼", kind="building", parent=other_estate)
    c = client_for(make_user("community_cadre", county.community))
    rows = [_row(户编号="1", 所在地点="1号楼", 住址="1号楼2单元301", 姓名="甲", 与户主关系="户主",
                 性别="男")]  # fmt: skip
    before = _counts()
    r = _upload(c, xlsx_bytes(rows), county.community)
    errors = _errors(r)
    assert any(e[:2] == (2, "所在地点") and "1号楼" in e[2] for e in errors), errors
    assert _counts() == before


def test_a_grid_name_that_is_ambiguous_is_an_error_not_a_guess(cadre_client, county):
    """Two groups each have a grid called 一号网格: the roster row cannot say which one."""
    from wugong.places.services import grid_create

    grid_create(name="一号网格", place=county.group_a1)
    grid_create(name="一号网格", place=county.group_a2)
    rows = [_row(户编号="1", 住址="x", 姓名="甲", 与户主关系="户主", 性别="男", 微网格="一号网格")]
    before = _counts()
    errors = _errors(_upload(cadre_client, xlsx_bytes(rows), county.village_a))
    assert any(e[:2] == (2, "微网格") and "一号网格" in e[2] for e in errors), errors
    assert _counts() == before


def test_oversized_upload_is_refused(cadre_client, county, settings):
    """A file over ROSTER_MAX_UPLOAD_BYTES is refused with the limit in Chinese; nothing saved."""
    data = xlsx_bytes(_valid_rows())
    settings.ROSTER_MAX_UPLOAD_BYTES = len(data) - 1
    before = _counts()
    r = _upload(cadre_client, data, county.village_a)
    assert "文件过大" in r.content.decode()
    assert _counts() == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("roster.csv", "户编号,姓名\n1,甲\n".encode(), "请上传 Excel 文件"),
        ("roster.xlsx", b"just text, not a workbook", "请上传 Excel 文件"),
        ("roster.xls", b"\xd0\xcf\x11\xe0 old excel", "请上传 Excel 文件"),
        ("roster.xlsx", None, "无法读取该文件"),
    ],
)
def test_non_xlsx_upload_is_refused(name, data, message, cadre_client, county):
    """Something that is not an .xlsx workbook is refused with a Chinese message; nothing
    saved."""
    if data is None:  # a zip that is not a workbook
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "hi")
        data = buf.getvalue()
    before = _counts()
    r = _upload(cadre_client, data, county.village_a, name=name)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert _counts() == before


def test_a_roster_with_wrong_headers_is_refused(cadre_client, county):
    """A workbook without the template's required columns is refused, naming what is missing."""
    r = _upload(cadre_client, xlsx_bytes([["1", "甲"]], header=["编号", "名字"]), county.village_a)
    assert "表头缺少以下列" in r.content.decode()
    assert "户编号" in r.content.decode()


@pytest.mark.parametrize("role", ["resident", "grid_worker", "town_supervisor", "council_member"])
def test_roles_without_roster_import_cannot_upload(role, county, make_user, client_for):
    """Only roles with roster.import may open the upload page or post a roster."""
    kw = {"grid": county.grid_a} if role == "grid_worker" else {}
    if role == "resident":
        kw = {"household": county.households_a[3]}
    place = county.town_a if role == "town_supervisor" else county.village_a
    c = client_for(make_user(role, place, **kw))
    assert c.get("/roster/").status_code == 403
    before = _counts()
    assert _upload(c, xlsx_bytes(_valid_rows()), county.village_a).status_code == 403
    assert _counts() == before


# --- export ------------------------------------------------------------------------------------
def test_export_is_masked_and_scoped(cadre_client, county):
    """A village cadre's export holds 双台村's households only, with ID numbers and phones
    masked and health/hardship tags (低保) left out; no sensitive look is logged."""
    r = cadre_client.get("/roster/export.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"] == XLSX
    rows = _sheet(r.content)
    assert rows[0] == HEADERS
    names = {row[HEADERS.index("姓名")] for row in rows[1:]}
    assert {h.head.name for h in county.households_a} <= names
    assert not names & {h.head.name for h in county.households_b + county.households_urban}
    head = county.households_a[0].head
    line = next(row for row in rows if row[HEADERS.index("姓名")] == head.name)
    assert line[HEADERS.index("身份证号码")] == head.id_number[:3] + "*" * 11 + head.id_number[-4:]
    assert line[HEADERS.index("手机号码")] == head.phone[:3] + "****" + head.phone[-4:]
    assert line[HEADERS.index("重点户类别")] == "独居户"
    text = str(rows)
    assert head.id_number not in text and head.phone not in text
    assert SensitiveAccess.objects.count() == 0


def test_full_export_by_an_allowed_role_is_unmasked_and_logged(cadre, cadre_client, county):
    """full=1 by a village cadre: ID numbers, phones and all tags in the clear, and every person
    exported is logged as a sensitive look (who, whose, what, when)."""
    r = cadre_client.get("/roster/export.xlsx", {"full": "1"})
    assert r.status_code == 200
    rows = _sheet(r.content)
    head = county.households_a[0].head
    line = next(row for row in rows if row[HEADERS.index("姓名")] == head.name)
    assert line[HEADERS.index("身份证号码")] == head.id_number
    assert line[HEADERS.index("手机号码")] == head.phone
    assert set(line[HEADERS.index("重点户类别")].split("、")) == {"独居户", "低保户"}
    logged = SensitiveAccess.objects.filter(viewer=cadre, channel="export")
    exported = {row[HEADERS.index("姓名")] for row in rows[1:]}
    assert {a.person.name for a in logged} == exported
    assert logged.count() == len(rows) - 1
    assert all(a.at is not None for a in logged)


def test_export_of_one_group(cadre_client, county):
    """Export of a place: only the households under it."""
    rows = _sheet(cadre_client.get("/roster/export.xlsx", {"place": county.group_a2.pk}).content)
    assert {row[HEADERS.index("住址")] for row in rows[1:]} - {""} == {"二组1号", "二组2号"}


@pytest.mark.parametrize("role", ["work_team", "town_supervisor"])
def test_full_export_is_refused_to_roles_that_may_not_unmask(role, county, make_user, client_for):
    """Roles that may export but not unmask (工作队, 督导) get 403 for full=1, and no log."""
    place = county.town_a if role == "town_supervisor" else county.village_a
    c = client_for(make_user(role, place))
    assert c.get("/roster/export.xlsx").status_code == 200
    assert c.get("/roster/export.xlsx", {"full": "1"}).status_code == 403
    assert SensitiveAccess.objects.count() == 0


@pytest.mark.parametrize("role", ["resident", "grid_worker", "council_member"])
def test_roles_without_roster_export_cannot_export(role, county, make_user, client_for):
    """Residents, grid workers and council members may not download the roster."""
    kw = {"grid": county.grid_a} if role == "grid_worker" else {}
    if role == "resident":
        kw = {"household": county.households_a[3]}
    c = client_for(make_user(role, county.village_a, **kw))
    assert c.get("/roster/export.xlsx").status_code == 403
    assert c.get("/roster/export.xlsx", {"full": "1"}).status_code == 403
