"""`wugong verify`: recompute every hash chain of published records (存证链) and name the first
altered record of each chain. Exit 0 on clean data, 1 when anything was altered."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wugong.places.models import Place
from wugong.transparency.chain import chains_verify


class Command(BaseCommand):
    help = (
        "Verify the hash chains of published records (vote results, money and points ledger "
        "entries, notices) against the live records; name the first altered record per chain."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--place", type=int, help="verify only the chain of this place id")

    def handle(self, *args: Any, **opts: Any) -> None:
        place = None
        if opts.get("place") is not None:
            place = Place.objects.filter(pk=opts["place"]).first()
            if place is None:
                raise CommandError(f"no place with id {opts['place']}")
        reports = chains_verify(place=place)
        links = sum(r.links for r in reports)
        unchecked = sum(r.unchecked for r in reports)
        broken = [r.broken for r in reports if r.broken is not None]
        for b in broken:
            self.stderr.write(
                f"ALTERED chain={b.chain_id} ({b.chain_place}) seq={b.seq} kind={b.kind} "
                f"key={b.key} place={b.place}: {b.reason}"
            )
        summary = f"{links} links in {len(reports)} chains verified"
        if unchecked:
            summary += f" ({unchecked} links without a payload builder: hash only)"
        if broken:
            read = f"{links} links in {len(reports)} chains read"
            raise CommandError(f"{len(broken)} chains altered; {read}", returncode=1)
        self.stdout.write(summary)
