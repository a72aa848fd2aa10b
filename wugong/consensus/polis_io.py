"""Read and write the Pol.is data export: ``comments.csv`` and ``votes.csv``.

Columns are the ones Pol.is's ``/api/v3/reportExport/<rid>/<file>`` writes
(``server/src/routes/export.ts``), which red-dwarf's loader also reads:

* ``comments.csv``: timestamp, datetime, comment-id, author-id, agrees, disagrees, moderated,
  comment-body
* ``votes.csv``: timestamp, datetime, comment-id, voter-id, vote

``timestamp`` is Unix seconds, ``datetime`` is JavaScript's ``Date.toString()`` of it, ``vote``
is 1 agree, -1 disagree, 0 pass, and ``moderated`` is 1 accepted, 0 unmoderated, -1 rejected.
An optional ``is-meta`` comments column (some exports have it) marks meta statements.

``votes.csv`` can hold millions of rows, so it is parsed with vectorised numpy code in chunks
(no pandas); files using CSV quoting fall back to the ``csv`` module. Any malformed row raises
``MalformedCSVError`` naming the file and the 1-based line.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from wugong.consensus.pipeline import run_pipeline

ConsensusMode = Literal["polis", "group-informed"]

__all__ = [
    "COMMENT_COLUMNS",
    "VOTE_COLUMNS",
    "Comment",
    "ConsensusMode",
    "MalformedCSVError",
    "PolisExport",
    "PolisIOError",
    "VoteTable",
    "compute_dir",
    "js_datetime",
    "read_comments",
    "read_export",
    "read_votes",
    "write_comments",
    "write_export",
    "write_votes",
]

COMMENT_COLUMNS = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
_VOTE_INT_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
_REQUIRED_COMMENT_COLUMNS = ("comment-id", "moderated", "comment-body")

_CHUNK_BYTES = 8 << 20
_COMMA, _NEWLINE, _CR, _QUOTE, _MINUS, _ZERO = 44, 10, 13, 34, 45, 48


class PolisIOError(ValueError):
    """A Pol.is export file cannot be used."""


class MalformedCSVError(PolisIOError):
    """A row of a Pol.is export file is malformed."""

    def __init__(self, path: str | os.PathLike[str], line: int, reason: str):
        self.path = str(path)
        self.line = line
        self.reason = reason
        super().__init__(
            f"{self.path} 第 {line} 行格式错误：{reason}。 {self.path} line {line}: {reason}"
        )


@dataclass(frozen=True)
class Comment:
    """One row of ``comments.csv``."""

    comment_id: int
    body: str
    author_id: int = 0
    moderated: int = 0
    timestamp: int = 0
    agrees: int = 0
    disagrees: int = 0
    is_meta: bool = False


@dataclass(frozen=True)
class VoteTable:
    """The rows of ``votes.csv`` as parallel arrays."""

    timestamp: NDArray[np.int64]
    comment_id: NDArray[np.int64]
    voter_id: NDArray[np.int64]
    vote: NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.vote)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VoteTable):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, name), getattr(other, name))
            for name in ("timestamp", "comment_id", "voter_id", "vote")
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class PolisExport:
    comments: list[Comment]
    votes: VoteTable

    def mod_out_statement_ids(self) -> list[int]:
        """Statements Pol.is leaves out of the math: rejected (moderated = -1) or meta."""
        return sorted(c.comment_id for c in self.comments if c.moderated == -1 or c.is_meta)


_JS_TIME_SUFFIX = " GMT+0000 (Coordinated Universal Time)"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def js_datetime(timestamp: int) -> str:
    """``new Date(ms).toString()`` as a UTC server prints it (Pol.is's ``datetime`` column)."""
    t = datetime.fromtimestamp(timestamp, UTC)
    return (
        f"{_WEEKDAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day:02d} {t.year} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}{_JS_TIME_SUFFIX}"
    )


# --------------------------------------------------------------------------- comments.csv


def _parse_int(path: Path, line: int, column: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise MalformedCSVError(path, line, f"{column} is not an integer: {text!r}") from None


def _parse_bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "t", "yes")


def read_comments(path: str | os.PathLike[str]) -> list[Comment]:
    """Read ``comments.csv``. Unknown columns are ignored; ``comment-body`` may be unquoted
    and contain commas when it is the last column (as Pol.is writes it)."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise MalformedCSVError(path, 1, "empty file, expected a header row") from None
        except csv.Error as exc:
            raise MalformedCSVError(path, 1, str(exc)) from None
        header = [h.strip() for h in header]
        missing = [c for c in _REQUIRED_COMMENT_COLUMNS if c not in header]
        if missing:
            raise MalformedCSVError(path, 1, f"missing column(s) {', '.join(missing)}")
        col = {name: i for i, name in enumerate(header)}
        body_last = col["comment-body"] == len(header) - 1
        comments: list[Comment] = []
        seen: set[int] = set()
        line = 1
        try:
            for row in reader:
                line = reader.line_num
                if not row or row == [""]:
                    continue
                if len(row) > len(header) and body_last:
                    row = [*row[: len(header) - 1], ",".join(row[len(header) - 1 :])]
                if len(row) != len(header):
                    raise MalformedCSVError(
                        path, line, f"expected {len(header)} fields, found {len(row)}"
                    )

                def get_int(name: str, row: list[str] = row, line: int = line) -> int:
                    if name not in col or row[col[name]].strip() == "":
                        return 0
                    return _parse_int(path, line, name, row[col[name]])

                comment_id = get_int("comment-id")
                if row[col["comment-id"]].strip() == "":
                    raise MalformedCSVError(path, line, "comment-id is empty")
                if comment_id in seen:
                    raise MalformedCSVError(path, line, f"duplicate comment-id {comment_id}")
                seen.add(comment_id)
                moderated = get_int("moderated")
                if moderated not in (-1, 0, 1):
                    raise MalformedCSVError(
                        path, line, f"moderated must be -1, 0 or 1: {moderated}"
                    )
                comments.append(
                    Comment(
                        comment_id=comment_id,
                        body=row[col["comment-body"]],
                        author_id=get_int("author-id"),
                        moderated=moderated,
                        timestamp=get_int("timestamp"),
                        agrees=get_int("agrees"),
                        disagrees=get_int("disagrees"),
                        is_meta="is-meta" in col and _parse_bool(row[col["is-meta"]]),
                    )
                )
        except csv.Error as exc:
            raise MalformedCSVError(path, reader.line_num or line, str(exc)) from None
    return comments


def write_comments(path: str | os.PathLike[str], comments: Iterable[Comment]) -> None:
    """Write ``comments.csv`` with Pol.is's columns (bodies quoted when needed)."""
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COMMENT_COLUMNS)
        for c in comments:
            writer.writerow(
                [
                    c.timestamp,
                    js_datetime(c.timestamp),
                    c.comment_id,
                    c.author_id,
                    c.agrees,
                    c.disagrees,
                    c.moderated,
                    c.body,
                ]
            )


