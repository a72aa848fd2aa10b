"""Read and write the pabulib ``.pb`` format (https://pabulib.org/format).

A ``.pb`` file has three ``;``-separated sections, each introduced by a line holding only its
name and followed by a header row::

    META
    key;value
    budget;100000
    vote_type;approval
    PROJECTS
    project_id;cost;name
    1;30000;Playground
    VOTES
    voter_id;vote
    1;1,3

Parsing follows pabutools' ``parse_pabulib`` (section names case-insensitive, blank lines
skipped, fields stripped, ``none`` meaning "no value", a decimal comma allowed in ``cost`` and
``budget``) but is strict about malformed input: every problem raises :class:`PabulibError`
naming the line, in Chinese first then English, e.g.
``第 12 行：投票引用了不存在的项目 “7” (line 12: vote refers to unknown project '7')``.

Values are kept verbatim as strings in :class:`PabulibFile`, so ``parse_pabulib(
format_pabulib(pb)) == pb``; :func:`to_election` interprets them. Supported vote types:
``approval`` and ``choose-1`` (approval), ``cumulative`` and ``scoring`` (points; points must be
non-negative integers) and ``ordinal`` (treated as approval of every ranked project, which is
what pabutools' ``Cost_Sat`` does with ordinal ballots).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from wugong.budgeting.allocation import Election, allocate, format_money

SECTIONS = ("meta", "projects", "votes")
APPROVAL_TYPES = ("approval", "choose-1", "ordinal")
POINTS_TYPES = ("cumulative", "scoring")


class PabulibError(ValueError):
    """A malformed ``.pb`` file. ``line`` is 1-based (None when the problem is file-wide)."""

    def __init__(self, line: int | None, message_zh: str, message_en: str) -> None:
        self.line = line
        self.message_zh = message_zh
        self.message_en = message_en
        if line is None:
            text = f"{message_zh} ({message_en})"
        else:
            text = f"第 {line} 行：{message_zh} (line {line}: {message_en})"
        super().__init__(text)


@dataclass
class PabulibFile:
    """The raw content of a ``.pb`` file; every value is the stripped string from the file.

    ``meta`` keeps file order. ``projects`` / ``votes`` hold one dict per row keyed by the
    header's column names (a missing trailing field is absent from the dict). ``*_lines`` record
    where each row was read (empty for data built in code) to name lines in later errors.
    """

    meta: dict[str, str] = field(default_factory=dict)
    project_columns: list[str] = field(default_factory=lambda: ["project_id", "cost"])
    projects: list[dict[str, str]] = field(default_factory=list)
    vote_columns: list[str] = field(default_factory=lambda: ["voter_id", "vote"])
    votes: list[dict[str, str]] = field(default_factory=list)
    meta_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    project_lines: list[int] = field(default_factory=list, compare=False, repr=False)
    vote_lines: list[int] = field(default_factory=list, compare=False, repr=False)


def _missing(value: str | None) -> bool:
    return value is None or value == "" or value.lower() == "none"


def parse_pabulib(text: str) -> PabulibFile:
    """Parse the text of a ``.pb`` file; raises :class:`PabulibError` on malformed input
    (including votes naming unknown projects, bad costs or points: the file is also checked by
    :func:`to_election`)."""
    return _parse(text)[0]


def _parse(text: str) -> tuple[PabulibFile, Election]:
    text = text.removeprefix("\ufeff")
    reader = csv.reader(text.splitlines(), delimiter=";")
    pb = PabulibFile()
    seen: set[str] = set()
    section = ""
    header: list[str] = []
    project_ids: set[str] = set()
    voter_ids: set[str] = set()
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            first = row[0].strip().lower()
            if first in SECTIONS and all(not cell.strip() for cell in row[1:]):
                if first in seen:
                    raise PabulibError(
                        line, f"{first.upper()} 部分重复出现", f"duplicate {first.upper()} section"
                    )
                seen.add(first)
                section = first
                header = _read_header(reader, section)
                if section == "projects":
                    pb.project_columns = header
                elif section == "votes":
                    pb.vote_columns = header
                continue
            if not section:
                raise PabulibError(
                    line,
                    "文件必须以 META、PROJECTS 或 VOTES 部分开头",
                    "file must start with a META, PROJECTS or VOTES section",
                )
            if len(row) > len(header):
                raise PabulibError(
                    line,
                    f"字段数 {len(row)} 多于表头的 {len(header)} 列",
                    f"{len(row)} fields but the header has {len(header)} columns",
                )
            values = {header[i]: cell.strip() for i, cell in enumerate(row)}
            if section == "meta":
                key = values.get(header[0], "")
                if not key:
                    raise PabulibError(line, "META 行缺少键名", "META row without a key")
                if key in pb.meta:
                    raise PabulibError(line, f"META 键 “{key}” 重复", f"duplicate META key {key!r}")
                pb.meta[key] = values.get(header[1], "") if len(header) > 1 else ""
                pb.meta_lines[key] = line
            elif section == "projects":
                pid = values.get("project_id", "")
                if not pid:
                    raise PabulibError(
                        line, "项目行缺少 project_id", "project row without project_id"
                    )
                if pid in project_ids:
                    raise PabulibError(
                        line, f"项目编号 “{pid}” 重复", f"duplicate project_id {pid!r}"
                    )
                project_ids.add(pid)
                pb.projects.append(values)
                pb.project_lines.append(line)
            else:
                vid = values.get("voter_id", "")
                if not vid:
                    raise PabulibError(line, "投票行缺少 voter_id", "vote row without voter_id")
                if vid in voter_ids:
                    raise PabulibError(
                        line, f"投票人编号 “{vid}” 重复", f"duplicate voter_id {vid!r}"
                    )
                voter_ids.add(vid)
                pb.votes.append(values)
                pb.vote_lines.append(line)
    except csv.Error as exc:
        raise PabulibError(reader.line_num, f"CSV 格式错误：{exc}", f"CSV error: {exc}") from None
    for name in SECTIONS:
        if name not in seen:
            raise PabulibError(None, f"缺少 {name.upper()} 部分", f"missing {name.upper()} section")
    return pb, to_election(pb)


class _Reader(Protocol):
    line_num: int

    def __next__(self) -> list[str]: ...


class _Writer(Protocol):
    def writerow(self, row: Iterable[str]) -> object: ...


def _read_header(reader: _Reader, section: str) -> list[str]:
    line = reader.line_num
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise PabulibError(
            line + 1, f"{section.upper()} 部分缺少表头", f"{section.upper()} section has no header"
        ) from None
    line = reader.line_num
    if any(not column for column in header):
        raise PabulibError(line, "表头含有空列名", "header has an empty column name")
    if len(set(header)) != len(header):
        raise PabulibError(line, "表头列名重复", "duplicate column in header")
    required = {"meta": ["key", "value"], "projects": ["project_id", "cost"]}
    required["votes"] = ["voter_id", "vote"]
    if section == "meta":
        if len(header) < 2:
            raise PabulibError(line, "META 表头应为 key;value", "META header must be key;value")
    else:
        for column in required[section]:
            if column not in header:
                raise PabulibError(
                    line,
                    f"{section.upper()} 表头缺少 “{column}” 列",
                    f"{section.upper()} header lacks the {column!r} column",
                )
    if section == "projects" and header[0] != "project_id":
        raise PabulibError(
            line, "PROJECTS 表头第一列必须是 project_id", "first column must be project_id"
        )
    if section == "votes" and header[0] != "voter_id":
        raise PabulibError(line, "VOTES 表头第一列必须是 voter_id", "first column must be voter_id")
    return header


def _number(raw: str | None, line: int | None, what_zh: str, what_en: str) -> Fraction:
    if _missing(raw):
        raise PabulibError(line, f"缺少{what_zh}", f"missing {what_en}")
    assert raw is not None
    try:
        value = Fraction(raw.replace(",", ".").replace(" ", ""))
    except (ValueError, ZeroDivisionError):
        raise PabulibError(
            line, f"{what_zh}“{raw}”不是有效数字", f"{what_en} {raw!r} is not a valid number"
        ) from None
    if value < 0:
        raise PabulibError(line, f"{what_zh}不能为负数：{raw}", f"{what_en} must not be negative")
    return value


def _line(lines: list[int] | dict[str, int], key: int | str) -> int | None:
    if isinstance(lines, dict):
        return lines.get(str(key))
    return lines[key] if isinstance(key, int) and key < len(lines) else None


def to_election(pb: PabulibFile) -> Election:
    """Interpret a parsed file as an :class:`Election` (raises :class:`PabulibError`)."""
    budget = _number(pb.meta.get("budget"), _line(pb.meta_lines, "budget"), "预算", "budget")
    vote_type = pb.meta.get("vote_type", "").lower()
    if vote_type not in APPROVAL_TYPES + POINTS_TYPES:
        raise PabulibError(
            _line(pb.meta_lines, "vote_type"),
            f"不支持的投票类型 “{pb.meta.get('vote_type', '')}”",
            f"unsupported vote_type {pb.meta.get('vote_type', '')!r} "
            f"(expected one of {', '.join(APPROVAL_TYPES + POINTS_TYPES)})",
        )
    costs: dict[str, Fraction] = {}
    for index, project in enumerate(pb.projects):
        line = _line(pb.project_lines, index)
        pid = project.get("project_id", "")
        if not pid:
            raise PabulibError(line, "项目行缺少 project_id", "project row without project_id")
        if pid in costs:
            raise PabulibError(line, f"项目编号 “{pid}” 重复", f"duplicate project_id {pid!r}")
        costs[pid] = _number(project.get("cost"), line, "费用", "cost")
    points_kind = vote_type in POINTS_TYPES
    ballots: list[frozenset[str] | dict[str, int]] = []
    for index, vote in enumerate(pb.votes):
        line = _line(pb.vote_lines, index)
        raw = vote.get("vote", "")
        chosen = [] if _missing(raw) else [item.strip() for item in raw.split(",")]
        chosen = [item for item in chosen if item]
        if len(set(chosen)) != len(chosen):
            raise PabulibError(
                line, "同一项目在一张选票中出现多次", "a project appears twice in a vote"
            )
        for pid in chosen:
            if pid not in costs:
                raise PabulibError(
                    line,
                    f"投票引用了不存在的项目 “{pid}”",
                    f"vote refers to unknown project {pid!r}",
                )
        if not points_kind:
            ballots.append(frozenset(chosen))
            continue
        raw_points = vote.get("points")
        if _missing(raw_points):
            if chosen:
                raise PabulibError(line, "缺少 points 字段", "missing points for this vote")
            ballots.append({})
            continue
        assert raw_points is not None
        items = [item.strip() for item in raw_points.split(",")]
        if len(items) != len(chosen):
            raise PabulibError(
                line,
                f"points 有 {len(items)} 项，但 vote 有 {len(chosen)} 项",
                f"{len(items)} points for {len(chosen)} projects",
            )
        ballot: dict[str, int] = {}
        for pid, item in zip(chosen, items, strict=True):
            value = _number(item, line, "分数", "points")
            if value.denominator != 1:
                raise PabulibError(
                    line, f"分数必须是整数：{item}", f"points must be integers: {item}"
                )
            ballot[pid] = int(value)
        ballots.append(ballot)
    return Election(costs, budget, ballots, kind="points" if points_kind else "approval")


def read_pabulib(path: str | Path) -> PabulibFile:
    """Read and parse a ``.pb`` file (UTF-8, optional BOM)."""
    return parse_pabulib(_read_text(path))


def _read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PabulibError(None, "文件不是 UTF-8 编码", f"file is not UTF-8: {exc}") from None
    except OSError as exc:
        raise PabulibError(
            None, f"无法读取文件：{exc.strerror}", f"cannot read file: {exc}"
        ) from None


def format_pabulib(pb: PabulibFile) -> str:
    """The ``.pb`` text for ``pb`` (fields quoted by the csv module only when needed)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in pb.meta.items():
        writer.writerow([key, value])
    out.write("PROJECTS\n")
    _write_rows(writer, pb.project_columns, pb.projects)
    out.write("VOTES\n")
    _write_rows(writer, pb.vote_columns, pb.votes)
    return out.getvalue()


