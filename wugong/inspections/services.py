"""Every write of 周五一检查: checklists, areas, weekly schedules, rounds (by hand and by the
scheduled task) and score sheets.

A score sheet is sent by a phone that may lose its network: the form's ``idempotency_key``
makes the same form sent twice one sheet. A household already scored in the round is refused
(not corrected): a round's result, once given, is the record the points and stars rest on.
"""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.core.signals import deed_recorded
from wugong.core.uploads import image_clean
from wugong.inspections.models import (
    Area,
    Checklist,
    ChecklistItem,
    ChecklistKind,
    ItemScore,
    Round,
    Schedule,
    ScoreSheet,
    SheetPhoto,
    TargetKind,
)
from wugong.inspections.scoring import full_score_valid, percent_centi
from wugong.inspections.selectors import ancestor_paths, area_scorable
from wugong.people.models import Household
from wugong.people.roles import Role
from wugong.people.rules import Viewer
from wugong.places.models import Place

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_ITEMS = 30
MAX_PHOTOS = 3
MAX_REMARK = 500
WEEKDAYS = [
    (0, _lazy("星期一")),
    (1, _lazy("星期二")),
    (2, _lazy("星期三")),
    (3, _lazy("星期四")),
    (4, _lazy("星期五")),
    (5, _lazy("星期六")),
    (6, _lazy("星期日")),
]

# The default checklists (默认检查表), available to every place; 100 points each.
DEFAULT_CHECKLISTS: list[tuple[str, str, str, list[tuple[str, int]]]] = [
    (
        "农户环境卫生检查表",
        ChecklistKind.HYGIENE,
        TargetKind.HOUSEHOLD,
        [
            ("室内整洁，物品摆放有序", 15),
            ("厨房灶台干净，餐具卫生", 15),
            ("厕所清洁无异味", 15),
            ("房前屋后无杂物、无乱堆乱放", 15),
            ("庭院硬化或绿化，无积水", 10),
            ("垃圾分类投放，不乱倒污水", 15),
            ("畜禽圈养，粪污及时清理", 10),
            ("柴草堆放整齐", 5),
        ],
    ),
    (
        "家庭安全检查表",
        ChecklistKind.SAFETY,
        TargetKind.HOUSEHOLD,
        [
            ("用电线路规范，无私拉乱接", 25),
            ("燃气、灶具使用安全", 25),
            ("房屋无明显安全隐患", 20),
            ("消防通道畅通，无易燃物堆放", 20),
            ("农药等危险品妥善存放", 10),
        ],
    ),
    (
        "防疫检查表",
        ChecklistKind.EPIDEMIC,
        TargetKind.HOUSEHOLD,
        [
            ("室内通风良好", 20),
            ("无蚊蝇孳生地、无积水容器", 30),
            ("饮用水卫生安全", 30),
            ("知晓防疫知识", 20),
        ],
    ),
    (
        "公共区域卫生检查表",
        ChecklistKind.HYGIENE,
        TargetKind.AREA,
        [
            ("地面干净，无垃圾", 30),
            ("垃圾桶（池）及时清运", 30),
            ("沟渠畅通无污水", 20),
            ("公共设施完好", 20),
        ],
    ),
]


def _text(value: str, field: str, *, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("请填写此项。"), code="required", field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            _("内容太长了，请不超过%(n)d个字。") % {"n": max_length}, code="text_long", field=field
        )
    return value


def _manage(viewer: Viewer, place: Place | None) -> None:
    if place is None:
        if Role.SYSTEM_ADMIN not in viewer.roles:
            raise PermissionDenied(_("只有系统管理员可以修改默认检查表。"))
    elif not viewer.can_place("inspection.manage", place):
        raise NotFound(_("地点不存在或不在您的管辖范围内。"))