# --------------------------------------------------------------------------- votes.csv


class _NeedsCsvModule(Exception):
    """The fast parser met CSV quoting; use the csv module instead."""


def _vote_header(path: Path, header_line: bytes) -> tuple[int, dict[str, int]]:
    try:
        text = header_line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedCSVError(path, 1, "header is not UTF-8") from None
    names = [h.strip() for h in next(csv.reader([text.rstrip("\r\n")]), [])]
    missing = [c for c in _VOTE_INT_COLUMNS if c not in names]
    if missing:
        raise MalformedCSVError(path, 1, f"missing column(s) {', '.join(missing)}")
    return len(names), {name: names.index(name) for name in _VOTE_INT_COLUMNS}


def _parse_int_fields(
    buf: NDArray[np.uint8], starts: NDArray[np.int64], ends: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Parse decimal integers buf[starts:ends] (optional leading '-'); also return validity."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64), np.ones(0, dtype=bool)
    negative = (ends > starts) & (buf[starts] == _MINUS)
    first = starts + negative
    length = ends - first
    ok = (length > 0) & (length <= 18)
    width = int(min(length.max(), 18))
    if width <= 0:
        return np.zeros(len(starts), dtype=np.int64), ok
    # Right-aligned digit matrix: column j holds the digit at position ends - width + j.
    idx = ends[:, None] - np.arange(width, 0, -1)
    inside = idx >= first[:, None]
    np.maximum(idx, 0, out=idx)
    digits = buf[idx] - np.uint8(_ZERO)
    digits[~inside] = 0
    ok &= (digits <= 9).all(axis=1)
    value = digits.astype(np.int64) @ (10 ** np.arange(width - 1, -1, -1, dtype=np.int64))
    return np.where(negative, -value, value), ok


def _parse_vote_chunk(
    path: Path,
    data: bytes,
    first_line: int,
    n_fields: int,
    columns: dict[str, int],
) -> tuple[list[NDArray[np.int64]], int]:
    """Parse complete lines; return the four integer columns and the number of lines."""
    if data.find(b'"') >= 0:
        raise _NeedsCsvModule
    buf = np.frombuffer(data, dtype=np.uint8)
    is_newline = buf == _NEWLINE
    seps = np.flatnonzero(is_newline | (buf == _COMMA))
    n_lines = int(np.count_nonzero(is_newline))
    del is_newline
    if len(seps) == n_lines * n_fields:
        kinds = buf[seps].reshape(n_lines, n_fields)
        regular = bool((kinds[:, -1] == _NEWLINE).all() and (kinds[:, :-1] == _COMMA).all())
    else:
        regular = False
    if not regular:
        _raise_irregular(path, buf, first_line, n_fields)
    seps = seps.reshape(n_lines, n_fields)
    line_starts = np.empty(n_lines, dtype=np.int64)
    line_starts[0] = 0
    line_starts[1:] = seps[:-1, -1] + 1
    out: list[NDArray[np.int64]] = []
    for name in _VOTE_INT_COLUMNS:
        j = columns[name]
        starts = line_starts if j == 0 else seps[:, j - 1] + 1
        ends = seps[:, j]
        if j == n_fields - 1:
            ends = ends - ((ends > starts) & (buf[np.maximum(ends - 1, 0)] == _CR))
        values, ok = _parse_int_fields(buf, starts, ends)
        if name == "vote":
            ok &= (values >= -1) & (values <= 1)
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            text = bytes(buf[starts[i] : ends[i]]).decode("utf-8", "replace")
            what = "must be -1, 0 or 1" if name == "vote" else "is not an integer"
            raise MalformedCSVError(path, first_line + i, f"{name} {what}: {text!r}")
        out.append(values)
    return out, n_lines


def _raise_irregular(path: Path, buf: NDArray[np.uint8], first_line: int, n_fields: int) -> None:
    """Some line has the wrong number of fields (or is blank): find it and raise."""
    newlines = np.flatnonzero(buf == _NEWLINE)
    starts = np.concatenate(([0], newlines[:-1] + 1))
    commas = np.flatnonzero(buf == _COMMA)
    per_line = np.searchsorted(commas, newlines) - np.searchsorted(commas, starts)
    blank = (newlines - starts) == (buf[np.maximum(newlines - 1, 0)] == _CR)
    bad = np.flatnonzero((per_line != n_fields - 1) | blank)
    i = int(bad[0]) if len(bad) else 0
    reason = (
        "blank line" if blank[i] else f"expected {n_fields} fields, found {int(per_line[i]) + 1}"
    )
    raise MalformedCSVError(path, first_line + i, reason)


def _read_votes_csv_module(path: Path) -> VoteTable:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in _VOTE_INT_COLUMNS if c not in header]
        if missing:
            raise MalformedCSVError(path, 1, f"missing column(s) {', '.join(missing)}")
        idx = [header.index(c) for c in _VOTE_INT_COLUMNS]
        cols: list[list[int]] = [[], [], [], []]
        try:
            for row in reader:
                if not row or row == [""]:
                    continue
                if len(row) != len(header):
                    raise MalformedCSVError(
                        path, reader.line_num, f"expected {len(header)} fields, found {len(row)}"
                    )
                for out, i, name in zip(cols, idx, _VOTE_INT_COLUMNS, strict=True):
                    out.append(_parse_int(path, reader.line_num, name, row[i]))
                if cols[3][-1] not in (-1, 0, 1):
                    raise MalformedCSVError(
                        path, reader.line_num, f"vote must be -1, 0 or 1: {row[idx[3]]!r}"
                    )
        except csv.Error as exc:
            raise MalformedCSVError(path, reader.line_num, str(exc)) from None
    return VoteTable(
        timestamp=np.asarray(cols[0], dtype=np.int64),
        comment_id=np.asarray(cols[1], dtype=np.int64),
        voter_id=np.asarray(cols[2], dtype=np.int64),
        vote=np.asarray(cols[3], dtype=np.int8),
    )


