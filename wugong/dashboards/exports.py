"""Report card (晒成绩单) exports: .xlsx (openpyxl) and CSV (UTF-8 with a BOM, so that Excel
opens the Chinese correctly). One line per figure, then one line per place below."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from wugong.dashboards.metrics import yuan_text
from wugong.dashboards.selectors import Board

Cell = int | str | Decimal


def reportcard_lines(board: Board) -> list[tuple[str, Cell]]:
    """(label, value) for every figure a report card shows; money in yuan as exact text."""
    s = board.sections
    lines: list[tuple[str, Cell]] = [
        (_("地点"), board.place.name),
        (_("数据月份"), board.period.strftime("%Y-%m") if board.period else ""),
        (_("数据更新于"), board.refreshed_at.isoformat() if board.refreshed_at else ""),
        (_("作出决策（项）"), s["decisions"]["total"]),
        (_("其中：投票表决"), s["decisions"]["votes"]),
        (_("其中：会议决定"), s["decisions"]["meetings"]),
        (_("项目（个）"), s["projects"]["total"]),
    ]
    lines += [(_("项目·%(s)s") % {"s": label}, n) for _k, label, n in s["projects"]["stages"]]
    lines += [
        (_("资金·%(s)s（元）") % {"s": label}, yuan_text(fen))
        for _k, label, fen in s["money"]["sources"]
    ]
    m = s["money"]
    lines += [
        (_("捐物投劳折价（元）"), yuan_text(m["in_kind_fen"])),
        (_("撬动资金合计（元）"), m["total_text"]),
        (_("撬动比（政府1元带动）"), m["leverage"]),
        (_("投工投劳（工日）"), m["labour_days"]),
        (_("投工投劳（人次）"), m["labour_times"]),
        (_("志愿者（人）"), s["participation"]["volunteers"]),
        (_("志愿服务（小时）"), s["participation"]["volunteer_hours"]),
        (_("提出问题的群众（人）"), s["participation"]["proposers"]),
        (_("参与投票（人/户）"), s["participation"]["voters"]),
        (_("问题报告（件）"), s["reports"]["total"]),
        (_("已答复（件）"), s["reports"]["answer"]["numerator"]),
        (_("按时办结率"), s["reports"]["in_time"]["percent"]),
        (_("办理满意率"), s["satisfaction"]["reports"]["percent"]),
        (_("项目满意度（平均星级）"), s["satisfaction"]["projects"]),
        (_("发放积分"), s["points"]["issued"]),
        (_("兑换积分"), s["points"]["redeemed"]),
    ]
    return lines


def child_rows(board: Board) -> list[list[Cell]]:
    out: list[list[Cell]] = []
    for c in board.children:
        s = c.sections
        out.append(
            [
                c.place.name,
                s["projects"]["total"],
                s["money"]["total_text"],
                s["money"]["labour_days"],
                s["participation"]["volunteers"],
                s["reports"]["total"],
                s["points"]["issued"],
            ]
        )
    return out


def _header() -> list[str]:
    return [
        _("地点"),
        _("项目"),
        _("撬动资金合计（元）"),
        _("投工投劳（工日）"),
        _("志愿者"),
        _("问题报告"),
        _("发放积分"),
    ]


def reportcard_csv(board: Board) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([_("项目"), _("数值")])
    for label, value in reportcard_lines(board):
        w.writerow([label, str(value)])
    if board.children:
        w.writerow([])
        w.writerow(_header())
        for row in child_rows(board):
            w.writerow([str(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _cell(value: Any) -> Any:
    # Decimals as text: Excel would store them as floats and lose digits.
    return str(value) if isinstance(value, Decimal) else value


def reportcard_xlsx(board: Board) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("成绩单")[:31]
    ws.append([_("项目"), _("数值")])
    for label, value in reportcard_lines(board):
        ws.append([label, _cell(value)])
    ws["A1"].font = ws["B1"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 24
    if board.children:
        kids = wb.create_sheet(_("下级")[:31])
        kids.append(_header())
        for row in child_rows(board):
            kids.append([_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
