"""The arithmetic of inspections, without the ORM: percent from a score, means, ranking.

Scores in percent are kept as integers of hundredths (``centi``): a checklist's full score
divides 10,000, so ``score * 10000 / full`` is always a whole number and nothing is rounded.
Means are Fractions (exact); they become Decimals only for display or for callers that want one.
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Generic, TypeVar

CENTI = 10_000  # 100 % in hundredths of a percent
MAX_FULL_SCORE = 1_000

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def full_score_valid(full: int) -> bool:
    """A full score the percent is exact for: 1 … 1000 and a divisor of 10,000 (10, 20, 50,
    100, 200, …)."""
    return 1 <= full <= MAX_FULL_SCORE and CENTI % full == 0


def percent_centi(score: int, full: int) -> int:
    """The score in hundredths of a percent (85 of 100 → 8500). Exact by ``full_score_valid``."""
    if not full_score_valid(full) or not 0 <= score <= full:
        raise ValueError(f"score {score} of {full}")
    return score * (CENTI // full)


def mean_percent(centis: Iterable[int]) -> Fraction | None:
    """The mean of scores in hundredths of a percent, as a Fraction of percent (None if none)."""
    values = list(centis)
    if not values:
        return None
    return Fraction(sum(values), 100 * len(values))


def fraction_decimal(value: Fraction, places: int | None = None) -> Decimal:
    """A Fraction as a Decimal: exact when its decimal expansion ends (always for a single
    sheet); otherwise to Decimal's 28 significant digits, or to ``places`` (half up) for
    display."""
    d = Decimal(value.numerator) / Decimal(value.denominator)
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
    return d


@dataclass(frozen=True)
class Ranked(Generic[T]):
    rank: int
    key: T
    score: Fraction


def rank_competition(rows: Sequence[tuple[K, Fraction]]) -> list[Ranked[K]]:
    """Rank by score, highest first; equal scores share a rank and the next rank skips
    (1, 1, 3: "standard competition ranking"). Equal scores keep their given order."""
    ordered = sorted(enumerate(rows), key=lambda r: (-r[1][1], r[0]))
    out: list[Ranked[K]] = []
    for position, (_i, (key, score)) in enumerate(ordered, start=1):
        rank = out[-1].rank if out and out[-1].score == score else position
        out.append(Ranked(rank, key, score))
    return out
