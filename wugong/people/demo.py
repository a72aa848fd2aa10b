"""The demo county's people: the place tree, households, key households, grids, organisations,
roles and sign-in accounts, written in bulk.

``load(ctx)`` is the first part of ``wugong demo`` (see wugong/core/demo.py); ``wugong seed``
calls ``county_build`` directly to make the same county at benchmark sizes. The raw material
(names, ID numbers, households, the tree's shape) comes from ``wugong.people.generate``.

Bulk writes bypass the per-row services, so this module does by hand what they would do:
``place_path`` and pinyin ``sort_key`` on every row, ``Household.head``, the ``place_path`` of
tags and role assignments, and ONE audit event for the whole load (action ``demo.load``).
Primary keys are allocated here (one more than the current maximum) so that rows can refer to
each other before they are written; every batch is one transaction, and foreign keys are
checked at its commit (Django declares them DEFERRABLE INITIALLY DEFERRED on both databases).

What later parts of the demo find in ``ctx.data`` (all ids):

``city``, ``county``
    the city (十堰市) and the county (竹山县).
``towns`` / ``streets``
    the 8 towns *and* street offices (乡镇/街道) / the street offices among them.
``villages`` / ``communities``
    the villages and communities (村/社区), villages first / the communities among them.
``groups_by_village``
    {village id: [group (组/湾组) ids]}.
``estates_by_community`` / ``buildings_by_estate``
    {community id: [estate (小区) ids]} / {estate id: [building (楼栋) ids]}.
``households_by_village`` / ``people_by_village``
    {village or community id: ``range`` of household / person ids} (contiguous).
``grids_by_village``
    {village or community id: [micro-grid ids]}.
``centres_by_village``
    {village or community id: [centre household (中心户) ids]}.
``councils``
    {village or community id: residents' council (理事会/议事会) organisation id}.
``organisations``
    {OrganisationKind value: [organisation ids]}.
``staff_users``
    {role: user id} of the demo account printed for each staff role (and system_admin).
``role_people``
    {role: person id} of the person behind each printed demo account.
``password``
    the demo staff password.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone

from wugong.core.audit import audit_event_record
from wugong.core.demo import DemoContext
from wugong.core.pinyin import pinyin_sort_key
from wugong.people import generate
from wugong.people.generate import MemberSpec, PlaceSpec
from wugong.people.models import (
    Household,
    KeyHouseholdTag,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    RoleAssignment,
    User,
)
from wugong.people.roles import STAFF_ROLES, Role
from wugong.people.services import key_tag_counts_rebuild
from wugong.places.models import MicroGrid, Place

DEMO_SEED = 2026
DEMO_HOUSEHOLDS = 20_000
DEMO_PASSWORD = "wugong-demo"
STAFF_SIGN_IN = "/sign-in/staff/"
RESIDENT_SIGN_IN = "/sign-in/"
GRID_MAX_HOUSEHOLDS = 250
BATCH_HOUSEHOLDS = 5_000

Progress = Callable[[int, int], None]


def villages_for(households: int) -> int:
    """How many villages and communities a county of ``households`` gets by default: 60 for
    the demo's 20,000 and more, fewer for small test counties (about 50 households each)."""
    return max(4, min(60, households // 50))


def load(ctx: DemoContext) -> None:
    """The people part of ``wugong demo``: the whole county, then one account per role."""
    county_build(ctx, villages=villages_for(ctx.households))


class _Keys:
    """Pinyin sort keys, cached per distinct name (pypinyin costs ~30 µs a call)."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        key = self.cache.get(name)
        if key is None:
            key = self.cache[name] = pinyin_sort_key(name)
        return key


def rows_insert(model: type[Model], objs: list[Model]) -> None:
    """``bulk_create`` for the big tables, without compiling every value through the ORM (which
    is most of the time at a million households): one ``executemany`` of plain tuples, with the
    backend's own adapters for dates, times and decimals. ``auto_now_add`` fields get the time
    of the batch; a primary key left unset is left to the database. No signals (none are used).
    """
    if not objs:
        return
    ops, now = connection.ops, timezone.now()
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and getattr(objs[0], f.attname) is None)
    ]
    converters: list[Callable[[Any], Any] | None] = []
    for f in fields:
        kind = f.get_internal_type()
        if getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
            stamp = ops.adapt_datetimefield_value(now)
            converters.append(lambda _v, stamp=stamp: stamp)
        elif kind == "DateTimeField":
            converters.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            converters.append(ops.adapt_datefield_value)
        elif kind == "DecimalField":
            converters.append(
                lambda v, f=f: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)
            )
        else:
            converters.append(None)
    attnames = [f.attname for f in fields]
    pairs = list(zip(attnames, converters, strict=True))
    rows = [
        tuple(
            c(v) if c is not None and v is not None else v
            for name, c in pairs
            for v in (getattr(obj, name),)
        )
        for obj in objs
    ]
    qn = ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _next_id(model: type) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


class _Builder:
    """Writes the county batch by batch; holds only the current batch and a few ids per
    village in memory, so a million households need no more memory than twenty thousand."""

    def __init__(
        self, ctx: DemoContext, *, rng: random.Random, batch: int, progress: Progress | None
    ) -> None:
        self.ctx = ctx
        self.rng = rng
        self.batch_size = batch
        self.progress = progress
        self.key = _Keys()
        self.ids = generate.IdNumbers()
        self.phones = generate.Phones(rng)
        self.next_place = _next_id(Place)
        self.next_grid = _next_id(MicroGrid)
        self.next_household = _next_id(Household)
        self.next_person = _next_id(Person)
        self.places: dict[int, Place] = {}  # plan index -> row
        self.done = 0
        self.total = ctx.households
        self.counts: dict[str, int] = defaultdict(int)
        self.staff: list[tuple[str, Person]] = []  # (role, person) needing a password account
        self.printed: dict[str, Person] = {}
        self._clear()

    def _clear(self) -> None:
        self.b_grids: list[MicroGrid] = []
        self.b_households: list[Household] = []
        self.b_people: list[Person] = []
        self.b_tags: list[KeyHouseholdTag] = []
        self.b_roles: list[RoleAssignment] = []

    # --- writing -----------------------------------------------------------------------------
    def flush(self) -> None:
        with transaction.atomic():
            rows_insert(Person, self.b_people)
            rows_insert(Household, self.b_households)
            rows_insert(MicroGrid, self.b_grids)
            rows_insert(KeyHouseholdTag, self.b_tags)
            rows_insert(RoleAssignment, self.b_roles)
        self.counts["households"] += len(self.b_households)
        self.counts["people"] += len(self.b_people)
        self.counts["grids"] += len(self.b_grids)
        self.counts["key_household_tags"] += len(self.b_tags)
        self.counts["role_assignments"] += len(self.b_roles)
        self.done += len(self.b_households)
        self._clear()
        if self.progress:
            self.progress(self.done, self.total)

    def person(self, m: MemberSpec, household_id: int | None, *, phone: bool = False) -> Person:
        row = Person(
            id=self.next_person,
            name=m.name,
            sort_key=self.key(m.name),
            sex=m.sex,
            birth_date=m.birth_date,
            phone=self.phones.next() if (m.has_phone or phone) else None,
            id_number=self.ids.next(birth=m.birth_date, sex=m.sex, region=m.region),
            household_id=household_id,
            relation=m.relation,
            is_party_member=m.is_party_member,
            is_volunteer=m.is_volunteer,
        )
        self.next_person += 1
        self.b_people.append(row)
        return row

    def outsider(self, *, party: bool = True) -> Person:
        """Someone from outside the households (a cadre sent down, a supervisor)."""
        sex = "M" if self.rng.random() < 0.7 else "F"
        birth = dt.date(self.rng.randint(1968, 1995), 1, 1) + dt.timedelta(
            days=self.rng.randrange(365)
        )
        name = generate.person_name(self.rng, sex=sex, birth_year=birth.year)
        spec = MemberSpec("", sex, birth, name=name, is_party_member=party)
        return self.person(spec, None, phone=True)

    def role(self, person: Person, role: str, place: Place, grid: MicroGrid | None = None) -> None:
        self.b_roles.append(
            RoleAssignment(
                person_id=person.id,
                role=role,
                place_id=place.id,
                place_path=place.path,
                grid_id=grid.id if grid else None,
            )
        )
        if role in STAFF_ROLES:
            self.staff.append((role, person))
        self.printed.setdefault(role, person)

    # --- the tree ----------------------------------------------------------------------------
    def places_write(self, plan: list[PlaceSpec]) -> None:
        rows = []
        for spec in plan:
            pk = self.next_place + spec.index
            parent = self.places[spec.parent] if spec.parent is not None else None
            row = Place(
                id=pk,
                name=spec.name,
                kind=spec.kind,
                parent_id=parent.id if parent else None,
                path=f"{parent.path if parent else '/'}{pk}/",
                depth=parent.depth + 1 if parent else 0,
                code=spec.code,
                sort_key=self.key(spec.name),
            )
            self.places[spec.index] = row
            rows.append(row)
        with transaction.atomic():
            Place.objects.bulk_create(rows)
        self.counts["places"] = len(rows)

    # --- households --------------------------------------------------------------------------
    def leaf(self, spec: PlaceSpec, prefix: str, unit_data: dict[str, Any]) -> list[Person]:
        """Households of one group or building, in micro-grids of at most 250, with centre
        households each looking after the next ~5. Returns candidates for the unit's roles:
        adults of working age with a phone and no role yet."""
        place = self.places[spec.index]
        urban = spec.kind == "building"
        rng = self.rng
        n = spec.households
        n_grids = max(1, math.ceil(n / GRID_MAX_HOUSEHOLDS)) if n else 0
        grid_shares = [n // n_grids + (1 if g < n % n_grids else 0) for g in range(n_grids)]
        taken: set[int] = unit_data["taken"]
        candidates: list[Person] = []
        i = 0
        for g, share in enumerate(grid_shares):
            suffix = f"第{g + 1}" if n_grids > 1 else ""
            grid = MicroGrid(
                id=self.next_grid,
                name=f"{prefix}{suffix}网格",
                place_id=place.id,
                place_path=place.path,
            )
            self.next_grid += 1
            self.b_grids.append(grid)
            unit_data["grids"].append(grid.id)
            adults: list[Person] = []
            centre: Household | None = None
            centre_left = 0
            for _ in range(share):
                members = generate.household_members(rng, urban=urban)
                hid = self.next_household
                self.next_household += 1
                people = [self.person(m, hid) for m in members]
                head = people[0]
                if urban:
                    unit_no, floor, room = generate.flat_of(spec, i)
                    address = f"{prefix}{unit_no}单元{room}"
                    extra: dict[str, Any] = {
                        "unit": unit_no,
                        "floor": floor,
                        "floor_area": generate.floor_area(rng),
                    }
                else:
                    address = f"{prefix}{i + 1}号"
                    extra = {}
                household = Household(
                    id=hid,
                    place_id=place.id,
                    place_path=place.path,
                    address=address,
                    head_id=head.id,
                    grid_id=grid.id,
                    sort_key=self.key(head.name),
                    **extra,
                )
                # Five households to a centre household (五户邻里互助小组).
                if centre_left == 0 and share - i >= 3:
                    household.is_centre = True
                    centre, centre_left = household, rng.randint(4, 6)
                    if head.phone is None:
                        head.phone = self.phones.next()
                    taken.add(head.id)
                    self.role(head, Role.CENTRE_HOUSEHOLD, place)
                    unit_data["centres"].append(hid)
                elif centre is not None and centre_left > 0:
                    household.centre_id = centre.id
                    centre_left -= 1
                self.b_households.append(household)
                for tag, reason, since in generate.household_tags(rng, members, urban=urban):
                    self.b_tags.append(
                        KeyHouseholdTag(
                            household_id=hid,
                            place_path=place.path,
                            tag=tag,
                            reason=reason,
                            since=since,
                        )
                    )
                for p, m in zip(people, members, strict=True):
                    if 22 <= m.age <= 62 and p.id not in taken:
                        adults.append(p)
                i += 1
            # The grid worker lives in the grid (一格一员).
            worker = adults.pop(rng.randrange(len(adults))) if adults else self.outsider()
            if worker.phone is None:
                worker.phone = self.phones.next()
            taken.add(worker.id)
            grid.worker_id = worker.id
            self.role(worker, Role.GRID_WORKER, place, grid)
            candidates.extend(p for p in adults[:8] if p.phone)
        if urban and candidates:
            chief = candidates.pop(0)
            taken.add(chief.id)
            self.role(chief, Role.BUILDING_CHIEF, place)
        return candidates

    def pick(self, pool: list[Person], taken: set[int], k: int) -> list[Person]:
        """``k`` distinct people from the pool who hold no role yet; outsiders if too few."""
        free = [p for p in pool if p.id not in taken]
        chosen = self.rng.sample(free, min(k, len(free)))
        chosen += [self.outsider() for _ in range(k - len(chosen))]
        taken.update(p.id for p in chosen)
        return chosen

    def unit(self, plan: list[PlaceSpec], unit: PlaceSpec, data: dict[str, Any]) -> None:
        """One village or community: its households, then its cadres, council and chiefs."""
        place = self.places[unit.index]
        first_household, first_person = self.next_household, self.next_person
        unit_data: dict[str, Any] = {"taken": set(), "grids": [], "centres": []}
        pool: list[Person] = []
        orgs: list[tuple[str, str, list[Place], list[tuple[Person, str]]]] = []
        for child in unit.children:
            spec = plan[child]
            if spec.kind == "group":
                pool += self.leaf(spec, unit.name + spec.name, unit_data)
            else:  # an estate: its buildings, then its chief and owners' committee
                estate_pool: list[Person] = []
                for b in spec.children:
                    estate_pool += self.leaf(plan[b], spec.name + plan[b].name, unit_data)
                estate = self.places[spec.index]
                chief, *committee = self.pick(estate_pool, unit_data["taken"], 6)
                self.role(chief, Role.ESTATE_CHIEF, estate)
                titles = ["主任", "副主任"] + ["委员"] * 3
                orgs.append(
                    (
                        f"{spec.name}业主委员会",
                        OrganisationKind.OWNERS_COMMITTEE,
                        [estate],
                        list(zip(committee, titles, strict=False)),
                    )
                )
                pool += estate_pool
            if len(self.b_households) >= self.batch_size:
                self.flush()
        taken = unit_data["taken"]
        if not self.printed.get(Role.RESIDENT):
            resident = next((p for p in pool if p.id not in taken and p.relation == "户主"), None)
            if resident is not None:
                taken.add(resident.id)
                self.printed[Role.RESIDENT] = resident
        rural = unit.kind == "village"
        cadre_role = Role.VILLAGE_CADRE if rural else Role.COMMUNITY_CADRE
        for cadre in self.pick(pool, taken, 3):
            self.role(cadre, cadre_role, place)
        council = self.pick(pool, taken, self.rng.randint(5, 9))
        for member in council:
            self.role(member, Role.COUNCIL_MEMBER, place)
        titles = ["理事长", "副理事长"] + ["理事"] * 7
        council_name = f"{unit.name}{'村民理事会' if rural else '居民议事会'}"
        orgs.insert(
            0,
            (
                council_name,
                OrganisationKind.COUNCIL,
                [place],
                list(zip(council, titles, strict=False)),
            ),
        )
        if not rural:
            self.role(self.pick(pool, taken, 1)[0], Role.STREET_CHIEF, place)
        if rural and len(data["villages"]) % 3 == 0:
            for _ in range(2):  # a county work team sent down to every third village
                self.role(self.outsider(), Role.WORK_TEAM, place)
        self.flush()
        org_ids = self.orgs_write(orgs)
        data["villages"].append(place.id)
        if not rural:
            data["communities"].append(place.id)
        data["councils"][place.id] = org_ids[0]
        data["households_by_village"][place.id] = range(first_household, self.next_household)
        data["people_by_village"][place.id] = range(first_person, self.next_person)
        data["grids_by_village"][place.id] = unit_data["grids"]
        data["centres_by_village"][place.id] = unit_data["centres"]
        # A few people per village for the town-wide organisations.
        data["_pool"][place.id] = [p for p in pool if p.id not in taken][:40]

    def orgs_write(
        self, orgs: list[tuple[str, str, list[Place], list[tuple[Person, str]]]]
    ) -> list[int]:
        since = dt.date(2023, 3, 1)
        with transaction.atomic():
            rows = Organisation.objects.bulk_create(
                Organisation(name=name, kind=kind) for name, kind, _p, _m in orgs
            )
            Organisation.places.through.objects.bulk_create(
                Organisation.places.through(organisation_id=row.id, place_id=place.id)
                for row, (_n, _k, places, _m) in zip(rows, orgs, strict=True)
                for place in places
            )
            Membership.objects.bulk_create(
                Membership(organisation_id=row.id, person_id=person.id, title=title, since=since)
                for row, (_n, _k, _p, members) in zip(rows, orgs, strict=True)
                for person, title in members
            )
        self.counts["organisations"] += len(rows)
        for row in rows:
            self.ctx.data["organisations"].setdefault(row.kind, []).append(row.id)
        return [row.id for row in rows]


COOPERATIVE_PRODUCTS = ("茶叶", "香菇", "蔬菜", "中药材", "生猪养殖", "柑橘", "木耳", "竹编")


def county_build(
    ctx: DemoContext,
    *,
    villages: int,
    batch: int = BATCH_HOUSEHOLDS,
    progress: Progress | None = None,
    accounts: bool = True,
) -> None:
    """Write the county of ``ctx.households`` households in ``villages`` villages and
    communities, drawing from ``ctx.rng``; fill ``ctx.data`` (see the module docstring) and, with
    ``accounts``, make the staff sign-in accounts and add one demo account per role."""
    rng = random.Random(ctx.rng.getrandbits(64))
    b = _Builder(ctx, rng=rng, batch=batch, progress=progress)
    plan = generate.county_plan(rng, villages=villages, households=ctx.households)
    b.places_write(plan)
    by_kind: dict[str, list[PlaceSpec]] = defaultdict(list)
    for spec in plan:
        by_kind[spec.kind].append(spec)
    pid = {spec.index: b.places[spec.index].id for spec in plan}
    data = ctx.data
    data.update(
        city=pid[by_kind["city"][0].index],
        county=pid[by_kind["county"][0].index],
        towns=[pid[s.index] for s in by_kind["town"] + by_kind["street"]],
        streets=[pid[s.index] for s in by_kind["street"]],
        villages=[],
        communities=[],
        groups_by_village={pid[s.index]: [pid[c] for c in s.children] for s in by_kind["village"]},
        estates_by_community={
            pid[s.index]: [pid[c] for c in s.children] for s in by_kind["community"]
        },
        buildings_by_estate={pid[s.index]: [pid[c] for c in s.children] for s in by_kind["estate"]},
        households_by_village={},
        people_by_village={},
        grids_by_village={},
        centres_by_village={},
        councils={},
        organisations={},
        _pool={},
    )
    # Villages first: the printed resident and cadre live in 双台村 (the rural four levels).
    units = [s for s in plan if s.kind == "village"] + [s for s in plan if s.kind == "community"]
    for unit in units:
        b.unit(plan, unit, data)

    # Above the villages: supervisors, town-wide organisations, a joint committee.
    city, county = b.places[by_kind["city"][0].index], b.places[by_kind["county"][0].index]
    b.role(b.outsider(), Role.CITY_SUPERVISOR, city)
    for _ in range(2):
        b.role(b.outsider(), Role.COUNTY_SUPERVISOR, county)
    orgs = []
    pools: dict[int, list[Person]] = data.pop("_pool")
    for t, town_spec in enumerate(by_kind["town"] + by_kind["street"]):
        town = b.places[town_spec.index]
        b.role(b.outsider(), Role.TOWN_SUPERVISOR, town)
        members = [p for c in town_spec.children for p in pools.get(pid[c], [])]
        volunteers = [p for p in members if p.is_volunteer][:30]
        orgs.append(
            (
                f"{town.name}志愿服务队",
                OrganisationKind.VOLUNTEER_TEAM,
                [town],
                [(p, "队长" if i == 0 else "队员") for i, p in enumerate(volunteers)],
            )
        )
        villages_here = [b.places[c] for c in town_spec.children if plan[c].kind == "village"]
        if villages_here:
            product = COOPERATIVE_PRODUCTS[t % len(COOPERATIVE_PRODUCTS)]
            growers = [p for p in members if p.household_id][:20]
            orgs.append(
                (
                    f"{town.name}{product}专业合作社",
                    OrganisationKind.COOPERATIVE,
                    villages_here[:3],
                    [(p, "理事长" if i == 0 else "社员") for i, p in enumerate(growers)],
                )
            )
    first_town = by_kind["town"][0]
    joint = [b.places[c] for c in first_town.children if plan[c].kind == "village"][:3]
    if len(joint) == 3:
        joint_members = [p for v in joint for p in pools.get(v.id, [])[-2:]]
        orgs.append(
            (
                f"{'、'.join(v.name.removesuffix('村') for v in joint)}三村联合会",
                OrganisationKind.JOINT_COMMITTEE,
                joint,
                [(p, "会长" if i == 0 else "委员") for i, p in enumerate(joint_members)],
            )
        )
    b.flush()
    b.orgs_write(orgs)
    # The bulk rows bypassed key_tag_set, which keeps the per-place rollup: rebuild it once.
    key_tag_counts_rebuild()
    if accounts:
        _accounts_make(ctx, b)
    audit_event_record(
        actor=None,
        action="demo.load",
        obj=county,
        place_path=county.path,
        changes={"villages": villages, **b.counts},
    )
    _sequences_reset()


def _accounts_make(ctx: DemoContext, b: _Builder) -> None:
    """Password accounts for every staff role holder (one hash for all: it is a demo), a
    superuser, and one printed demo account per role."""
    password = make_password(DEMO_PASSWORD)
    seen: dict[str, int] = defaultdict(int)
    users, printed_users = [], {}
    done: set[int] = set()
    for role, person in b.staff:
        if person.id in done:
            continue
        done.add(person.id)
        seen[role] += 1
        username = role if seen[role] == 1 else f"{role}_{seen[role]}"
        user = User(username=username, password=password, person_id=person.id)
        user.first_name = person.name
        users.append(user)
        if seen[role] == 1:
            printed_users[role] = user
    admin = User(
        username="admin", password=password, is_superuser=True, is_staff=True, first_name="管理员"
    )
    users.append(admin)
    printed_users[Role.SYSTEM_ADMIN] = admin
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=500)
    ids = dict(
        User.objects.filter(username__in=[u.username for u in printed_users.values()]).values_list(
            "username", "id"
        )
    )
    ctx.data["staff_users"] = {role: ids[u.username] for role, u in printed_users.items()}
    ctx.data["role_people"] = {role: p.id for role, p in b.printed.items()}
    ctx.data["password"] = DEMO_PASSWORD
    for role in Role:
        if role in printed_users:
            ctx.account(
                role.label, f"{printed_users[role].username} / {DEMO_PASSWORD}", STAFF_SIGN_IN
            )
        elif role in b.printed:
            person = b.printed[role]
            ctx.account(role.label, person.phone or "", f"{RESIDENT_SIGN_IN}（验证码见服务器日志）")


def _sequences_reset() -> None:
    """Explicit primary keys leave PostgreSQL's sequences behind: move them past the rows."""
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Place, MicroGrid, Household, Person]
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
