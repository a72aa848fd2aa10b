"""The demo's part of 周五一检查: the default checklists; in a few villages (that of the printed
grid worker and village cadre first) a Friday hygiene schedule, the last four Fridays' rounds
with most households scored (believable scores, a few low ones with a remark), and the coming
Friday's round left to do, so the to-do list, the household history and the monthly ranking
all show something.

Written in bulk (a few thousand sheets in a few statements), so it bypasses ``sheet_record``:
no ``deed_recorded`` is sent for the demo's sheets (except the printed resident's household's,
so its points show them), and one audit event covers the load.
Defensive about what earlier parts left in ctx.data: everything is found in the database.
"""

import datetime as dt
import random
from collections import defaultdict

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from wugong.core.audit import audit_event_record
from wugong.core.demo import DemoContext
from wugong.core.signals import deed_recorded
from wugong.inspections.models import Checklist, ItemScore, Round, Schedule, ScoreSheet
from wugong.inspections.scoring import percent_centi
from wugong.inspections.services import checklist_defaults_ensure, rounds_schedule
from wugong.people.demo import rows_insert
from wugong.people.models import Household, Person, RoleAssignment
from wugong.people.roles import Role
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import subtree_q

VILLAGES = 3
FRIDAYS = 4
SCORED_SHARE = 0.9
LOW_REMARKS = [
    "房前屋后杂物堆放，已要求本周内清理",
    "厨房油污较重，灶台未清洁",
    "畜禽散养，粪污未及时清理",
    "垃圾未分类，污水随意倾倒",
]
GOOD_REMARKS = ["", "", "", "整洁干净，保持良好", "庭院新种了花草", "较上周有进步"]


def _villages(ctx: DemoContext) -> list[Place]:
    """The printed grid worker's and cadres' villages first, then the first others."""
    people = ctx.data.get("role_people", {})
    wanted = [people.get(r) for r in (Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE)]
    paths = RoleAssignment.objects.filter(
        person_id__in=[p for p in wanted if p], active=True
    ).values_list("place_path", flat=True)
    picked: list[Place] = []
    for path in paths:
        ids = [int(i) for i in path.strip("/").split("/")]
        place = (
            Place.objects.filter(pk__in=ids, kind__in=GRASSROOTS_KINDS).order_by("-depth").first()
        )
        if place is not None and place not in picked:
            picked.append(place)
    for place in Place.objects.filter(kind="village").order_by("id")[: VILLAGES + 2]:
        if len(picked) >= VILLAGES:
            break
        if place not in picked:
            picked.append(place)
    return picked[:VILLAGES]


def _last_fridays(today: dt.date, n: int) -> list[dt.date]:
    """The ``n`` Fridays before today, oldest first."""
    last = today - dt.timedelta(days=(today.weekday() - 4) % 7 or 7)
    return [last - dt.timedelta(weeks=k) for k in reversed(range(n))]


def load(ctx: DemoContext) -> None:
    rng = random.Random(ctx.rng.getrandbits(64))
    defaults = checklist_defaults_ensure()
    hygiene = next(c for c in defaults if c.kind == "hygiene" and c.target == "household")
    items = list(hygiene.items.order_by("position"))
    today = timezone.localdate()
    fridays = _last_fridays(today, FRIDAYS)
    villages = _villages(ctx)
    sheets_made = 0
    with transaction.atomic():
        for village in villages:
            Schedule.objects.get_or_create(
                place=village,
                checklist=hygiene,
                defaults={"place_path": village.path, "weekday": 4},
            )
            sheets_made += _village(rng, village, hygiene, items, fridays)
        rounds_made = rounds_schedule(today=today)  # the coming Friday's, to do
        _deeds_of_printed_resident(ctx)
        if villages:
            audit_event_record(
                actor=None,
                action="demo.inspections",
                obj=villages[0],
                place_path=villages[0].path,
                changes={"villages": [v.pk for v in villages], "sheets": sheets_made},
            )
    ctx.data["inspection_villages"] = [v.pk for v in villages]
    ctx.data["inspection_sheets"] = sheets_made
    ctx.data["inspection_rounds_ahead"] = rounds_made


def _village(
    rng: random.Random, village: Place, hygiene: Checklist, items: list, fridays: list[dt.date]
) -> int:  # type: ignore[type-arg]
    """Four rounds of a village, most households scored by their grid worker (or a cadre)."""
    households = list(
        Household.objects.filter(subtree_q(village.path, "place_path"))
        .order_by("pk")
        .values_list("pk", "place_path", "grid_id")
    )
    if not households:
        return 0
    inspectors = RoleAssignment.objects.filter(
        subtree_q(village.path, "place_path"), active=True
    ).values_list("role", "person_id", "grid_id")
    by_grid: dict[int, int] = {}
    cadres: list[int] = []
    for role, person_id, grid_id in inspectors.order_by("pk"):
        if role == Role.GRID_WORKER and grid_id:
            by_grid.setdefault(grid_id, person_id)
        elif role in {Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.WORK_TEAM}:
            cadres.append(person_id)
    # Each household keeps its habits from week to week: a quality around 88 %, a few poor.
    quality = {
        pk: (rng.uniform(0.45, 0.65) if rng.random() < 0.06 else min(1.0, rng.gauss(0.88, 0.06)))
        for pk, _path, _grid in households
    }
    full = sum(i.max_score for i in items)
    total = 0
    next_id = (ScoreSheet.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    for date in fridays:
        rnd, _created = Round.objects.get_or_create(
            place=village, checklist=hygiene, date=date, defaults={"place_path": village.path}
        )
        if rnd.sheets.exists():  # the demo loaded twice: keep the first
            continue
        sheets: list[ScoreSheet] = []
        scores: dict[int, list[int]] = defaultdict(list)
        for pk, path, grid_id in households:
            if rng.random() > SCORED_SHARE:
                continue
            q = quality[pk]
            item_scores = [
                max(0, min(i.max_score, round(i.max_score * (q + rng.gauss(0, 0.07)))))
                for i in items
            ]
            score = sum(item_scores)
            low = score < 60
            sheets.append(
                ScoreSheet(
                    pk=next_id,
                    round=rnd,
                    household_id=pk,
                    place_path=path,
                    date=date,
                    kind=hygiene.kind,
                    score=score,
                    full_score=full,
                    percent_centi=percent_centi(score, full),
                    remark=rng.choice(LOW_REMARKS) if low else rng.choice(GOOD_REMARKS),
                    inspector_id=by_grid.get(grid_id) or (rng.choice(cadres) if cadres else None),
                    idempotency_key=f"demo-{rnd.pk}-{pk}",
                )
            )
            scores[pk] = item_scores
            next_id += 1
        _sheets_insert(sheets, scores, items)
        total += len(sheets)
    return total


def _deeds_of_printed_resident(ctx: DemoContext) -> None:
    """The bulk load sends no deeds; the printed resident's household's sheets do send theirs
    (as ``sheet_record`` would), so its points show what the Friday inspection earned."""
    person_id = ctx.data.get("role_people", {}).get("resident")
    household_id = (
        Person.objects.filter(pk=person_id).values_list("household_id", flat=True).first()
        if person_id
        else None
    )
    if not household_id:
        return
    for sheet in ScoreSheet.objects.filter(household_id=household_id).select_related(
        "household__place"
    ):
        deed_recorded.send(
            sender=ScoreSheet,
            action="inspection.scored",
            place=sheet.household.place,
            person_id=None,
            household_id=household_id,
            quantity=sheet.percent,
            source=f"inspections.sheet:{sheet.pk}",
            occurred_on=sheet.date,
            actor=None,
        )


def _sheets_insert(sheets: list[ScoreSheet], scores: dict[int, list[int]], items: list) -> None:  # type: ignore[type-arg]
    """Sheets and their item scores in two ``executemany``: the ORM's per-row work would be most
    of the demo's time. The sheets carry their ids; the sequence is moved past them."""
    rows_insert(ScoreSheet, sheets)
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES (%s, %s, %s, %s, %s)".format(
        qn(ItemScore._meta.db_table),
        ", ".join(qn(c) for c in ("sheet_id", "item_id", "text", "max_score", "score")),
    )
    rows = [
        (s.pk, i.pk, i.text, i.max_score, v)
        for s in sheets
        for i, v in zip(items, scores[s.household_id], strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        for statement in connection.ops.sequence_reset_sql(no_style(), [ScoreSheet]):
            cursor.execute(statement)
