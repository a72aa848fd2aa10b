"""The demo county's votes, in the style of the seeds.

- 狮子岩村 (or the first village) votes which vegetable to plant by stars (投星), online and
  on the blackboard at a courtyard meeting (院场会), and the result is published;
- a motion decided by show of hands and counted with 正 characters (写正字);
- a lift for one building unit (单元) decided by that unit's owners under art. 278 of the Civil
  Code, with the cost shared by floor (¥400,000 as in the Qianfu estate);
- a secret ballot with receipt codes, published with its list of counted ballots;
- one vote left open so the demo accounts can cast.

Everything goes through the services; the ballots come from ``ctx.rng``.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from wugong.core.demo import DemoContext
from wugong.people.models import Household, Person, RoleAssignment, User
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import Place, PlaceKind
from wugong.voting import services
from wugong.voting.models import RollEntry, Vote

ADMIN = Viewer(
    user_id=0, person_id=None, household_id=None, assignments=(Assignment("system_admin", 0, "/"),)
)
MAX_ONLINE = 150  # ballots cast one by one per vote: enough to show, quick to load


def _village(ctx: DemoContext) -> Place | None:
    named = Place.objects.filter(name="狮子岩村", kind=PlaceKind.VILLAGE).first()
    if named:
        return named
    ids = ctx.data.get("villages") or []
    rural = Place.objects.filter(pk__in=ids, kind=PlaceKind.VILLAGE).order_by("id").first()
    return rural or Place.objects.filter(kind=PlaceKind.VILLAGE).order_by("id").first()


def _cadre(place: Place, role: str) -> User | None:
    person_ids = RoleAssignment.objects.filter(place=place, role=role, active=True).values_list(
        "person_id", flat=True
    )
    return User.objects.filter(person_id__in=list(person_ids)).order_by("id").first()


def _voter(entry: RollEntry) -> Viewer:
    """A resident's viewer for the roll entry (their person, or their household's head)."""
    if entry.person_id:
        person = Person.objects.select_related("household").get(pk=entry.person_id)
        household = person.household
    else:
        household = Household.objects.get(pk=entry.household_id)
        person = Person.objects.filter(pk=household.head_id).first()
    place = household.place if household else None
    return Viewer(
        user_id=0,
        person_id=person.pk if person else None,
        household_id=household.pk if household else None,
        assignments=(Assignment(Role.RESIDENT, place.pk, place.path),) if place else (),
    )


def _draft(place: Place, actor: Any, **kw: Any) -> Vote:
    now = timezone.now()
    kw.setdefault("opens_at", now - dt.timedelta(days=2))
    kw.setdefault("closes_at", now + dt.timedelta(days=5))
    vote = services.vote_create(viewer=ADMIN, actor=actor, place=place, **kw)
    return services.vote_open(viewer=ADMIN, actor=actor, vote=vote)


def _finish(vote: Vote, actor: Any) -> Vote:
    services.vote_close(viewer=ADMIN, actor=actor, vote=vote)
    return services.vote_publish(viewer=ADMIN, actor=actor, vote=vote)


def _ids(vote: Vote) -> dict[str, int]:
    return {(o.code or o.label): o.pk for o in vote.options.all()}


def _zheng(n: int) -> str:
    full, rest = divmod(n, 5)
    return "正" * full + ("", "一", "丅", "下", "止")[rest]


def _cast_some(ctx: DemoContext, vote: Vote, share: float, choose: Any) -> list[RollEntry]:
    """Cast online for a share of the roll (at most MAX_ONLINE); return the entries left."""
    entries = list(RollEntry.objects.filter(vote=vote).order_by("id"))
    ctx.rng.shuffle(entries)
    n = min(MAX_ONLINE, int(len(entries) * share))
    for entry in entries[:n]:
        services.ballot_cast(vote=vote, viewer=_voter(entry), actor=None, choices=choose())
    return entries[n:]


def load(ctx: DemoContext) -> None:
    rng = ctx.rng
    village = _village(ctx)
    if village is not None:
        cadre = _cadre(village, Role.VILLAGE_CADRE)
        # 1. Stars: which vegetable to plant (投星), online and on the blackboard.
        crops = ["白菜", "萝卜", "辣椒", "香菇", "茶叶"]
        weights = {"白菜": 2, "萝卜": 1, "辣椒": 3, "香菇": 4, "茶叶": 3}
        stars = _draft(
            village,
            cadre,
            title="明年村集体种什么（投星）",
            description="每户给每样作物打0至5颗星，星越多越支持。院场会上贴星计数。",
            method="stars",
            unit="household",
            options=crops,
        )
        ids = _ids(stars)
        left = _cast_some(
            ctx,
            stars,
            0.4,
            lambda: {ids[c]: min(5, max(0, weights[c] + rng.randint(-2, 2))) for c in crops},
        )
        room = left[: max(1, len(left) // 3)]
        services.offline_tally_record(
            vote=stars,
            viewer=ADMIN,
            actor=cadre,
            meeting=f"{village.name}院场会",
            counts={ids[c]: _zheng(len(room) * weights[c] // 2 + rng.randint(0, 3)) for c in crops},
            present_entry_ids=[e.pk for e in room],
            note="黑板贴星，照片存档",
        )
        _finish(stars, cadre)

        # 2. A motion by show of hands, counted with 正 on the blackboard.
        hands = _draft(
            village,
            cadre,
            title="20万元改用于修建茶园路（原计划LED屏）",
            description="村民代表会议举手表决，黑板写正字计票。",
            method="motion",
            unit="household",
        )
        ids = _ids(hands)
        entries = list(RollEntry.objects.filter(vote=hands).order_by("id"))
        room = entries[: max(3, len(entries) * 3 // 4)]
        against = len(room) // 10
        abstain = len(room) // 20
        services.offline_tally_record(
            vote=hands,
            viewer=ADMIN,
            actor=cadre,
            meeting="村委会会议室",
            counts={
                ids["for"]: _zheng(len(room) - against - abstain),
                ids["against"]: _zheng(against),
                ids["abstain"]: _zheng(abstain),
            },
            present_entry_ids=[e.pk for e in room],
        )
        _finish(hands, cadre)

        # 4. A secret ballot with receipts (不记名, 凭回执码核对).
        secret = _draft(
            village,
            cadre,
            title="是否同意设立村务监督小组（不记名投票）",
            method="motion",
            unit="household",
            secret=True,
        )
        ids = _ids(secret)
        _cast_some(
            ctx,
            secret,
            0.7,
            lambda: {ids[rng.choices(["for", "against", "abstain"], [8, 1, 1])[0]]: 1},
        )
        _finish(secret, cadre)

        # 5. Left open for the demo accounts.
        _draft(
            village,
            cadre,
            title="本周五卫生大检查改到几点（限选1项）",
            method="approval",
            unit="household",
            options=["上午8点", "上午9点", "下午3点"],
            max_choices=1,
        )

    # 3. A lift for one unit, decided by its owners (民法典第二百七十八条), cost by floor.
    estate_household = (
        Household.objects.exclude(unit="")
        .filter(floor_area__isnull=False, place__kind=PlaceKind.BUILDING)
        .order_by("id")
        .first()
    )
    if estate_household is None:
        return
    building = estate_household.place
    community = Place.objects.filter(
        kind=PlaceKind.COMMUNITY, pk__in=[int(i) for i in building.path.strip("/").split("/")]
    ).first()
    cadre = _cadre(community, Role.COMMUNITY_CADRE) if community else None
    floors = Household.objects.filter(
        place=building, unit=estate_household.unit, floor__isnull=False
    ).values_list("floor", flat=True)
    weights = {str(f): str(_floor_weight(f)) for f in set(floors)}
    lift = _draft(
        building,
        cadre,
        title=f"{building.name}{estate_household.unit}单元加装电梯",
        description="按民法典第二百七十八条第一款第七项，由本单元业主共同决定；"
        "费用40万元按楼层系数分摊，一楼不分摊。",
        method="estate",
        unit="household",
        estate_matter="rebuild",
        building_unit=estate_household.unit,
        cost_total_fen=40_000_000,
        floor_weights=weights,
    )
    ids = _ids(lift)
    _cast_some(
        ctx, lift, 0.9, lambda: {ids[rng.choices(["for", "against", "abstain"], [17, 2, 1])[0]]: 1}
    )
    _finish(lift, cadre)


def _floor_weight(floor: int) -> str:
    """Lift cost weights by floor (一楼不用电梯，不分摊; higher floors benefit more)."""
    table = {1: "0", 2: "0.6", 3: "0.8", 4: "1", 5: "1.2", 6: "1.4"}
    return table.get(floor, "1.5" if floor > 6 else "0")