def read_votes(path: str | os.PathLike[str]) -> VoteTable:
    """Read ``votes.csv`` (fast path: vectorised numpy over 8 MiB chunks)."""
    path = Path(path)
    parts: list[list[NDArray[np.int64]]] = []
    with path.open("rb") as fh:
        header_line = fh.readline()
        if not header_line.strip():
            raise MalformedCSVError(path, 1, "empty file, expected a header row")
        n_fields, columns = _vote_header(path, header_line)
        line = 2
        rest = b""
        try:
            while True:
                block = fh.read(_CHUNK_BYTES)
                data = rest + block
                if not block:  # end of file: drop trailing blank lines, end the last line
                    data = data.rstrip(b"\r\n")
                    if not data:
                        break
                    data += b"\n"
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
                chunk, rest = data[:cut], data[cut:]
                columns_out, n_lines = _parse_vote_chunk(path, chunk, line, n_fields, columns)
                parts.append(columns_out)
                line += n_lines
                if not block:
                    break
        except _NeedsCsvModule:
            return _read_votes_csv_module(path)
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return VoteTable(empty, empty, empty, empty.astype(np.int8))
    merged = [np.concatenate([part[i] for part in parts]) for i in range(4)]
    return VoteTable(
        timestamp=merged[0],
        comment_id=merged[1],
        voter_id=merged[2],
        vote=merged[3].astype(np.int8),
    )


