"""The pure quorum core: statutory wording read exactly, no database."""

import datetime as dt
from fractions import Fraction

import pytest

from wugong.meetings.quorum import (
    PRESETS,
    QuorumTest,
    adult_cutoff,
    preset_for,
    quorum_evaluate,
)
from wugong.voting.tally import MAJORITY, TWO_THIRDS, InvalidInputError


def test_exactly_two_thirds_counts() -> None:
    """三分之二以上 includes the stated number: 6 of 9 representatives is a quorum, 5 is not."""
    assert quorum_evaluate([QuorumTest("representatives", 6, 9, TWO_THIRDS)]).met
    assert not quorum_evaluate([QuorumTest("representatives", 5, 9, TWO_THIRDS)]).met


def test_exactly_half_is_not_more_than_half() -> None:
    """过半数 excludes exactly half: 50 of 100 adults is not a quorum, 51 is."""
    assert not quorum_evaluate([QuorumTest("adults", 50, 100, MAJORITY)]).met
    result = quorum_evaluate([QuorumTest("adults", 51, 100, MAJORITY)])
    assert result.met and result.checks[0].minimum == 51


def test_either_test_of_an_assembly_is_enough() -> None:
    """A village assembly is quorate with half+ of adults OR two thirds of households."""
    adults_short = QuorumTest("adults", 10, 40, MAJORITY)
    households_ok = QuorumTest("households", 8, 12, TWO_THIRDS)
    result = quorum_evaluate([adults_short, households_ok])
    assert result.met
    assert [c.met for c in result.checks] == [False, True]
    assert result.checks[0].missing == 11


def test_an_empty_roll_never_meets_a_quorum() -> None:
    """Nobody on the roll means nobody can attend: no quorum, even for “at least”."""
    assert not quorum_evaluate([QuorumTest("representatives", 0, 0, TWO_THIRDS)]).met
    assert not quorum_evaluate([]).met and not quorum_evaluate([]).required


def test_more_present_than_on_the_roll_is_refused() -> None:
    """Present is counted on the roll, so it can never exceed it."""
    with pytest.raises(InvalidInputError):
        quorum_evaluate([QuorumTest("adults", 5, 4, MAJORITY)])


def test_presets_follow_the_village_committee_law() -> None:
    """Assembly: >1/2 adults or ≥2/3 households; representatives: ≥2/3; courtyard: none."""
    assembly = PRESETS["village_assembly"]
    assert (assembly.basis, assembly.threshold) == ("adults", MAJORITY)
    assert (assembly.alt_basis, assembly.alt_threshold) == ("households", TWO_THIRDS)
    assert "第二十二条" in assembly.legal_basis
    reps = PRESETS["representatives"]
    assert reps.threshold == TWO_THIRDS and reps.threshold.fraction == Fraction(2, 3)
    assert preset_for("courtyard").threshold is None


def test_adult_cutoff_is_the_eighteenth_birthday() -> None:
    """十八周岁 is reached on the birthday; a 29 February birthday comes of age on 1 March."""
    assert adult_cutoff(dt.date(2026, 5, 10)) == dt.date(2008, 5, 10)
    assert adult_cutoff(dt.date(2024, 2, 29)) == dt.date(2006, 2, 28)