# --- checklists -------------------------------------------------------------------------------
def checklist_write(
    *,
    place: Place | None,
    name: str,
    kind: str,
    target: str,
    items: Sequence[tuple[str, int]],
    actor: Any = None,
) -> Checklist:
    """Validate and write a checklist with its items (no rule check: the caller's)."""
    name = _text(name, "name", max_length=100, required=True)
    if kind not in ChecklistKind.values:
        raise ValidationFailed(_("请选择检查类别。"), field="kind")
    if target not in TargetKind.values:
        raise ValidationFailed(_("请选择检查对象。"), field="target")
    rows = [(_text(t, "items", max_length=200), m) for t, m in items if (t or "").strip()]
    if not rows:
        raise ValidationFailed(_("检查表至少要有一个检查项目。"), field="items")
    if len(rows) > MAX_ITEMS:
        raise ValidationFailed(
            _("检查项目最多%(n)d项。") % {"n": MAX_ITEMS}, field="items", code="items_many"
        )
    for _t, m in rows:
        if not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 1000:
            raise ValidationFailed(_("每个项目的满分应为1到1000的整数。"), field="items")
    full = sum(m for _t, m in rows)
    if not full_score_valid(full):
        raise ValidationFailed(
            _(
                "各项满分合计为%(full)d分；合计须能整除10000（如10、20、50、100、200分），"
                "百分制得分才不会有舍入。"
            )
            % {"full": full},
            field="items",
            code="full_score",
        )
    path = place.path if place else ""
    if Checklist.objects.filter(place_path=path, name=name).exists():
        raise ValidationFailed(_("已有同名的检查表。"), field="name", code="duplicate")
    checklist = Checklist.objects.create(
        place=place,
        place_path=path,
        name=name,
        kind=kind,
        target=target,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(checklist=checklist, position=i, text=t, max_score=m)
        for i, (t, m) in enumerate(rows, start=1)
    )
    return checklist


@transaction.atomic
def checklist_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place | None,
    name: str,
    kind: str,
    target: str = TargetKind.HOUSEHOLD,
    items: Sequence[tuple[str, int]],
) -> Checklist:
    """A checklist template (检查表) of a place, used there and by every place below it."""
    _manage(viewer, place)
    checklist = checklist_write(
        place=place, name=name, kind=kind, target=target, items=items, actor=actor
    )
    audit_event_record(
        actor=actor,
        action="inspection.checklist_create",
        obj=checklist,
        place_path=checklist.place_path,
        changes={"name": checklist.name, "items": [list(i) for i in items]},
    )
    return checklist


@transaction.atomic
def checklist_set_active(
    *, viewer: Viewer, actor: Any, checklist: Checklist, active: bool
) -> Checklist:
    """Stop using a checklist (停用) or use it again; its past rounds stay as they were."""
    _manage(viewer, checklist.place)
    checklist.active = active
    checklist.save(update_fields=["active"])
    audit_event_record(
        actor=actor,
        action="inspection.checklist_active",
        obj=checklist,
        place_path=checklist.place_path,
        changes={"active": active},
    )
    return checklist


def checklist_defaults_ensure() -> list[Checklist]:
    """The default checklists, written once (idempotent): for the demo and a new install."""
    out = []
    with transaction.atomic():
        for name, kind, target, items in DEFAULT_CHECKLISTS:
            row = Checklist.objects.filter(place_path="", name=name).first()
            if row is None:
                row = checklist_write(place=None, name=name, kind=kind, target=target, items=items)
            out.append(row)
    return out


def _usable(checklist: Checklist, place: Place) -> None:
    if not checklist.active or checklist.place_path not in {"", *ancestor_paths(place.path)}:
        raise ValidationFailed(_("该检查表不能用于此地点。"), field="checklist")


# --- areas and schedules ----------------------------------------------------------------------
@transaction.atomic
def area_add(*, viewer: Viewer, actor: Any, place: Place, name: str) -> Area:
    """A public area inspected on area checklists (公共区域)."""
    _manage(viewer, place)
    name = _text(name, "name", max_length=100, required=True)
    if Area.objects.filter(place=place, name=name).exists():
        raise ValidationFailed(_("已有同名的区域。"), field="name", code="duplicate")
    area = Area.objects.create(place=place, place_path=place.path, name=name)
    audit_event_record(
        actor=actor, action="inspection.area_add", obj=area, place_path=place.path, changes={}
    )
    return area


@transaction.atomic
def schedule_set(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    checklist: Checklist,
    weekday: int = 4,
    active: bool = True,
) -> Schedule:
    """The place inspects with this checklist every week on ``weekday`` (Friday: 4)."""
    _manage(viewer, place)
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValidationFailed(_("请选择星期几检查。"), field="weekday")
    if active:
        _usable(checklist, place)
    row, _created = Schedule.objects.update_or_create(
        place=place,
        checklist=checklist,
        defaults={"place_path": place.path, "weekday": weekday, "active": active},
    )
    audit_event_record(
        actor=actor,
        action="inspection.schedule_set",
        obj=row,
        place_path=place.path,
        changes={"checklist": checklist.pk, "weekday": weekday, "active": active},
    )
    return row


