"""The demo's meetings: a courtyard meeting with attendance, a representatives' meeting that
reached its quorum, a 四议两公开 procedure completed for a road and one still in progress.

Everything goes through the services, as a system administrator acting for the village. The
village is the one the demo village cadre account serves (so signing in as it shows all this),
else the first village. ``ctx.data`` keys come from wugong/people/demo.py; every one is read
defensively, with a database query as the fallback.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from wugong.core.demo import DemoContext
from wugong.meetings import services
from wugong.meetings.models import Meeting
from wugong.meetings.quorum import adult_cutoff
from wugong.people.models import Household, Person, RoleAssignment, User
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import Place, PlaceKind
from wugong.places.paths import subtree_q

ADMIN = Viewer(
    user_id=0, person_id=None, household_id=None, assignments=(Assignment("system_admin", 0, "/"),)
)


def _village_and_actor(ctx: DemoContext) -> tuple[Place | None, Any]:
    staff = ctx.data.get("staff_users") or {}
    user = User.objects.filter(pk=staff.get(Role.VILLAGE_CADRE)).first() if staff else None
    if user is not None and user.person_id:
        row = (
            RoleAssignment.objects.filter(
                person_id=user.person_id, role=Role.VILLAGE_CADRE, active=True
            )
            .select_related("place")
            .first()
        )
        if row is not None and row.place.kind == PlaceKind.VILLAGE:
            return row.place, user
    ids = ctx.data.get("villages") or []
    village = (
        Place.objects.filter(pk__in=ids, kind=PlaceKind.VILLAGE).order_by("pk").first()
        or Place.objects.filter(kind=PlaceKind.VILLAGE).order_by("pk").first()
    )
    return village, None


def _at(days_ago: int, hour: int) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def load(ctx: DemoContext) -> None:
    village, actor = _village_and_actor(ctx)
    if village is None:
        return
    rng = ctx.rng
    heads = list(
        Person.objects.filter(
            subtree_q(village.path, "household__place_path"),
            birth_date__lte=adult_cutoff(timezone.localdate()),
        )
        .filter(pk__in=Household.objects.values("head_id"))
        .order_by("pk")
    )
    if len(heads) < 8:
        return
    group = village.children.filter(kind=PlaceKind.GROUP).order_by("pk").first() or village

    # A courtyard meeting (院场会) in the first group, ten days ago: who came, what was said.
    courtyard = services.meeting_create(
        viewer=ADMIN,
        actor=actor,
        place=group,
        kind="courtyard",
        title=f"{group.name}院场会：说说门前这条路",
        starts_at=_at(10, 19),
        location=f"{group.name}晒谷场",
    )
    services.agenda_item_add(
        viewer=ADMIN, actor=actor, meeting=courtyard, text="门前道路坑洼，雨天难走，怎么修？"
    )
    services.meeting_status_set(viewer=ADMIN, actor=actor, meeting=courtyard, status="open")
    households = list(
        Household.objects.filter(subtree_q(group.path, "place_path")).order_by("pk")[:60]
    )
    for h in households:
        if rng.random() < 0.7:
            services.roll_call_mark(
                viewer=ADMIN, actor=actor, meeting=courtyard, present=True, household=h
            )
    services.meeting_minutes_save(
        viewer=ADMIN,
        actor=actor,
        meeting=courtyard,
        minutes="大家一致认为先修通组道路；愿意投工投劳的登记，让地的户由村里协调。"
        "建议提交村两委按四议两公开程序办理。",
    )
    services.meeting_decision_record(
        viewer=ADMIN,
        actor=actor,
        meeting=courtyard,
        text="提请村两委研究硬化组道路，居民自愿投工投劳。",
        outcome="passed",
    )
    services.meeting_status_set(viewer=ADMIN, actor=actor, meeting=courtyard, status="closed")

    # The village's roll of representatives (one per ~10 households, at least 7).
    reps = sorted(
        rng.sample(heads, k=min(len(heads), max(7, min(25, len(heads) // 10)))), key=lambda p: p.pk
    )
    for p in reps:
        services.representative_add(viewer=ADMIN, actor=actor, place=village, person=p, note="")
    # One person is both party secretary and committee director (一肩挑).
    leader = reps[0]
    for post in ("party_secretary", "committee_director"):
        services.village_post_set(
            viewer=ADMIN,
            actor=actor,
            place=village,
            post=post,
            person=leader,
            since=timezone.localdate() - dt.timedelta(days=900),
        )

    # The road, completed: 1+2 merged, party members, representatives' meeting, publications.
    road = services.village_decision_create(
        viewer=ADMIN,
        actor=actor,
        place=village,
        title=f"硬化{group.name}道路（500米）",
        description="院场会提出；预算40万元，上级补助与群众投工投劳结合。",
    )
    today = timezone.localdate()

    def step(decision: Any, n: int, days_ago: int, **kw: Any) -> None:
        kw.setdefault("outcome", "published" if n >= 5 else "passed")
        services.decision_step_record(
            viewer=ADMIN,
            actor=actor,
            decision=decision,
            step=n,
            date=today - dt.timedelta(days=days_ago),
            **kw,
        )

    party = Person.objects.filter(
        subtree_q(village.path, "household__place_path"), is_party_member=True
    ).count()
    party_expected = max(party, 12)
    step(road, 1, 9, body="村党支部、村两委（一肩挑合并办理）", merge_first_two=True)
    step(
        road,
        3,
        8,
        body="村党员大会",
        present=party_expected * 3 // 4,
        expected=party_expected,
    )
    meeting = services.meeting_create(
        viewer=ADMIN,
        actor=actor,
        place=village,
        kind="representatives",
        title="村民代表会议：组道路硬化方案",
        starts_at=_at(7, 9),
        location="村委会二楼会议室",
    )
    item = services.agenda_item_add(
        viewer=ADMIN, actor=actor, meeting=meeting, text="组道路硬化方案及筹资办法"
    )
    services.meeting_status_set(viewer=ADMIN, actor=actor, meeting=meeting, status="open")
    present = reps[: max(len(reps) * 5 // 6, (2 * len(reps) + 2) // 3)]
    for p in present:
        services.roll_call_mark(viewer=ADMIN, actor=actor, meeting=meeting, present=True, person=p)
    against = 1 if len(present) > 3 else 0
    services.meeting_decision_record(
        viewer=ADMIN,
        actor=actor,
        meeting=meeting,
        agenda_item=item,
        text="同意硬化组道路；群众投工投劳，村集体出资不超过10万元。",
        votes_for=len(present) - against,
        votes_against=against,
        votes_abstain=0,
    )
    services.meeting_minutes_save(
        viewer=ADMIN,
        actor=actor,
        meeting=meeting,
        minutes="会议由村党支部书记主持，逐户通报院场会意见，举手表决。",
    )
    services.meeting_status_set(viewer=ADMIN, actor=actor, meeting=meeting, status="closed")
    meeting = Meeting.objects.get(pk=meeting.pk)
    step(road, 4, 7, body="村民代表会议", meeting=meeting)
    step(road, 5, 6, body="村务公开栏", note="决议在村务公开栏和微信群公示7天，无异议。")
    step(road, 6, 1, body="村务公开栏", note="道路完工，决算38.6万元，明细在公开栏公示。")

    # Street lights: in progress, waiting for the representatives (step 4).
    lights = services.village_decision_create(
        viewer=ADMIN,
        actor=actor,
        place=village,
        title="村口及主干道安装太阳能路灯",
        description="多户居民在问题清单中提出夜间出行不便。",
    )
    step(lights, 1, 3, body="村党支部、村两委（一肩挑合并办理）", merge_first_two=True)
    step(
        lights,
        3,
        2,
        body="村党员大会",
        present=party_expected * 2 // 3 + 1,
        expected=party_expected,
    )
    ctx.data["meetings"] = [courtyard.pk, meeting.pk]
    ctx.data["village_decisions"] = [road.pk, lights.pk]
