"""Pure arithmetic of 积分制: points of a deed, period limits, expiry and the dividend split.

No ORM here: plain integers, Decimals and dates, tested directly.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K")


def rule_points(*, per_unit: bool, points_per_unit: int, quantity: Decimal) -> int:
    """Points for one deed. Per-unit rules multiply exactly and drop any fraction of a point
    (truncated toward zero: 1.5 hours at 2 points is 3, 1.75 hours is 3); flat rules give
    ``points_per_unit`` once."""
    if not per_unit:
        return points_per_unit
    exact = Decimal(points_per_unit) * Decimal(quantity)
    return int(exact.to_integral_value(rounding=ROUND_DOWN))


def quantity_matches(quantity: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    """The deed's quantity lies in [low, high) (an open end when None)."""
    return (low is None or quantity >= low) and (high is None or quantity < high)


def period_bounds(period: str, on: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the week (Monday to Sunday), month or year holding ``on``."""
    if period == "week":
        start = on - dt.timedelta(days=on.weekday())
        return start, start + dt.timedelta(days=6)
    if period == "month":
        start = on.replace(day=1)
        nxt = (start + dt.timedelta(days=32)).replace(day=1)
        return start, nxt - dt.timedelta(days=1)
    if period == "year":
        return dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
    raise ValueError(period)


def limit_cap(points: int, *, limit: int | None, already: int) -> int:
    """What is left of ``points`` under a period limit on its magnitude, given the points the
    rule already gave (or took) in the period. Never changes the sign."""
    if limit is None:
        return points
    room = max(0, limit - abs(already))
    return points if abs(points) <= room else (room if points > 0 else -room)


def expiring_points(*, credits_until: int, debits_total: int, balance: int) -> int:
    """Points that expire now, first in first out: what was credited up to the end of the
    expiring year, less everything debited since the start (spending uses the oldest points
    first), never more than the balance."""
    return max(0, min(balance, credits_until - debits_total))


def dividend_split(
    *, pool_fen: int, shares_percent: int, rows: Sequence[tuple[K, int, int]]
) -> dict[K, int]:
    """Split ``pool_fen`` over households (股份+积分分红).

    ``rows`` are (key, share_units, points). ``shares_percent`` % of the pool goes by share
    units and the rest by points (a negative balance counts as 0). If nobody holds shares (or
    points), that part goes by the other measure. Each exact part is rounded down to a fen and
    the fen left over go one each to the largest fractional remainders (ties: the order of
    ``rows``), so the parts always sum exactly to the pool.
    """
    if pool_fen < 0 or not 0 <= shares_percent <= 100:
        raise ValueError("pool or percent out of range")
    rows = [(k, max(0, s), max(0, p)) for k, s, p in rows]
    total_shares = sum(s for _k, s, _p in rows)
    total_points = sum(p for _k, _s, p in rows)
    if not rows or (total_shares == 0 and total_points == 0):
        if pool_fen == 0:
            return {k: 0 for k, _s, _p in rows}
        raise ValueError("nobody to share with")
    by_shares = Fraction(shares_percent, 100)
    if total_points == 0:
        by_shares = Fraction(1)
    elif total_shares == 0:
        by_shares = Fraction(0)
    exact: list[tuple[K, Fraction]] = []
    for k, s, p in rows:
        part = Fraction(0)
        if total_shares:
            part += pool_fen * by_shares * Fraction(s, total_shares)
        if total_points:
            part += pool_fen * (1 - by_shares) * Fraction(p, total_points)
        exact.append((k, part))
    floors = {k: int(part) for k, part in exact}  # parts are >= 0: int() is the floor
    left = pool_fen - sum(floors.values())
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - floors[exact[i][0]]), i))
    for i in order[:left]:
        floors[exact[i][0]] += 1
    return floors
