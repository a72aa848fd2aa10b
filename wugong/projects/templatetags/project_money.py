"""Template filters for money in fen and for quantities."""

from decimal import Decimal

from django import template

from wugong.projects import money

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """fen → "¥1,200.50"."""
    return money.yuan(fen) if fen is not None else ""


@register.filter
def yuan_short(fen: int | None) -> str:
    return money.yuan_short(fen) if fen is not None else ""


@register.filter
def qty(value: Decimal | int | None) -> str:
    """A quantity without trailing zeros: 1.2500 → 1.25."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{Decimal(value).normalize():f}"
