"""Building together's part of the demo county: projects entered as they happened, in the
figures of the source documents.

* 上湾村: the group road (通组路) — budgeted at ¥1.2 M; "three a little each" (三个一点);
  158 residents gave nearly ¥100,000 in a week; 1.25 mu of vegetable garden given, 3 pigsties
  and 5 flower beds pulled down, 410 person-times of labour; ~500 m widened in 40 days; the
  government added ¥400,000 (以奖代补) at the end. Also its 同心小广场: under ¥30,000 instead
  of ¥100,000, in 10 days.
* 滚子岭村 (青龙寨移民安置点): a bamboo fence round the vegetable gardens in 9 days.
* 千福小区: lifts in the old buildings, ¥400,000 raised by the residents.
* 龙井村: the tea-garden road from the need residents decided on (¥200,000 moved from the
  LED screen), planned and raising money.

Everything goes through the services (ledger, rollup, events and audit are real), with a
cadre's viewer of each village; dates are the story's. Places that do not exist in the
generated county are skipped. Deterministic from ``ctx.rng``.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from wugong.core.demo import DemoContext
from wugong.people.models import Person, RoleAssignment
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import Place, PlaceKind
from wugong.places.paths import subtree_q
from wugong.projects import services
from wugong.projects.models import Project
from wugong.projects.services import Giver

SURNAMES = "周胡昝王李张刘陈杨赵黄吴徐孙马朱胡郭何罗高林"
GIVEN = "国强秀英建华玉梅德明桂兰长春立敏红军小平文华志刚春花家福金凤永胜"


def load(ctx: DemoContext) -> None:
    made: list[int] = []
    county = Place.objects.filter(kind=PlaceKind.COUNTY).order_by("id").first()
    programme = None
    if county is not None:
        programme = services.programme_create(
            viewer=_admin(),
            actor=None,
            place=county,
            name=f"{county.name}美好环境共同缔造以奖代补",
            residents_max_bp=5000,
            government_min_bp=5000,
            labour_day_rate_fen=15000,
        )
    shangwan = _place("上湾村")
    if shangwan is not None:
        viewer, actor = _cadre(shangwan)
        group = Place.objects.filter(parent=shangwan).order_by("id").first() or shangwan
        need = _need(shangwan, "通组公路")
        people = _people(shangwan)
        made.append(
            shangwan_square(viewer=viewer, actor=actor, place=group, rng=ctx.rng, people=people).pk
        )
        made.append(
            shangwan_road(
                viewer=viewer,
                actor=actor,
                place=group,
                need=need,
                programme=programme,
                rng=ctx.rng,
                people=people,
            ).pk
        )
    village = _place("滚子岭村")
    if village is not None:
        viewer, actor = _cadre(village)
        made.append(bamboo_fence(viewer=viewer, actor=actor, place=village, rng=ctx.rng).pk)
    estate = _place("千福小区", kind=PlaceKind.ESTATE)
    if estate is not None and estate.parent_id:
        community = Place.objects.get(pk=estate.parent_id)
        viewer, actor = _cadre(community)
        made.append(
            qianfu_lifts(
                viewer=viewer, actor=actor, place=estate, rng=ctx.rng, people=_people(estate)
            ).pk
        )
    longjing = _place("龙井村")
    if longjing is not None:
        viewer, actor = _cadre(longjing)
        need = _need(longjing, "茶园")
        made.append(tea_road(viewer=viewer, actor=actor, place=longjing, need=need).pk)
    ctx.data["projects"] = made


# --- helpers ----------------------------------------------------------------------------------
def _admin() -> Viewer:
    return Viewer(
        user_id=None,
        person_id=None,
        household_id=None,
        assignments=(Assignment("system_admin", 0, "/"),),
    )


def _place(name: str, kind: str = "") -> Place | None:
    qs = Place.objects.filter(name=name)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("id").first()


def _cadre(place: Place) -> tuple[Viewer, Any]:
    role = Role.VILLAGE_CADRE if place.kind == PlaceKind.VILLAGE else Role.COMMUNITY_CADRE
    row = (
        RoleAssignment.objects.filter(place=place, role=role, active=True)
        .select_related("person__user")
        .order_by("id")
        .first()
    )
    user = getattr(row.person, "user", None) if row else None
    viewer = Viewer(
        user_id=user.pk if user else None,
        person_id=row.person_id if row else None,
        household_id=None,
        assignments=(Assignment(role, place.pk, place.path),),
    )
    return viewer, user


def _need(place: Place, words: str) -> Any:
    from wugong.needs.models import Need, Status

    return (
        Need.objects.filter(subtree_q(place.path, "place_path"), title__contains=words)
        .filter(status__in=[Status.DECIDED, Status.IN_PROJECT])
        .order_by("id")
        .first()
    )


def _people(place: Place, limit: int = 400) -> list[Person]:
    return list(
        Person.objects.filter(subtree_q(place.path, "household__place_path"))
        .select_related("household__head")
        .order_by("id")[:limit]
    )


def _names(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2])
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _givers(rng: random.Random, people: list[Person], n: int) -> list[Giver]:
    """``n`` resident givers: real residents of the place when there are enough, else names."""
    if len(people) >= n:
        chosen = rng.sample(people, n)
        return [Giver(kind="person", person=p) for p in chosen]
    return [Giver(kind="person", name=name) for name in _names(rng, n)]


def _photo(colour: tuple[int, int, int], name: str) -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- the stories ------------------------------------------------------------------------------
def shangwan_road(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    rng: random.Random,
    need: Any = None,
    programme: Any = None,
    people: list[Person] | None = None,
) -> Project:
    """上湾村一组通组路扩宽, as it happened (房县化龙堰镇, 2023)."""
    me = {"viewer": viewer, "actor": actor}
    p = services.project_propose(
        **me,
        place=place,
        title="上湾村一组通组路扩宽",
        summary="一组通组公路约500米，路窄坑洼，老人孩子走路不安全。村民理事会商议后扩宽硬化。",
        need=need,
        motion="" if need else "一组村民理事会商议决定",
        programme=programme,
        on=_d("2023-05-06"),
    )
    services.project_plan(
        **me,
        project=p,
        scope="通组路扩宽硬化约500米，配套排水沟",
        plan="三个一点：上级部门支持一点、本地企业捐赠一点、群众自筹一点；群众投工投劳、"
        "让地拆圈；村里请技术人员施工。",
        budget_fen=120_000_000,
        tender_estimate_fen=120_000_000,
        responsible="昝强强（村党支部书记）",
        on=_d("2023-05-10"),
    )
    services.funding_line_add(
        **me, project=p, source_kind="government", source_name="县交通运输局",
        planned_fen=40_000_000,
    )  # fmt: skip
    services.funding_line_add(**me, project=p, source_kind="enterprise", planned_fen=15_000_000)
    services.funding_line_add(**me, project=p, source_kind="residents", planned_fen=10_000_000)
    services.project_stage_change(**me, project=p, stage="fundraising", on=_d("2023-05-12"))
    # 158 residents give nearly ¥100,000 in a week.
    donors = _givers(rng, people or [], 158)
    amounts = [rng.choice([300, 500, 500, 600]) * 100 for _ in range(157)]  # ≤ ¥94,200
    amounts.append(9_860_000 - sum(amounts))  # a son working in the city makes up the rest
    for i, (giver, fen) in enumerate(zip(donors, amounts, strict=True)):
        services.contribution_record(
            **me,
            project=p,
            kind="money",
            giver=Giver(
                kind=giver.kind, name=giver.name, person=giver.person, anonymous=i % 40 == 7
            ),
            amount_fen=fen,
            given_on=_d("2023-05-12") + dt.timedelta(days=i % 7),
        )
    services.contribution_record(
        **me, project=p, kind="money", giver=Giver(kind="enterprise", name="房县鑫源建材有限公司"),
        amount_fen=10_000_000, given_on=_d("2023-05-20"),
    )  # fmt: skip
    services.contribution_record(
        **me, project=p, kind="money", giver=Giver(kind="enterprise", name="化龙堰镇华盛运输公司"),
        amount_fen=5_000_000, given_on=_d("2023-05-21"),
    )  # fmt: skip
    services.contribution_record(
        **me, project=p, kind="material",
        giver=Giver(kind="enterprise", name="房县鑫源建材有限公司"), item="水泥",
        quantity="60", unit="吨", unit_price_fen=45_000, given_on=_d("2023-05-21"),
    )  # fmt: skip
    services.project_stage_change(**me, project=p, stage="building", on=_d("2023-05-22"))
    services.photo_add(
        **me, project=p, phase="before", taken_on=_d("2023-05-08"),
        upload=_photo((120, 100, 70), "before.jpg"), caption="扩宽前：路窄坑洼",
    )  # fmt: skip
    # 1.25 mu of vegetable garden given by six households; pigsties and flower beds pulled down.
    gardens = ["0.30", "0.25", "0.20", "0.20", "0.15", "0.15"]
    landowners = _givers(rng, people or [], len(gardens))
    for giver, mu in zip(landowners, gardens, strict=True):
        services.contribution_record(
            **me, project=p, kind="land", giver=giver, item="菜园", land_mu=mu,
            given_on=_d("2023-05-23"), note="无偿让出",
        )  # fmt: skip
    for giver, (item, n) in zip(
        _givers(rng, people or [], 4), [("猪圈", 2), ("猪圈", 1), ("花坛", 3), ("花坛", 2)],
        strict=True,
    ):  # fmt: skip
        services.contribution_record(
            **me, project=p, kind="demolition", giver=giver, item=item, quantity=n, unit="个",
            given_on=_d("2023-05-24"),
        )  # fmt: skip
    services.spending_post(
        **me, project=p, amount_fen=20_000_000, item="materials", memo="砂石、钢筋",
        occurred_on=_d("2023-05-25"),
    )  # fmt: skip
    # 410 person-times of labour over the 40 days, from 82 residents (5 turns each).
    workers = _givers(rng, people or [], 82)
    for i, giver in enumerate(workers):
        services.contribution_record(
            **me, project=p, kind="labour", giver=giver, person_times=5, person_days="5",
            given_on=_d("2023-05-25") + dt.timedelta(days=i % 35),
        )  # fmt: skip
    services.milestone_add(**me, project=p, title="路基拓宽", due_on=_d("2023-06-05"))
    services.project_progress(
        **me, project=p, progress_pct=50, on=_d("2023-06-10"), text="路基拓宽完成"
    )
    services.spending_post(
        **me, project=p, amount_fen=4_000_000, item="machinery", memo="挖掘机、压路机台班",
        occurred_on=_d("2023-06-10"),
    )  # fmt: skip
    services.photo_add(
        **me, project=p, phase="during", taken_on=_d("2023-06-12"),
        upload=_photo((150, 150, 150), "during.jpg"), caption="群众投工投劳",
    )  # fmt: skip
    services.project_progress(
        **me, project=p, progress_pct=100, on=_d("2023-06-30"), text="路面硬化完成",
        finished=True,
    )  # fmt: skip
    services.photo_add(
        **me, project=p, phase="after", taken_on=_d("2023-06-30"),
        upload=_photo((90, 90, 95), "after.jpg"), caption="约500米通组路扩宽完成",
    )  # fmt: skip
    services.project_stage_change(
        **me, project=p, stage="accepted", on=_d("2023-07-02"),
        text="路面平整，排水畅通，群众满意", acceptance_for=46, acceptance_against=0,
    )  # fmt: skip
    # The government adds ¥400,000 at the end (以奖代补); the rest of the bills are paid.
    services.receipt_post(
        **me, project=p, amount_fen=40_000_000, giver=Giver(kind="department", name="县交通运输局"),
        memo="以奖代补资金", occurred_on=_d("2023-07-05"),
    )  # fmt: skip
    for fen, item, memo in [
        (18_000_000, "materials", "水泥、砂石尾款"),
        (12_000_000, "machinery", "机械台班尾款"),
        (9_000_000, "labour", "技术工人工资"),
        (1_200_000, "other", "排水沟盖板、警示桩"),
    ]:
        services.spending_post(
            **me, project=p, amount_fen=fen, item=item, memo=memo, occurred_on=_d("2023-07-06")
        )
    services.project_stage_change(
        **me, project=p, stage="upkeep", on=_d("2023-07-08"), caretaker="一组村民理事会（周萍）"
    )
    return Project.objects.get(pk=p.pk)


def shangwan_square(
    *, viewer: Viewer, actor: Any, place: Place, rng: random.Random, people: list[Person]
) -> Project:
    """上湾村一组同心小广场: under ¥30,000 instead of ¥100,000, in 10 days."""
    me = {"viewer": viewer, "actor": actor}
    p = services.project_propose(
        **me, place=place, title="上湾村一组同心小广场", on=_d("2023-04-10"),
        motion="一组村民理事会决定把村口荒草地改成小广场",
    )  # fmt: skip
    services.project_plan(
        **me, project=p, scope="村口荒草地平整、铺砖、花坛、健身器材",
        plan="镇村提供沙石砖，帮扶单位捐健身器材，村民种花、投工投劳",
        budget_fen=3_000_000, tender_estimate_fen=10_000_000, responsible="周萍（理事长）",
        on=_d("2023-04-12"),
    )  # fmt: skip
    services.receipt_post(
        **me, project=p, amount_fen=2_000_000,
        giver=Giver(kind="department", name="化龙堰镇人民政府"), occurred_on=_d("2023-04-13"),
    )  # fmt: skip
    services.receipt_post(
        **me, project=p, amount_fen=860_000, giver=Giver(kind="collective", name="上湾村集体"),
        occurred_on=_d("2023-04-13"),
    )  # fmt: skip
    services.contribution_record(
        **me, project=p, kind="material", giver=Giver(kind="department", name="县帮扶工作队"),
        item="健身器材", quantity="6", unit="件", unit_price_fen=150_000, given_on=_d("2023-04-14"),
    )  # fmt: skip
    services.project_stage_change(**me, project=p, stage="building", on=_d("2023-04-15"))
    for giver in _givers(rng, people, 30):
        services.contribution_record(
            **me, project=p, kind="labour", giver=giver, person_days="1", person_times=1,
            given_on=_d("2023-04-17"),
        )  # fmt: skip
    for fen, item, memo in [
        (1_800_000, "materials", "砖、沙石、水泥"),
        (700_000, "labour", "技术工"),
        (360_000, "other", "花苗"),
    ]:
        services.spending_post(
            **me, project=p, amount_fen=fen, item=item, memo=memo, occurred_on=_d("2023-04-20")
        )
    services.project_stage_change(
        **me, project=p, stage="accepted", on=_d("2023-04-24"), text="场地平整，大家都来跳舞",
        acceptance_for=31, acceptance_against=0,
    )  # fmt: skip
    services.project_stage_change(
        **me, project=p, stage="upkeep", on=_d("2023-04-25"), caretaker="一组党员中心户轮流"
    )
    return Project.objects.get(pk=p.pk)


def bamboo_fence(*, viewer: Viewer, actor: Any, place: Place, rng: random.Random) -> Project:
    """滚子岭村青龙寨移民安置点菜园竹篱笆: from talk to done in 9 days (was ≥ 3 months)."""
    me = {"viewer": viewer, "actor": actor}
    p = services.project_propose(
        **me, place=place, title="青龙寨安置点菜园竹篱笆", on=_d("2022-08-01"),
        motion="院场会商定：各拿一个桩，共插一面篱",
    )  # fmt: skip
    services.project_plan(
        **me, project=p, scope="安置点菜园围竹篱笆", plan="群众出竹子、木桩，投工投劳",
        budget_fen=500_000, tender_estimate_fen=10_000_000, responsible="村委会主任",
        on=_d("2022-08-01"),
    )  # fmt: skip
    services.receipt_post(
        **me, project=p, amount_fen=380_000, giver=Giver(kind="collective", name="滚子岭村集体"),
        occurred_on=_d("2022-08-01"),
    )  # fmt: skip
    services.project_stage_change(**me, project=p, stage="building", on=_d("2022-08-01"))
    for name in _names(rng, 24):
        services.contribution_record(
            **me, project=p, kind="material", giver=Giver(kind="person", name=name), item="竹子",
            quantity="20", unit="根", unit_price_fen=500, given_on=_d("2022-08-02"),
        )  # fmt: skip
        services.contribution_record(
            **me, project=p, kind="labour", giver=Giver(kind="person", name=name),
            person_days="1.5", person_times=2, given_on=_d("2022-08-05"),
        )  # fmt: skip
    services.spending_post(
        **me, project=p, amount_fen=380_000, item="materials", memo="铁丝、木桩",
        occurred_on=_d("2022-08-03"),
    )  # fmt: skip
    services.project_stage_change(
        **me, project=p, stage="accepted", on=_d("2022-08-09"), text="篱笆整齐结实",
        acceptance_for=40, acceptance_against=0,
    )  # fmt: skip
    return Project.objects.get(pk=p.pk)


def qianfu_lifts(
    *, viewer: Viewer, actor: Any, place: Place, rng: random.Random, people: list[Person]
) -> Project:
    """千福小区: 2 lifts and 12 roofs; ¥400,000 raised by the residents; building."""
    me = {"viewer": viewer, "actor": actor}
    p = services.project_propose(
        **me, place=place, title="千福小区加装电梯、屋面修补", on=_d("2024-03-01"),
        motion="居民议事会：500余名居民协商",
    )  # fmt: skip
    services.project_plan(
        **me, project=p, scope="加装电梯2部，修补屋面12户",
        plan="居民按楼层分摊，政府老旧小区改造补助", budget_fen=100_000_000,
        tender_estimate_fen=130_000_000, responsible="社区书记", on=_d("2024-03-10"),
    )  # fmt: skip
    services.funding_line_add(
        **me, project=p, source_kind="government", source_name="区住建局", planned_fen=50_000_000
    )
    services.funding_line_add(**me, project=p, source_kind="residents", planned_fen=40_000_000)
    services.project_stage_change(**me, project=p, stage="fundraising", on=_d("2024-03-15"))
    givers = _givers(rng, people, 40)
    for giver in givers:
        pledge = services.pledge_make(
            **me, project=p, giver=giver, amount_fen=1_000_000, pledged_on=_d("2024-03-20")
        )
        services.receipt_post(
            **me, project=p, pledge=pledge, amount_fen=1_000_000, occurred_on=_d("2024-04-01")
        )
    services.receipt_post(
        **me, project=p, amount_fen=50_000_000, giver=Giver(kind="department", name="区住建局"),
        memo="老旧小区改造补助", occurred_on=_d("2024-04-20"),
    )  # fmt: skip
    services.project_stage_change(**me, project=p, stage="building", on=_d("2024-05-01"))
    services.spending_post(
        **me, project=p, amount_fen=30_000_000, item="materials", memo="电梯设备首付款",
        occurred_on=_d("2024-05-10"),
    )  # fmt: skip
    services.project_progress(**me, project=p, progress_pct=40, on=_d("2024-06-01"),
                              text="屋面12户修补完成，电梯基坑开挖")  # fmt: skip
    return Project.objects.get(pk=p.pk)


def tea_road(*, viewer: Viewer, actor: Any, place: Place, need: Any) -> Project:
    """龙井村茶园路: ¥200,000 moved from the LED screen after residents were asked."""
    me = {"viewer": viewer, "actor": actor}
    p = services.project_propose(
        **me, place=place, title="龙井村茶园便道", need=need,
        motion="" if need else "村民代表会议决议：20万元改修茶园路", on=_d("2024-04-02"),
    )  # fmt: skip
    services.project_plan(
        **me, project=p, scope="茶园便道硬化1.2公里", plan="村集体出资，群众投工投劳",
        budget_fen=20_000_000, tender_estimate_fen=35_000_000, responsible="村委会主任",
        on=_d("2024-04-10"),
    )  # fmt: skip
    services.funding_line_add(
        **me, project=p, source_kind="collective", source_name="龙井村集体", planned_fen=20_000_000
    )
    services.project_stage_change(**me, project=p, stage="fundraising", on=_d("2024-04-12"))
    return Project.objects.get(pk=p.pk)
