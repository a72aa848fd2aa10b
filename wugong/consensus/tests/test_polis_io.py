"""Tests of the Pol.is export reader/writer and ``compute_dir``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wugong.consensus import polis_io
from wugong.consensus.pipeline import NotEnoughParticipantsError, make_planted_votes
from wugong.consensus.polis_io import (
    COMMENT_COLUMNS,
    VOTE_COLUMNS,
    Comment,
    MalformedCSVError,
    PolisIOError,
    VoteTable,
    compute_dir,
    read_comments,
    read_export,
    read_votes,
    write_export,
)

VOTES_HEADER = ",".join(VOTE_COLUMNS) + "\n"
DATE = "Tue Nov 14 2023 22:13:20 GMT+0000 (Coordinated Universal Time)"


def planted_export(directory: Path, n: int = 200, seed: int = 1) -> None:
    data = make_planted_votes(n, 30, 2, (10, 25), agreement=0.85, seed=seed)
    comments = [Comment(comment_id=i, body=f"意见 {i}") for i in range(30)]
    votes = VoteTable(data.timestamps, data.statement_ids, data.voter_ids, data.votes)
    write_export(directory, comments, votes)


def test_export_columns_are_polis_columns() -> None:
    """The files use exactly the columns Pol.is exports."""
    assert COMMENT_COLUMNS == (
        "timestamp",
        "datetime",
        "comment-id",
        "author-id",
        "agrees",
        "disagrees",
        "moderated",
        "comment-body",
    )
    assert VOTE_COLUMNS == ("timestamp", "datetime", "comment-id", "voter-id", "vote")


def test_round_trip(tmp_path: Path) -> None:
    """Writing comments and votes and reading them back gives the same data."""
    comments = [
        Comment(1, "修路, 先修哪一段？", author_id=3, moderated=1, timestamp=1_700_000_000),
        Comment(2, 'He said "yes"\nand left', author_id=4, moderated=-1, agrees=2, disagrees=1),
        Comment(5, "", author_id=0, moderated=0),
    ]
    votes = VoteTable(
        timestamp=np.array([1_700_000_000, 1_700_000_100, 5, 1_700_000_900], dtype=np.int64),
        comment_id=np.array([1, 1, 2, 5], dtype=np.int64),
        voter_id=np.array([10, 123456, 10, 7], dtype=np.int64),
        vote=np.array([1, -1, 0, -1], dtype=np.int8),
    )
    write_export(tmp_path, comments, votes)
    export = read_export(tmp_path)
    assert export.comments == comments
    assert export.votes == votes
    assert export.mod_out_statement_ids() == [2]
    first = (tmp_path / "votes.csv").read_text().splitlines()[1]
    assert first == f"1700000000,{DATE},1,10,1"


def test_reads_polis_unquoted_comment_bodies(tmp_path: Path) -> None:
    """Pol.is writes comment-body unquoted; commas in it stay part of the body."""
    path = tmp_path / "comments.csv"
    path.write_text(
        ",".join(COMMENT_COLUMNS) + "\n" + f"1700000000,{DATE},7,2,5,1,1,路灯, 要装在村口\n"
    )
    [comment] = read_comments(path)
    assert comment.comment_id == 7 and comment.body == "路灯, 要装在村口"
    assert comment.agrees == 5 and comment.moderated == 1


def test_reads_crlf_quoted_and_chunked_votes(tmp_path: Path, monkeypatch) -> None:
    """CRLF line ends, a missing final newline, quoted fields and files larger than one
    parse chunk all read the same votes."""
    lines = [f"{1_700_000_000 + i},{DATE},{i % 7},{i // 7},{(i % 3) - 1}" for i in range(500)]
    expected = read_votes_text(tmp_path / "a.csv", VOTES_HEADER + "\n".join(lines) + "\n")
    crlf = read_votes_text(
        tmp_path / "b.csv", (VOTES_HEADER + "\n".join(lines)).replace("\n", "\r\n")
    )
    quoted = read_votes_text(
        tmp_path / "c.csv",
        VOTES_HEADER + "\n".join(line.replace(DATE, f'"{DATE}"') for line in lines),
    )
    monkeypatch.setattr(polis_io, "_CHUNK_BYTES", 1000)
    chunked = read_votes(tmp_path / "a.csv")
    assert len(expected) == 500
    assert expected == crlf == quoted == chunked
    assert expected.vote.tolist()[:3] == [-1, 0, 1]


def read_votes_text(path: Path, text: str) -> VoteTable:
    path.write_bytes(text.encode())
    return read_votes(path)


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        (f"1,{DATE},1,2,1\n2,{DATE},1,3\n", 3, "expected 5 fields, found 4"),
        (f"1,{DATE},1,2,1\n2,{DATE},1,3,1,9\n", 3, "expected 5 fields, found 6"),
        (f"1,{DATE},1,2,1\n2,{DATE},1,3,2\n", 3, "vote must be -1, 0 or 1"),
        (f"1,{DATE},1,2,1\n1,{DATE},1,2,1\n2,{DATE},x1,3,1\n", 4, "comment-id is not an integer"),
        (f"1,{DATE},1,,1\n", 2, "voter-id is not an integer"),
        (f"1,{DATE},1,2,1\n\n2,{DATE},1,3,1\n", 3, "blank line"),
        (f'1,"{DATE}",1,2,1\n2,"{DATE}",1,3\n', 3, "expected 5 fields, found 4"),
    ],
)
def test_malformed_votes_are_refused_with_the_line(
    tmp_path: Path, body: str, line: int, reason: str
) -> None:
    """A malformed votes.csv row raises MalformedCSVError naming the file and its line."""
    path = tmp_path / "votes.csv"
    path.write_text(VOTES_HEADER + body)
    with pytest.raises(MalformedCSVError) as info:
        read_votes(path)
    assert info.value.line == line
    assert reason in str(info.value)
    assert str(path) in str(info.value) and f"line {line}" in str(info.value)


def test_malformed_votes_found_in_a_later_chunk(tmp_path: Path, monkeypatch) -> None:
    """Line numbers stay right when the bad row is in a later chunk."""
    rows = [f"{i},{DATE},1,{i},1\n" for i in range(300)]
    rows[250] = f"250,{DATE},1,250,-7\n"
    path = tmp_path / "votes.csv"
    path.write_text(VOTES_HEADER + "".join(rows))
    monkeypatch.setattr(polis_io, "_CHUNK_BYTES", 2048)
    with pytest.raises(MalformedCSVError) as info:
        read_votes(path)
    assert info.value.line == 252


def test_malformed_headers_and_comments_are_refused(tmp_path: Path) -> None:
    """Missing columns and bad comment rows raise MalformedCSVError with the line."""
    votes = tmp_path / "votes.csv"
    votes.write_text("timestamp,comment-id,vote\n1,2,1\n")
    with pytest.raises(MalformedCSVError, match="voter-id") as info:
        read_votes(votes)
    assert info.value.line == 1
    comments = tmp_path / "comments.csv"
    header = ",".join(COMMENT_COLUMNS) + "\n"
    comments.write_text(header + f"1,{DATE},1,2,0,0,0,ok\n1,{DATE},abc,2,0,0,0,bad\n")
    with pytest.raises(MalformedCSVError, match="comment-id") as info:
        read_comments(comments)
    assert info.value.line == 3
    comments.write_text(header + f"1,{DATE},1,2,0,0,0,ok\n2,{DATE},1,2,0,0,0,dup\n")
    with pytest.raises(MalformedCSVError, match="duplicate") as info:
        read_comments(comments)
    assert info.value.line == 3


def test_compute_dir_json(tmp_path: Path) -> None:
    """compute_dir returns the CLI's JSON: every grouped voter, consensus, repness per group."""
    planted_export(tmp_path)
    out = compute_dir(tmp_path)
    assert set(out) == {"groups", "consensus", "repness"}
    assert len(out["groups"]) == 200
    assert set(out["repness"]) == {str(g) for g in set(out["groups"].values())}
    assert all(isinstance(s, int) for s in out["consensus"]["agree"])
    assert json.loads(json.dumps(out)) == out
    assert compute_dir(tmp_path, consensus="group-informed")["groups"] == out["groups"]


def test_compute_dir_refuses_too_small_and_missing(tmp_path: Path) -> None:
    """Too few voters raise NotEnoughParticipantsError; a missing file raises PolisIOError."""
    planted_export(tmp_path, n=12)
    with pytest.raises(NotEnoughParticipantsError, match="参与人数不足"):
        compute_dir(tmp_path)
    (tmp_path / "votes.csv").unlink()
    with pytest.raises(PolisIOError, match=r"votes\.csv"):
        compute_dir(tmp_path)
