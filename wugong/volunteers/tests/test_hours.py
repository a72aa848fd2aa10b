"""Service hours are Decimal arithmetic: rounded down to the hundredth, capped, typed input
with at most two places."""

import datetime as dt
from decimal import Decimal

from wugong.volunteers.hours import hours_parse, length_hours, service_hours

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def test_length_is_rounded_down_to_the_hundredth():
    assert length_hours(T0, T0 + dt.timedelta(hours=2, minutes=30)) == Decimal("2.50")
    # 20 minutes is 0.333…: never credited as 0.34
    assert length_hours(T0, T0 + dt.timedelta(minutes=20)) == Decimal("0.33")
    assert length_hours(T0, T0 - dt.timedelta(minutes=5)) == Decimal("0.00")
    assert isinstance(length_hours(T0, T0 + dt.timedelta(hours=1)), Decimal)


def test_service_hours_are_capped():
    out = T0 + dt.timedelta(hours=4, minutes=10)
    assert service_hours(T0, out, Decimal("3.00")) == Decimal("3.00")
    assert service_hours(T0, out, Decimal("5.00")) == Decimal("4.16")


def test_typed_hours():
    assert hours_parse("2.5") == Decimal("2.50")
    assert hours_parse(" 3 ") == Decimal("3.00")
    assert hours_parse("2.555") is None  # no third decimal place silently dropped
    assert hours_parse("abc") is None
    assert hours_parse("") is None
    assert hours_parse("NaN") is None
    assert hours_parse("Infinity") is None
