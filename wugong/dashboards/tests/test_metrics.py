"""The pure arithmetic: shares kept as pairs, percentages at display, leverage, sums."""

from decimal import Decimal
from fractions import Fraction

from wugong.dashboards.metrics import (
    attribute,
    figures_sum,
    leverage,
    leverage_text,
    percent_text,
    share,
    yuan_text,
)


def test_share_and_percent() -> None:
    assert share(1, 3) == Fraction(1, 3)
    assert share(1, 0) is None
    assert percent_text(1, 3) == "33.3%"
    assert percent_text(2, 3) == "66.7%"
    assert percent_text(1, 8, places=2) == "12.50%"
    assert percent_text(0, 0) == "—"
    assert percent_text(47, 100) == "47.0%"


def test_leverage_is_exact() -> None:
    assert leverage(government_fen=400_000_00, total_fen=1_200_000_00) == Fraction(2)
    assert leverage(government_fen=0, total_fen=100) is None
    assert leverage(government_fen=300, total_fen=100) == 0
    assert leverage_text(government_fen=3, total_fen=4) == "1 : 0.33"


def test_sum_keeps_decimals_exact() -> None:
    total = figures_sum([{"labour_days": "0.10", "needs": 1}, {"labour_days": "0.20", "needs": 2}])
    assert Decimal(total["labour_days"]) == Decimal("0.30")
    assert total["needs"] == 3


def test_yuan_text() -> None:
    assert yuan_text(123456789) == "1,234,567.89"
    assert yuan_text(5) == "0.05"
    assert yuan_text(-150) == "-1.50"


def test_attribute_to_the_deepest_rollup_place() -> None:
    targets = {"/1/": 1, "/1/2/": 1, "/1/2/3/": 1}
    cache: dict = {}
    assert attribute("/1/2/3/9/", targets, cache) == "/1/2/3/"
    assert attribute("/1/2/", targets, cache) == "/1/2/"
    assert attribute("/7/", targets, cache) is None
