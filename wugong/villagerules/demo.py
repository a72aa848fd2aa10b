"""The demo's part of 村规民约: the printed village cadre's village has rules in force (adopted
by a show of hands at the villagers' representatives meeting, filed with the town, published)
and a draft revision adding articles on the Friday clean-up and the points supermarket.
Everything goes through the voting and village-rules services."""

import datetime as dt
from typing import Any

from django.utils import timezone

from wugong.core.demo import DemoContext
from wugong.people.models import RoleAssignment, User
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import Place
from wugong.villagerules import services
from wugong.voting import services as voting
from wugong.voting.models import RollEntry

ADMIN = Viewer(
    user_id=0, person_id=None, household_id=None, assignments=(Assignment("system_admin", 0, "/"),)
)

RULES_2024 = """第一章 总则
第一条 为推进村民自治，建设美好环境与幸福生活，根据《村民委员会组织法》，制定本村规民约。
第二条 本村规民约适用于本村全体村民及在本村居住的其他人员。

第二章 社会治安
第三条 村民应遵纪守法，自觉维护社会秩序，不参与赌博、不信谣传谣。
第四条 邻里之间发生矛盾纠纷，先由村调委会调解；调解不成的，依法通过其他途径解决，不得聚众闹事。

第三章 环境卫生
第五条 各户门前屋后实行“门前三包”，垃圾分类投放，不乱堆乱放柴草杂物。
第六条 畜禽圈养，不得散放污染村道和公共场所。

第四章 乡风文明
第七条 红白喜事从简办理，倡导婚事新办、丧事简办，不大操大办、不攀比。
第八条 孝敬老人，关爱留守儿童和独居老人，子女应按时履行赡养义务。

第五章 附则
第九条 本村规民约由村民委员会负责解释，自公布之日起施行。"""

RULES_2026 = (
    RULES_2024.replace(
        "第六条 畜禽圈养，不得散放污染村道和公共场所。",
        "第六条 畜禽圈养，不得散放污染村道和公共场所。\n"
        "第七条 每周五为全村卫生日，各户参加“周五一检查”，检查结果按月公示。",
    )
    .replace(
        "第七条 红白喜事从简办理",
        "第八条 红白喜事从简办理",
    )
    .replace(
        "第八条 孝敬老人，关爱留守儿童和独居老人，子女应按时履行赡养义务。",
        "第九条 孝敬老人，关爱留守儿童和独居老人，子女应按时履行赡养义务。\n"
        "第十条 实行积分制管理，参加志愿服务、环境整治等可获积分，凭积分到积分超市兑换物品。",
    )
    .replace("第九条 本村规民约由村民委员会负责解释", "第十一条 本村规民约由村民委员会负责解释")
)


def _cadre(ctx: DemoContext) -> RoleAssignment | None:
    person_id = (ctx.data.get("role_people") or {}).get(Role.VILLAGE_CADRE)
    rows = RoleAssignment.objects.filter(role=Role.VILLAGE_CADRE, active=True)
    if person_id:
        rows = rows.filter(person_id=person_id)
    return rows.select_related("place", "person").order_by("id").first()


def _town_supervisor(village: Place) -> tuple[Viewer, Any]:
    row = (
        RoleAssignment.objects.filter(role=Role.TOWN_SUPERVISOR, active=True, place=village.parent)
        .order_by("id")
        .first()
    )
    if row is None:
        return ADMIN, None
    viewer = Viewer(
        user_id=None,
        person_id=row.person_id,
        household_id=None,
        assignments=(Assignment(row.role, row.place_id, row.place_path),),
    )
    return viewer, User.objects.filter(person_id=row.person_id).first()


def _zheng(n: int) -> str:
    full, rest = divmod(n, 5)
    return "正" * full + ("", "一", "丅", "下", "止")[rest]


def _adoption_vote(village: Place, actor: Any) -> Any:
    """A motion by show of hands at the representatives' meeting, carried and published."""
    now = timezone.now()
    vote = voting.vote_create(
        viewer=ADMIN,
        actor=actor,
        place=village,
        title=f"表决通过《{village.name}村规民约》",
        description="村民代表会议逐条宣读后举手表决。",
        method="motion",
        unit="household",
        opens_at=now - dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=5),
    )
    vote = voting.vote_open(viewer=ADMIN, actor=actor, vote=vote)
    ids = {o.code: o.pk for o in vote.options.all()}
    entries = list(RollEntry.objects.filter(vote=vote).order_by("id").values_list("pk", flat=True))
    room = entries[: max(3, len(entries) * 4 // 5)]
    against, abstain = len(room) // 20, len(room) // 25
    voting.offline_tally_record(
        vote=vote,
        viewer=ADMIN,
        actor=actor,
        meeting="村委会会议室（村民代表会议）",
        counts={
            ids["for"]: _zheng(len(room) - against - abstain),
            ids["against"]: _zheng(against),
            ids["abstain"]: _zheng(abstain),
        },
        present_entry_ids=room,
    )
    voting.vote_close(viewer=ADMIN, actor=actor, vote=vote)
    return voting.vote_publish(viewer=ADMIN, actor=actor, vote=vote)


def load(ctx: DemoContext) -> None:
    row = _cadre(ctx)
    if row is None:
        return
    village = row.place
    cadre = Viewer(
        user_id=None,
        person_id=row.person_id,
        household_id=row.person.household_id,
        assignments=(Assignment(row.role, row.place_id, row.place_path),),
    )
    actor = User.objects.filter(person_id=row.person_id).first()
    vote = _adoption_vote(village, actor)
    version = services.version_create(
        viewer=cadre,
        actor=actor,
        place=village,
        text=RULES_2024,
        change_note="首次制定。",
    )
    services.version_adopt(viewer=cadre, actor=actor, version=version, vote_id=vote.pk)
    services.version_submit(viewer=cadre, actor=actor, version=version)
    town, town_actor = _town_supervisor(village)
    services.filing_accept(
        viewer=town,
        actor=town_actor,
        version=version,
        filing_number=f"{village.parent.name if village.parent else ''}备〔2026〕{village.pk}号",
        filed_on=timezone.localdate(),
    )
    services.version_publish(viewer=cadre, actor=actor, version=version)
    services.version_create(
        viewer=cadre,
        actor=actor,
        place=village,
        text=RULES_2026,
        change_note="增加周五卫生日和积分制管理两条，条文序号顺延。",
    )
    ctx.data["village_rules_place"] = village.pk
