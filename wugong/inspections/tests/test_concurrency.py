"""A score sheet sent several times at once (a phone retrying as its network comes and goes)
is one sheet; several inspectors scoring one household at once make one sheet and the others
are told it was scored (PostgreSQL: real concurrent transactions)."""

import json
import threading
import uuid

import pytest
from django.db import connection, connections

from wugong.core.signals import deed_recorded
from wugong.inspections.models import ScoreSheet

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent transactions"
    ),
]


def _race(targets) -> list:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(targets))
    results: list = []

    def run(fn):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            results.append(fn())
        except Exception as e:
            results.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _payload(cast, key):  # type: ignore[no-untyped-def]
    return json.dumps(
        {
            "round_id": cast.round_a.pk,
            "household_id": cast.county.households_a[0].pk,
            "idempotency_key": key,
            "scores": {str(i.pk): i.max_score for i in cast.hygiene.items.all()},
        }
    )


def test_same_sheet_sent_at_once_is_one(cast, client_for):  # type: ignore[no-untyped-def]
    deeds: list = []
    deed_recorded.connect(lambda sender, **kw: deeds.append(kw), weak=False, dispatch_uid="t1")
    try:
        body = _payload(cast, uuid.uuid4().hex)
        clients = [client_for(cast.grid_a) for _ in range(6)]
        results = _race(
            [
                lambda c=c: (
                    c.post(
                        "/api/v1/inspections/sheets", body, content_type="application/json"
                    ).status_code
                )
                for c in clients
            ]
        )
    finally:
        deed_recorded.disconnect(dispatch_uid="t1")
    assert sorted(results) == [200] * 5 + [201], results
    assert ScoreSheet.objects.count() == 1
    assert len(deeds) == 1


def test_two_inspectors_at_once_make_one_sheet(cast, client_for):  # type: ignore[no-untyped-def]
    clients = [client_for(cast.grid_a), client_for(cast.cadre_a), client_for(cast.cadre_a)]
    results = _race(
        [
            lambda c=c: c.post(
                "/api/v1/inspections/sheets",
                _payload(cast, uuid.uuid4().hex),
                content_type="application/json",
            )
            for c in clients
        ]
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 400, 400], results
    refused = [r.json() for r in results if r.status_code == 400]
    assert all(r["code"] == "already_scored" for r in refused)
    assert ScoreSheet.objects.count() == 1
