"""``wugong pb compute FILE --rule RULE`` prints funded ids then the budget used."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

from wugong.budgeting.tests.test_pabulib import SAMPLE

django_settings = pytest.importorskip("django.conf").settings


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.pb"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def _call(*args: str, **options: str) -> str:
    if not django_settings.configured:
        pytest.skip("Django settings are not configured (pure test run)")
    from django.core.management import call_command

    out = StringIO()
    call_command("pb", *args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.parametrize("rule", ["mes", "mes-add1", "greedy"])
def test_compute_prints_ids_then_budget(sample_file: Path, rule: str) -> None:
    """Each funded id on its own line, in order of selection, then the budget used."""
    assert _call("compute", str(sample_file), rule=rule).splitlines() == ["X", "Z", "90"]


def test_malformed_file_is_a_command_error(tmp_path: Path) -> None:
    """A malformed file becomes a CommandError whose message names the line (Chinese first)."""
    from django.core.management import CommandError

    path = tmp_path / "bad.pb"
    path.write_text(SAMPLE.replace("Y;40;Well", "Y;forty;Well"), encoding="utf-8")
    with pytest.raises(CommandError, match="第 15 行"):
        _call("compute", str(path), rule="mes")
