"""Money and measures of building together: pure functions, no ORM.

Money is integer fen. Input is read as text in yuan ("1,200.50", "¥30000", "3万") through
``Decimal``, never float; quantities (materials, person-days, land) are Decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from wugong.core.errors import ValidationFailed

MU_M2 = Decimal("666.6667")  # 1 亩 = 10000/15 m²
MAX_FEN = 10**13  # ¥100 billion: more is a typing error
_YUAN_RE = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
_NUMBER_RE = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def _clean(text: object) -> str:
    s = str(text if text is not None else "").strip()
    for ch in ("¥", "￥", ",", "，", " ", "元"):
        s = s.replace(ch, "")
    return s


def parse_yuan(text: object, *, field: str = "amount", allow_zero: bool = False) -> int:
    """Yuan as typed → fen. Negative, non-numeric or more than two decimals are refused."""
    if isinstance(text, bool):
        text = ""
    s = _clean(text)
    factor = Decimal(1)
    if s.endswith("万"):
        s, factor = s[:-1], Decimal(10000)
    if s.startswith("-"):
        raise ValidationFailed(_("金额不能为负数。"), code="negative", field=field)
    if not _NUMBER_RE.match(s):
        raise ValidationFailed(
            _("请填写金额（数字，单位：元）。"), code="not_a_number", field=field
        )
    value = Decimal(s) * factor * 100
    if value != value.to_integral_value():
        raise ValidationFailed(_("金额最多精确到分。"), code="precision", field=field)
    return fen_check(int(value), field=field, allow_zero=allow_zero)


def fen_check(value: object, *, field: str = "amount_fen", allow_zero: bool = False) -> int:
    """An amount already in fen (the API): a whole, non-negative number below the ceiling."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
            value = int(value.strip())
        else:
            raise ValidationFailed(
                _("金额须为整数（单位：分）。"), code="not_a_number", field=field
            )
    if value < 0:
        raise ValidationFailed(_("金额不能为负数。"), code="negative", field=field)
    if value == 0 and not allow_zero:
        raise ValidationFailed(_("金额须大于零。"), code="zero", field=field)
    if value >= MAX_FEN:
        raise ValidationFailed(_("金额太大，请核对。"), code="too_large", field=field)
    return value


def parse_quantity(text: object, *, field: str, label: str, allow_zero: bool = False) -> Decimal:
    """A non-negative decimal quantity (materials, person-days, mu, m², hours)."""
    if isinstance(text, bool):
        text = ""
    if isinstance(text, Decimal):
        value = text
    else:
        s = _clean(text)
        if s.startswith("-"):
            raise ValidationFailed(
                _("%(label)s不能为负数。") % {"label": label}, code="negative", field=field
            )
        if not _NUMBER_RE.match(s):
            raise ValidationFailed(
                _("%(label)s须为数字。") % {"label": label}, code="not_a_number", field=field
            )
        try:
            value = Decimal(s)
        except InvalidOperation:  # pragma: no cover - the pattern rules it out
            raise ValidationFailed(_("请填写数字。"), field=field) from None
    if value < 0:
        raise ValidationFailed(
            _("%(label)s不能为负数。") % {"label": label}, code="negative", field=field
        )
    if value == 0 and not allow_zero:
        raise ValidationFailed(
            _("%(label)s须大于零。") % {"label": label}, code="zero", field=field
        )
    if value >= Decimal(10**9):
        raise ValidationFailed(_("%(label)s太大，请核对。") % {"label": label}, field=field)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def times_fen(quantity: Decimal, price_fen: int) -> int:
    """quantity × price, rounded half up to the fen."""
    return int((quantity * price_fen).to_integral_value(rounding=ROUND_HALF_UP))


def mu_to_m2(mu: Decimal) -> Decimal:
    return (mu * MU_M2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def m2_to_mu(m2: Decimal) -> Decimal:
    return (m2 / MU_M2).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def yuan(fen: int | None, *, sign: bool = True) -> str:
    """fen → "¥1,200.50" (whole yuan without decimals: "¥30,000")."""
    if fen is None:
        return ""
    neg = fen < 0
    whole, cents = divmod(abs(int(fen)), 100)
    text = f"{whole:,}" + (f".{cents:02d}" if cents else "")
    return ("-" if neg else "") + ("¥" if sign else "") + text


def yuan_short(fen: int | None) -> str:
    """fen → "¥120万" for large round sums, else like ``yuan``."""
    if fen is None:
        return ""
    if abs(fen) >= 1_000_000 and fen % 100_000 == 0:  # ≥ ¥10,000, whole thousands
        wan = Decimal(fen) / 1_000_000
        return f"¥{wan.normalize():f}万"
    return yuan(fen)


def pct(part: int, whole: int) -> Decimal | None:
    """part/whole in percent, one decimal; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Compliance:
    """Whether the money of a project keeps a programme's matching rule (以奖代补)."""

    total_fen: int
    residents_fen: int
    government_fen: int
    residents_max_bp: int
    government_min_bp: int

    @property
    def residents_share(self) -> Decimal | None:
        return pct(self.residents_fen, self.total_fen)

    @property
    def government_share(self) -> Decimal | None:
        return pct(self.government_fen, self.total_fen)

    @property
    def residents_ok(self) -> bool:
        # residents / total ≤ max, in integers: residents × 10000 ≤ max × total.
        return self.residents_fen * 10000 <= self.residents_max_bp * self.total_fen

    @property
    def government_ok(self) -> bool:
        return self.government_fen * 10000 >= self.government_min_bp * self.total_fen

    @property
    def ok(self) -> bool:
        return self.total_fen > 0 and self.residents_ok and self.government_ok


def compliance(
    by_source: dict[str, int], *, residents_max_bp: int, government_min_bp: int
) -> Compliance:
    """Check a split of money by source against the rule."""
    return Compliance(
        total_fen=sum(by_source.values()),
        residents_fen=by_source.get("residents", 0),
        government_fen=by_source.get("government", 0),
        residents_max_bp=residents_max_bp,
        government_min_bp=government_min_bp,
    )


def leverage(*, government_fen: int, total_value_fen: int) -> Decimal | None:
    """撬动: yuan of other money and in-kind value brought in per yuan of government money."""
    if government_fen <= 0:
        return None
    other = max(total_value_fen - government_fen, 0)
    return (Decimal(other) / Decimal(government_fen)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def bp_from_percent(text: object, *, field: str) -> int:
    """ "50" or "50.5" (percent) → basis points, 0–10000."""
    value = parse_quantity(text, field=field, label=_("比例"), allow_zero=True)
    if value > 100:
        raise ValidationFailed(_("比例不能超过100%。"), code="too_large", field=field)
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))
