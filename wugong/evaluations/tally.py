"""Pure counting of 效果共评: star summaries, satisfaction rates and approval-vote winners.
Plain data in, plain data out; no ORM. Means are exact fractions, shown to one decimal
(half up) always beside their count, so nothing is rounded away."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

TENTH = Decimal("0.1")


def fraction_str(value: Fraction | None, places: str = "0.1") -> str:
    """A fraction to one decimal, half up ("—" for none)."""
    if value is None:
        return "—"
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal(places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class StarSummary:
    """Ratings of 1–5 stars: how many, their sum, and how many gave each number of stars."""

    count: int
    total: int
    distribution: tuple[int, int, int, int, int]  # ratings of 1★ … 5★

    @property
    def mean(self) -> Fraction | None:
        return Fraction(self.total, self.count) if self.count else None

    @property
    def mean_text(self) -> str:
        return fraction_str(self.mean)

    def rows(self) -> list[tuple[int, int]]:
        """(stars, ratings) from 5★ down, for the bars on the page."""
        return [(s, self.distribution[s - 1]) for s in range(5, 0, -1)]


def star_summary(counts: Mapping[int, int]) -> StarSummary:
    """From {stars: number of ratings}; stars outside 1–5 are not ratings and are ignored."""
    dist = tuple(int(counts.get(s, 0)) for s in range(1, 6))
    return StarSummary(
        count=sum(dist),
        total=sum(s * n for s, n in zip(range(1, 6), dist, strict=True)),
        distribution=dist,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class VerdictSummary:
    """Verdicts of a 民主测评: 满意 (2), 基本满意 (1), 不满意 (0). The satisfaction rate
    (满意率) counts 满意 and 基本满意, as the usual form does."""

    satisfied: int
    fairly: int
    dissatisfied: int

    @property
    def count(self) -> int:
        return self.satisfied + self.fairly + self.dissatisfied

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.satisfied + self.fairly, self.count) if self.count else None

    @property
    def rate_text(self) -> str:
        """The satisfaction rate in percent to one decimal, e.g. "87.5%"."""
        rate = self.rate
        return "—" if rate is None else fraction_str(rate * 100) + "%"


def verdict_summary(counts: Mapping[int, int]) -> VerdictSummary:
    return VerdictSummary(
        satisfied=int(counts.get(2, 0)),
        fairly=int(counts.get(1, 0)),
        dissatisfied=int(counts.get(0, 0)),
    )


def verdict_add(a: VerdictSummary, b: VerdictSummary) -> VerdictSummary:
    return VerdictSummary(
        a.satisfied + b.satisfied, a.fairly + b.fairly, a.dissatisfied + b.dissatisfied
    )


def approval_winners(counts: Mapping[int, int], seats: int) -> set[int]:
    """The winners of an approval vote: every nominee with at least one approval whose count
    reaches the ``seats``-th highest count. Nominees tied at the cut-off all win (a village
    does not draw lots between neighbours), so there may be more winners than seats."""
    if seats < 1:
        return set()
    ranked = sorted((n for n in counts.values() if n > 0), reverse=True)
    if not ranked:
        return set()
    cutoff = ranked[min(seats, len(ranked)) - 1]
    return {k for k, n in counts.items() if n > 0 and n >= cutoff}
