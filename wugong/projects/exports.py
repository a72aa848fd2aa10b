"""The honour roll (光荣榜) as an .xlsx workbook and as a printable A4 poster PDF. Plain data
in, bytes out; the PDF reuses the embedded Chinese font of wugong.transparency.pdf."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Spacer, Table, TableStyle

from wugong.projects.money import yuan
from wugong.projects.selectors import HonourLine
from wugong.transparency.pdf import CJK_FONT, _build, _p, _style

HEADERS = ["序号", "出资方", "捐款（元）", "捐物", "捐物折价（元）", "投工（工日）", "投工（人次）",
           "让地（亩）", "拆除", "合计折价（元）"]  # fmt: skip


def _row(i: int, h: HonourLine) -> list:
    return [
        i,
        h.name,
        h.money / 100 if h.money else None,
        "、".join(h.materials),
        h.material_value / 100 if h.material_value else None,
        float(h.labour_days) if h.labour_days else None,
        h.labour_times or None,
        float(h.land_mu) if h.land_m2 else None,
        "、".join(h.demolished),
        (h.total) / 100 if h.total else None,
    ]


def honour_xlsx(title: str, lines: Sequence[HonourLine]) -> bytes:
    """One sheet: a title row, the headers, one row per giver. Money as numbers in yuan
    (two decimals), so the sheet adds up in Excel or WPS."""
    wb = Workbook()
    ws = wb.active
    ws.title = "光荣榜"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for i, h in enumerate(lines, 1):
        ws.append(_row(i, h))
    for col in ("C", "E", "J"):
        for cell in ws[col][2:]:
            cell.number_format = "#,##0.00"
    widths = [6, 22, 12, 30, 14, 12, 12, 10, 20, 14]
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _gift(h: HonourLine) -> str:
    parts = []
    if h.money:
        parts.append(f"捐款{yuan(h.money)}")
    if h.materials:
        parts.append("捐物" + "、".join(h.materials))
    if h.labour_days or h.labour_times:
        days = f"{h.labour_days.normalize():f}工日" if h.labour_days else ""
        times = f"{h.labour_times}人次" if h.labour_times else ""
        parts.append("投工" + "，".join(x for x in (days, times) if x))
    if h.land_m2:
        parts.append(f"让地{h.land_mu.normalize():f}亩")
    if h.demolished:
        parts.append("拆除" + "、".join(h.demolished))
    return "；".join(parts)


def honour_poster_pdf(title: str, subtitle: str, lines: Sequence[HonourLine]) -> bytes:
    """An A4 poster to put up on the village notice board: a large title, then every giver
    with what they gave, in two columns of a ruled table."""
    h1 = _style("poster_h1", 30, alignment=TA_CENTER, spaceAfter=4 * mm,
                textColor=colors.HexColor("#b3261e"))  # fmt: skip
    sub = _style("poster_sub", 13, alignment=TA_CENTER, spaceAfter=6 * mm)
    name = _style("poster_name", 13, leading=18)
    gift = _style("poster_gift", 11, leading=15)
    story: list = [_p("光荣榜", h1), _p(title, sub)]
    if subtitle:
        story.append(_p(subtitle, _style("poster_note", 11, alignment=TA_CENTER)))
    story.append(Spacer(1, 4 * mm))
    rows = [[_p(h.name, name), _p(_gift(h), gift)] for h in lines] or [[_p("（暂无）", name), ""]]
    table = Table(rows, colWidths=[50 * mm, 120 * mm], repeatRows=0)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
            ]
        )
    )
    story.append(table)
    story += [Spacer(1, 6 * mm), _p("感谢每一位出钱出物出力的乡亲！", sub)]

    def footer(canvas: Canvas, page: int) -> None:
        canvas.saveState()
        canvas.setFont(CJK_FONT, 8)
        canvas.drawString(20 * mm, 12 * mm, f"{title}　光荣榜　第 {page} 页")
        canvas.restoreState()

    return _build(story, title=f"光荣榜 {title}", footer=footer)
