"""Pure cores of 试点: a checklist score, the month a report is due for, the length check of an
experience report. No ORM."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

REPORT_TARGET_CHARS = 2500  # 每月一篇2500字左右的经验材料
REPORT_SHORT_CHARS = 1500  # far below the target: filed, with a warning
REPORT_MAX_CHARS = 10_000
DEFAULT_DUE_DAY = 5


def checklist_score(met: int, total: int) -> Decimal:
    """The share of standards met, in percent to one decimal (0 for an empty checklist)."""
    if total <= 0:
        return Decimal("0.0")
    return (Decimal(100 * met) / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before ``day``'s."""
    return (month_start(day) - dt.timedelta(days=1)).replace(day=1)


def report_due(today: dt.date, due_day: int = DEFAULT_DUE_DAY) -> tuple[dt.date, bool]:
    """The month whose report is awaited now (the previous one), and whether its deadline,
    the ``due_day`` of this month, has passed."""
    return previous_month(today), today.day > due_day


def report_length_warnings(body: str) -> list[str]:
    """Warnings (not refusals) about a report's length: far below about 2,500 characters."""
    n = len(body.strip())
    if 0 < n < REPORT_SHORT_CHARS:
        return [f"short:{n}"]
    return []
