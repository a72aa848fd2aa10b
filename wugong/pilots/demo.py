"""The demo's part of 试点: pilot sites across the county (villager groups and a village under
"五有三无", estates and a community under "六有三无"), each set up by its town supervisor with
the village's cadres as its work team, assessed twice, filing experience reports for the last
three months — except one site that has not filed last month's (the overdue list) — a few
published to the case library and one recommended up to the county."""

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from wugong.core.demo import DemoContext
from wugong.people.models import RoleAssignment, User
from wugong.people.roles import CADRE_ROLES, Role
from wugong.people.rules import Assignment, Viewer
from wugong.pilots import services
from wugong.pilots.defaults import checklists_ensure
from wugong.pilots.models import Site
from wugong.pilots.scoring import previous_month
from wugong.places.models import Place, PlaceKind

PARAGRAPHS = [
    "{place}试点启动以来，工作队坚持“户户走到、人人见到”，逐户走访{n}户，收集群众意见建议{m}条，"
    "经院场会分类研判后，确定了入户路硬化、小花坛、路灯安装等{k}件小微项目，全部由群众投票决定先后顺序。",
    "在决策共谋上，我们把院场会开到田间地头，把“要我干”变成“我要干”。村民理事会牵头，党员中心户带头，"
    "每名党员联系五户群众，做到小事不出组、大事不出村，群众的事情由群众商量着办。",
    "在发展共建上，按照政府支持一点、企业捐赠一点、群众自筹一点的办法，群众自发捐款{money}元，"
    "投工投劳{days}个工日，无偿让地{mu}亩，拆除猪圈、旱厕{pens}处，原本需要招标十几万元的工程，几千元就办成了。",
    "在建设共管上，坚持“周五一检查”，由理事会成员和志愿者逐户检查环境卫生，评比结果与“十星级文明户”挂钩，"
    "实行积分制，积分可以在积分超市兑换肥皂、洗衣粉等生活用品，群众参与的积极性明显提高。",
    "在效果共评上，项目开工前、建设中、完工后都请群众打分，满意度达到{sat}%。对群众反映的问题，"
    "做到收集百分之百、办理百分之百、上交百分之百、回复百分之百，小事当场办，难事及时上交。",
    "在成果共享上，我们定期晒成绩单、算明白账，每一笔收支都在公示栏和网上公示，群众看得见、信得过。"
    "试点带动周边{near}个组（小区）主动学习，形成了可复制、可推广的做法。",
    "下一步，我们将针对空心村、老龄化的实际，培育年轻骨干力量，完善理事会议事规则，"
    "把试点中形成的矛盾纠纷化解机制、社情民意收集办理机制、积分激励机制固化为制度，推动共同缔造走深走实。",
]


def _body(rng: random.Random, place: str) -> str:
    """An experience report of about 2,500 characters."""
    out: list[str] = []
    while sum(len(p) for p in out) < 2300:
        for text in PARAGRAPHS:
            out.append(
                text.format(
                    place=place,
                    n=rng.randint(40, 300),
                    m=rng.randint(20, 160),
                    k=rng.randint(3, 12),
                    money=rng.randint(20, 120) * 1000,
                    days=rng.randint(100, 900),
                    mu=rng.choice(["0.5", "1.25", "2", "3.6"]),
                    pens=rng.randint(3, 30),
                    sat=rng.randint(92, 99),
                    near=rng.randint(2, 9),
                )
            )
    return "\n".join(out)[:2600]


def _viewer(row: RoleAssignment) -> Viewer:
    return Viewer(
        user_id=None,
        person_id=row.person_id,
        household_id=None,
        assignments=(Assignment(row.role, row.place_id, row.place_path),),
    )


def _user(person_id: int) -> Any:
    return (
        User.objects.filter(person_id=person_id).first()
        or User.objects.filter(is_superuser=True).order_by("id").first()
    )


def _above(place: Place, kind: str) -> Place | None:
    ids = [int(p) for p in place.path.strip("/").split("/")]
    return Place.objects.filter(pk__in=ids, kind=kind).first()


