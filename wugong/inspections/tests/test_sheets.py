"""Scoring a household on a phone: the form, photos, a form sent twice, bad scores, scope, the
deed hook, and the same through the API."""

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wugong.core.models import AuditEvent
from wugong.core.signals import deed_recorded
from wugong.inspections.models import ItemScore, Round, ScoreSheet, SheetPhoto
from wugong.inspections.tests.conftest import full_marks, png_bytes

pytestmark = pytest.mark.django_db


def _url(round, household) -> str:  # type: ignore[no-untyped-def]
    return reverse("inspections:score", args=[round.pk, household.pk])


def _post(client, round, household, key=None, minus=0, **extra):  # type: ignore[no-untyped-def]
    data = {
        "idempotency_key": key or uuid.uuid4().hex,
        "remark": "",
        **full_marks(round.checklist, minus),
    }
    data.update(extra)
    return client.post(_url(round, household), data)


@pytest.fixture
def deeds():  # type: ignore[no-untyped-def]
    got: list[dict] = []

    def receiver(sender, **kwargs):  # type: ignore[no-untyped-def]
        got.append(kwargs)

    deed_recorded.connect(receiver, weak=False)
    yield got
    deed_recorded.disconnect(receiver)


def test_grid_worker_scores_a_household_with_photos(cast, client_for):  # type: ignore[no-untyped-def]
    """The to-do list shows the grid's households; the form carries a fresh idempotency key and
    the offline-draft marker; a saved sheet has its items, photos, total and audit event, and the
    household leaves the to-do list."""
    c = cast.county
    client = client_for(cast.grid_a)
    page = client.get(reverse("inspections:round", args=[cast.round_a.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "一组1号" in body and "一组2号" in body
    assert "二组1号" not in body  # not in the grid worker's grid
    form = client.get(_url(cast.round_a, c.households_a[0])).content.decode()
    assert 'data-offline-draft="inspection"' in form and 'name="idempotency_key"' in form
    photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    r = _post(client, cast.round_a, c.households_a[0], minus=5, remark="柴草未归整", photos=[photo])
    assert r.status_code == 302
    sheet = ScoreSheet.objects.get()
    assert (sheet.score, sheet.full_score, sheet.percent) == (95, 100, Decimal("95"))
    assert sheet.household == c.households_a[0] and sheet.remark == "柴草未归整"
    assert ItemScore.objects.filter(sheet=sheet).count() == 8
    assert SheetPhoto.objects.filter(sheet=sheet).count() == 1
    assert AuditEvent.objects.filter(action="inspection.sheet_record").count() == 1
    body = client.get(reverse("inspections:round", args=[cast.round_a.pk])).content.decode()
    todo = body.split("已评分")[0]
    assert "一组1号" not in todo and "一组2号" in todo


def test_same_form_twice_makes_one_sheet(cast, client_for, deeds):  # type: ignore[no-untyped-def]
    """A phone whose network came back sends the form again: one sheet, one deed."""
    client = client_for(cast.grid_a)
    h = cast.county.households_a[0]
    key = uuid.uuid4().hex
    assert _post(client, cast.round_a, h, key=key).status_code == 302
    again = _post(client, cast.round_a, h, key=key)
    assert again.status_code == 302
    assert ScoreSheet.objects.count() == 1
    assert len(deeds) == 1


def test_another_key_for_a_scored_household_is_refused(cast, client_for):  # type: ignore[no-untyped-def]
    client = client_for(cast.grid_a)
    h = cast.county.households_a[0]
    _post(client, cast.round_a, h)
    r = _post(client, cast.round_a, h, minus=10)
    assert r.status_code == 400
    assert "本轮已经评过分了" in r.content.decode()
    assert list(ScoreSheet.objects.values_list("score", flat=True)) == [100]


@pytest.mark.parametrize("bad", ["16", "-1", "abc", "", "3.5"])
def test_score_out_of_range_changes_nothing(cast, client_for, deeds, bad):  # type: ignore[no-untyped-def]
    """The first item's full score is 15: anything outside 0..15 (or not a whole number) is
    refused with a message naming the item, and nothing is written."""
    client = client_for(cast.grid_a)
    first = cast.hygiene.items.order_by("position").first()
    r = _post(client, cast.round_a, cast.county.households_a[0], **{f"item_{first.pk}": bad})
    assert r.status_code == 400
    assert first.text in r.content.decode()
    assert not ScoreSheet.objects.exists() and not ItemScore.objects.exists()
    assert not AuditEvent.objects.filter(action="inspection.sheet_record").exists()
    assert deeds == []


def test_too_many_photos_or_not_an_image_refused(cast, client_for):  # type: ignore[no-untyped-def]
    client = client_for(cast.grid_a)
    h = cast.county.households_a[0]
    photos = [SimpleUploadedFile(f"{i}.png", png_bytes(), "image/png") for i in range(4)]
    assert _post(client, cast.round_a, h, photos=photos).status_code == 400
    fake = SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")
    assert _post(client, cast.round_a, h, photos=[fake]).status_code == 400
    assert not ScoreSheet.objects.exists() and not SheetPhoto.objects.exists()


def test_round_not_yet_due_is_refused(cast, client_for):  # type: ignore[no-untyped-def]
    later = Round.objects.create(
        place=cast.county.village_a,
        place_path=cast.county.village_a.path,
        checklist=cast.hygiene,
        date=cast.round_a.date + dt.timedelta(days=3),
    )
    r = _post(client_for(cast.cadre_a), later, cast.county.households_a[0])
    assert r.status_code == 400 and not ScoreSheet.objects.exists()


def test_out_of_scope_inspector_gets_404(cast, client_for):  # type: ignore[no-untyped-def]
    """楼台村's cadre reaches neither 双台村's round nor its households; the grid worker of
    双台一组 cannot score 二组's household; a resident cannot score at all."""
    c = cast.county
    other = client_for(cast.cadre_b)
    assert other.get(reverse("inspections:round", args=[cast.round_a.pk])).status_code == 404
    assert _post(other, cast.round_a, c.households_a[0]).status_code == 404
    grid = client_for(cast.grid_a)
    assert _post(grid, cast.round_a, c.households_a[2]).status_code == 404
    resident = client_for(cast.resident_a)
    assert _post(resident, cast.round_a, c.households_a[0]).status_code == 404
    assert not ScoreSheet.objects.exists()


def test_deed_recorded_once_with_exact_percent(cast, client_for, deeds):  # type: ignore[no-untyped-def]
    """After a sheet is saved the points hook hears of it once: the score in percent, exact."""
    h = cast.county.households_a[2]
    _post(client_for(cast.cadre_a), cast.round_a, h, minus=7)
    sheet = ScoreSheet.objects.get()
    assert len(deeds) == 1
    d = deeds[0]
    assert d["action"] == "inspection.scored"
    assert d["quantity"] == Decimal("93") and isinstance(d["quantity"], Decimal)
    assert d["household_id"] == h.pk and d["person_id"] is None
    assert d["source"] == f"inspections.sheet:{sheet.pk}"
    assert d["occurred_on"] == cast.round_a.date
    assert d["actor"] == cast.cadre_a


def test_deed_sent_inside_the_transaction(cast, client_for):  # type: ignore[no-untyped-def]
    """A receiver that fails rolls the sheet back with it: the hook is inside the transaction."""

    def boom(sender, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("ledger down")

    deed_recorded.connect(boom, weak=False)
    try:
        with pytest.raises(RuntimeError):
            _post(client_for(cast.cadre_a), cast.round_a, cast.county.households_a[0])
    finally:
        deed_recorded.disconnect(boom)
    assert not ScoreSheet.objects.exists()


# --- API ---------------------------------------------------------------------------------------
def _api_post(client, payload):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/inspections/sheets", json.dumps(payload), content_type="application/json"
    )


def test_api_todo_post_and_repeat(cast, client_for, deeds):  # type: ignore[no-untyped-def]
    """The to-do list, a sheet posted (201), the same again (200, same id), a bad score (400
    naming the item, nothing written), another round's household (404)."""
    c = cast.county
    client = client_for(cast.grid_a)
    todo = client.get(f"/api/v1/inspections/rounds/{cast.round_a.pk}/todo").json()
    assert {i["id"] for i in todo["items"]} == {c.households_a[0].pk, c.households_a[1].pk}
    items = list(cast.hygiene.items.all())
    scores = {str(i.pk): i.max_score - 1 for i in items}
    payload = {
        "round_id": cast.round_a.pk,
        "household_id": c.households_a[1].pk,
        "idempotency_key": uuid.uuid4().hex,
        "scores": scores,
        "remark": "良好",
    }
    first = _api_post(client, payload)
    assert first.status_code == 201, first.content
    assert first.json()["percent"] in ("92", "92.00", 92)
    again = _api_post(client, payload)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert ScoreSheet.objects.count() == 1 and len(deeds) == 1
    bad = dict(payload, idempotency_key=uuid.uuid4().hex, household_id=c.households_a[0].pk)
    bad["scores"] = dict(scores, **{str(items[0].pk): 99})
    r = _api_post(client, bad)
    assert r.status_code == 400 and r.json()["field"] == f"item_{items[0].pk}"
    assert ScoreSheet.objects.count() == 1
    twice = dict(payload, idempotency_key=uuid.uuid4().hex)
    r = _api_post(client, twice)
    assert r.status_code == 400 and r.json()["code"] == "already_scored"
    outside = dict(payload, idempotency_key=uuid.uuid4().hex, household_id=c.households_b[0].pk)
    assert _api_post(client, outside).status_code == 404
    other = client_for(cast.cadre_b)
    assert other.get(f"/api/v1/inspections/rounds/{cast.round_a.pk}/todo").status_code == 404
    assert _api_post(other, dict(payload, idempotency_key=uuid.uuid4().hex)).status_code == 404


def test_api_lists_checklists_and_rounds(cast, client_for):  # type: ignore[no-untyped-def]
    client = client_for(cast.cadre_a)
    checklists = client.get("/api/v1/inspections/checklists").json()
    hygiene = next(c for c in checklists if c["name"] == "农户环境卫生检查表")
    assert hygiene["full_score"] == 100 and len(hygiene["items"]) == 8
    rounds = client.get("/api/v1/inspections/rounds").json()
    assert [r["id"] for r in rounds] == [cast.round_a.pk]
    assert client_for(cast.cadre_b).get("/api/v1/inspections/rounds").json() == []
