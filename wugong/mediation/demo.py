"""The demo's part of 矛盾纠纷调解, in the printed village cadre's village: a boundary dispute
settled with a signed agreement and a follow-up visit due, a family quarrel still in mediation
(with an old resident named as mediator), and a land contract dispute referred up to the town's
judicial office. Everything goes through the services."""

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from wugong.core.demo import DemoContext
from wugong.mediation import services
from wugong.people.models import Person, RoleAssignment, User
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.paths import subtree_q


def _cadre(ctx: DemoContext) -> RoleAssignment | None:
    person_id = (ctx.data.get("role_people") or {}).get(Role.VILLAGE_CADRE)
    rows = RoleAssignment.objects.filter(role=Role.VILLAGE_CADRE, active=True)
    if person_id:
        rows = rows.filter(person_id=person_id)
    return rows.select_related("place", "person").order_by("id").first()


def _agreement_scan() -> SimpleUploadedFile:
    """A stand-in photo of a signed agreement."""
    image = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(image)
    for y in range(80, 760, 40):
        draw.line((60, y, 540, y), fill=(180, 180, 180), width=2)
    draw.rectangle((380, 660, 520, 740), outline=(200, 30, 30), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return SimpleUploadedFile("scan.jpg", out.getvalue(), content_type="image/jpeg")


def load(ctx: DemoContext) -> None:
    row = _cadre(ctx)
    if row is None:
        return
    village = row.place
    viewer = Viewer(
        user_id=None,
        person_id=row.person_id,
        household_id=row.person.household_id,
        assignments=(Assignment(row.role, row.place_id, row.place_path),),
    )
    actor: Any = User.objects.filter(person_id=row.person_id).first()
    people = list(
        Person.objects.filter(subtree_q(village.path, "household__place_path"))
        .exclude(pk=row.person_id)
        .order_by("id")[:40]
    )
    # The named mediator signs in with a code sent to their phone: someone who has one.
    mediator = next((p for p in people[7:] if p.phone), None)
    if len(people) < 8 or mediator is None:
        return
    today = timezone.localdate()

    def receive(kind: str, source: str, summary: str, days_ago: int) -> Any:
        matter, _created = services.matter_receive(
            viewer=viewer,
            actor=actor,
            place=village,
            kind=kind,
            summary=summary,
            received_on=today - dt.timedelta(days=days_ago),
            source=source,
        )
        return matter

    # 1. Agreed, with an agreement document and a follow-up visit due.
    fence = receive(
        "neighbour",
        "visit",
        "两户因宅基地之间的排水沟和院墙界线发生争执，雨天积水流入对方院内。",
        40,
    )
    services.party_add(
        viewer=viewer, actor=actor, matter=fence, role="applicant", person_id=people[0].pk
    )
    services.party_add(
        viewer=viewer, actor=actor, matter=fence, role="respondent", person_id=people[1].pk
    )
    services.mediator_add(viewer=viewer, actor=actor, matter=fence, person_id=people[6].pk)
    services.session_record(
        viewer=viewer,
        actor=actor,
        matter=fence,
        held_on=today - dt.timedelta(days=35),
        attended=f"{people[0].name}、{people[1].name}、{people[6].name}、村调委会",
        notes="现场查看排水沟走向，双方各自陈述；约定下次带宅基地证再谈。",
    )
    services.session_record(
        viewer=viewer,
        actor=actor,
        matter=fence,
        held_on=today - dt.timedelta(days=30),
        attended=f"{people[0].name}、{people[1].name}、村调委会",
        notes="按宅基地证界址确定院墙位置，排水沟改道由两户共同出工。",
        outcome="双方签订调解协议。",
        agreement=_agreement_scan(),
    )
    services.matter_conclude(
        viewer=viewer,
        actor=actor,
        matter=fence,
        agreed=True,
        outcome="院墙按界址线砌筑，排水沟改道至村道边沟，两户各出工两天。",
        concluded_on=today - dt.timedelta(days=30),
        follow_up_on=today - dt.timedelta(days=1),
    )

    # 2. In mediation: a family matter, an old resident as mediator (no cadre role).
    family = receive(
        "family",
        "walk_in",
        "兄弟二人因赡养老母亲的费用分担和轮流照顾发生矛盾，老人来村委会反映。",
        6,
    )
    services.party_add(
        viewer=viewer, actor=actor, matter=family, role="applicant", person_id=people[2].pk
    )
    services.party_add(
        viewer=viewer, actor=actor, matter=family, role="respondent", person_id=people[3].pk
    )
    services.party_add(
        viewer=viewer,
        actor=actor,
        matter=family,
        role="respondent",
        name="周某某",
        note="在外务工，电话联系",
    )
    services.mediator_add(viewer=viewer, actor=actor, matter=family, person_id=mediator.pk)
    services.session_record(
        viewer=viewer,
        actor=actor,
        matter=family,
        held_on=today - dt.timedelta(days=3),
        attended=f"{people[2].name}、{people[3].name}、{mediator.name}",
        notes="老党员上门做工作，双方同意按月轮流照顾，费用分担待在外务工的兄弟回来后再商量。",
    )

    # 3. Referred up: a land contract dispute beyond the village.
    land = receive(
        "land",
        "report",
        "村民反映承包地被邻组村民占用种植，涉及二轮延包时的地块登记，双方各执一词。",
        20,
    )
    services.party_add(
        viewer=viewer, actor=actor, matter=land, role="applicant", person_id=people[4].pk
    )
    services.party_add(
        viewer=viewer, actor=actor, matter=land, role="respondent", person_id=people[5].pk
    )
    services.session_record(
        viewer=viewer,
        actor=actor,
        matter=land,
        held_on=today - dt.timedelta(days=15),
        attended=f"{people[4].name}、{people[5].name}、村调委会",
        notes="双方对地块四至说法不一，村里存档的登记簿与确权图不一致。",
    )
    services.matter_refer(
        viewer=viewer,
        actor=actor,
        matter=land,
        reason="涉及土地确权登记错误，需镇经管站核实确权档案，村调委会无法调处。",
        referred_to="镇司法所、镇经管站",
    )
    ctx.data["mediation_mediator"] = mediator.pk
    ctx.account(
        "调解员（无干部职务，只看指定给他的纠纷）",
        mediator.phone or "",
        "/sign-in/（验证码见服务器日志）",
    )
