"""The pure money core: yuan text → integer fen, never float; the matching rule; 撬动."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wugong.core.errors import ValidationFailed
from wugong.projects.money import (
    compliance,
    fen_check,
    leverage,
    m2_to_mu,
    mu_to_m2,
    parse_quantity,
    parse_yuan,
    times_fen,
    yuan,
    yuan_short,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1200", 120000),
        ("1,200.5", 120050),
        ("¥30,000", 3000000),
        ("0.01", 1),
        ("40万", 40000000),
        ("  98600元 ", 9860000),
    ],
)
def test_yuan_text_becomes_fen(text, fen):
    """Amounts typed in yuan, with ¥, commas, 元 or 万, become exact integer fen."""
    assert parse_yuan(text) == fen
    assert isinstance(parse_yuan(text), int)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "金额不能为负数。"),
        ("abc", "请填写金额（数字，单位：元）。"),
        ("", "请填写金额（数字，单位：元）。"),
        ("1.234", "金额最多精确到分。"),
        ("1e3", "请填写金额（数字，单位：元）。"),
        ("0", "金额须大于零。"),
        ("NaN", "请填写金额（数字，单位：元）。"),
    ],
)
def test_bad_amounts_are_refused_in_chinese(text, message):
    """Negative, non-numeric, sub-fen and zero amounts are refused with a Chinese message."""
    with pytest.raises(ValidationFailed) as e:
        parse_yuan(text)
    assert str(e.value) == message


def test_fen_check_refuses_floats_strings_and_booleans():
    """The API takes whole fen only: a float, a bool or a negative number is refused."""
    assert fen_check(5) == 5 and fen_check("12") == 12
    for bad in (1.5, True, -1, "1.5", None, "x"):
        with pytest.raises(ValidationFailed):
            fen_check(bad)


@given(st.integers(min_value=1, max_value=10**12))
def test_formatting_and_parsing_round_trip(fen):
    """Any amount formats as ¥ text that parses back to the same fen."""
    assert parse_yuan(yuan(fen)) == fen


def test_formatting():
    assert yuan(3000000) == "¥30,000"
    assert yuan(120050) == "¥1,200.50"
    assert yuan(-150) == "-¥1.50"
    assert yuan_short(120000000) == "¥120万"


def test_quantities_and_land():
    """Quantities are Decimals; 1.25 mu is 833.33 m²; values round half up to the fen."""
    assert parse_quantity("1.25", field="mu", label="面积") == Decimal("1.25")
    assert mu_to_m2(Decimal("1.25")) == Decimal("833.33")
    assert m2_to_mu(Decimal("833.33")) == Decimal("1.2500")
    assert times_fen(Decimal("2.5"), 15001) == 37503  # 37502.5 → 37503
    with pytest.raises(ValidationFailed):
        parse_quantity("-1", field="q", label="数量")


def test_award_instead_of_subsidy_rule():
    """以奖代补: residents at most 50 %, government at least 50 % — both configurable."""
    ok = compliance(
        {"government": 500, "residents": 500}, residents_max_bp=5000, government_min_bp=5000
    )
    assert ok.ok and ok.residents_share == Decimal("50.0")
    too_much = compliance(
        {"government": 499, "residents": 501}, residents_max_bp=5000, government_min_bp=5000
    )
    assert not too_much.ok and not too_much.residents_ok and not too_much.government_ok
    looser = compliance(
        {"government": 300, "residents": 600, "enterprise": 100},
        residents_max_bp=6000,
        government_min_bp=3000,
    )
    assert looser.ok


def test_leverage_per_yuan_of_government_money():
    """¥400,000 of subsidy in a ¥1.2 M road: each government yuan brought ¥2 of other value."""
    assert leverage(government_fen=40_000_000, total_value_fen=120_000_000) == Decimal("2.00")
    assert leverage(government_fen=0, total_value_fen=5) is None
