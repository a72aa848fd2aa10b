"""Server-side charts as inline SVG: plain data in, markup out (no script, no CDN)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#b3261e", "#0b57d0", "#1f6b2a", "#8a5a00", "#6b3fa0", "#00696b", "#5a5a5a")


def bar_chart(
    rows: Sequence[tuple[str, float | int]],
    *,
    title: str,
    fmt: Callable[[float | int], str] = str,
    width: int = 560,
    bar: int = 26,
) -> SafeString:
    """Horizontal bars, one per (label, value), each labelled with ``fmt(value)``. Accessible:
    role=img with a title, and the figures as text inside the picture."""
    rows = [(label, value) for label, value in rows]
    top = max((v for _l, v in rows), default=0) or 1
    label_w, value_w, gap = 130, 130, 8
    plot_w = width - label_w - value_w
    height = len(rows) * (bar + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>"
    ]
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar + gap)
        w = max(int(plot_w * (value / top)), 1 if value else 0)
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar * 0.7:.0f}" text-anchor="end" '
            f'font-size="14">{escape(str(label))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" fill="{colour}"/>'
            f'<text x="{label_w + w + 6}" y="{y + bar * 0.7:.0f}" font-size="14">'
            f"{escape(fmt(value))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped
