"""``wugong consensus compute DIR``: opinion groups of a Pol.is export directory, as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wugong.consensus.pipeline import ConsensusError
from wugong.consensus.polis_io import PolisIOError, compute_dir

__all__ = ["Command", "compute_dir"]


class Command(BaseCommand):
    help = (
        "Opinion groups, consensus and representative statements of a Pol.is export "
        "(a directory holding comments.csv and votes.csv), printed as JSON."
    )
    # Pure file-in, JSON-out: no database or URLs, so skip the (slow) system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        compute = actions.add_parser("compute", help="compute groups of DIR and print JSON")
        compute.add_argument("directory", metavar="DIR")
        compute.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        compute.add_argument(
            "--consensus",
            choices=("polis", "group-informed"),
            default="polis",
            help="polis: majority of all voters, as Pol.is/red-dwarf (default); "
            "group-informed: statements every group agrees or disagrees with",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = compute_dir(
                options["directory"], seed=options["seed"], consensus=options["consensus"]
            )
        except (PolisIOError, ConsensusError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))
