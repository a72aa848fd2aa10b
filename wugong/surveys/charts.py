"""Bar charts for survey results, drawn as inline SVG on the server: no JavaScript, no CDN.
Pure functions over counts; exact integer arithmetic for the percentages."""

from dataclasses import dataclass

BAR_HEIGHT = 18
ROW_HEIGHT = 44
LABEL_OFFSET = 14
CHART_WIDTH = 320
BAR_MAX = 220  # leaves room for the count and percentage after the longest bar


def percent_text(count: int, total: int) -> str:
    """``count`` of ``total`` as a percentage with one decimal, rounded half up, exactly
    (integer arithmetic, no float): 1 of 3 → "33.3%", 2 of 3 → "66.7%", 0 of 0 → "0.0%"."""
    if total <= 0:
        return "0.0%"
    tenths = (count * 2000 + total) // (2 * total)
    return f"{tenths // 10}.{tenths % 10}%"


def average_text(total_stars: int, count: int) -> str:
    """An average with two decimals, rounded half up, exactly: 7 stars over 2 answers → "3.50"."""
    if count <= 0:
        return "—"
    hundredths = (total_stars * 200 + count) // (2 * count)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True)
class BarRow:
    label: str
    count: int
    percent: str
    width: str  # SVG user units, as text (never localised)
    label_y: int
    bar_y: int
    text_x: str
    text_y: int


@dataclass(frozen=True)
class BarChart:
    rows: list[BarRow]
    total: int
    width: int
    height: int


def bar_chart(items: list[tuple[str, int]], total: int) -> BarChart:
    """One horizontal bar per (label, count): the bar's length is the share of ``total`` (the
    people who answered the question), labelled with the exact count and the percentage."""
    rows = []
    for i, (label, count) in enumerate(items):
        w = 0 if total <= 0 else count * BAR_MAX / total
        top = i * ROW_HEIGHT
        rows.append(
            BarRow(
                label=label,
                count=count,
                percent=percent_text(count, total),
                width=f"{w:.1f}",
                label_y=top + LABEL_OFFSET,
                bar_y=top + LABEL_OFFSET + 4,
                text_x=f"{w + 6:.1f}",
                text_y=top + LABEL_OFFSET + 4 + BAR_HEIGHT - 4,
            )
        )
    return BarChart(
        rows=rows, total=total, width=CHART_WIDTH, height=max(len(items), 1) * ROW_HEIGHT
    )
