"""The public notices' part of the demo county (村务公开栏):

* 龙井村: the decision to move ¥200,000 from the LED screen to the tea-garden road, linked to
  the need it answers when the needs part made one; a resident objects about the route and the
  village answers in public.
* 双台村: the low-income (低保) list notice — counts and amounts only, no names or reasons.
* 狮子岩村: the result of the vote on which vegetable to plant (linked to the vote if the
  voting part made one), already past its period.

Villages missing from the county (a test county) are replaced by the first villages found.
Everything goes through the services with synthetic viewers; only the dates of the past notice
are moved back afterwards (and its hash recomputed), as the needs demo does with ages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from wugong.core.demo import DemoContext
from wugong.people.models import Person, RoleAssignment
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import Place, PlaceKind
from wugong.transparency import services
from wugong.transparency.chain import (
    GENESIS_HASH,
    PAYLOAD_BUILDERS,
    canonical_json,
    key_id,
    link_hash,
)
from wugong.transparency.models import Chain, ChainLink, Notice

ROAD_BODY = """经村民代表会议表决（应到32人，实到29人，同意26人，反对2人，弃权1人），决定：
原计划用于村委会门口LED大屏的20万元，改为修建通往茶园的便道（长约1.2公里，宽3.5米）。
施工采取“群众投工投劳、政府以奖代补”的方式，预计采茶季前完工。
公示期内如有异议，请在线提出或到村委会当面反映。"""

DIBAO_BODY = """根据民政部门审核结果，本村2024年度最低生活保障（低保）情况如下：
新增低保户2户，退出1户，现有低保户共9户、14人；月人均保障金额按县标准执行。
依照个人信息保护的要求，本公示不列出姓名、身份证号码和致贫原因；
本人可到村委会查询自己的审核结果。如有异议，请在公示期内提出。"""

VEG_BODY = """本村种植品种表决结果：共发放选票186张，收回179张，有效票175张。
高山辣椒 98票，白萝卜 51票，大白菜 26票。
按得票最多的原则，本村今年统一种植高山辣椒，由合作社统一供苗、统一收购。"""


def _admin() -> Viewer:
    return Viewer(
        user_id=None,
        person_id=None,
        household_id=None,
        assignments=(Assignment(Role.SYSTEM_ADMIN, 0, "/"),),
    )


def _cadre_user(place: Place) -> Any:
    row = (
        RoleAssignment.objects.filter(
            place=place, role__in=[Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE], active=True
        )
        .select_related("person__user")
        .order_by("id")
        .first()
    )
    return getattr(row.person, "user", None) if row else None


def _villages(ctx: DemoContext) -> list[Place]:
    ids = ctx.data.get("villages")
    qs = Place.objects.filter(kind=PlaceKind.VILLAGE)
    if ids:
        qs = qs.filter(pk__in=list(ids))
    return list(qs.order_by("id")[:200])


def _pick(villages: list[Place], name: str, used: set[int]) -> Place | None:
    for v in villages:
        if v.name == name and v.pk not in used:
            used.add(v.pk)
            return v
    for v in villages:
        if v.pk not in used:
            used.add(v.pk)
            return v
    return None


def _subject(label: str, place: Place, **filters: Any) -> models.Model | None:
    """A record of another app to link, if that app made one (never required)."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    field = "place_path" if any(f.name == "place_path" for f in model._meta.fields) else None
    qs = model.objects.filter(**filters)
    if field:
        qs = qs.filter(**{f"{field}__startswith": place.path})
    obj = qs.order_by("pk").first()
    return obj if obj is not None and isinstance(obj.pk, int) else None


def _resident(place: Place, rng: Any) -> Viewer | None:
    ids = list(
        Person.objects.filter(household__place_path__startswith=place.path)
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )
    if not ids:
        return None
    person = Person.objects.select_related("household").get(pk=rng.choice(ids))
    h = person.household
    return Viewer(
        user_id=None,
        person_id=person.pk,
        household_id=h.pk,
        assignments=(Assignment(Role.RESIDENT, h.place_id, h.place_path),),
    )


