"""Two filed versions of one place published at the same instant: both requests are served in
turn and exactly one version is in force (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from wugong.people.rules import viewer_for
from wugong.villagerules import services
from wugong.villagerules.models import RulesVersion

from .conftest import vote_make

pytestmark = [
    pytest.mark.django_db(transaction=True),
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
        except Exception as e:  # a refusal is an answer too
            results.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_simultaneous_publications_leave_one_in_force(cast):  # type: ignore[no-untyped-def]
    cadre, town = viewer_for(cast.cadre_a), viewer_for(cast.town_a)
    village = cast.county.village_a
    filed = []
    for n in range(2):
        v = services.version_create(
            viewer=cadre, actor=cast.cadre_a, place=village, text=f"第{n}版"
        )
        services.version_adopt(
            viewer=cadre, actor=cast.cadre_a, version=v, vote_id=vote_make(village).pk
        )
        services.version_submit(viewer=cadre, actor=cast.cadre_a, version=v)
        services.filing_accept(
            viewer=town,
            actor=cast.town_a,
            version=v,
            filing_number=f"备{n}",
            filed_on=timezone.localdate(),
        )
        filed.append(v)
    results = _race(
        [
            lambda v=v: services.version_publish(viewer=cadre, actor=cast.cadre_a, version=v)
            for v in filed
        ]
    )
    assert not [r for r in results if isinstance(r, Exception) and not hasattr(r, "code")], results
    rows = RulesVersion.objects.filter(place=village)
    assert rows.filter(status="published").count() == 1
    assert rows.filter(status="superseded").count() == 1