# --- rounds -------------------------------------------------------------------------------------
def _round_get_or_create(
    *, place: Place, checklist: Checklist, date: dt.date, actor: Any = None
) -> tuple[Round, bool]:
    try:
        with transaction.atomic():
            row, created = Round.objects.get_or_create(
                place=place,
                checklist=checklist,
                date=date,
                defaults={
                    "place_path": place.path,
                    "created_by": actor if getattr(actor, "pk", None) else None,
                },
            )
    except IntegrityError:  # made at the same moment by another run
        return Round.objects.get(place=place, checklist=checklist, date=date), False
    return row, created


@transaction.atomic
def round_create(
    *, viewer: Viewer, actor: Any, place: Place, checklist: Checklist, date: dt.date
) -> tuple[Round, bool]:
    """A round by hand (临时检查); the same place, checklist and day twice is one round."""
    _manage(viewer, place)
    _usable(checklist, place)
    today = timezone.localdate()
    if not today - dt.timedelta(days=31) <= date <= today + dt.timedelta(days=62):
        raise ValidationFailed(_("检查日期应在近一个月内或两个月以内的将来。"), field="date")
    row, created = _round_get_or_create(place=place, checklist=checklist, date=date, actor=actor)
    if created:
        audit_event_record(
            actor=actor,
            action="inspection.round_create",
            obj=row,
            place_path=place.path,
            changes={"checklist": checklist.pk, "date": date},
        )
    return row, created


def next_weekday(today: dt.date, weekday: int) -> dt.date:
    """The first day on or after ``today`` that is ``weekday`` (the coming week's round)."""
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7)


def rounds_schedule(*, today: dt.date) -> int:
    """Make the coming week's round of every active schedule (the scheduled task). Running it
    twice makes each round once; returns how many were new."""
    made = 0
    schedules = Schedule.objects.filter(active=True, checklist__active=True).select_related(
        "place", "checklist"
    )
    for s in schedules.order_by("pk").iterator(chunk_size=500):
        row, created = _round_get_or_create(
            place=s.place, checklist=s.checklist, date=next_weekday(today, s.weekday)
        )
        if created:
            audit_event_record(
                actor=None,
                action="inspection.round_schedule",
                obj=row,
                place_path=row.place_path,
                changes={"checklist": s.checklist_id, "date": row.date},
            )
            made += 1
    return made


# --- score sheets ------------------------------------------------------------------------------
def _scores_clean(
    checklist: Checklist, scores: Mapping[Any, Any]
) -> list[tuple[ChecklistItem, int]]:
    """Every item scored, each a whole number from 0 to the item's full score."""
    out = []
    for item in checklist.items.all():
        raw = scores.get(item.pk, scores.get(str(item.pk)))
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise ValidationFailed(
                _("请为“%(item)s”打分。") % {"item": item.text}, field=f"item_{item.pk}"
            )
        try:
            value = int(str(raw).strip()) if not isinstance(raw, int) else raw
        except ValueError:
            value = -1
        if isinstance(raw, bool) or not 0 <= value <= item.max_score:
            raise ValidationFailed(
                _("“%(item)s”的得分应为0到%(max)d之间的整数。")
                % {"item": item.text, "max": item.max_score},
                field=f"item_{item.pk}",
                code="score_range",
            )
        out.append((item, value))
    return out


def _already(round: Round, household: Household | None, area: Area | None) -> ScoreSheet | None:
    if household is not None:
        return ScoreSheet.objects.filter(round=round, household=household).first()
    return ScoreSheet.objects.filter(round=round, area=area).first()


def _already_error(sheet: ScoreSheet) -> ValidationFailed:
    return ValidationFailed(
        _("本轮已经评过分了（%(score)s分，%(at)s），不能重复评分。")
        % {
            "score": sheet.percent,
            "at": timezone.localtime(sheet.created_at).strftime("%m-%d %H:%M"),
        },
        field="idempotency_key",
        code="already_scored",
    )


