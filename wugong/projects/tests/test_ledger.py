"""The accounts (算明白账): an append-only ledger in integer fen; balances derived; pledges
and receipts apart; refusals in Chinese that change nothing."""

import pytest
from django.test import Client
from PIL import Image

from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.models import AuditEvent
from wugong.projects import selectors, services
from wugong.projects.models import LedgerEntry, Pledge, ProjectRollup
from wugong.projects.tests.conftest import as_, giver, jpeg_with_exif

pytestmark = pytest.mark.django_db


def _state(project):  # type: ignore[no-untyped-def]
    return (
        list(LedgerEntry.objects.filter(project=project).values_list("id", "amount_fen")),
        list(Pledge.objects.filter(project=project).values_list("id", "amount_fen")),
        ProjectRollup.objects.filter(pk=project.pk).values().first(),
    )


def test_balance_is_derived_from_entries(cast, project_at):
    """Income by source and spending by item add up; the balance is in − out, nowhere stored."""
    p = project_at()
    me = as_(cast.cadre_a)
    services.receipt_post(
        **me, project=p, amount_fen=40_000_00, giver=giver("县交通运输局", "department")
    )
    services.receipt_post(
        **me, project=p, amount_fen=5_000_00, giver=giver("鑫源建材", "enterprise")
    )
    services.spending_post(**me, project=p, amount_fen=12_345_67, item="materials", memo="水泥")
    a = selectors.project_accounts(p)
    assert a.by_source() == {"government": 40_000_00, "enterprise": 5_000_00}
    assert a.government_by_department == [("县交通运输局", 40_000_00)]
    assert a.spending_by_item == [("materials", "材料", 12_345_67)]
    assert a.balance == services.ledger_balance(p.pk) == 45_000_00 - 12_345_67
    assert not any("balance" in f.name for f in LedgerEntry._meta.fields)


def test_spending_that_would_overdraw_is_refused_and_nothing_changes(cast, project_at, client_for):
    """Spending more than the balance is refused in Chinese (service, page and API alike)."""
    p = project_at()
    me = as_(cast.cadre_a)
    services.receipt_post(**me, project=p, amount_fen=1000_00, giver=giver("村集体", "collective"))
    before = _state(p)
    with pytest.raises(ValidationFailed) as e:
        services.spending_post(**me, project=p, amount_fen=1000_01, item="labour", memo="工钱")
    assert e.value.code == "overdraw"
    assert str(e.value) == "余额不足：账上还有¥1,000，这笔支出¥1,000.01会透支。"
    c = client_for(cast.cadre_a)
    api = c.post(
        f"/api/v1/projects/{p.pk}/spending",
        {"amount_fen": 100001, "item": "labour", "memo": "工钱"},
        "application/json",
    )
    assert api.status_code == 400 and api.json()["code"] == "overdraw"
    page = c.post(
        f"/projects/{p.pk}/do/spending/",
        {"amount": "1000.01", "item": "labour", "memo": "工钱"},
        follow=True,
    )
    assert "会透支" in page.content.decode()
    assert _state(p) == before


@pytest.mark.parametrize(
    ("amount", "code"),
    [(-500, "negative"), ("五百", "not_a_number"), (12.5, "not_a_number"), (0, "zero")],
)
def test_bad_amounts_through_the_api_change_nothing(cast, project_at, client_for, amount, code):
    """A negative, non-numeric, fractional-fen or zero amount is refused with its code."""
    p = project_at()
    before = _state(p)
    r = client_for(cast.cadre_a).post(
        f"/api/v1/projects/{p.pk}/receipts",
        {"amount_fen": amount, "contributor_kind": "person", "contributor_name": "李建国"},
        "application/json",
    )
    assert r.status_code == 400, r.content
    assert r.json()["code"] == code
    assert r.json()["field"] == "amount"
    assert _state(p) == before


def test_bad_amount_on_the_page_is_a_chinese_message(cast, project_at, client_for):
    p = project_at()
    before = _state(p)
    page = client_for(cast.cadre_a).post(
        f"/projects/{p.pk}/do/receipt/",
        {"amount": "-30", "contributor_kind": "person", "contributor_name": "李建国"},
        follow=True,
    )
    assert "金额不能为负数。" in page.content.decode()
    assert _state(p) == before


def test_pledge_is_a_promise_and_receipt_is_money_in(cast, project_at):
    """A pledge adds nothing to the accounts; its receipts do, and are counted against it."""
    p = project_at()
    me = as_(cast.cadre_a)
    pledge = services.pledge_make(**me, project=p, giver=giver("李建国"), amount_fen=500_00)
    a = selectors.project_accounts(p)
    assert a.money_in == 0 and a.pledged == 500_00 and a.pledged_received == 0
    services.receipt_post(**me, project=p, pledge=pledge, amount_fen=300_00)
    a = selectors.project_accounts(p)
    assert a.money_in == 300_00 and a.pledged_received == 300_00
    assert a.by_source() == {"residents": 300_00}


def test_receipt_over_a_pledge_needs_confirmation(cast, project_at):
    """Receiving more than is still owed on a pledge is refused unless confirmed."""
    p = project_at()
    me = as_(cast.cadre_a)
    pledge = services.pledge_make(**me, project=p, giver=giver("李建国"), amount_fen=500_00)
    services.receipt_post(**me, project=p, pledge=pledge, amount_fen=400_00)
    before = _state(p)
    with pytest.raises(ValidationFailed) as e:
        services.receipt_post(**me, project=p, pledge=pledge, amount_fen=200_00)
    assert e.value.code == "over_pledge"
    assert "实收¥200超过认捐尚未到账的¥100（认捐¥500）" in str(e.value)
    assert _state(p) == before
    entry = services.receipt_post(
        **me, project=p, pledge=pledge, amount_fen=200_00, confirm_over_pledge=True
    )
    assert entry.amount_fen == 200_00
    assert services.pledge_received(pledge) == 600_00
    audit = AuditEvent.objects.filter(action="project.receipt").order_by("-id").first()
    assert audit.changes["over_pledge_confirmed"] is True


