"""The quorum of a meeting (法定人数), as plain functions over plain data. No ORM.

A meeting has one or two quorum tests; either one met is enough (a village assembly: more
than half of the adult villagers, *or* representatives of at least two thirds of the
households). Each test compares the number present *on its roll* with a
:class:`wugong.voting.tally.Threshold`, so “过半数” excludes exactly half and “三分之二以上”
includes exactly two thirds, as the tally core reads the statute.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from wugong.voting import tally
from wugong.voting.tally import Comparison, Threshold

# The roll each basis counts over, in words for the page.
BASIS_LABELS = {
    "adults": "十八周岁以上村（居）民",
    "households": "户",
    "representatives": "村民代表会议组成人员",
    "members": "理事会（议事会）成员",
    "party_members": "党员",
}


@dataclass(frozen=True)
class QuorumPreset:
    """The statutory default of a meeting kind: its tests and the words of the law."""

    basis: str
    threshold: Threshold | None
    alt_basis: str = ""
    alt_threshold: Threshold | None = None
    legal_basis: str = ""


NO_QUORUM = QuorumPreset(basis="none", threshold=None, legal_basis="")

PRESETS: dict[str, QuorumPreset] = {
    "village_assembly": QuorumPreset(
        basis="adults",
        threshold=tally.VILLAGE_ASSEMBLY.quorum,
        alt_basis="households",
        alt_threshold=tally.VILLAGE_ASSEMBLY_HOUSEHOLDS.quorum,
        legal_basis="《村民委员会组织法》第二十二条：召开村民会议，应当有本村十八周岁以上村民的"
        "过半数，或者本村三分之二以上的户的代表参加，村民会议所作决定应当经到会人员的过半数通过。",
    ),
    "representatives": QuorumPreset(
        basis="representatives",
        threshold=tally.VILLAGERS_REPRESENTATIVES_MEETING.quorum,
        legal_basis=tally.VILLAGERS_REPRESENTATIVES_MEETING.legal_basis + "。",
    ),
    "residents_meeting": QuorumPreset(
        basis="adults",
        threshold=tally.RESIDENTS_MEETING.quorum,
        alt_basis="households",
        alt_threshold=tally.RESIDENTS_MEETING.quorum,
        legal_basis=tally.RESIDENTS_MEETING.legal_basis + "。",
    ),
    "council": QuorumPreset(
        basis="members",
        threshold=tally.MAJORITY,
        legal_basis="按理事会章程：过半数成员出席方可议事（可按章程调整）。",
    ),
    "residents_council": QuorumPreset(
        basis="members",
        threshold=tally.MAJORITY,
        legal_basis="按议事会议事规则：过半数成员出席方可议事（可按议事规则调整）。",
    ),
    "party_members": QuorumPreset(
        basis="party_members",
        threshold=tally.MAJORITY,
        legal_basis="党内法规：党员大会须有半数以上有表决权的党员到会方可进行表决"
        "（此处按超过半数计，可按本支部规定调整）。",
    ),
}


def preset_for(kind: str) -> QuorumPreset:
    """The statutory default for a meeting kind; courtyard and committee meetings count none."""
    return PRESETS.get(kind, NO_QUORUM)


def threshold_of(num: int, den: int, comparison: str) -> Threshold:
    return Threshold(Fraction(num, den), Comparison(comparison))


@dataclass(frozen=True)
class QuorumTest:
    """One test: ``present`` of the ``eligible`` on the ``basis`` roll against ``threshold``."""

    basis: str
    present: int
    eligible: int
    threshold: Threshold


@dataclass(frozen=True)
class QuorumCheck:
    basis: str
    basis_label: str
    present: int
    eligible: int
    threshold_label: str
    minimum: int  # fewest present that meet the test
    met: bool

    @property
    def missing(self) -> int:
        return max(self.minimum - self.present, 0)


@dataclass(frozen=True)
class QuorumResult:
    checks: tuple[QuorumCheck, ...]

    @property
    def required(self) -> bool:
        return bool(self.checks)

    @property
    def met(self) -> bool:
        """Met when any test is met; a meeting with no quorum rule is never “met”."""
        return any(c.met for c in self.checks)


def quorum_evaluate(tests: list[QuorumTest]) -> QuorumResult:
    """Evaluate every test exactly. An empty roll never meets a quorum (nobody can attend)."""
    checks = []
    for t in tests:
        if t.present < 0 or t.eligible < 0 or t.present > t.eligible:
            raise tally.InvalidInputError(
                f"到会人数 {t.present} 与应到人数 {t.eligible} 不一致", basis=t.basis
            )
        met = t.eligible > 0 and t.threshold.is_met(t.present, t.eligible)
        checks.append(
            QuorumCheck(
                basis=t.basis,
                basis_label=BASIS_LABELS.get(t.basis, t.basis),
                present=t.present,
                eligible=t.eligible,
                threshold_label=t.threshold.label,
                minimum=max(t.threshold.minimum_count(t.eligible), 1),
                met=met,
            )
        )
    return QuorumResult(checks=tuple(checks))


def adult_cutoff(on: dt.date, age: int = 18) -> dt.date:
    """The latest birth date of someone who is ``age`` on ``on`` (十八周岁: on the birthday).

    Someone born on 29 February comes of age on 1 March of a common year.
    """
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # on is 29 February and the year ``age`` back is a common year
        return on.replace(year=on.year - age, day=28)
