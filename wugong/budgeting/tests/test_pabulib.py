"""The pabulib .pb reader/writer: parsing, round trips, errors naming the line, compute_file."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wugong.budgeting.allocation import Election, allocate
from wugong.budgeting.pabulib import (
    PabulibError,
    PabulibFile,
    compute_file,
    format_pabulib,
    from_election,
    parse_pabulib,
    read_pabulib,
    to_election,
    write_pabulib,
)

SAMPLE = """META
key;value
description;Wugong sample
country;China
unit;Village
instance;2025
num_projects;3
num_votes;4
budget;100
vote_type;approval
rule;equalshares
PROJECTS
project_id;cost;name
X;60;"Road; east side"
Y;40;Well
Z;30;Lights
VOTES
voter_id;age;vote
1;34;X
2;none;X
3;51;X,Z
4;29;Y,Z
"""


def test_parse_sample() -> None:
    """Sections, header columns, quoted fields with ';' and 'none' are read as in pabulib."""
    pb = parse_pabulib(SAMPLE)
    assert pb.meta["budget"] == "100" and pb.meta["vote_type"] == "approval"
    assert pb.project_columns == ["project_id", "cost", "name"]
    assert pb.projects[0] == {"project_id": "X", "cost": "60", "name": "Road; east side"}
    assert pb.votes[1] == {"voter_id": "2", "age": "none", "vote": "X"}
    assert pb.vote_lines == [19, 20, 21, 22]
    election = to_election(pb)
    assert election.costs == {"X": 60, "Y": 40, "Z": 30}
    assert allocate(election, "mes").selected == ("X", "Z")


def test_round_trip_text_and_file(tmp_path: Path) -> None:
    """format(parse(text)) reproduces a canonical file; parse(format(pb)) == pb."""
    pb = parse_pabulib(SAMPLE)
    assert format_pabulib(pb) == SAMPLE
    path = tmp_path / "sample.pb"
    write_pabulib(pb, path)
    assert read_pabulib(path) == pb


def test_bom_blank_lines_case_and_decimal_comma() -> None:
    """A BOM, blank lines, lower-case section names and '1234,5' costs are accepted."""
    text = "\ufeffmeta\nkey;value\nbudget;10,5\nvote_type;approval\n\nprojects\nproject_id;cost\n"
    text += "a;2,5\nvotes\nvoter_id;vote\nv1;a\nv2;\n"
    election = to_election(parse_pabulib(text))
    assert election.budget_limit == Fraction(21, 2)
    assert election.costs["a"] == Fraction(5, 2)
    assert [set(b) for b in election.ballots] == [{"a"}, set()]


def test_cumulative_ballots() -> None:
    """Cumulative votes become points ballots (Aarau-style)."""
    text = SAMPLE.replace("vote_type;approval", "vote_type;cumulative")
    text = text.replace("voter_id;age;vote", "voter_id;age;vote;points")
    text = text.replace("3;51;X,Z", "3;51;X,Z;4,6").replace("4;29;Y,Z", "4;29;Y,Z;5,5")
    text = text.replace("1;34;X\n", "1;34;X;10\n").replace("2;none;X\n", "2;none;X;10\n")
    election = to_election(parse_pabulib(text))
    assert election.kind == "points"
    assert election.ballots[2] == {"X": 4, "Z": 6}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (SAMPLE.replace("Y;40;Well", "Y;forty;Well"), 15, "费用“forty”不是有效数字"),
        (SAMPLE.replace("4;29;Y,Z", "4;29;Y,W"), 22, "不存在的项目 “W”"),
        (SAMPLE.replace("Z;30;Lights", "Y;30;Lights"), 16, "项目编号 “Y” 重复"),
        (SAMPLE.replace("3;51;X,Z", "3;51;X,Z;extra"), 21, "字段数 4 多于表头的 3 列"),
        (SAMPLE.replace("3;51;X,Z", "2;51;X,Z"), 21, "投票人编号 “2” 重复"),
        (SAMPLE.replace("4;29;Y,Z", "4;29;Z,Z"), 22, "同一项目在一张选票中出现多次"),
        (SAMPLE.replace("voter_id;age;vote", "voter_id;age"), 18, "缺少 “vote” 列"),
        (SAMPLE.replace("budget;100", "budget;-5"), 9, "预算不能为负数"),
        (SAMPLE.replace("vote_type;approval", "vote_type;quadratic"), 10, "不支持的投票类型"),
        ("hello\n" + SAMPLE, 1, "文件必须以 META"),
    ],
)
def test_errors_name_the_line(text: str, line: int, fragment: str) -> None:
    """Malformed files raise PabulibError with the line number, Chinese first then English."""
    with pytest.raises(PabulibError) as info:
        parse_pabulib(text)
    assert info.value.line == line
    message = str(info.value)
    assert message.startswith(f"第 {line} 行：")
    assert fragment in message
    assert f"(line {line}: " in message


def test_file_wide_errors() -> None:
    """Missing sections or budget have no single line; the message still says what is wrong."""
    with pytest.raises(PabulibError, match="缺少 VOTES 部分"):
        parse_pabulib(SAMPLE.split("VOTES")[0])
    with pytest.raises(PabulibError, match="缺少预算"):
        parse_pabulib(SAMPLE.replace("budget;100\n", ""))
    points = SAMPLE.replace("vote_type;approval", "vote_type;cumulative")
    with pytest.raises(PabulibError, match="缺少 points 字段") as info:
        parse_pabulib(points)
    assert info.value.line == 19


def test_compute_file(tmp_path: Path) -> None:
    """compute_file prints the funded ids in order of selection, then the budget used."""
    path = tmp_path / "sample.pb"
    path.write_text(SAMPLE, encoding="utf-8")
    assert compute_file(path, "mes") == ["X", "Z", "90"]
    assert compute_file(path, "greedy") == ["X", "Z", "90"]
    assert compute_file(path, "mes-add1") == ["X", "Z", "90"]
    with pytest.raises(PabulibError, match="无法读取文件"):
        compute_file(tmp_path / "missing.pb", "mes")


def test_pabutools_reads_our_files_identically(tmp_path: Path) -> None:
    """pabutools' own parser reads what we write as the same instance and profile."""
    parse = pytest.importorskip("pabutools.election").parse_pabulib
    election = Election({"1": 5, "2": 7, "10": 3}, 12, [["1", "10"], [], ["2"]])
    path = tmp_path / "ours.pb"
    write_pabulib(from_election(election), path)
    instance, profile = parse(str(path))
    assert {p.name: p.cost for p in instance} == {"1": 5, "2": 7, "10": 3}
    assert instance.budget_limit == 12
    assert [sorted(p.name for p in ballot) for ballot in profile] == [["1", "10"], [], ["2"]]