@transaction.atomic
def sheet_record(
    *,
    viewer: Viewer,
    actor: Any,
    round: Round,
    idempotency_key: str,
    scores: Mapping[Any, Any],
    household: Household | None = None,
    area: Area | None = None,
    remark: str = "",
    photos: Sequence[Any] = (),
    today: dt.date | None = None,
) -> tuple[ScoreSheet, bool]:
    """Score a household or area in a round (入户检查评分). The same ``idempotency_key`` again
    returns the first sheet (``created`` False); another key for a household already scored in
    the round is refused. Bad input changes nothing. Sends ``deed_recorded`` for a household."""
    key = (idempotency_key or "").strip()
    if not KEY_RE.match(key):
        raise ValidationFailed(_("提交标识无效，请刷新页面后重试。"), field="idempotency_key")
    existing = ScoreSheet.objects.filter(idempotency_key=key).first()
    if existing is not None:
        same = (
            existing.round_id == round.pk
            and existing.household_id == (household.pk if household else None)
            and existing.area_id == (area.pk if area else None)
        )
        if not same:
            raise ValidationFailed(
                _("提交标识已被使用，请刷新页面后重试。"), field="idempotency_key"
            )
        return existing, False
    checklist = round.checklist
    if (household is None) == (area is None):
        raise ValidationFailed(_("请选择要检查的住户或区域。"), field="household")
    if household is not None and not (
        checklist.target == TargetKind.HOUSEHOLD
        and household.place_path.startswith(round.place_path)
        and viewer.can_household("inspection.record", household)
    ):
        raise NotFound(_("住户不存在或不在您的检查范围内。"))
    if area is not None and not (
        checklist.target == TargetKind.AREA
        and area.place_path.startswith(round.place_path)
        and area_scorable(viewer, area)
    ):
        raise NotFound(_("区域不存在或不在您的检查范围内。"))
    today = today or timezone.localdate()
    if round.date > today:
        raise ValidationFailed(
            _("这一轮检查定在%(date)s，还没到检查日期。") % {"date": round.date.isoformat()},
            field="round",
            code="not_yet",
        )
    cleaned = _scores_clean(checklist, scores)
    remark = _text(remark, "remark", max_length=MAX_REMARK)
    uploads = [p for p in photos if p]
    if len(uploads) > MAX_PHOTOS:
        raise ValidationFailed(
            _("最多上传%(n)d张照片。") % {"n": MAX_PHOTOS}, field="photos", code="photos_many"
        )
    clean_photos = [image_clean(p) for p in uploads]
    if (sheet := _already(round, household, area)) is not None:
        if sheet.idempotency_key == key:  # the same form, committed since the first look
            return sheet, False
        raise _already_error(sheet)
    full = sum(i.max_score for i, _v in cleaned)
    score = sum(v for _i, v in cleaned)
    try:
        with transaction.atomic():
            sheet = ScoreSheet.objects.create(
                round=round,
                household=household,
                area=area,
                place_path=(household or area).place_path,  # type: ignore[union-attr]
                date=round.date,
                kind=checklist.kind,
                score=score,
                full_score=full,
                percent_centi=percent_centi(score, full),
                remark=remark,
                inspector_id=viewer.person_id,
                recorded_by=actor if getattr(actor, "pk", None) else None,
                idempotency_key=key,
            )
    except IntegrityError:
        # The same form sent twice at once: the other request won. Otherwise another inspector
        # scored the household at the same moment.
        won = ScoreSheet.objects.filter(idempotency_key=key).first()
        if won is not None:
            return won, False
        other = _already(round, household, area)
        if other is not None:
            raise _already_error(other) from None
        raise
    ItemScore.objects.bulk_create(
        ItemScore(sheet=sheet, item=item, text=item.text, max_score=item.max_score, score=value)
        for item, value in cleaned
    )
    for photo in clean_photos:
        row = SheetPhoto(sheet=sheet)
        row.file.save(photo.name, photo, save=True)
    audit_event_record(
        actor=actor,
        action="inspection.sheet_record",
        obj=sheet,
        place_path=sheet.place_path,
        changes={
            "round": round.pk,
            "household": household.pk if household else None,
            "area": area.pk if area else None,
            "score": score,
            "full_score": full,
            "items": {item.pk: value for item, value in cleaned},
        },
    )
    if household is not None:
        deed_recorded.send(
            sender=ScoreSheet,
            action="inspection.scored",
            place=household.place,
            person_id=None,
            household_id=household.pk,
            quantity=sheet.percent,
            source=f"inspections.sheet:{sheet.pk}",
            occurred_on=round.date,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    return sheet, True
