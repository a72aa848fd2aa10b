"""The demo's part of 建设共管: key-household visits over the last four weeks (most in time,
some overdue, one with temporary assistance paid), and problem reports — a street light fixed
within a day and rated 5 stars, a blocked ditch sent up to the town, one answered and reopened.
Defensive about what earlier parts left in ctx.data: everything is found in the database."""

import datetime as dt
from typing import Any

from django.utils import timezone

from wugong.core.demo import DemoContext
from wugong.people.models import Household, Person, RoleAssignment, User
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import Place, PlaceKind
from wugong.upkeep import report_services, visit_services
from wugong.upkeep.defaults import report_categories_ensure
from wugong.upkeep.models import Report, VisitDue


def _viewer(row: RoleAssignment) -> Viewer:
    return Viewer(
        user_id=None,
        person_id=row.person_id,
        household_id=row.person.household_id,
        assignments=(Assignment(row.role, row.place_id, row.place_path, row.grid_id),),
    )


def _user(person_id: int | None) -> Any:
    user = User.objects.filter(person_id=person_id).first() if person_id else None
    return user or User.objects.filter(is_superuser=True).order_by("id").first()


def _resident(person: Person) -> Viewer:
    h = person.household
    assert h is not None
    return Viewer(
        user_id=None,
        person_id=person.pk,
        household_id=h.pk,
        assignments=(Assignment(Role.RESIDENT, h.place_id, h.place_path),),
    )


def load(ctx: DemoContext) -> None:
    now = timezone.now()
    start = now - dt.timedelta(days=28)
    visit_services.visit_schedule_sync(now=start)
    worker = (
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, active=True, grid__isnull=False)
        .select_related("person", "place")
        .order_by("id")
        .first()
    )
    if worker is not None:
        _visits(ctx, worker, start, now)
    village = (
        worker.place
        if worker and worker.place.kind in {PlaceKind.VILLAGE, PlaceKind.COMMUNITY}
        else Place.objects.filter(kind=PlaceKind.VILLAGE).order_by("id").first()
    )
    if village is not None:
        report_categories_ensure()  # gone if the database was flushed since migrating
        _reports(ctx, village, now)
    client, key = report_services.api_client_create(
        name="市民热线 App（演示）", place=Place.objects.filter(parent=None).order_by("id").first()
    )
    ctx.data["open311_client"] = client.pk
    ctx.account("Open311 客户端", f"api_key={key}", "POST /open311/v2/requests.json")


def _visits(ctx: DemoContext, worker: RoleAssignment, start: dt.datetime, now: dt.datetime) -> None:
    """Up to 20 key households of the grid visited every few days; a few left overdue."""
    viewer = _viewer(worker)
    actor = _user(worker.person_id)
    dues = list(
        VisitDue.objects.filter(grid_id=worker.grid_id)
        .select_related("household__place", "household__head")
        .order_by("household_id")[:20]
    )
    made = 0
    for i, due in enumerate(dues):
        household: Household = due.household
        late = i % 6 == 5  # one in six is let slip
        at = start + dt.timedelta(hours=ctx.rng.randrange(8, 40))
        n = 0
        while at < now - dt.timedelta(days=8 if late else 0, hours=2):
            found = ctx.rng.choice(["身体尚好，生活正常", "腿脚不便，需代购药品", "家中漏雨"])
            needs = ["屋顶漏雨需要修补"] if found == "家中漏雨" and n == 0 else []
            fen = 50000 if (i == 0 and n == 1) else None
            _visit, _created = visit_services.visit_record(
                viewer=viewer,
                actor=actor,
                household=household,
                idempotency_key=f"demo-{household.pk}-{n}",
                found=found,
                help_given=ctx.rng.choice(["", "帮助代购药品", "打扫院落"]),
                needs=needs,
                assistance_fen=fen,
                assistance_reason="住院自付费用高，临时救助" if fen else "",
                visited_at=at,
                now=at,
            )
            made += 1
            n += 1
            at += dt.timedelta(days=ctx.rng.choice([3, 4, 5, 5, 6]), hours=ctx.rng.randrange(-4, 4))
        if i == 0:
            _assistance_paid(worker, household, now)
    ctx.data["visits_made"] = made


def _assistance_paid(worker: RoleAssignment, household: Household, now: dt.datetime) -> None:
    from wugong.upkeep.models import Assistance

    cadre = (
        RoleAssignment.objects.filter(
            role__in=[Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE], active=True, place=worker.place
        )
        .select_related("person")
        .first()
    )
    row = Assistance.objects.filter(household=household).first()
    if cadre is None or row is None:
        return
    viewer, actor = _viewer(cadre), _user(cadre.person_id)
    visit_services.assistance_decide(
        viewer=viewer, actor=actor, assistance=row, approve=True, note="情况属实", now=now
    )
    visit_services.assistance_pay(
        viewer=viewer, actor=actor, assistance=row, payment_ref="LS-2026-0001", now=now
    )


def _reports(ctx: DemoContext, village: Place, now: dt.datetime) -> None:
    people = list(
        Person.objects.filter(household__place_path__startswith=village.path)
        .select_related("household")
        .order_by("id")[:50]
    )
    cadre_row = (
        RoleAssignment.objects.filter(
            role__in=[Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE], active=True, place=village
        )
        .select_related("person")
        .first()
    )
    if len(people) < 3 or cadre_row is None or village.parent is None:
        return
    a, b, c = ctx.rng.sample(people, 3)
    cadre, cadre_user = _viewer(cadre_row), _user(cadre_row.person_id)
    town = village.parent
    town_viewer = Viewer(None, None, None, (Assignment(Role.TOWN_SUPERVISOR, town.pk, town.path),))

    def at(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    light = report_services.report_submit(
        viewer=_resident(a),
        actor=_user(a.pk) if User.objects.filter(person=a).exists() else None,
        category_code="street_light",
        text="村口的路灯坏了三天，晚上老人出门看不见路。",
        now=at(3),
    )
    report_services.report_respond(viewer=cadre, actor=cadre_user, report=light, now=at(2.9))
    report_services.report_resolve(
        viewer=cadre,
        actor=cadre_user,
        report=light,
        answer="已更换灯泡和线路，当晚恢复照明。",
        now=at(2.4),
    )
    report_services.report_rate(
        viewer=_resident(a), actor=None, report=light, stars=5, comment="修得快", now=at(2.3)
    )
    ditch = report_services.report_submit(
        viewer=_resident(b),
        actor=None,
        category_code="drainage",
        text="二组排水沟被泥石堵死，下雨就淹到门口。",
        now=at(5),
    )
    report_services.report_respond(viewer=cadre, actor=cadre_user, report=ditch, now=at(4.9))
    report_services.report_escalate(
        viewer=cadre,
        actor=cadre_user,
        report=ditch,
        reason="需要挖机清淤，村里没有机械和经费，上交镇里。",
        now=at(4.5),
    )
    report_services.report_respond(viewer=town_viewer, actor=None, report=ditch, now=at(4.2))
    rubbish = report_services.report_submit(
        viewer=_resident(c),
        actor=None,
        category_code="sanitation",
        text="垃圾收集点一周没人清运。",
        now=at(6),
    )
    report_services.report_resolve(
        viewer=cadre, actor=cadre_user, report=rubbish, answer="已通知保洁员清运。", now=at(5.5)
    )
    report_services.report_reopen(
        viewer=_resident(c), actor=None, report=rubbish, reason="只清了一半，还有很多。", now=at(5)
    )
    ctx.data["reports"] = list(Report.objects.order_by("id").values_list("id", flat=True))
