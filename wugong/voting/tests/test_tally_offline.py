"""Offline tallies (举手、黑板“正”字) and merging them with online ballots."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wugong.voting.tally import (
    VILLAGE_ASSEMBLY,
    Choice,
    InvalidBallotError,
    InvalidInputError,
    OfflineCountExceedsPresentError,
    TallyError,
    VoterCountedTwiceError,
    ZhengFormatError,
    combine_online_offline,
    count_to_zheng,
    parse_zheng,
    tally_motion,
    validate_offline_counts,
    zheng_to_count,
)

# --- 正 strokes ------------------------------------------------------------------------------


def test_zheng_complete_characters_and_strokes() -> None:
    """Each complete 正 is 5; remaining strokes add 0–4: three 正 and two strokes is 17."""
    assert zheng_to_count(3, 2) == 17
    assert zheng_to_count(0) == 0
    assert count_to_zheng(17) == (3, 2)


def test_zheng_five_loose_strokes_is_an_error() -> None:
    """Five strokes make a complete 正 and must be written as one; 5 remaining is refused."""
    with pytest.raises(ZhengFormatError) as info:
        zheng_to_count(1, 5)
    assert info.value.code == "invalid_zheng" and "正" in info.value.message
    with pytest.raises(InvalidInputError):
        zheng_to_count(-1, 0)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("一", 1),
        ("丅", 2),
        ("丁", 2),
        ("下", 3),
        ("止", 4),
        ("正", 5),
        ("正正正下", 18),
        ("正 正\n正 止", 19),
        ("\U0001d376\U0001d376\U0001d373", 12),  # Unicode ideographic tally marks
    ],
)
def test_parse_blackboard_tally(text: str, count: int) -> None:
    """A blackboard tally is read glyph by glyph: 正 = 5, partial forms 一丅下止 = 1–4."""
    assert parse_zheng(text) == count


@pytest.mark.parametrize("text", ["正下正", "正X", "正5", "下下"])
def test_parse_blackboard_tally_rejects_misreadings(text: str) -> None:
    """Unknown glyphs, or a partial 正 followed by more marks, are refused (re-check the board)."""
    with pytest.raises(ZhengFormatError):
        parse_zheng(text)


@given(st.integers(0, 10_000))
def test_zheng_round_trip(n: int) -> None:
    """Property: writing n as 正 characters plus a partial form and reading it back gives n."""
    complete, strokes = count_to_zheng(n)
    assert zheng_to_count(complete, strokes) == n
    partial = {0: "", 1: "一", 2: "丅", 3: "下", 4: "止"}[strokes]
    assert parse_zheng("正" * complete + partial) == n


# --- Validation against attendance ------------------------------------------------------------


def test_show_of_hands_total_cannot_exceed_present() -> None:
    """One hand per person: 20 + 15 + 6 = 41 hands with 40 present is refused in Chinese."""
    assert validate_offline_counts({"赞成": 20, "反对": 15, "弃权": 5}, 40) == 40
    with pytest.raises(OfflineCountExceedsPresentError) as info:
        validate_offline_counts({"赞成": 20, "反对": 15, "弃权": 6}, 40)
    err = info.value
    assert err.code == "offline_exceeds_present"
    assert "超过到场登记人数 40 人" in err.message
    assert err.details == {"count": 41, "present": 40}


def test_multi_choice_offline_limits() -> None:
    """With up to 2 choices each, 40 present may give 80 marks in all but at most 40 per option."""
    assert validate_offline_counts({"A": 40, "B": 40}, 40, max_choices=2) == 80
    with pytest.raises(OfflineCountExceedsPresentError) as info:
        validate_offline_counts({"A": 41, "B": 1}, 40, max_choices=2)
    assert info.value.details["option"] == "A"
    with pytest.raises(OfflineCountExceedsPresentError):
        validate_offline_counts({"A": 40, "B": 40, "C": 1}, 40, max_choices=2)


def test_offline_counts_must_be_whole_non_negative() -> None:
    """Counts are non-negative integers."""
    with pytest.raises(InvalidInputError):
        validate_offline_counts({"A": -1}, 5)
    with pytest.raises(InvalidInputError):
        validate_offline_counts({"A": 1.0}, 5)  # type: ignore[dict-item]


# --- Merging online and offline ---------------------------------------------------------------


def test_combine_then_decide_motion() -> None:
    """Online ballots and a show of hands merge per option; the participants are the disjoint
    union, and the merged counts feed the motion tally."""
    online = [Choice.FOR, Choice.FOR, Choice.AGAINST]
    c = combine_online_offline(
        list(Choice),
        online,
        {Choice.FOR: 3, Choice.ABSTAIN: 1},
        online_voters={"u1", "u2", "u3"},
        offline_voters={"p1", "p2", "p3", "p4", "p5"},
    )
    assert c.online_totals == {Choice.FOR: 2, Choice.AGAINST: 1, Choice.ABSTAIN: 0}
    assert c.totals == {Choice.FOR: 5, Choice.AGAINST: 1, Choice.ABSTAIN: 1}
    assert c.participants == 8
    r = tally_motion(
        VILLAGE_ASSEMBLY,
        eligible=14,
        votes_for=c.totals[Choice.FOR],
        votes_against=c.totals[Choice.AGAINST],
        votes_abstain=c.totals[Choice.ABSTAIN],
        present=c.participants,
    )
    assert r.passed and r.not_voting == 1


def test_voter_in_both_channels_is_refused() -> None:
    """A voter id in both the online and the offline set is double counting: refused, listing
    the ids, with a Chinese message."""
    with pytest.raises(VoterCountedTwiceError) as info:
        combine_online_offline(
            "AB",
            ["A", "B"],
            {"A": 1},
            online_voters={"张三", "李四"},
            offline_voters={"李四", "王五"},
        )
    err = info.value
    assert isinstance(err, TallyError) and isinstance(err, ValueError)
    assert err.code == "voter_counted_twice" and err.details["voters"] == ["李四"]
    assert "重复计票" in err.message


def test_combine_validates_offline_against_offline_attendance() -> None:
    """Offline counts are checked against the number marked present offline."""
    with pytest.raises(OfflineCountExceedsPresentError):
        combine_online_offline(
            "AB", [], {"A": 2, "B": 1}, online_voters=set(), offline_voters={"p1", "p2"}
        )


def test_combine_input_errors() -> None:
    """Ballot/voter count mismatch, unknown options and over-voted online ballots are refused."""
    with pytest.raises(InvalidInputError):
        combine_online_offline("AB", ["A"], {}, online_voters={"u1", "u2"}, offline_voters=set())
    with pytest.raises(InvalidInputError):
        combine_online_offline("AB", [], {"Z": 1}, online_voters=set(), offline_voters={"p"})
    with pytest.raises(InvalidBallotError):
        combine_online_offline("AB", ["Z"], {}, online_voters={"u"}, offline_voters=set())
    with pytest.raises(InvalidBallotError):
        combine_online_offline(
            "ABC", [frozenset("AB")], {}, online_voters={"u"}, offline_voters=set()
        )


def test_combine_multi_choice_online_sets() -> None:
    """An online ballot may be a set of up to ``max_choices`` options."""
    c = combine_online_offline(
        "ABC",
        [frozenset("AB"), frozenset("C")],
        {"A": 2, "C": 1},
        online_voters={"u1", "u2"},
        offline_voters={"p1", "p2"},
        max_choices=2,
    )
    assert c.totals == {"A": 3, "B": 1, "C": 2}


@given(
    online=st.sets(st.integers(0, 30), max_size=15),
    offline=st.sets(st.integers(0, 30), max_size=15),
)
def test_combine_refuses_exactly_when_sets_overlap(online: set[int], offline: set[int]) -> None:
    """Property: combining succeeds iff no voter id is in both sets."""
    ballots = ["A"] * len(online)
    if online & offline:
        with pytest.raises(VoterCountedTwiceError):
            combine_online_offline("AB", ballots, {}, online_voters=online, offline_voters=offline)
    else:
        c = combine_online_offline(
            "AB", ballots, {"B": len(offline)}, online_voters=online, offline_voters=offline
        )
        assert c.participants == len(online | offline)
        assert sum(c.totals.values()) == len(online) + len(offline)
