"""Never negative under concurrent requests (PostgreSQL: real concurrent transactions; SQLite
serialises writers and cannot run this meaningfully): two counters and the last item, many
redemptions against one balance, the same form twice at once."""

import threading
import uuid

import pytest
from django.db import connection, connections

from wugong.core.errors import ValidationFailed
from wugong.points import services
from wugong.points.models import Redemption
from wugong.points.selectors import household_balance

from .helpers import admin, goods, rule
from .test_supermarket import earn

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
    refused: list = []
    errors: list = []

    def run(fn):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            results.append(fn())
        except ValidationFailed as e:
            refused.append(e.code)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results, refused


def _redeem(goods_obj, household, k=None):  # type: ignore[no-untyped-def]
    return lambda: services.counter_redeem(
        viewer=admin(),
        actor=None,
        goods=goods_obj,
        quantity=1,
        idempotency_key=k or str(uuid.uuid4()),
        household=household,
    )


def test_two_counters_last_item(county):
    """Two counters redeem the last bar of soap for two households at once: one gets it."""
    rule(county.village_a, "volunteer.hours", 1)
    a, b = county.households_a[0], county.households_a[1]
    earn(county.group_a1, a, 50, "c1")
    earn(county.group_a1, b, 50, "c2")
    soap = goods(county.village_a, "肥皂", 10, stock=1)
    done, refused = _race([_redeem(soap, a), _redeem(soap, b)])
    assert len(done) == 1 and refused == ["out_of_stock"]
    assert services.goods_stock(soap.pk) == 0


def test_many_redemptions_one_balance_never_negative(county):
    """Ten redemptions of 10 points against a balance of 35: three succeed, the rest are
    refused, the balance stays at 5."""
    rule(county.village_a, "volunteer.hours", 1)
    h = county.households_a[0]
    earn(county.group_a1, h, 35, "c3")
    soap = goods(county.village_a, "肥皂", 10, stock=100)
    done, refused = _race([_redeem(soap, h) for _ in range(10)])
    assert len(done) == 3 and refused == ["insufficient"] * 7
    assert household_balance(household_id=h.pk) == 5
    assert services.goods_stock(soap.pk) == 97


def test_same_key_at_once_redeems_once(county):
    rule(county.village_a, "volunteer.hours", 1)
    h = county.households_a[0]
    earn(county.group_a1, h, 100, "c4")
    soap = goods(county.village_a, "肥皂", 10, stock=100)
    done, refused = _race([_redeem(soap, h, "same-key") for _ in range(6)])
    assert len(done) == 6 and not refused
    assert sum(1 for _r, created in done if created) == 1
    assert Redemption.objects.count() == 1
    assert household_balance(household_id=h.pk) == 90
