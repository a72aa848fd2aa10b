"""The pure core: percent from a score, means, competition ranking with ties."""

from fractions import Fraction

import pytest

from wugong.inspections.scoring import (
    full_score_valid,
    mean_percent,
    percent_centi,
    rank_competition,
)


def test_full_scores_whose_percent_is_exact() -> None:
    assert all(full_score_valid(n) for n in (1, 10, 20, 25, 50, 80, 100, 200, 1000))
    assert not any(full_score_valid(n) for n in (0, 3, 30, 90, 120, 10_000))


def test_percent_in_hundredths() -> None:
    assert percent_centi(85, 100) == 8500
    assert percent_centi(17, 20) == 8500
    assert percent_centi(1, 8) == 1250
    with pytest.raises(ValueError):
        percent_centi(101, 100)
    with pytest.raises(ValueError):
        percent_centi(1, 3)


def test_mean_is_exact() -> None:
    assert mean_percent([]) is None
    assert mean_percent([9000, 8500]) == Fraction(175, 2)
    assert mean_percent([9000, 8500, 8600]) == Fraction(26100, 300)


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    rows = [("a", Fraction(90)), ("b", Fraction(95)), ("c", Fraction(90)), ("d", Fraction(80))]
    ranked = [(r.rank, r.key) for r in rank_competition(rows)]
    assert ranked == [(1, "b"), (2, "a"), (2, "c"), (4, "d")]


def test_all_equal_share_first_place() -> None:
    ranked = rank_competition([("x", Fraction(1, 3)), ("y", Fraction(2, 6))])
    assert [r.rank for r in ranked] == [1, 1]
