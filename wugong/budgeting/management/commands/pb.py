"""``wugong pb compute FILE.pb --rule mes|mes-add1|greedy``.

Prints the funded project ids, one per line, in order of selection (the order MES funds them,
followed by the greedy completion for ``mes-add1``; for ``greedy``, by decreasing support),
then the budget used on the last line. The logic lives in
:func:`wugong.budgeting.pabulib.compute_file`.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wugong.budgeting.allocation import RULES
from wugong.budgeting.pabulib import PabulibError, compute_file


class Command(BaseCommand):
    help = "Participatory budgeting tools for pabulib .pb files (compute: run a rule)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["compute"], help="compute: run a rule on FILE")
        parser.add_argument("file", help="path to a pabulib .pb file")
        parser.add_argument(
            "--rule",
            choices=RULES,
            default="mes-add1",
            help="allocation rule (default: mes-add1, MES with add-one completion)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            lines = compute_file(options["file"], options["rule"])
        except PabulibError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("\n".join(lines))