def _write_rows(writer: _Writer, columns: list[str], rows: list[dict[str, str]]) -> None:
    writer.writerow(columns)
    for row in rows:
        cells = [row.get(column) for column in columns]
        while cells and cells[-1] is None:
            cells.pop()
        writer.writerow(["" if cell is None else cell for cell in cells])


def write_pabulib(pb: PabulibFile, path: str | Path) -> None:
    """Write ``pb`` to ``path`` as UTF-8."""
    Path(path).write_text(format_pabulib(pb), encoding="utf-8")


def from_election(election: Election, meta: dict[str, str] | None = None) -> PabulibFile:
    """A :class:`PabulibFile` for ``election``; voters are numbered from 1 in ballot order."""
    points = election.kind == "points"
    pb = PabulibFile(meta=dict(meta or {}))
    pb.meta.setdefault("description", "Wugong participatory budgeting")
    pb.meta.setdefault("country", "China")
    pb.meta.setdefault("unit", "")
    pb.meta.setdefault("instance", "")
    pb.meta["num_projects"] = str(len(election.costs))
    pb.meta["num_votes"] = str(len(election.ballots))
    pb.meta["budget"] = format_money(election.budget_limit)
    pb.meta["vote_type"] = "cumulative" if points else "approval"
    pb.meta.setdefault("rule", "equalshares")
    pb.projects = [
        {"project_id": pid, "cost": format_money(c)} for pid, c in election.costs.items()
    ]
    order = {pid: i for i, pid in enumerate(election.costs)}
    if points:
        pb.vote_columns = ["voter_id", "vote", "points"]
    for number, ballot in enumerate(election.ballots, start=1):
        if points:
            assert isinstance(ballot, Mapping)
            chosen = sorted((pid for pid, pts in ballot.items() if pts > 0), key=order.__getitem__)
            row = {"voter_id": str(number), "vote": ",".join(chosen)}
            row["points"] = ",".join(str(ballot[pid]) for pid in chosen)
        else:
            chosen = sorted(set(ballot), key=order.__getitem__)
            row = {"voter_id": str(number), "vote": ",".join(chosen)}
        pb.votes.append(row)
    return pb


def compute_file(path: str | Path, rule: str) -> list[str]:
    """Lines printed by ``wugong pb compute``: the funded project ids in order of selection
    (MES: the order MES funds them, then greedy completion for mes-add1; greedy: by decreasing
    support), then the budget used (exact, e.g. ``123456`` or ``1234.5``)."""
    result = allocate(_parse(_read_text(path))[1], rule)
    return [*result.selected, format_money(result.budget_used)]


__all__ = [
    "PabulibError",
    "PabulibFile",
    "compute_file",
    "format_pabulib",
    "from_election",
    "parse_pabulib",
    "read_pabulib",
    "to_election",
    "write_pabulib",
]
