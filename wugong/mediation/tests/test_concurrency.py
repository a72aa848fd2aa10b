"""The same receive form sent four times at the same instant makes one matter (PostgreSQL:
real concurrent transactions; SQLite serialises writers)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from wugong.mediation import services
from wugong.mediation.models import Matter
from wugong.people.rules import viewer_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent transactions"
    ),
]


def test_same_form_at_once_receives_one_matter(cast):  # type: ignore[no-untyped-def]
    viewer = viewer_for(cast.cadre_a)
    barrier = threading.Barrier(4)
    results: list = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(
                services.matter_receive(
                    viewer=viewer,
                    actor=cast.cadre_a,
                    place=cast.county.village_a,
                    kind="debt",
                    summary="欠款纠纷",
                    received_on=timezone.localdate() - dt.timedelta(days=1),
                    source="walk_in",
                    idempotency_key="same-form",
                )
            )
        except Exception as e:
            results.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Matter.objects.count() == 1
    assert sum(1 for _m, created in results if created) == 1
