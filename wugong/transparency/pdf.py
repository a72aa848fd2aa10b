"""Printable A4 PDFs: public notices, paper ballots and tally sheets. Pure functions: plain data
in, PDF bytes out, no ORM, so other apps (voting, meetings) call them too.

Chinese text uses Noto Sans SC (wugong/fonts/), embedded as a subset of the glyphs used, so
every reader and printer shows it; a non-embedded CID font shows empty boxes without Adobe's
Asian font pack. QR codes are drawn square by square from the ``qrcode``
package's module matrix, so neither Pillow nor any image library is needed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

CJK_FONT = "NotoSansSC"
CJK_FONT_FILE = Path(__file__).resolve().parent.parent / "fonts" / "NotoSansSC-Regular.ttf"
MONO_FONT = "Courier"  # the hash is ASCII: printed in a plain Type 1 font, searchable in the file
_registered = False


def _fonts() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(CJK_FONT_FILE)))
        _registered = True


def _style(name: str, size: float, *, leading: float | None = None, **kw) -> ParagraphStyle:  # type: ignore[no-untyped-def]
    _fonts()
    return ParagraphStyle(
        name,
        fontName=CJK_FONT,
        fontSize=size,
        leading=leading or size * 1.5,
        wordWrap="CJK",
        **kw,
    )


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


# --- QR codes -------------------------------------------------------------------------------
def qr_matrix(data: str) -> list[list[bool]]:
    """The QR code's modules for ``data`` (True = dark), with the standard 4-module quiet zone.
    Error correction M: survives a crease or a smudge on a notice board."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


class QRFlowable(Flowable):
    """A QR code as a square of ``size`` points, drawn from its module matrix."""

    def __init__(self, matrix: list[list[bool]], size: float):
        super().__init__()
        self.matrix = matrix
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        qr_draw(self.canv, self.matrix, 0, 0, self.size)