def load(ctx: DemoContext) -> None:
    """Publish the demo's notices; one objection answered; one notice already past."""
    villages = _villages(ctx)
    used: set[int] = set()
    admin = _admin()
    made: list[int] = []

    road_village = _pick(villages, "龙井村", used)
    if road_village is not None:
        cadre = _cadre_user(road_village)
        notice = services.notice_create(
            viewer=admin,
            place=road_village,
            title="关于将LED大屏资金改用于修建茶园路的决议公示",
            body=ROAD_BODY,
            kind="decision",
            subject=_subject("needs.Need", road_village, title__contains="茶园"),
            actor=cadre,
        )
        services.notice_publish(viewer=admin, notice=notice, days=7, actor=cadre)
        made.append(notice.pk)
        objector = _resident(road_village, ctx.rng)
        if objector is not None:
            objection = services.objection_submit(
                viewer=objector,
                notice=notice,
                text="茶园路从三组过要占我家半分菜地，能不能往东边挪一点？",
            )
            services.objection_answer(
                viewer=admin,
                objection=objection,
                text="已和施工队现场查看，路线向东移3米，不再占用您家菜地。"
                "改线不增加费用，欢迎监督。",
                actor=cadre,
            )

    dibao_village = _pick(villages, "双台村", used)
    if dibao_village is not None:
        cadre = _cadre_user(dibao_village)
        notice = services.notice_create(
            viewer=admin,
            place=dibao_village,
            title="2024年度低保评审结果公示",
            body=DIBAO_BODY,
            kind="list",
            actor=cadre,
        )
        services.notice_publish(viewer=admin, notice=notice, days=7, actor=cadre)
        made.append(notice.pk)

    veg_village = _pick(villages, "狮子岩村", used)
    if veg_village is not None:
        cadre = _cadre_user(veg_village)
        notice = services.notice_create(
            viewer=admin,
            place=veg_village,
            title="种植品种表决结果公示",
            body=VEG_BODY,
            kind="result",
            subject=_subject("voting.Vote", veg_village),
            actor=cadre,
        )
        services.notice_publish(viewer=admin, notice=notice, days=7, actor=cadre)
        _move_back(notice, days=20)
        made.append(notice.pk)

    ctx.data["notices"] = made


def _move_back(notice: Notice, *, days: int) -> None:
    """Date a published notice ``days`` earlier (a past notice for the demo), re-hashing it."""
    delta = dt.timedelta(days=days)
    notice.refresh_from_db()
    notice.starts_at -= delta
    notice.ends_at -= delta
    notice.published_at = (notice.published_at or timezone.now()) - delta
    notice.content_hash = services.notice_hash(notice)
    Notice.objects.filter(pk=notice.pk).update(
        starts_at=notice.starts_at,
        ends_at=notice.ends_at,
        published_at=notice.published_at,
        content_hash=notice.content_hash,
    )


def chains_reseal_for_demo() -> int:
    """Demo data only, never the application: the demo dates some records back after they
    were published (a past notice), which is exactly what verify catches. This rebuilds every
    chain from the live rows so that the demo county verifies. Returns the links rewritten."""
    changed = 0
    with transaction.atomic():
        for chain in Chain.objects.select_for_update().order_by("pk"):
            prev = GENESIS_HASH
            dirty: list[ChainLink] = []
            for link in ChainLink.objects.filter(chain=chain).order_by("seq"):
                builder = PAYLOAD_BUILDERS.get(link.kind)
                live = builder(key_id(link.key)) if builder else None
                payload = canonical_json(live) if live is not None else link.payload
                new = link_hash(
                    prev_hash=prev, payload=payload, kind=link.kind, key=link.key, seq=link.seq
                )
                if (payload, prev, new) != (link.payload, link.prev_hash, link.hash):
                    link.payload, link.prev_hash, link.hash = payload, prev, new
                    dirty.append(link)
                prev = new
            if dirty:
                ChainLink.objects.bulk_update(dirty, ["payload", "prev_hash", "hash"])
                changed += len(dirty)
            Chain.objects.filter(pk=chain.pk).update(head_hash=prev)
    return changed
