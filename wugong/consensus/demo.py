"""The demo's common-ground conversation: "村里的钱先花在哪里" in one village, ~30 statements,
~200 residents voting in three planted opinion groups, computed and published so the results
page shows the groups on the map.

Votes are written in bulk (one audit event for the lot, as wugong/people/demo.py does);
the conversation, statements, moderation, compute and publication go through the services.
The demo resident account is left out of the voters so that it has statements to vote on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from wugong.consensus import services
from wugong.consensus.models import Conversation, Participant, Statement, StatementVote
from wugong.consensus.pipeline import make_planted_votes
from wugong.core.audit import audit_event_record
from wugong.core.demo import DemoContext
from wugong.people.models import Person, User
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import Place

TOPIC = "村里的钱先花在哪里"
DESCRIPTION = (
    "今年村集体有一笔钱，加上上级以奖代补的资金，能办几件实事。"
    "请对下面的每条观点表个态：同意、不同意，拿不准就跳过。也欢迎写下您自己的想法。"
)
SEEDS = [
    "先把通往各组的路硬化，下雨天也能出门",
    "村里的主干道两边装上太阳能路灯",
    "修一个村民广场，晚上可以跳广场舞",
    "给独居老人装一键呼叫的设备",
    "办一个老年食堂，让老人吃上热饭",
    "先整治河道和水渠，防汛最要紧",
    "建一个垃圾分类收集点，定时清运",
    "修缮村小学的操场和围墙",
    "在村卫生室添置常用的检查设备",
    "拿出一部分钱扶持茶叶合作社",
    "修一条通往茶园的生产路",
    "给村里装上监控，晚上更安全",
    "改造村里的旱厕，家家用上卫生厕所",
    "建一个快递代收点，取件不用跑镇上",
    "修建停车场，解决路边乱停车的问题",
    "每个组都种上花草，把村子变漂亮",
    "钱应该平均分到各组，各组自己决定",
    "大事要开村民大会表决，不能干部说了算",
    "花钱的账目每个月都要张榜公示",
    "修路时各家让点地、出点工，能省不少钱",
    "先把钱存着，等攒够了办一件大事",
    "给留守儿童办一个暑期托管班",
    "扶持村里开农家乐，带动大家增收",
    "请外面的施工队来做，质量更有保障",
]
RESIDENT_STATEMENTS = [
    ("二组的饮水管道老化，先换水管", "accept"),
    ("村里的文化活动室要对年轻人开放", "accept"),
    ("冬天给困难户送些取暖补贴", "accept"),
    ("在村口建一个公交候车亭", "accept"),
    ("某某干部就是不办事！", "reject"),
    ("修一个篮球场，年轻人回来也有去处", "pending"),
]
VOTERS = 200
DEMO_ADMIN = Viewer(
    user_id=None,
    person_id=None,
    household_id=None,
    assignments=(Assignment("system_admin", 0, "/"),),
)


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _village(ctx: DemoContext) -> tuple[Place | None, int | None]:
    """The demo resident's village when known (so the printed account can take part), else
    the first village of the demo, else any village."""
    resident_id = ctx.data.get("role_people", {}).get("resident")
    person = (
        Person.objects.select_related("household").filter(pk=resident_id).first()
        if resident_id
        else None
    )
    if person is not None and person.household is not None:
        village = (
            Place.objects.filter(
                path__in=_ancestor_paths(person.household.place_path), kind="village"
            )
            .order_by("-depth")
            .first()
        )
        if village is not None:
            return village, person.pk
    for pk in ctx.data.get("villages", [])[:1]:
        village = Place.objects.filter(pk=pk).first()
        if village is not None:
            return village, resident_id
    return Place.objects.filter(kind="village").order_by("path").first(), resident_id


def _voters(village: Place, exclude: int | None, limit: int) -> list[Person]:
    from wugong.places.paths import subtree_q

    qs = (
        Person.objects.filter(subtree_q(village.path, "household__place_path"))
        .select_related("household")
        .order_by("id")
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    return list(qs[:limit])


def _resident_viewer(person: Person) -> Viewer:
    h = person.household
    assert h is not None
    return Viewer(
        user_id=None,
        person_id=person.pk,
        household_id=h.pk,
        assignments=(Assignment("resident", h.place_id, h.place_path),),
    )


def load(ctx: DemoContext) -> None:
    village, demo_resident = _village(ctx)
    if village is None:
        return
    cadre_id = ctx.data.get("staff_users", {}).get("village_cadre")
    cadre = User.objects.filter(pk=cadre_id).first() if cadre_id else None
    conversation = services.conversation_create(
        viewer=DEMO_ADMIN, actor=cadre, place=village, topic=TOPIC, description=DESCRIPTION
    )
    for text in SEEDS:
        services.statement_submit(
            viewer=DEMO_ADMIN, actor=cadre, conversation=conversation, text=text
        )
    people = _voters(village, demo_resident, VOTERS)
    for i, (text, fate) in enumerate(RESIDENT_STATEMENTS if people else []):
        author = people[i % len(people)]
        statement = services.statement_submit(
            viewer=_resident_viewer(author), conversation=conversation, text=text
        )
        if fate != "pending":
            services.statement_moderate(
                viewer=DEMO_ADMIN,
                actor=cadre,
                statement=statement,
                accept=fate == "accept",
                reason="" if fate == "accept" else "针对个人，不是对村里花钱的建议",
            )
    _votes_write(ctx, conversation, people)
    services.conversation_compute(conversation=conversation, actor=cadre)
    services.conversation_publish(viewer=DEMO_ADMIN, conversation=conversation, actor=cadre)


def _votes_write(ctx: DemoContext, conversation: Conversation, people: list[Person]) -> None:
    """About 200 voters in three planted groups, over the last ten days, in bulk. The
    village's residents vote first; if it has fewer, the rest are participants recorded
    offline (纸质表态卡) without a name."""
    statements = list(
        Statement.objects.filter(conversation=conversation, status="accepted").order_by("number")
    )
    planted = make_planted_votes(
        VOTERS,
        len(statements),
        n_groups=3,
        votes_per_participant=(12, 26),
        consensus_fraction=0.15,
        agreement=0.85,
        pass_rate=0.08,
        seed=ctx.rng.randrange(2**31),
    )
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        existing = dict(
            Participant.objects.filter(conversation=conversation, person__isnull=False).values_list(
                "person_id", "pk"
            )
        )
        number = max(
            Participant.objects.filter(conversation=conversation).values_list("number", flat=True),
            default=0,
        )
        new: list[Participant] = []
        keys: list[Any] = []
        for i in range(VOTERS):
            if i < len(people) and people[i].pk in existing:
                keys.append(("person", people[i].pk))
                continue
            number += 1
            if i < len(people):
                new.append(Participant(conversation=conversation, number=number, person=people[i]))
                keys.append(("person", people[i].pk))
            else:
                new.append(
                    Participant(
                        conversation=conversation, number=number, external_id=f"offline-{i}"
                    )
                )
                keys.append(("external", f"offline-{i}"))
        Participant.objects.bulk_create(new, batch_size=1000)
        by_person = dict(
            Participant.objects.filter(conversation=conversation, person__isnull=False).values_list(
                "person_id", "pk"
            )
        )
        by_external = dict(
            Participant.objects.filter(conversation=conversation)
            .exclude(external_id="")
            .values_list("external_id", "pk")
        )
        pks = [by_person[k] if kind == "person" else by_external[k] for kind, k in keys]
        start = now - dt.timedelta(days=10)
        votes = [
            StatementVote(
                conversation=conversation,
                statement=statements[s],
                participant_id=pks[v],
                value=int(value),
                created_at=start + dt.timedelta(seconds=int(t) % (10 * 86400)),
                updated_at=start + dt.timedelta(seconds=int(t) % (10 * 86400)),
            )
            for v, s, value, t in zip(
                planted.voter_ids.tolist(),
                planted.statement_ids.tolist(),
                planted.votes.tolist(),
                planted.timestamps.tolist(),
                strict=True,
            )
        ]
        StatementVote.objects.bulk_create(votes, batch_size=2000)
        audit_event_record(
            actor=None,
            action="demo.load",
            obj=conversation,
            place_path=conversation.place_path,
            changes={"participants": VOTERS, "votes": len(votes), "residents": len(people)},
        )