def qr_draw(canvas: Canvas, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw the matrix with its lower-left corner at (x, y). Runs of dark modules in a row are
    one rectangle each, which keeps the file small."""
    n = len(matrix)
    cell = size / n
    canvas.saveState()
    canvas.setFillColor(colors.black)
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                canvas.rect(
                    x + start * cell,
                    y + size - (r + 1) * cell,
                    (c - start) * cell,
                    cell,
                    stroke=0,
                    fill=1,
                )
            else:
                c += 1
    canvas.restoreState()


# --- documents ------------------------------------------------------------------------------
@dataclass
class NoticePrint:
    """What a printed notice shows; built from a Notice by wugong.transparency.selectors."""

    title: str
    kind: str
    place: str
    issuer: str
    body: str
    period: str
    content_hash: str
    url: str
    attachments: list[str] = field(default_factory=list)
    status_note: str = ""
    chain_hash: str = ""  # the notice's link on its place's hash chain (存证链)
    verify_url: str = ""  # the public page that checks that hash


def _build(
    story: list, *, title: str, footer: Callable[[Canvas, int], None], subject: str = ""
) -> bytes:  # type: ignore[type-arg]
    _fonts()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=22 * mm,
        title=title,
        subject=subject,
        creator="Wugong 五共",
        invariant=1,
    )

    def on_page(canvas: Canvas, d: SimpleDocTemplate) -> None:
        footer(canvas, d.page)

    try:
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    except LayoutError:  # a pathological cell that fits no page: never a 500 for a print-out
        raise ValueError("content does not fit on a page") from None
    return buf.getvalue()


def render_notice_pdf(notice: NoticePrint) -> bytes:
    """An A4 public notice: title, kind, place, issuing body, period, body, attachments, a QR
    code opening the online record, and the content hash in every page's footer."""
    h1 = _style("h1", 20, alignment=TA_CENTER, spaceAfter=4 * mm)
    meta = _style("meta", 10.5, leading=16)
    body = _style("body", 12, leading=20, firstLineIndent=0, spaceAfter=3 * mm)
    small = _style("small", 9, leading=13, textColor=colors.HexColor("#333333"))
    story: list = [_p(notice.title, h1)]
    if notice.status_note:
        story.append(_p(notice.status_note, _style("warn", 12, textColor=colors.red)))
    facts = [
        ("类型", notice.kind),
        ("地点", notice.place),
        ("发布单位", notice.issuer),
        ("公示期", notice.period),
    ]
    qr = QRFlowable(qr_matrix(notice.url), 32 * mm)
    fact_rows = [[_p(f"{k}：{v}", meta)] for k, v in facts]
    head = Table(
        [[Table(fact_rows, colWidths=[130 * mm]), qr]],
        colWidths=[136 * mm, 34 * mm],
        style=TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]
        ),
    )
    story += [head, Spacer(1, 4 * mm)]
    for para in notice.body.strip().split("\n"):
        if para.strip():
            story.append(_p(para.strip(), body))
    if notice.attachments:
        story.append(_p("附件：" + "；".join(notice.attachments), meta))
    story += [
        Spacer(1, 6 * mm),
        _p(
            "公示期内如有异议，请扫描右上角二维码在线提出，或向发布单位当面反映；"
            "每条异议都将公开答复。",
            small,
        ),
        _p(f"在线查看：{notice.url}", small),
    ]
    if notice.chain_hash:  # the full hash is in small print at the foot of every page
        story.append(
            _p(
                f"存证校验码：{notice.chain_hash[:12]}（完整校验码见页脚）　"
                f"在 {notice.verify_url or '/notices/verify/'} 可核验本公示是否被改动",
                small,
            )
        )

    def footer(canvas: Canvas, page: int) -> None:
        canvas.saveState()
        canvas.setFont(CJK_FONT, 8)
        chain = f"　存证校验码 {notice.chain_hash[:12]}" if notice.chain_hash else ""
        canvas.drawString(
            20 * mm, 14 * mm, f"{notice.issuer}　第 {page} 页{chain}　内容校验码 SHA-256："
        )
        canvas.setFont(MONO_FONT, 7.5)
        canvas.drawString(20 * mm, 10 * mm, notice.content_hash)
        if notice.chain_hash:
            canvas.setFont(CJK_FONT, 6.5)
            canvas.drawString(20 * mm, 6.5 * mm, "存证链校验码：")
            canvas.setFont(MONO_FONT, 6.5)
            canvas.drawString(36 * mm, 6.5 * mm, notice.chain_hash)
        canvas.restoreState()

    return _build(
        story, title=notice.title, footer=footer, subject=f"SHA-256 {notice.content_hash}"
    )


def render_paper_ballot_pdf(
    title: str,
    options: Sequence[str],
    instructions: str = "",
    *,
    stars: int = 0,
    place: str = "",
    qr_url: str = "",
) -> bytes:
    """A paper ballot (纸质选票): one row per option with a box to tick, or with ``stars``
    boxes (投星, 1–10) to fill. No serial number and nothing that identifies the voter: the
    same sheet for everyone keeps the ballot secret. ``qr_url`` (optional) opens the vote's
    page, the same for every sheet."""
    if not options:
        raise ValueError("a ballot needs at least one option")
    if not 0 <= stars <= 10:
        raise ValueError("stars must be between 0 and 10")
    h1 = _style("h1", 20, alignment=TA_CENTER, spaceAfter=3 * mm)
    note = _style("note", 11, leading=17)
    cell = _style("cell", 13, leading=18)
    story: list = [_p(title, h1)]
    if place:
        story.append(_p(place, _style("place", 11, alignment=TA_CENTER, spaceAfter=3 * mm)))
    default = (
        f"请在每个选项右侧涂满您给的星数（1至{stars} 颗，越多越支持）。"
        if stars
        else "请在您同意的选项右侧方框内打“√”。"
    )
    story += [_p(instructions or default, note), Spacer(1, 4 * mm)]
    box = 9 * mm
    if stars:
        rows = [[_p(f"{i}. {o}", cell), StarBoxes(stars, box)] for i, o in enumerate(options, 1)]
        widths = [170 * mm - stars * (box + 2 * mm) - 4 * mm, stars * (box + 2 * mm) + 4 * mm]
    else:
        rows = [
            [_p(f"{i}. {o}", cell), StarBoxes(1, box, label=False)]
            for i, o in enumerate(options, 1)
        ]
        widths = [150 * mm, 20 * mm]
    table = Table(rows, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
            ]
        )
    )
    story.append(table)
    if qr_url:
        story += [Spacer(1, 6 * mm), QRFlowable(qr_matrix(qr_url), 25 * mm)]

    def footer(canvas: Canvas, page: int) -> None:
        canvas.saveState()
        canvas.setFont(CJK_FONT, 8)
        canvas.drawString(20 * mm, 12 * mm, "不记名投票：请勿在选票上书写姓名或任何记号。")
        canvas.restoreState()

    return _build(story, title=title, footer=footer)