def test_posted_entries_are_never_edited(cast, project_at, client_for):
    """PUT/PATCH/DELETE of a posted entry is refused in Chinese; the page refuses too."""
    p = project_at()
    entry = services.receipt_post(
        **as_(cast.cadre_a), project=p, amount_fen=100_00, giver=giver("李建国")
    )
    before = _state(p)
    c = client_for(cast.cadre_a)
    for method in ("put", "patch", "delete"):
        r = getattr(c, method)(
            f"/api/v1/projects/{p.pk}/ledger/{entry.pk}",
            {"amount_fen": 1},
            content_type="application/json",
        )
        assert r.status_code == 400
        assert r.json()["code"] == "posted"
        assert "不能修改" in r.json()["detail"] and "冲正" in r.json()["detail"]
    page = c.post(f"/projects/{p.pk}/do/edit_entry/", {"entry": entry.pk}, follow=True)
    assert "已入账的账目不能修改" in page.content.decode()
    assert _state(p) == before


def test_a_correction_is_a_reversing_entry(cast, project_at, client_for):
    """A wrong entry stays; a reversing entry with the opposite amount undoes it, once."""
    p = project_at()
    me = as_(cast.cadre_a)
    wrong = services.receipt_post(**me, project=p, amount_fen=1000_00, giver=giver("李建国"))
    services.receipt_post(**me, project=p, amount_fen=100_00, giver=giver("李建国"))
    r = client_for(cast.cadre_a).post(
        f"/api/v1/projects/{p.pk}/ledger/{wrong.pk}/reverse",
        {"reason": "多写了一个零"},
        "application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["amount_fen"] == -1000_00 and r.json()["reverses_id"] == wrong.pk
    assert LedgerEntry.objects.filter(pk=wrong.pk, amount_fen=1000_00).exists()
    assert services.ledger_balance(p.pk) == 100_00
    page = Client().get(f"/projects/{p.pk}/accounts/").content.decode()
    assert "收入 ¥100，支出 ¥0，余额 ¥100。" in page and f"已由#{wrong.pk + 2}冲正" in page
    assert selectors.honour_roll(project=p)[0].money == 100_00
    with pytest.raises(ValidationFailed):
        services.entry_reverse(**me, entry=wrong, reason="再来一次")
    assert selectors.rollup_mismatches() == []


def test_reversing_spent_income_would_overdraw_and_is_refused(cast, project_at):
    p = project_at()
    me = as_(cast.cadre_a)
    income = services.receipt_post(**me, project=p, amount_fen=100_00, giver=giver("李建国"))
    services.spending_post(**me, project=p, amount_fen=80_00, item="materials", memo="砖")
    with pytest.raises(ValidationFailed) as e:
        services.entry_reverse(**me, entry=income, reason="退回")
    assert e.value.code == "overdraw"


def test_invoice_photos_are_reencoded_without_exif(cast, project_at, client_for):
    """An invoice photo is stored as a fresh JPEG: no EXIF, no camera model, no name."""
    p = project_at()
    me = as_(cast.cadre_a)
    services.receipt_post(**me, project=p, amount_fen=100_00, giver=giver("李建国"))
    upload = jpeg_with_exif()
    assert b"Secret Phone Model" in upload.read()
    upload.seek(0)
    entry = services.spending_post(
        **me, project=p, amount_fen=50_00, item="materials", memo="砂石", documents=[upload]
    )
    doc = entry.documents.get()
    data = doc.file.read()
    assert b"Secret Phone Model" not in data and b"Exif" not in data
    doc.file.seek(0)
    with Image.open(doc.file) as img:
        assert img.size == (40, 30) and not img.getexif()
    r = client_for(cast.cadre_a).get(f"/projects/documents/{doc.pk}/")
    assert r.status_code == 200
    page = client_for(cast.cadre_a).get(f"/projects/{p.pk}/accounts/").content.decode()
    assert f"/projects/documents/{doc.pk}/" in page


def test_a_file_that_is_not_an_image_is_refused(cast, project_at):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = project_at()
    me = as_(cast.cadre_a)
    services.receipt_post(**me, project=p, amount_fen=100_00, giver=giver("李建国"))
    fake = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0not really", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as e:
        services.spending_post(
            **me, project=p, amount_fen=5_00, item="other", memo="x", documents=[fake]
        )
    assert str(e.value) == "无法识别的照片文件。"
    assert LedgerEntry.objects.filter(direction="out").count() == 0


def test_only_the_places_cadres_keep_the_books(cast, project_at):
    """Another village's cadre, a resident and a supervisor cannot post to the ledger."""
    p = project_at()
    for user in (cast.cadre_b, cast.resident_a, cast.town_supervisor):
        with pytest.raises(PermissionDenied):
            services.receipt_post(**as_(user), project=p, amount_fen=1, giver=giver("某人"))


def test_no_ledger_before_the_plan(cast, project_at):
    p = project_at("proposed")
    with pytest.raises(ValidationFailed) as e:
        services.receipt_post(**as_(cast.cadre_a), project=p, amount_fen=1, giver=giver("某"))
    assert e.value.code == "stage"
