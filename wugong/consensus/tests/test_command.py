"""Tests of ``wugong consensus compute DIR`` (needs Django settings; no database)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wugong.consensus.pipeline import make_planted_votes
from wugong.consensus.polis_io import Comment, VoteTable, compute_dir, write_export

django = pytest.importorskip("django")


@pytest.fixture(autouse=True)
def _django_ready() -> None:
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        try:
            django.setup()
        except Exception as exc:  # pragma: no cover - only without the project's settings
            pytest.skip(f"Django settings unavailable: {exc}")


def export(directory: Path, n: int) -> Path:
    data = make_planted_votes(n, 25, 2, (10, 25), agreement=0.85, seed=3)
    comments = [Comment(comment_id=i, body=f"意见 {i}") for i in range(25)]
    votes = VoteTable(data.timestamps, data.statement_ids, data.voter_ids, data.votes)
    write_export(directory, comments, votes)
    return directory


def test_command_prints_compute_dir_json(tmp_path: Path) -> None:
    """`consensus compute DIR` prints exactly compute_dir(DIR) as JSON."""
    from django.core.management import call_command

    export(tmp_path, 150)
    out = io.StringIO()
    call_command("consensus", "compute", str(tmp_path), stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(compute_dir(tmp_path)))


def test_command_reports_too_small_conversation(tmp_path: Path) -> None:
    """A too-small conversation is a CommandError with the Chinese explanation."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    export(tmp_path, 10)
    with pytest.raises(CommandError, match="参与人数不足"):
        call_command("consensus", "compute", str(tmp_path), stdout=io.StringIO())


def test_wugong_console_script(tmp_path: Path) -> None:
    """The installed `wugong consensus compute DIR` prints the same JSON."""
    wugong = Path(sys.executable).with_name("wugong")
    if not wugong.exists():
        found = shutil.which("wugong")
        if not found:
            pytest.skip("wugong console script not installed")
        wugong = Path(found)
    export(tmp_path, 60)
    run = subprocess.run(
        [str(wugong), "consensus", "compute", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(run.stdout) == json.loads(json.dumps(compute_dir(tmp_path)))
