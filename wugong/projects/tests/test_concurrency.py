"""Concurrent receipts on one project lose nothing (PostgreSQL: real concurrent transactions;
SQLite serialises writers and cannot run this meaningfully). Concurrent spending never
overdraws."""

import threading

import pytest
from django.db import connection, connections

from wugong.core.errors import ValidationFailed
from wugong.projects import selectors, services
from wugong.projects.models import LedgerEntry, ProjectRollup
from wugong.projects.tests.conftest import as_, giver

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent transactions"
    ),
]


def _race(targets) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(targets))
    results: list = []
    errors: list = []

    def run(fn):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            results.append(fn())
        except Exception as e:
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


def test_concurrent_receipts_on_one_project_lose_nothing(cast, project_at):
    """Twelve receipts released together — donations and receipts against one pledge — all
    land: the ledger, the pledge's received sum and the rollup agree to the fen."""
    p = project_at()
    me = as_(cast.cadre_a)
    pledge = services.pledge_make(**me, project=p, giver=giver("李建国"), amount_fen=10_000_00)

    def donate(i):  # type: ignore[no-untyped-def]
        return lambda: services.contribution_record(
            **me, project=p, kind="money", giver=giver(f"村民{i}"), amount_fen=100_00 + i
        )

    def pay(i):  # type: ignore[no-untyped-def]
        return lambda: services.receipt_post(**me, project=p, pledge=pledge, amount_fen=500_00)

    results, errors = _race([donate(i) for i in range(8)] + [pay(i) for i in range(4)])
    assert not errors, errors
    assert len(results) == 12
    expected = sum(100_00 + i for i in range(8)) + 4 * 500_00
    assert services.ledger_balance(p.pk) == expected
    assert LedgerEntry.objects.filter(project=p).count() == 12
    assert services.pledge_received(pledge) == 2000_00
    rollup = ProjectRollup.objects.get(pk=p.pk)
    assert rollup.in_residents_fen == expected and rollup.contributions == 8
    assert selectors.rollup_mismatches() == []


def test_concurrent_spending_never_overdraws(cast, project_at):
    """Six spendings of ¥300 against a ¥1,000 balance, released together: exactly three pass."""
    p = project_at()
    me = as_(cast.cadre_a)
    services.receipt_post(
        **me, project=p, amount_fen=1000_00, giver=giver("县财政局", "department")
    )

    def spend():  # type: ignore[no-untyped-def]
        return services.spending_post(**me, project=p, amount_fen=300_00, item="other", memo="x")

    results, errors = _race([spend for _ in range(6)])
    assert len(results) == 3
    assert len(errors) == 3 and all(isinstance(e, ValidationFailed) for e in errors)
    assert services.ledger_balance(p.pk) == 100_00
