"""Claims with a photo, the counter, reservations, stock, statements, the leaderboard opt-out,
and scope, through the pages and the API."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from wugong.core.signals import deed_recorded
from wugong.points import services
from wugong.points.models import Entry, Redemption, StockMovement
from wugong.points.selectors import household_balance
from wugong.points.tests.conftest import api, key, png

from .helpers import goods, rule


def earn(place, household, points, source="seed"):  # type: ignore[no-untyped-def]
    """Give a household ``points`` through a 1-point-an-hour rule."""
    deed_recorded.send(
        sender=None,
        action="volunteer.hours",
        place=place,
        person_id=None,
        household_id=household.pk,
        quantity=Decimal(points),
        source=source,
        occurred_on=dt.date(2026, 11, 20),
        actor=None,
    )


def setup(cast):  # type: ignore[no-untyped-def]
    c = cast.county
    rule(c.village_a, "volunteer.hours", 1)
    rule(c.village_b, "volunteer.hours", 1)
    earn(c.group_a1, c.households_a[0], 25)
    return goods(c.village_a, "肥皂", 10, stock=3)


def test_claim_with_photo_confirmed_by_cadre(cast, client_for):
    c = cast.county
    r = rule(c.village_a, "清扫公共区域", 3, basis="flat", confirm_by="cadre")
    resident = client_for(cast.resident_a)
    form = {
        "rule": r.pk,
        "idempotency_key": key(),
        "quantity": "1",
        "note": "扫了村口",
        "photo": png(),
    }
    assert resident.post("/points/claims/", form).status_code == 302
    form["photo"] = png()
    resident.post("/points/claims/", form)  # the same form again: one claim
    claims = api(resident, "get", "/claims").json()
    assert len(claims) == 1 and claims[0]["status"] == "pending"
    cid = claims[0]["id"]
    assert client_for(cast.resident_a).get(f"/points/claims/{cid}/photo/").status_code == 200
    # Not the other village's cadre, not the resident: 404
    assert (
        api(
            client_for(cast.cadre_b), "post", f"/claims/{cid}/decide", {"confirm": True}
        ).status_code
        == 404
    )
    assert api(resident, "post", f"/claims/{cid}/decide", {"confirm": True}).status_code in (
        403,
        404,
    )
    cadre = client_for(cast.cadre_a)
    assert cadre.post(f"/points/claims/{cid}/decide/", {"decision": "confirm"}).status_code == 302
    assert api(resident, "get", "/me").json()["balance"] == 3
    again = api(cadre, "post", f"/claims/{cid}/decide", {"confirm": True})
    assert again.status_code == 400 and again.json()["code"] == "decided"


def test_claim_refusals(cast, client_for):
    c = cast.county
    r = rule(c.village_a, "清扫公共区域", 3, basis="flat", confirm_by="cadre")
    auto = rule(c.village_a, "volunteer.hours", 2)
    resident = client_for(cast.resident_a)
    no_photo = resident.post("/points/claims/", {"rule": r.pk, "idempotency_key": key()})
    assert no_photo.status_code == 400
    fake = io.BytesIO(b"not an image")
    fake.name = "x.png"
    bad = resident.post("/points/claims/", {"rule": r.pk, "idempotency_key": key(), "photo": fake})
    assert bad.status_code == 400
    other = client_for(cast.resident_b)  # 楼台村 resident, 双台村 rule
    resp = other.post(
        "/api/v1/points/claims", {"rule_id": r.pk, "idempotency_key": key(), "photo": png()}
    )
    assert resp.status_code == 404
    resp = resident.post(
        "/api/v1/points/claims", {"rule_id": auto.pk, "idempotency_key": key(), "photo": png()}
    )
    assert resp.status_code == 404  # automatic rules are not claimed
    # A rejection needs a reason
    resp = resident.post(
        "/api/v1/points/claims", {"rule_id": r.pk, "idempotency_key": key(), "photo": png()}
    )
    assert resp.status_code == 201
    cid = resp.json()["id"]
    cadre = client_for(cast.cadre_a)
    no_reason = api(cadre, "post", f"/claims/{cid}/decide", {"confirm": False})
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    ok = api(cadre, "post", f"/claims/{cid}/decide", {"confirm": False, "reason": "照片不清楚"})
    assert ok.json()["status"] == "rejected" and ok.json()["points"] is None
    assert household_balance(household_id=c.households_a[0].pk) == 0


def test_counter_redeems_soap_by_the_residents_code(cast, client_for):
    soap = setup(cast)
    resident = client_for(cast.resident_a)
    me = api(resident, "get", "/me").json()
    assert me["balance"] == 25 and me["code"]
    page = resident.get("/points/code/")
    assert page.status_code == 200 and b"<svg" in page.content
    cadre = client_for(cast.cadre_a)
    shown = cadre.get(f"/points/counter/?code={me['code']}")
    assert shown.status_code == 200 and cast.resident_a.person.name in shown.content.decode()
    body = {"code": me["code"], "goods": soap.pk, "quantity": "1", "idempotency_key": key()}
    assert cadre.post("/points/counter/", body).status_code == 302
    assert cadre.post("/points/counter/", body).status_code == 302  # sent twice: once
    assert api(resident, "get", "/me").json()["balance"] == 15
    assert services.goods_stock(soap.pk) == 2
    assert Redemption.objects.count() == 1
    # API: more than the balance is refused, nothing changes
    big = api(
        cadre,
        "post",
        "/counter/redeem",
        {"goods_id": soap.pk, "quantity": 2, "code": me["code"], "idempotency_key": key()},
    )
    assert big.status_code == 400 and big.json()["code"] == "insufficient"
    assert household_balance(household_id=cast.county.households_a[0].pk) == 15
    # a stale or forged code
    bad = api(
        cadre,
        "post",
        "/counter/redeem",
        {"goods_id": soap.pk, "code": "x:y:z", "idempotency_key": key()},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "code"


def test_last_item_and_stock_is_sum_of_movements(cast, client_for):
    soap = setup(cast)
    c = cast.county
    earn(c.group_a1, c.households_a[1], 100, source="s2")
    cadre = client_for(cast.cadre_a)
    for _ in range(3):
        r = api(
            cadre,
            "post",
            "/counter/redeem",
            {"goods_id": soap.pk, "household_id": c.households_a[1].pk, "idempotency_key": key()},
        )
        assert r.status_code == 201
    out = api(
        cadre,
        "post",
        "/counter/redeem",
        {"goods_id": soap.pk, "household_id": c.households_a[1].pk, "idempotency_key": key()},
    )
    assert out.status_code == 400 and out.json()["code"] == "out_of_stock"
    assert sum(StockMovement.objects.filter(goods=soap).values_list("quantity", flat=True)) == 0
    listed = api(cadre, "get", f"/villages/{c.village_a.pk}/goods").json()
    assert listed[0]["stock"] == 0


def test_counter_scope_other_village_is_404(cast, client_for):
    """A counter of 楼台村 cannot redeem for 双台村's household, nor use 双台村's goods."""
    soap = setup(cast)
    c = cast.county
    towel = goods(c.village_b, "毛巾", 5, stock=5)
    me = api(client_for(cast.resident_a), "get", "/me").json()
    cadre_b = client_for(cast.cadre_b)
    r = api(
        cadre_b,
        "post",
        "/counter/redeem",
        {"goods_id": towel.pk, "household_id": c.households_a[0].pk, "idempotency_key": key()},
    )
    assert r.status_code == 404
    r = api(
        cadre_b,
        "post",
        "/counter/redeem",
        {"goods_id": towel.pk, "code": me["code"], "idempotency_key": key()},
    )
    assert r.status_code == 404
    r = api(
        cadre_b,
        "post",
        "/counter/redeem",
        {"goods_id": soap.pk, "code": me["code"], "idempotency_key": key()},
    )
    assert r.status_code == 404
    assert cadre_b.get(f"/points/counter/?village={c.village_a.pk}").status_code == 404
    assert cadre_b.get(f"/points/counter/?code={me['code']}").status_code == 404
    # residents cannot use the counter at all
    r = api(
        client_for(cast.resident_a),
        "post",
        "/counter/redeem",
        {"goods_id": soap.pk, "code": me["code"], "idempotency_key": key()},
    )
    assert r.status_code in (403, 404)
    assert household_balance(household_id=c.households_a[0].pk) == 25


def test_reservation_holds_stock_cancel_releases(cast, client_for):
    soap = setup(cast)
    resident = client_for(cast.resident_a)
    k = key()
    r = api(
        resident,
        "post",
        "/reservations",
        {"goods_id": soap.pk, "quantity": 2, "idempotency_key": k},
    )
    assert r.status_code == 201 and r.json()["status"] == "reserved"
    assert (
        api(
            resident,
            "post",
            "/reservations",
            {"goods_id": soap.pk, "quantity": 2, "idempotency_key": k},
        ).status_code
        == 200
    )
    assert services.goods_stock(soap.pk) == 1
    assert api(resident, "get", "/me").json()["balance"] == 5
    rid = r.json()["id"]
    # someone else's resident cannot cancel it
    assert (
        api(client_for(cast.resident_a2), "post", f"/redemptions/{rid}/cancel").status_code == 404
    )
    assert api(resident, "post", f"/redemptions/{rid}/cancel").json()["status"] == "cancelled"
    assert services.goods_stock(soap.pk) == 3
    assert api(resident, "get", "/me").json()["balance"] == 25
    second = api(resident, "post", f"/redemptions/{rid}/cancel")
    assert second.status_code == 400
    # reserve again and collect at the counter
    r = api(resident, "post", "/reservations", {"goods_id": soap.pk, "idempotency_key": key()})
    cadre = client_for(cast.cadre_a)
    assert b"\xe8\x82\xa5\xe7\x9a\x82" in cadre.get("/points/counter/").content  # 肥皂 listed
    rid = r.json()["id"]
    assert api(client_for(cast.cadre_b), "post", f"/redemptions/{rid}/collect").status_code == 404
    assert cadre.post(f"/points/redemptions/{rid}/collect/").status_code == 302
    assert Redemption.objects.get(pk=rid).status == "collected"
    # page: a resident reserves from "my points"
    page = resident.get("/points/")
    assert page.status_code == 200 and "肥皂" in page.content.decode()
    resp = resident.post(
        "/points/reserve/", {"goods": soap.pk, "quantity": "1", "idempotency_key": key()}
    )
    assert resp.status_code == 302
    assert Redemption.objects.filter(status="reserved").count() == 1


def test_monthly_statement_json_and_xlsx(cast, client_for):
    soap = setup(cast)
    c = cast.county
    cadre = client_for(cast.cadre_a)
    api(
        cadre,
        "post",
        "/counter/redeem",
        {
            "goods_id": soap.pk,
            "quantity": 2,
            "household_id": c.households_a[0].pk,
            "idempotency_key": key(),
        },
    )
    year = Redemption.objects.get().created_at.year
    rows = api(cadre, "get", f"/villages/{c.village_a.pk}/statements?year={year}").json()
    assert rows == [
        {"month": rows[0]["month"], "goods": "肥皂", "quantity": 2, "points": 20, "count": 1}
    ]
    resp = cadre.get(f"/points/statement.xlsx?village={c.village_a.pk}&year={year}")
    sheet = load_workbook(io.BytesIO(resp.content)).active
    assert [cell.value for cell in sheet[2]][1:4] == ["肥皂", 2, 20]
    assert (
        api(client_for(cast.cadre_b), "get", f"/villages/{c.village_a.pk}/statements").status_code
        == 404
    )
    assert cadre.get("/points/goods/").status_code == 200


def test_leaderboard_opt_out(cast, client_for):
    c = cast.county
    rule(c.village_a, "volunteer.hours", 1)
    earn(c.group_a1, c.households_a[0], 30, "l1")
    earn(c.group_a1, c.households_a[1], 20, "l2")
    resident = client_for(cast.resident_a)
    ranks = api(resident, "get", f"/groups/{c.group_a1.pk}/leaderboard").json()
    assert [(r["label"], r["points"]) for r in ranks] == [("王秀英户", 30), ("李建国户", 20)]
    assert ranks[0]["mine"]
    assert resident.post("/points/opt-out/", {"opt_out": "1"}).status_code == 302
    ranks = api(client_for(cast.resident_a2), "get", f"/groups/{c.group_a1.pk}/leaderboard").json()
    assert [r["label"] for r in ranks] == ["某户", "李建国户"]
    page = client_for(cast.cadre_a).get(f"/points/leaderboard/?group={c.group_a1.pk}")
    assert "王秀英" not in page.content.decode() and "某户" in page.content.decode()
    # another village's resident does not see this group
    assert (
        api(client_for(cast.resident_b), "get", f"/groups/{c.group_a1.pk}/leaderboard").status_code
        == 404
    )
    api(resident, "put", "/me/leaderboard?opt_out=false")
    ranks = api(resident, "get", f"/groups/{c.group_a1.pk}/leaderboard").json()
    assert ranks[0]["label"] == "王秀英户"


def test_rule_table_page_and_api(cast, client_for):
    c = cast.county
    cadre = client_for(cast.cadre_a)
    body = {
        "village": c.village_a.pk,
        "title": "志愿服务",
        "action": "volunteer.hours",
        "basis": "per_unit",
        "points_per_unit": "2",
        "limit_points": "20",
        "limit_period": "month",
        "confirm_by": "auto",
    }
    assert cadre.post("/points/rules/", body).status_code == 302
    bad = cadre.post("/points/rules/", {**body, "points_per_unit": "0"})
    assert bad.status_code == 400
    bad = cadre.post("/points/rules/", {**body, "limit_period": ""})
    assert bad.status_code == 400
    rules = api(cadre, "get", f"/villages/{c.village_a.pk}/rules").json()
    assert [(r["title"], r["points_per_unit"], r["limit_points"]) for r in rules] == [
        ("志愿服务", 2, 20)
    ]
    assert (
        api(client_for(cast.resident_a), "get", f"/villages/{c.village_a.pk}/rules").status_code
        == 200
    )
    assert (
        api(
            client_for(cast.cadre_b),
            "post",
            f"/villages/{c.village_a.pk}/rules",
            {"action": "x", "title": "x", "points_per_unit": 1},
        ).status_code
        == 404
    )
    assert (
        client_for(cast.cadre_b).get(f"/points/rules/?village={c.village_a.pk}").status_code == 404
    )
    page = cadre.get("/points/rules/")
    assert page.status_code == 200 and "志愿服务" in page.content.decode()
    for url in ("/points/", "/points/claims/", "/points/leaderboard/", "/points/dividends/"):
        assert client_for(cast.resident_a).get(url).status_code == 200


def test_entries_never_negative_balance_on_any_account(cast):
    setup(cast)
    for account_id in Entry.objects.values_list("account_id", flat=True).distinct():
        total = sum(Entry.objects.filter(account_id=account_id).values_list("amount", flat=True))
        assert (
            total >= 0
            or Entry.objects.filter(account_id=account_id, account__kind="issuing").exists()
        )
