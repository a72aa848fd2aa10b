"""Service hours (服务时长) as plain Decimal arithmetic, no ORM: the length of a span, the
hours a check-in/check-out earns under a cap, and hours typed by a person."""

import datetime as dt
from decimal import ROUND_DOWN, Decimal, InvalidOperation

CENT = Decimal("0.01")


def length_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Hours from ``start`` to ``end``, to the hundredth, rounded down (a volunteer is never
    credited a fraction of a minute they did not serve); never negative."""
    seconds = int((end - start).total_seconds())
    if seconds <= 0:
        return Decimal("0.00")
    return (Decimal(seconds) / Decimal(3600)).quantize(CENT, rounding=ROUND_DOWN)


def service_hours(checked_in: dt.datetime, checked_out: dt.datetime, cap: Decimal) -> Decimal:
    """Hours served between check-in and check-out, at most ``cap``."""
    return min(length_hours(checked_in, checked_out), cap)


def hours_parse(text: object) -> Decimal | None:
    """Hours as typed ("2.5", "3", "１.５" is not accepted): a Decimal with at most two places,
    or None if it is not a plain number."""
    if isinstance(text, Decimal):
        value = text
    else:
        raw = str(text if text is not None else "").strip()
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            return None
    if not value.is_finite() or value != value.quantize(CENT, rounding=ROUND_DOWN):
        return None
    return value.quantize(CENT)