class StarBoxes(Flowable):
    """``n`` empty square boxes in a row, numbered under each when there is more than one."""

    def __init__(self, n: int, box: float, *, label: bool = True):
        super().__init__()
        self.n, self.box, self.label = n, box, label
        self.gap = 2 * mm
        self.width = n * (box + self.gap)
        self.height = box + (4 * mm if label and n > 1 else 0)

    def draw(self) -> None:
        c = self.canv
        y = self.height - self.box
        for i in range(self.n):
            x = i * (self.box + self.gap)
            c.setLineWidth(1)
            c.rect(x, y, self.box, self.box, stroke=1, fill=0)
            if self.label and self.n > 1:
                c.setFont(MONO_FONT, 7)
                c.drawCentredString(x + self.box / 2, 0, str(i + 1))


def render_tally_sheet_pdf(
    title: str,
    options: Sequence[str],
    *,
    place: str = "",
    held_at: str = "",
    counters: int = 2,
    supervisors: int = 2,
) -> bytes:
    """A tally sheet (计票单) for counting paper ballots aloud: for each option a wide space for
    正字 strokes and a box for the total, then rows for invalid (废票) and blank ballots, the
    ballots issued and returned, and signature lines for the counters (计票人) and supervisors
    (监票人) with the date."""
    if not options:
        raise ValueError("a tally sheet needs at least one option")
    h1 = _style("h1", 18, alignment=TA_CENTER, spaceAfter=3 * mm)
    cell = _style("cell", 11.5, leading=16)
    head = _style("head", 11.5, leading=16, alignment=TA_CENTER)
    story: list = [_p(title + "　计票单", h1)]
    facts = "　".join(x for x in (place and f"地点：{place}", held_at and f"时间：{held_at}") if x)
    if facts:
        story.append(_p(facts, _style("facts", 11, alignment=TA_CENTER, spaceAfter=3 * mm)))
    rows = [[_p("选项", head), _p("计票（写“正”字）", head), _p("合计", head)]]
    rows += [[_p(f"{i}. {o}", cell), "", ""] for i, o in enumerate(options, 1)]
    rows += [[_p(label, cell), "", ""] for label in ("空白票", "废票")]
    rows += [[_p("发出选票", cell), "", ""], [_p("收回选票", cell), "", ""]]
    table = Table(
        rows,
        colWidths=[52 * mm, 92 * mm, 26 * mm],
        rowHeights=[9 * mm] + [15 * mm] * (len(rows) - 1),
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("LINEABOVE", (0, len(options) + 1), (-1, len(options) + 1), 1.5, colors.black),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 8 * mm))
    sign = _style("sign", 12, leading=26)
    lines = [_p("计票人签名：" + "　＿＿＿＿＿＿" * max(counters, 1), sign)]
    lines.append(_p("监票人签名：" + "　＿＿＿＿＿＿" * max(supervisors, 1), sign))
    lines.append(_p("日期：＿＿＿＿年＿＿月＿＿日　　时间：＿＿时＿＿分", sign))
    story.append(KeepTogether(lines))

    def footer(canvas: Canvas, page: int) -> None:
        canvas.saveState()
        canvas.setFont(CJK_FONT, 8)
        canvas.drawString(
            20 * mm, 12 * mm, f"{title}　计票单　第 {page} 页　唱票、计票、监票当场公开"
        )
        canvas.restoreState()

    return _build(story, title=title, footer=footer)
