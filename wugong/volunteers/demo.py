"""The demo's part of 志愿服务: three teams of the printed accounts' village (党员先锋队,
巾帼志愿服务队, 青年志愿服务队), ten activities over the last two months with volunteers checked in
and out and their hours confirmed (the printed resident among them), and one activity next
week still open for sign-up. Everything goes through the services; found in the database."""

import datetime as dt
from typing import Any

from django.utils import timezone

from wugong.core.demo import DemoContext
from wugong.people.models import Person, RoleAssignment, User
from wugong.people.roles import Role
from wugong.people.rules import viewer_for
from wugong.places.models import Place, PlaceKind
from wugong.volunteers import services

TEAMS = [
    ("党员先锋队", "party", "党员带头，清洁家园、守水护水、帮扶困难户。"),
    ("巾帼志愿服务队", "women", "关爱留守老人和儿童，移风易俗宣传。"),
    ("青年志愿服务队", "youth", "返乡青年帮老人用手机、代购药品。"),
]

ACTIVITIES = [
    # (team index, title, needs, hours, quota, cap)
    (0, "周五清洁家园：村道垃圾清运", "扫帚、火钳、手套", 3, 8, None),
    (1, "看望独居老人，打扫院落", "抹布、米面油", 2, 5, None),
    (0, "守水护水：巡河捡拾垃圾", "长柄网兜、垃圾袋", 3, 6, "2.5"),
    (2, "教老人用手机缴费、视频通话", "充电宝", 2, 4, None),
    (0, "竹篱笆修补", "竹子、铁丝、钳子", 4, 10, None),
    (1, "移风易俗入户宣传", "宣传单", 2, 6, None),
    (2, "村广场搬运健身器材", "手推车", 3, 6, "2"),
    (0, "周五清洁家园：沟渠清淤", "铁锹、雨靴", 3, 8, None),
    (1, "留守儿童课后陪读", "作业本、彩笔", 2, 4, None),
    (2, "代购药品送上门", "电动车", 2, 3, None),
]


def load(ctx: DemoContext) -> None:
    village = _village(ctx)
    if village is None:
        return
    cadre = _cadre_user(ctx, village)
    if cadre is None:
        return
    viewer = viewer_for(cadre)
    people = list(
        Person.objects.filter(household__place_path__startswith=village.path)
        .only("id", "household_id", "is_volunteer", "name")
        .order_by("id")[:40]
    )
    if len(people) < 3:
        return
    resident_id = ctx.data.get("role_people", {}).get(Role.RESIDENT)
    resident = next((p for p in people if p.pk == resident_id), None)
    if resident is None and resident_id:
        resident = Person.objects.filter(
            pk=resident_id, household__place_path__startswith=village.path
        ).first()
    now = timezone.now()
    teams = []
    for i, (name, kind, description) in enumerate(TEAMS):
        team = services.team_create(
            viewer=viewer, actor=cadre, place=village, name=name, kind=kind, description=description
        )
        for p in people[i::3]:
            services.team_member_add(viewer=viewer, actor=cadre, team=team, person=p)
        if resident is not None and i == 0:
            services.team_member_add(viewer=viewer, actor=cadre, team=team, person=resident)
        teams.append(team)

    confirmed = 0
    for n, (t, title, needs, length, quota, cap) in enumerate(ACTIVITIES):
        day = timezone.localtime(now - dt.timedelta(days=58 - n * 6)).replace(
            hour=8 if n % 2 == 0 else 14, minute=30, second=0, microsecond=0
        )
        activity, _ = services.activity_create(
            viewer=viewer,
            actor=cadre,
            team=teams[t],
            title=title,
            location="村委会门口集合",
            needs=needs,
            starts_at=day,
            ends_at=day + dt.timedelta(hours=length),
            quota=quota,
            hours_cap=cap,
            idempotency_key=f"demo-volunteers-{village.pk}-{n}",
        )
        pool = people[t::3]
        volunteers = ctx.rng.sample(pool, min(len(pool), quota, ctx.rng.randint(3, 5)))
        if resident is not None and t == 0 and resident not in volunteers:
            volunteers[0] = resident
        for person in volunteers:
            arrived = day + dt.timedelta(minutes=ctx.rng.randrange(-15, 20))
            row, _ = services.organiser_check_in(
                viewer=viewer, actor=cadre, activity=activity, person=person, now=arrived
            )
            left = day + dt.timedelta(hours=length, minutes=ctx.rng.randrange(-40, 25))
            services.organiser_check_out(
                viewer=viewer, actor=cadre, activity=activity, attendance=row, now=left
            )
            services.hours_confirm(
                viewer=viewer, actor=cadre, activity=activity, attendance=row, now=left
            )
            confirmed += 1
        services.activity_status_set(
            viewer=viewer, actor=cadre, activity=activity, status="finished"
        )

    # Next week: open for sign-up; the printed resident can join.
    start = timezone.localtime(now + dt.timedelta(days=5)).replace(
        hour=8, minute=30, second=0, microsecond=0
    )
    upcoming, _ = services.activity_create(
        viewer=viewer,
        actor=cadre,
        team=teams[0],
        title="周五清洁家园：房前屋后大扫除",
        description="清理房前屋后杂物，整理柴堆，清扫村道。欢迎全村男女老少参加。",
        location="村委会门口集合",
        needs="扫帚、火钳、手套",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        quota=12,
        idempotency_key=f"demo-volunteers-{village.pk}-next",
    )
    for person in people[1:3]:
        if resident is None or person.pk != resident.pk:
            services.signup_create(
                viewer=_resident_viewer(person), actor=None, activity=upcoming, now=now
            )
    ctx.data["volunteer_activity_open"] = upcoming.pk
    ctx.data["volunteer_attendances_confirmed"] = confirmed


def _village(ctx: DemoContext) -> Place | None:
    ids = ctx.data.get("villages") or []
    if ids:
        village = Place.objects.filter(pk=ids[0]).first()
        if village is not None:
            return village
    return Place.objects.filter(kind=PlaceKind.VILLAGE).order_by("id").first()


def _cadre_user(ctx: DemoContext, village: Place) -> Any:
    user_id = ctx.data.get("staff_users", {}).get(Role.VILLAGE_CADRE)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if (
        user is not None
        and user.person_id
        and viewer_for(user).can_place("volunteer.manage", village)
    ):
        return user
    row = (
        RoleAssignment.objects.filter(role=Role.VILLAGE_CADRE, active=True, place=village)
        .order_by("id")
        .first()
    )
    if row is None:
        return None
    return User.objects.filter(person_id=row.person_id).first()


def _resident_viewer(person: Person) -> Any:
    from wugong.people.rules import Assignment, Viewer

    h = person.household
    assert h is not None
    return Viewer(
        user_id=None,
        person_id=person.pk,
        household_id=h.pk,
        assignments=(Assignment(Role.RESIDENT, h.place_id, h.place_path),),
    )
