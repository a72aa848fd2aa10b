"""The metrics of 大屏 and 晒成绩单, and the pure arithmetic on them (no ORM).

Every figure is a count, an amount in fen, or a decimal kept as text; shares are never
stored — a share is a (numerator, denominator) pair made into a percentage only when shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

# Metrics whose value is a decimal (written as text in the rollup row): summed as Decimal.
DECIMAL_METRICS = frozenset({"labour_days", "volunteer_hours"})

# The project stages in the order of the projects app (wugong.projects.models.Stage).
STAGES = ("proposed", "planned", "fundraising", "building", "accepted", "upkeep", "cancelled")
# Money sources in the order of wugong.projects.models.SourceKind.
SOURCES = ("government", "enterprise", "residents", "collective", "other")

METRICS: tuple[str, ...] = (
    # coverage of pilot sites (试点覆盖)
    "grassroots",  # villages and communities
    "grassroots_with_site",
    "pilot_sites",
    # people
    "households",
    "residents",
    # participation (参与)
    "needs",
    "proposers",
    "votes_published",
    "voters",
    "volunteers",
    "volunteer_hours",
    # decisions (决策)
    "decisions",
    "meeting_decisions",
    # projects and money (项目与资金)
    "projects",
    *(f"projects_{s}" for s in STAGES),
    *(f"money_{s}_fen" for s in SOURCES),
    "money_out_fen",
    "in_kind_fen",
    "labour_days",
    "labour_times",
    # visits (走访)
    "key_households",
    "visits_in_time",
    # reports (问题办理): collect, handle, escalate, answer
    "reports",
    "reports_handled",
    "reports_need_escalation",
    "reports_escalated",
    "reports_answered",
    "reports_closed_in_time",
    "reports_rated",
    "reports_rating_sum",
    "reports_satisfied",
    # project ratings (项目满意度)
    "project_ratings",
    "project_ratings_stars",
    # points (积分)
    "points_issued",
    "points_redeemed",
)


def zero() -> dict[str, int | str]:
    return {m: ("0" if m in DECIMAL_METRICS else 0) for m in METRICS}


def _dec(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or "0"))


def add_into(total: dict[str, Any], part: Mapping[str, Any]) -> None:
    """Add ``part`` to ``total`` in place: integers as integers, decimals as exact Decimals
    (``total`` then holds Decimal objects; ``jsonable`` writes them as text)."""
    for key, value in part.items():
        if key in DECIMAL_METRICS:
            total[key] = _dec(total.get(key)) + _dec(value)
        else:
            total[key] = total.get(key, 0) + value


def jsonable(figures: Mapping[str, Any]) -> dict[str, int | str]:
    return {k: (str(_dec(v)) if k in DECIMAL_METRICS else int(v)) for k, v in figures.items()}


def figures_sum(parts: Iterable[Mapping[str, Any]]) -> dict[str, int | str]:
    """The sum of several places' figures, as stored (decimals as text)."""
    total: dict[str, Any] = dict(zero())
    for part in parts:
        add_into(total, part)
    return jsonable(total)


def share(numerator: int, denominator: int) -> Fraction | None:
    """The exact share numerator/denominator, None when there is nothing to divide by."""
    if denominator <= 0:
        return None
    return Fraction(numerator, denominator)


def percent_text(numerator: int, denominator: int, places: int = 1) -> str:
    """ "47.3%" (half up, from the exact fraction), "—" without a denominator."""
    s = share(numerator, denominator)
    if s is None:
        return "—"
    value = Decimal(s.numerator * 100) / Decimal(s.denominator)
    q = Decimal(1).scaleb(-places)
    return f"{value.quantize(q, ROUND_HALF_UP)}%"


def percent_number(numerator: int, denominator: int, places: int = 1) -> float | None:
    """The percentage as a number for a chart (display only; the rollup keeps the pair)."""
    s = share(numerator, denominator)
    if s is None:
        return None
    return float(
        (Decimal(s.numerator * 100) / Decimal(s.denominator)).quantize(
            Decimal(1).scaleb(-places), ROUND_HALF_UP
        )
    )


def leverage(*, government_fen: int, total_fen: int) -> Fraction | None:
    """撬动: money and in-kind value from others per yuan of government money, exactly
    (total − government) / government, as the projects app defines it (never below 0)."""
    if government_fen <= 0:
        return None
    return Fraction(max(total_fen - government_fen, 0), government_fen)


def leverage_text(*, government_fen: int, total_fen: int) -> str:
    lev = leverage(government_fen=government_fen, total_fen=total_fen)
    if lev is None:
        return "—"
    value = (Decimal(lev.numerator) / Decimal(lev.denominator)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    return f"1 : {value}"


def yuan_text(fen: int) -> str:
    """Fen as yuan with thousands separators, exact: 123456789 → "1,234,567.89"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def money_total(f: Mapping[str, int | str]) -> int:
    """All money received (every source) plus the value of gifts in kind."""
    return sum(int(f.get(f"money_{s}_fen", 0)) for s in SOURCES) + int(f.get("in_kind_fen", 0))


def attribute(path: str, targets: Mapping[str, object], cache: dict[str, str | None]) -> str | None:
    """The deepest path among ``targets`` at or above ``path`` (materialized paths
    "/1/5/23/"): where a row recorded at a group or estate counts (its village)."""
    if path in cache:
        return cache[path]
    found = None
    p = path
    while p:
        if p in targets:
            found = p
            break
        if p == "/":
            break
        p = p[: p.rstrip("/").rfind("/") + 1]
    cache[path] = found
    return found
