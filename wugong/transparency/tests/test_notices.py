"""Public notices (公示): published on the public board of a place, objected to within the
period by people of the place, answered in public, printed with a QR code and a content hash."""

import contextlib
import datetime as dt
import hashlib
import re
import zlib

import pytest
from django.utils import timezone

from wugong.core.models import AuditEvent
from wugong.transparency import pdf as pdf_module
from wugong.transparency.models import Notice, Objection
from wugong.transparency.services import notice_canonical_text

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def later(days: float):
    """Pretend ``days`` have passed (patches django.utils.timezone.now)."""
    real = timezone.now
    target = real() + dt.timedelta(days=days)
    timezone.now = lambda: target  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real  # type: ignore[assignment]


def pdf_text(data: bytes) -> bytes:
    """All of a PDF's bytes with its Flate streams inflated: enough to search for text."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompress(m.group(1)))
    return b"\n".join(out)


@pytest.fixture
def cadre(county, make_user):
    return make_user("village_cadre", county.village_a)


@pytest.fixture
def resident(county, make_user):
    return make_user("resident", county.group_a1, household=county.households_a[1])


def _published(client, place, **extra):
    r = client.post(
        "/api/v1/notices",
        {
            "place_id": place.pk,
            "title": "关于修建茶园路的决议",
            "body": "经村民代表会议表决，同意将20万元用于修建茶园路。",
            "kind": "decision",
            **extra,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = client.post(f"/api/v1/notices/{pk}/publish", {}, content_type="application/json")
    assert r.status_code == 200, r.content
    return Notice.objects.get(pk=pk)


def test_published_notice_is_on_the_public_board_during_its_period(
    county, cadre, client_for, client, django_assert_max_num_queries
):
    """A draft is not public; once published it is on the place's board for 7 days by default,
    readable without signing in, and moves to the past notices when the period ends."""
    c = client_for(cadre)
    r = c.post(
        "/api/v1/notices",
        {"place_id": county.village_a.pk, "title": "草稿公示", "body": "内容", "kind": "other"},
        content_type="application/json",
    )
    draft_id = r.json()["id"]
    assert client.get(f"/notices/{draft_id}/").status_code == 404
    assert "草稿公示" not in client.get(f"/notices/place/{county.village_a.pk}/").content.decode()

    notice = _published(c, county.village_a)
    assert notice.ends_at - notice.starts_at == dt.timedelta(days=7)
    page = client.get(f"/notices/place/{county.village_a.pk}/").content.decode()
    assert "关于修建茶园路的决议" in page
    board = client.get(f"/api/v1/notices/place/{county.village_a.pk}").json()
    assert [n["id"] for n in board["current"]] == [notice.pk]
    assert board["current"][0]["phase"] == "current"
    _published(c, county.group_a1)
    _published(c, county.village_a)
    with django_assert_max_num_queries(3):  # the place, current notices, past notices
        r = client.get(f"/notices/place/{county.village_a.pk}/")
    assert r.content.decode().count("关于修建茶园路的决议") == 3
    detail = client.get(f"/notices/{notice.pk}/").content.decode()
    assert notice.content_hash in detail
    assert AuditEvent.objects.filter(action="notice.publish", object_id=str(notice.pk)).exists()

    with later(8):
        board = client.get(f"/api/v1/notices/place/{county.village_a.pk}").json()
    assert board["current"] == []
    assert [n["phase"] for n in board["past"]] == ["ended"] * 3


def test_objection_within_period_is_accepted_and_answered_in_public(
    county, cadre, resident, client_for, client
):
    """A resident of the village objects during the period; a cadre answers; anyone sees the
    objection and the answer, the objector's name masked to the surname and two stars."""
    notice = _published(client_for(cadre), county.village_a)
    r = client_for(resident).post(
        f"/notices/{notice.pk}/object/", {"text": "路线应避开二组的水渠。"}
    )
    assert r.status_code == 302
    objection = Objection.objects.get(notice=notice)
    r = client_for(cadre).post(
        f"/api/v1/notices/{notice.pk}/objections/{objection.pk}/answer",
        {"text": "已请施工方调整路线，避开水渠。"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "路线应避开二组的水渠。" in page
    assert "已请施工方调整路线，避开水渠。" in page
    name = resident.person.name
    assert name not in page
    assert f"{name[0]}**" in page
    api = client.get(f"/api/v1/notices/{notice.pk}").json()
    assert api["objections"][0]["objector"] == f"{name[0]}**"
    assert api["objections"][0]["answer"] == "已请施工方调整路线，避开水渠。"
    # An answer is given once.
    r = client_for(cadre).post(
        f"/api/v1/notices/{notice.pk}/objections/{objection.pk}/answer",
        {"text": "再答一次"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "已经答复" in r.json()["detail"]


def test_objection_after_the_period_is_refused(county, cadre, resident, client_for):
    """When the period has ended the objection is refused with a clear message; nothing saved."""
    notice = _published(client_for(cadre), county.village_a)
    with later(7.01):
        r = client_for(resident).post(
            f"/api/v1/notices/{notice.pk}/objections",
            {"text": "太晚了吗？"},
            content_type="application/json",
        )
    assert r.status_code == 400
    assert r.json()["code"] == "period_ended"
    assert "公示期已于" in r.json()["detail"] and "不能再提出异议" in r.json()["detail"]
    assert not Objection.objects.exists()


def test_objector_out_of_scope_is_refused(county, cadre, make_user, client_for, client):
    """Only people whose household or role lies in the notice's place may object: a resident
    of another village is refused, an anonymous visitor must sign in."""
    notice = _published(client_for(cadre), county.village_a)
    outsider = make_user("resident", county.group_b1, household=county.households_b[1])
    r = client_for(outsider).post(
        f"/api/v1/notices/{notice.pk}/objections",
        {"text": "我反对"},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert "只有本地点" in r.json()["detail"]
    r = client.post(
        f"/api/v1/notices/{notice.pk}/objections",
        {"text": "我反对"},
        content_type="application/json",
    )
    assert r.status_code == 401
    assert not Objection.objects.exists()


def test_notice_pdf_is_a_pdf_with_the_hash_and_a_qr_of_the_notice_url(
    county, cadre, client_for, client, monkeypatch, settings
):
    """The printed notice is an A4 PDF carrying the same SHA-256 as the page (the hash of the
    canonical text), and its QR code encodes the notice's absolute URL (SITE_URL if set)."""
    notice = _published(client_for(cadre), county.village_a)
    assert notice.content_hash == hashlib.sha256(notice_canonical_text(notice).encode()).hexdigest()
    seen: list[str] = []
    real = pdf_module.qr_matrix
    monkeypatch.setattr(pdf_module, "qr_matrix", lambda data: seen.append(data) or real(data))

    r = client.get(f"/notices/{notice.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and r.content.rstrip().endswith(b"%%EOF")
    assert notice.content_hash.encode() in pdf_text(r.content)
    assert seen == [f"http://testserver/notices/{notice.pk}/"]

    settings.SITE_URL = "https://wugong.example.cn/"
    r = client.get(f"/api/v1/notices/{notice.pk}/pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert seen[-1] == f"https://wugong.example.cn/notices/{notice.pk}/"


def test_qr_matrix_is_a_square_qr_code_with_finder_patterns():
    """qr_matrix gives the modules of a QR code: square, with the quiet zone and the three
    7×7 finder patterns in the corners."""
    m = pdf_module.qr_matrix("https://wugong.example.cn/notices/12/")
    n = len(m)
    assert all(len(row) == n for row in m)
    assert (n - 8 - 17) % 4 == 0  # version v: 17 + 4v modules, plus 4 quiet modules each side
    finder = [[m[4 + r][4 + c] for c in range(7)] for r in range(7)]
    assert all(finder[0]) and all(finder[6]) and all(row[0] and row[6] for row in finder)
    assert finder[3][3] and not finder[1][1]
    assert not any(m[0])  # quiet zone


def test_paper_ballot_and_tally_sheet_render():
    """The builders the voting app calls return PDF bytes for ticks, stars and tallies."""
    for data in (
        pdf_module.render_paper_ballot_pdf("种什么蔬菜", ["辣椒", "白菜", "萝卜"], "请选一项"),
        pdf_module.render_paper_ballot_pdf("项目打星", ["茶园路", "路灯"], "", stars=5),
        pdf_module.render_paper_ballot_pdf("种什么", ["辣椒", "白菜"], qr_url="https://x/v/1/"),
        pdf_module.render_tally_sheet_pdf("种什么蔬菜", ["辣椒", "白菜"], place="双台村"),
    ):
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    with pytest.raises(ValueError):
        pdf_module.render_paper_ballot_pdf("空", [], "")


def test_town_supervisor_publishes_town_notices_only(county, make_user, client_for):
    """A town supervisor may publish a notice of the town itself, not one of its villages."""
    sup = client_for(make_user("town_supervisor", county.town_a))
    body = {"title": "镇级公示", "body": "内容", "kind": "result"}
    r = sup.post(
        "/api/v1/notices", {**body, "place_id": county.town_a.pk}, content_type="application/json"
    )
    assert r.status_code == 201
    r = sup.post(
        "/api/v1/notices",
        {**body, "place_id": county.village_a.pk},
        content_type="application/json",
    )
    assert r.status_code == 403
    resident_c = client_for(
        make_user("resident", county.group_a1, household=county.households_a[0])
    )
    r = resident_c.post(
        "/api/v1/notices",
        {**body, "place_id": county.village_a.pk},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_bad_input_gives_a_chinese_message_and_saves_nothing(county, cadre, client_for):
    """An empty title, an unknown kind or a 0-day period are refused with a message naming the
    field; nothing is created or published."""
    c = client_for(cadre)
    r = c.post(
        "/api/v1/notices",
        {"place_id": county.village_a.pk, "title": " ", "body": "内容", "kind": "decision"},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["field"] == "title" and "标题" in r.json()["detail"]
    r = c.post(
        "/api/v1/notices",
        {"place_id": county.village_a.pk, "title": "标题", "body": "内容", "kind": "nonsense"},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["field"] == "kind"
    assert not Notice.objects.exists()
    r = c.post(
        "/api/v1/notices",
        {"place_id": county.village_a.pk, "title": "标题", "body": "内容", "kind": "decision"},
        content_type="application/json",
    )
    pk = r.json()["id"]
    r = c.post(f"/api/v1/notices/{pk}/publish", {"days": 0}, content_type="application/json")
    assert r.status_code == 400 and "公示期" in r.json()["detail"]
    assert Notice.objects.get(pk=pk).status == "draft"


def test_withdrawn_notice_stays_on_the_board_marked_withdrawn(county, cadre, client_for, client):
    """Withdrawing is recorded, never a deletion: the board lists it as withdrawn, with why."""
    c = client_for(cadre)
    notice = _published(c, county.village_a)
    r = c.post(f"/notices/{notice.pk}/withdraw/", {"reason": "金额有误，更正后重新公示"})
    assert r.status_code == 302
    board = client.get(f"/api/v1/notices/place/{county.village_a.pk}").json()
    assert board["current"] == [] and board["past"][0]["status"] == "withdrawn"
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "金额有误，更正后重新公示" in page
    assert Notice.objects.filter(pk=notice.pk).exists()


def test_cadre_drafts_and_publishes_through_the_pages(county, cadre, client_for):
    """The drafting form, the publish button with a chosen period, and the cadre's list."""
    c = client_for(cadre)
    assert c.get("/notices/new/").status_code == 200
    r = c.post(
        "/notices/new/",
        {
            "place": county.village_a.pk,
            "kind": "list",
            "title": "低保户名单公示",
            "body": "本村2024年新增低保2户，退出1户。",
            "issuer": "",
        },
    )
    assert r.status_code == 302
    notice = Notice.objects.get()
    assert notice.issuer == "双台村村民委员会"
    r = c.post(f"/notices/{notice.pk}/publish/", {"days": 10})
    notice.refresh_from_db()
    assert notice.status == "published" and notice.ends_at - notice.starts_at == dt.timedelta(
        days=10
    )
    assert "低保户名单公示" in c.get("/notices/").content.decode()


def test_objection_photo_is_shown_to_the_answering_cadre_only(
    county, cadre, resident, client_for, client, settings, tmp_path
):
    """A photo with an objection is checked by its content; the public sees that there is a
    photo, the cadre who answers sees the photo. A file that is not an image is refused."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    notice = _published(client_for(cadre), county.village_a)
    fake = SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image", content_type="image/png")
    r = client_for(resident).post(
        f"/notices/{notice.pk}/object/", {"text": "见照片", "photo": fake}, follow=True
    )
    assert "文件内容与类型不符" in r.content.decode()
    assert not Objection.objects.exists()
    png = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, content_type="image/png")
    client_for(resident).post(f"/notices/{notice.pk}/object/", {"text": "见照片", "photo": png})
    objection = Objection.objects.get()
    assert objection.photo.name.startswith("objections/") and "x.png" not in objection.photo.name
    public = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "仅答复人可见" in public and objection.photo.url not in public
    assert objection.photo.url in client_for(cadre).get(f"/notices/{notice.pk}/").content.decode()
