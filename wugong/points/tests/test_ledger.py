"""The ledger: deeds earn by the rule table, balances are sums, period limits, deductions,
expiry, reversals, and publication of every transaction."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from wugong.core.signals import deed_recorded, record_published
from wugong.points import services
from wugong.points.models import Entry, Transaction
from wugong.points.selectors import household_balance, village_points_totals
from wugong.points.tests.conftest import api

from .helpers import admin, rule


def deed(place, household, source, action="volunteer.hours", qty="1", on=None):  # type: ignore[no-untyped-def]
    deed_recorded.send(
        sender=None,
        action=action,
        place=place,
        person_id=None,
        household_id=household.pk,
        quantity=Decimal(qty),
        source=source,
        occurred_on=on or dt.date(2026, 11, 20),
        actor=None,
    )


def test_volunteer_hours_earn_per_unit_and_balance_is_sum(cast, client_for):
    """2 points an hour; 1.75 hours gives 3 (a fraction of a point is dropped); the balance the
    resident sees is the sum of their entries, and every transaction sums to zero."""
    c = cast.county
    rule(c.village_a, "volunteer.hours", 2)
    h = c.households_a[0]
    deed(c.group_a1, h, "volunteers.attendance:1", qty="3")
    deed(c.group_a1, h, "volunteers.attendance:2", qty="1.75")
    me = api(client_for(cast.resident_a), "get", "/me").json()
    assert me["balance"] == 9
    assert sorted(e["amount"] for e in me["entries"]) == [3, 6]
    account_sum = Entry.objects.filter(account_id=me["account_id"]).aggregate(s=Sum("amount"))
    assert me["balance"] == account_sum["s"] == household_balance(household_id=h.pk)
    for txn in Transaction.objects.all():
        assert txn.entries.count() >= 2
        assert sum(e.amount for e in txn.entries.all()) == 0


def test_same_deed_twice_earns_once(cast):
    c = cast.county
    rule(c.village_a, "meeting.attended", 2, basis="flat")
    h = c.households_a[0]
    deed(c.group_a1, h, "meetings.attendance:7", action="meeting.attended")
    deed(c.group_a1, h, "meetings.attendance:7", action="meeting.attended")
    assert household_balance(household_id=h.pk) == 2


def test_inspection_threshold_and_deduction(cast):
    """A score of 90 % or more earns 5; under 60 % deducts 2, but never below zero."""
    c = cast.county
    rule(c.village_a, "inspection.scored", 5, basis="flat", min_quantity="90")
    rule(c.village_a, "inspection.scored", -2, basis="flat", max_quantity="60")
    h = c.households_a[0]
    deed(c.group_a1, h, "inspections.score:1", action="inspection.scored", qty="95")
    deed(c.group_a1, h, "inspections.score:2", action="inspection.scored", qty="75")
    assert household_balance(household_id=h.pk) == 5
    deed(c.group_a1, h, "inspections.score:3", action="inspection.scored", qty="40")
    assert household_balance(household_id=h.pk) == 3
    for n in range(4, 7):
        deed(c.group_a1, h, f"inspections.score:{n}", action="inspection.scored", qty="10")
    assert household_balance(household_id=h.pk) == 0
    kinds = list(Transaction.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["award", "deduction", "deduction", "deduction"]  # -2, -2, then the last 1


def test_period_limit(cast):
    """At most 20 points a month from the rule: the deed that crosses it gets what is left,
    the next nothing; a new month starts afresh."""
    c = cast.county
    rule(c.village_a, "volunteer.hours", 2, limit_points=20, limit_period="month")
    h = c.households_a[0]
    deed(c.group_a1, h, "v:1", qty="8", on=dt.date(2026, 11, 3))
    deed(c.group_a1, h, "v:2", qty="4", on=dt.date(2026, 11, 10))
    deed(c.group_a1, h, "v:3", qty="4", on=dt.date(2026, 11, 11))
    assert household_balance(household_id=h.pk) == 20
    deed(c.group_a1, h, "v:4", qty="1", on=dt.date(2026, 12, 1))
    assert household_balance(household_id=h.pk) == 22


def test_no_rule_no_points_and_other_village_rules_do_not_apply(cast):
    c = cast.county
    rule(c.village_b, "volunteer.hours", 2)
    deed(c.group_a1, c.households_a[0], "v:9", qty="3")
    assert household_balance(household_id=c.households_a[0].pk) == 0
    assert not Transaction.objects.exists()


def test_per_person_basis(cast, client_for):
    """A village that counts per person credits the person's own account."""
    c = cast.county
    services.settings_save(
        viewer=admin(), actor=None, village=c.village_a, account_basis="person", expiry_years=""
    )
    rule(c.village_a, "volunteer.hours", 2)
    person = cast.resident_a.person
    deed_recorded.send(
        sender=None,
        action="volunteer.hours",
        place=c.group_a1,
        person_id=person.pk,
        household_id=None,
        quantity=Decimal(2),
        source="v:p1",
        occurred_on=dt.date(2026, 1, 2),
        actor=None,
    )
    me = api(client_for(cast.resident_a), "get", "/me").json()
    assert me["balance"] == 4
    other = api(client_for(cast.resident_a2), "get", "/me").json()
    assert other["balance"] == 0