def write_votes(path: str | os.PathLike[str], votes: VoteTable) -> None:
    """Write ``votes.csv`` with Pol.is's columns."""
    day_prefix: dict[int, str] = {}
    cut = len("00:00:00" + _JS_TIME_SUFFIX)
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(VOTE_COLUMNS) + "\n")
        rows = zip(
            votes.timestamp.tolist(),
            votes.comment_id.tolist(),
            votes.voter_id.tolist(),
            votes.vote.tolist(),
            strict=True,
        )
        lines: list[str] = []
        for ts, cid, vid, v in rows:
            day, sec = divmod(ts, 86400)
            prefix = day_prefix.get(day)
            if prefix is None:
                prefix = day_prefix[day] = js_datetime(day * 86400)[:-cut]
            hour, rem = divmod(sec, 3600)
            minute, second = divmod(rem, 60)
            lines.append(
                f"{ts},{prefix}{hour:02d}:{minute:02d}:{second:02d}{_JS_TIME_SUFFIX},"
                f"{cid},{vid},{v}\n"
            )
            if len(lines) >= 100_000:
                fh.write("".join(lines))
                lines.clear()
        fh.write("".join(lines))


# --------------------------------------------------------------------------- directories


def read_export(directory: str | os.PathLike[str]) -> PolisExport:
    """Read ``comments.csv`` and ``votes.csv`` from an export directory."""
    directory = Path(directory)
    for name in ("comments.csv", "votes.csv"):
        if not (directory / name).is_file():
            raise PolisIOError(f"{directory} 中缺少 {name}。 {name} not found in {directory}")
    return PolisExport(
        comments=read_comments(directory / "comments.csv"),
        votes=read_votes(directory / "votes.csv"),
    )


def write_export(
    directory: str | os.PathLike[str], comments: Sequence[Comment], votes: VoteTable
) -> None:
    """Write ``comments.csv`` and ``votes.csv`` into ``directory`` (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_comments(directory / "comments.csv", comments)
    write_votes(directory / "votes.csv", votes)


# --------------------------------------------------------------------------- compute


def compute_dir(
    path: str | os.PathLike[str], seed: int = 0, consensus: ConsensusMode = "polis"
) -> dict[str, dict[str, object]]:
    """Run the opinion-group pipeline on a Pol.is export directory; return the JSON dict.

    Shape: ``{"groups": {"<voter-id>": <group>}, "consensus": {"agree": [<comment-id>...],
    "disagree": [...]}, "repness": {"<group>": [<comment-id>...]}}``, lists best first.
    Rejected and meta comments are left out of consensus and repness and zeroed in the PCA.
    Raises ``PolisIOError`` for unusable files and
    ``wugong.consensus.pipeline.NotEnoughParticipantsError`` for too small a conversation.
    """
    export = read_export(path)
    votes = export.votes
    result = run_pipeline(
        votes.voter_id,
        votes.comment_id,
        votes.vote,
        votes.timestamp,
        mod_out_statement_ids=export.mod_out_statement_ids(),
        seed=seed,
    )
    return result.to_json(consensus)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m wugong.consensus.polis_io DIR``: print ``compute_dir(DIR)`` as JSON."""
    import argparse
    import json
    import sys

    from wugong.consensus.pipeline import ConsensusError

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("directory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--consensus", choices=("polis", "group-informed"), default="polis")
    args = parser.parse_args(argv)
    try:
        out = compute_dir(args.directory, seed=args.seed, consensus=args.consensus)
    except (PolisIOError, ConsensusError) as exc:
        print(exc, file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