TEXT = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=["Cs", "Cc", "Zl", "Zp"], blacklist_characters=","
        ),
        min_size=1,
        max_size=8,
    )
    .map(str.strip)
    .filter(lambda s: s and s.lower() not in ("meta", "projects", "votes"))
)


@st.composite
def pb_files(draw: st.DrawFn) -> PabulibFile:
    ids = draw(st.lists(TEXT, min_size=1, max_size=5, unique=True))
    costs = [str(draw(st.integers(0, 10**6))) for _ in ids]
    points = draw(st.booleans())
    meta = {
        "budget": str(draw(st.integers(0, 10**7))),
        "vote_type": "cumulative" if points else "approval",
    }
    meta["description"] = draw(TEXT)
    names = [draw(TEXT) for _ in ids]
    projects = [
        {"project_id": pid, "cost": cost, "name": name}
        for pid, cost, name in zip(ids, costs, names, strict=True)
    ]
    votes = []
    for number in range(draw(st.integers(0, 6))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True))
        row = {"voter_id": str(number + 1), "vote": ",".join(chosen)}
        if points:
            row["points"] = ",".join(str(draw(st.integers(1, 9))) for _ in chosen)
        votes.append(row)
    columns = ["voter_id", "vote", "points"] if points else ["voter_id", "vote"]
    return PabulibFile(meta, ["project_id", "cost", "name"], projects, columns, votes)


@settings(max_examples=100, deadline=None, database=None)
@given(pb_files())
def test_round_trip_property(pb: PabulibFile) -> None:
    """parse(format(pb)) == pb for arbitrary text in ids, names and descriptions (quotes and
    semicolons included)."""
    assert parse_pabulib(format_pabulib(pb)) == pb


@settings(max_examples=50, deadline=None, database=None)
@given(
    st.dictionaries(st.sampled_from(["a", "b", "10", "9"]), st.integers(0, 50), min_size=1),
    st.integers(0, 100),
    st.integers(0, 6),
    st.randoms(use_true_random=False),
)
def test_election_round_trip(costs: dict[str, int], budget: int, n: int, rnd: object) -> None:
    """from_election then to_election gives back the same election and the same results."""
    import random

    assert isinstance(rnd, random.Random)
    ballots = [[p for p in costs if rnd.random() < 0.5] for _ in range(n)]
    election = Election(costs, budget, ballots)
    back = to_election(parse_pabulib(format_pabulib(from_election(election))))
    assert back.costs == election.costs and back.budget_limit == budget
    assert [set(b) for b in back.ballots] == [set(b) for b in ballots]
    for rule in ("mes", "mes-add1", "greedy"):
        assert allocate(back, rule).selected == allocate(election, rule).selected
