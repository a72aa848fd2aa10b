"""Refreshing the rollups (汇总刷新) of a subtree, e.g. one county, and of the places above it.

1. Read: one grouped query per source over the subtree's place-path range (sources.py);
   every row is added to the deepest rollup place at or above it (village/community, else
   town, county ...). Groups, estates and buildings have no rows of their own.
2. Sum upwards inside the subtree: a town is its own figures plus its villages'.
3. Write, in one transaction: the subtree's rows for the period, then each place above,
   recomputed as its own figures (rows recorded at exactly its path) plus the latest rows of
   its children. The top place's row is locked first so two refreshes never interleave.

Idempotent: the same facts give the same rows. Atomic: readers see the old rows or the new
ones, never a mix (PostgreSQL, READ COMMITTED).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from wugong.dashboards import sources
from wugong.dashboards.metrics import add_into, attribute, figures_sum, jsonable, zero
from wugong.dashboards.models import PlaceFigures
from wugong.places.models import GRASSROOTS_KINDS, Place, PlaceKind
from wugong.places.paths import path_ids, subtree_q

# The kinds that have a rollup row: everything down to the village/community.
ROLLUP_KINDS = frozenset(
    {
        PlaceKind.PROVINCE,
        PlaceKind.CITY,
        PlaceKind.COUNTY,
        PlaceKind.TOWN,
        PlaceKind.STREET,
        PlaceKind.VILLAGE,
        PlaceKind.COMMUNITY,
    }
)


def period_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass
class _Node:
    pk: int
    parent_id: int | None
    path: str
    depth: int
    kind: str


def _own_figures(
    nodes: dict[str, _Node], where: sources.Where, now: dt.datetime, prefix: str | None
) -> dict[str, dict[str, Any]]:
    """Figures recorded under each node itself (not under a child node)."""
    own: dict[str, dict[str, Any]] = {path: dict(zero()) for path in nodes}
    sets: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    cache: dict[str, str | None] = {}
    for path, figures in sources.collect(where, now, prefix):
        target = attribute(path, nodes, cache)
        if target is None:
            continue
        plain = {}
        for key, value in figures.items():
            if key.startswith("_"):
                sets[target][key] |= value
            else:
                plain[key] = value
        add_into(own[target], plain)
    for path, node in nodes.items():
        s = sets.get(path, {})
        own[path]["proposers"] = len(s.get("_proposers", ()))
        own[path]["voters"] = len(s.get("_voters", ()))
        if node.kind in GRASSROOTS_KINDS:
            own[path]["grassroots"] = 1
            own[path]["grassroots_with_site"] = 1 if s.get("_sites") else 0
    return own


def _totals(nodes: dict[str, _Node], own: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Bottom-up: each node's own figures plus its children's totals."""
    by_id = {n.pk: n for n in nodes.values()}
    children: dict[int, list[str]] = defaultdict(list)
    for n in nodes.values():
        if n.parent_id in by_id:
            children[n.parent_id].append(n.path)
    totals: dict[str, dict[str, Any]] = {}
    for n in sorted(nodes.values(), key=lambda n: -n.depth):
        total = own[n.path]  # summed in place: each node's own figures are used once
        for c in children[n.pk]:
            add_into(total, totals[c])
        totals[n.path] = total
    return {path: jsonable(t) for path, t in totals.items()}


def dashboards_refresh_place(
    *, place: Place, now: dt.datetime | None = None, with_ancestors: bool = True
) -> int:
    """Recompute the rollup rows of ``place``'s subtree (and of the places above it) for the
    period of ``now``. Returns the number of rows written."""
    now = now or timezone.now()
    period = period_of(timezone.localdate(now))
    root = place
    nodes = {
        p["path"]: _Node(p["id"], p["parent_id"], p["path"], p["depth"], p["kind"])
        for p in Place.objects.filter(subtree_q(root.path), kind__in=ROLLUP_KINDS).values(
            "id", "parent_id", "path", "depth", "kind"
        )
    }
    if root.path not in nodes:  # a group or estate: refresh the rollup place above it
        parent = root.parent
        if parent is None:
            return 0
        return dashboards_refresh_place(place=parent, now=now, with_ancestors=with_ancestors)
    own = _own_figures(nodes, lambda f: subtree_q(root.path, f), now, root.path)
    totals = _totals(nodes, own)
    ancestors = list(Place.objects.filter(pk__in=path_ids(root.path)[:-1]).order_by("-depth"))
    ancestors = [a for a in ancestors if a.kind in ROLLUP_KINDS] if with_ancestors else []
    rows = [
        PlaceFigures(
            place_id=n.pk,
            parent_id=n.parent_id,
            place_path=n.path,
            period=period,
            figures=totals[n.path],
            refreshed_at=now,
        )
        for n in nodes.values()
    ]
    with transaction.atomic():
        top = ancestors[-1] if ancestors else root
        # Serialise refreshes that share a place above them (two counties of one city).
        list(Place.objects.select_for_update().filter(pk=top.pk).values_list("pk"))
        PlaceFigures.objects.filter(subtree_q(root.path, "place_path"), period=period).delete()
        _rows_write(rows)
        for anc in ancestors:  # nearest first: each sums the rows just written below it
            _ancestor_refresh(anc, now, period)
    return len(rows) + len(ancestors)


def _rows_write(rows: list[PlaceFigures]) -> None:
    """Insert the rows: COPY on PostgreSQL (bulk_create quotes 30,000 JSON values slowly),
    bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        PlaceFigures.objects.bulk_create(rows, batch_size=500)
        return
    table = PlaceFigures._meta.db_table
    cols = "place_id, parent_id, place_path, period, figures, refreshed_at"
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(
                (
                    r.place_id,
                    r.parent_id,
                    r.place_path,
                    r.period,
                    json.dumps(r.figures, ensure_ascii=False),
                    r.refreshed_at,
                )
            )


def _latest_child_rows(parent: Place, period: dt.date) -> list[PlaceFigures]:
    """Each child's row for ``period``, or its latest earlier row if it was not refreshed in
    this period (one query, newest first)."""
    seen: dict[int, PlaceFigures] = {}
    for row in PlaceFigures.objects.filter(parent=parent, period__lte=period).order_by(
        "place_id", "-period"
    ):
        seen.setdefault(row.place_id, row)
    return list(seen.values())


def _ancestor_refresh(place: Place, now: dt.datetime, period: dt.date) -> None:
    node = {place.path: _Node(place.pk, place.parent_id, place.path, place.depth, place.kind)}
    own = _own_figures(node, lambda f: Q(**{f: place.path}), now, None)[place.path]
    total = figures_sum([own, *(r.figures for r in _latest_child_rows(place, period))])
    PlaceFigures.objects.update_or_create(
        place=place,
        period=period,
        defaults={
            "parent_id": place.parent_id,
            "place_path": place.path,
            "figures": total,
            "refreshed_at": now,
        },
    )