def test_expiry_first_in_first_out(cast):
    """Points earned in 2024 expire at the end of 2025; spending used the oldest first."""
    c = cast.county
    services.settings_save(
        viewer=admin(),
        actor=None,
        village=c.village_a,
        account_basis="household",
        expiry_years=1,
    )
    rule(c.village_a, "volunteer.hours", 1)
    h = c.households_a[0]
    deed(c.group_a1, h, "v:a", qty="30", on=dt.date(2024, 5, 1))
    deed(c.group_a1, h, "v:b", qty="10", on=dt.date(2025, 5, 1))
    goods = services.goods_save(
        viewer=admin(), actor=None, village=c.village_a, name="肥皂", points_price=10
    )
    services.stock_move(viewer=admin(), actor=None, goods=goods, kind="in", quantity=5)
    services.counter_redeem(
        viewer=admin(), actor=None, goods=goods, quantity=1, idempotency_key="k1", household=h
    )
    assert services.points_expire_due(today=dt.date(2025, 12, 31)) == 0
    assert services.points_expire_due(today=dt.date(2026, 1, 1)) == 20
    assert services.points_expire_due(today=dt.date(2026, 1, 2)) == 0  # once only
    assert household_balance(household_id=h.pk) == 10


def test_reversal_corrects_without_editing(cast, client_for):
    c = cast.county
    rule(c.village_a, "volunteer.hours", 2)
    h = c.households_a[0]
    deed(c.group_a1, h, "v:r", qty="5")
    txn = Transaction.objects.get()
    before = list(Entry.objects.values_list("pk", "amount"))
    services.transaction_reverse(viewer=admin(), actor=None, txn=txn, reason="录错了")
    assert list(Entry.objects.filter(transaction=txn).values_list("pk", "amount")) == before
    assert household_balance(household_id=h.pk) == 0
    with pytest.raises(Exception, match="已冲正"):
        services.transaction_reverse(viewer=admin(), actor=None, txn=txn, reason="again")


def test_no_update_or_delete_service():
    """The ledger is append-only: no service edits or deletes entries or transactions."""
    names = [n for n in dir(services) if not n.startswith("_")]
    assert not [
        n
        for n in names
        if ("entry" in n or "transaction" in n)
        and any(w in n for w in ("update", "delete", "edit", "set"))
    ]


def test_every_transaction_is_published(cast):
    seen = []

    def listen(sender, **kw):  # type: ignore[no-untyped-def]
        seen.append(kw)

    record_published.connect(listen)
    try:
        c = cast.county
        rule(c.village_a, "volunteer.hours", 2)
        deed(c.group_a1, c.households_a[0], "v:pub", qty="1")
    finally:
        record_published.disconnect(listen)
    txn = Transaction.objects.get()
    assert seen[0]["kind"] == "points.entry"
    assert seen[0]["key"] == f"points.txn:{txn.pk}"
    assert seen[0]["payload"]["kind"] == "award"
    assert sorted(e["amount"] for e in seen[0]["payload"]["entries"]) == [-2, 2]


def test_village_totals(cast):
    c = cast.county
    rule(c.village_a, "volunteer.hours", 10)
    rule(c.village_b, "volunteer.hours", 1)
    deed(c.group_a1, c.households_a[0], "t:1", qty="3")
    deed(c.group_b1, c.households_b[0], "t:2", qty="4")
    goods = services.goods_save(
        viewer=admin(), actor=None, village=c.village_a, name="肥皂", points_price=10
    )
    services.stock_move(viewer=admin(), actor=None, goods=goods, kind="in", quantity=5)
    services.counter_redeem(
        viewer=admin(),
        actor=None,
        goods=goods,
        quantity=2,
        idempotency_key="k2",
        household=c.households_a[0],
    )
    totals = village_points_totals(path_prefix=c.county.path)
    assert totals == {c.village_a.path: (30, 20), c.village_b.path: (4, 0)}
    assert village_points_totals(path_prefix=c.town_b.path) == {c.village_b.path: (4, 0)}
