"""Dividends (股份+积分): the split is exact to the fen, checked with hypothesis; statements
per household as a page and .xlsx; residents see only their own household's line."""

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from wugong.points.calc import dividend_split
from wugong.points.models import DividendPart

from .helpers import rule
from .test_supermarket import earn

rows_strategy = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 100_000)), min_size=1, max_size=40
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=300)
@given(pool=st.integers(0, 10**10), percent=st.integers(0, 100), rows=rows_strategy)
def test_split_sums_exactly_to_the_pool(pool, percent, rows):
    keyed = [(i, s, p) for i, (s, p) in enumerate(rows)]
    if not any(s or p for _i, s, p in keyed) and pool:
        return
    parts = dividend_split(pool_fen=pool, shares_percent=percent, rows=keyed)
    assert sum(parts.values()) == pool
    assert all(v >= 0 for v in parts.values())


def test_split_largest_remainder_example():
    """100 fen, 70 % by shares (1:1:1), 30 % by points (all on the first): exact parts are
    23⅓ + 30, 23⅓, 23⅓ → 53, 23, 23 and the fen left over goes to the largest remainder
    (all equal here: the first in order)."""
    parts = dividend_split(
        pool_fen=100, shares_percent=70, rows=[("a", 1, 9), ("b", 1, 0), ("c", 1, 0)]
    )
    assert parts == {"a": 54, "b": 23, "c": 23}
    assert sum(parts.values()) == 100
    again = dividend_split(
        pool_fen=100, shares_percent=70, rows=[("a", 1, 9), ("b", 1, 0), ("c", 1, 0)]
    )
    assert again == parts  # deterministic


def test_split_without_points_goes_all_by_shares():
    assert dividend_split(pool_fen=10, shares_percent=70, rows=[(1, 1, 0), (2, 4, 0)]) == {
        1: 2,
        2: 8,
    }


def test_dividend_pages_and_statements(county, make_user, client_for):
    c = county
    cadre = client_for(make_user("village_cadre", c.village_a))
    rule(c.village_a, "volunteer.hours", 1)
    earn(c.group_a1, c.households_a[0], 30, "d1")
    for h, land in ((c.households_a[0], 2), (c.households_a[1], 1), (c.households_a[2], 0)):
        resp = cadre.post(
            "/points/dividends/",
            {
                "form": "shares",
                "village": c.village_a.pk,
                "household": h.pk,
                "land": land,
                "house": 1,
                "money": 0,
            },
        )
        assert resp.status_code == 302
    resp = cadre.post(
        "/points/dividends/",
        {
            "village": c.village_a.pk,
            "title": "2026年分红",
            "enterprise": "双台茶叶合作社",
            "pool_yuan": "1000.01",
            "shares_percent": "70",
            "as_of": "2026-12-31",
        },
    )
    assert resp.status_code == 302
    parts = list(DividendPart.objects.order_by("household_id"))
    assert sum(p.amount_fen for p in parts) == 100001
    assert [p.share_units for p in parts] == [3, 2, 1]
    assert [p.points for p in parts] == [30, 0, 0]
    did = parts[0].dividend_id
    page = cadre.get(f"/points/dividends/{did}/")
    assert page.status_code == 200 and "1000.01" in page.content.decode()
    sheet = load_workbook(io.BytesIO(cadre.get(f"/points/dividends/{did}.xlsx").content)).active
    assert sheet.max_row == 4
    # a resident: nothing before publication, then only their own line
    resident = client_for(make_user("resident", c.group_a1, household=c.households_a[1]))
    assert resident.get(f"/points/dividends/{did}/").status_code == 404
    assert cadre.post(f"/points/dividends/{did}/").status_code == 302
    sheet = load_workbook(io.BytesIO(resident.get(f"/points/dividends/{did}.xlsx").content)).active
    assert sheet.max_row == 2 and sheet.cell(2, 2).value == c.households_a[1].address
    other = client_for(make_user("village_cadre", c.village_b))
    assert other.get(f"/points/dividends/{did}/").status_code == 404
    bad = cadre.post(
        "/points/dividends/",
        {
            "village": c.village_a.pk,
            "title": "x",
            "enterprise": "y",
            "pool_yuan": "0.001",
            "shares_percent": "70",
        },
    )
    assert bad.status_code == 400
    bad = cadre.post(
        "/points/dividends/",
        {
            "village": c.village_a.pk,
            "title": "x",
            "enterprise": "y",
            "pool_yuan": "10",
            "shares_percent": "170",
        },
    )
    assert bad.status_code == 400