def _picks() -> list[Place]:
    """Up to eight places for sites: groups, an estate or two, a village, a community."""
    picks: list[Place] = []
    picks += list(Place.objects.filter(kind=PlaceKind.GROUP).order_by("path")[:12:3])
    picks += list(Place.objects.filter(kind=PlaceKind.ESTATE).order_by("path")[:2])
    picks += list(Place.objects.filter(kind=PlaceKind.VILLAGE).order_by("-path")[:1])
    picks += list(Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("-path")[:1])
    return picks


def load(ctx: DemoContext) -> None:
    checklists_ensure()
    rng = ctx.rng
    today = timezone.localdate()
    months = [previous_month(today)]
    for _ in range(2):
        months.append(previous_month(months[-1]))
    started = previous_month(months[-1]) + dt.timedelta(days=9)
    sites: list[tuple[Site, RoleAssignment, RoleAssignment]] = []
    for place in _picks():
        town = _above(place, PlaceKind.TOWN) or _above(place, PlaceKind.STREET)
        home = (
            place
            if place.kind in (PlaceKind.VILLAGE, PlaceKind.COMMUNITY)
            else (_above(place, PlaceKind.VILLAGE) or _above(place, PlaceKind.COMMUNITY))
        )
        if town is None or home is None:
            continue
        sup = RoleAssignment.objects.filter(role=Role.TOWN_SUPERVISOR, place=town, active=True)
        cadres = RoleAssignment.objects.filter(
            role__in=list(CADRE_ROLES), place=home, active=True
        ).order_by("id")
        sup_row, cadre_row = sup.first(), cadres.first()
        if sup_row is None or cadre_row is None:
            continue
        site = services.site_create(
            viewer=_viewer(sup_row),
            actor=_user(sup_row.person_id),
            place=place,
            name=f"{home.name}{place.name}共同缔造试点"
            if home != place
            else f"{place.name}共同缔造试点",
            started_on=started,
            team=[c.person_id for c in cadres[:3]],
        )
        sites.append((site, sup_row, cadre_row))
    for i, (site, sup_row, cadre_row) in enumerate(sites):
        checklist = services.checklist_for(site.place)
        items = list(checklist.items.filter(active=True)) if checklist else []
        sup_v, sup_u = _viewer(sup_row), _user(sup_row.person_id)
        for k, on in enumerate((months[1] + dt.timedelta(days=20), today - dt.timedelta(days=3))):
            chance = 0.55 + 0.25 * k
            services.assessment_record(
                viewer=sup_v,
                actor=sup_u,
                site=site,
                assessed_on=max(on, site.started_on),
                results={
                    it.pk: services.ItemResult(
                        met=rng.random() < chance,
                        note="" if rng.random() < 0.6 else "现场查看，台账齐全",
                    )
                    for it in items
                },
                note="督导组现场评估" if k else "首次对标评估",
            )
        cadre_v, cadre_u = _viewer(cadre_row), _user(cadre_row.person_id)
        author = cadre_row.person
        for m, month in enumerate(months):
            if i == 1 and m == 0:
                continue  # this site has not filed last month's report: it is on the overdue list
            filed = services.report_file(
                viewer=cadre_v,
                actor=cadre_u,
                site=site,
                month=month,
                title=f"{site.place.name}：把群众组织起来，小事办实办好（{month.month}月）",
                body=_body(rng, site.place.name),
                author_name=author.name,
                author_phone=author.phone or f"139{rng.randint(10_000_000, 99_999_999)}",
            )
            if m == 1 and i % 2 == 0:
                services.report_edit(
                    viewer=sup_v,
                    actor=sup_u,
                    report=filed.report,
                    title=filed.report.title.replace("小事办实办好", "小切口撬动大治理"),
                    body=filed.report.body,
                )
                services.report_publish(viewer=sup_v, actor=sup_u, report=filed.report)
                if i == 0:
                    services.report_recommend(viewer=sup_v, actor=sup_u, report=filed.report)
    ctx.data["pilot_sites"] = [s.pk for s, _sup, _c in sites]
