"""The household roster in Excel (花名册): template, all-or-nothing import, scoped export."""

import datetime as dt
import io
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from wugong.core.audit import audit_event_record
from wugong.core.errors import DomainError, PermissionDenied, ValidationFailed
from wugong.core.models import SensitiveAccess
from wugong.core.validators import mask_id_number, mask_phone
from wugong.people import services
from wugong.people.models import SENSITIVE_TAGS, KeyTag, Person
from wugong.people.rules import Viewer
from wugong.people.selectors import household_list
from wugong.places.models import MicroGrid, Place
from wugong.places.paths import subtree_q

HEAD = "户主"
YES = {"是", "Y", "y", "yes", "1", "TRUE", "True", "true"}
NO = {"", "否", "N", "n", "no", "0", "FALSE", "False", "false"}

# (header, key, required, help) — the header text is the contract of the template file.
COLUMNS: list[tuple[str, str, bool, str]] = [
    ("户编号", "household_key", True, "同一户的成员填写相同的户编号"),
    ("所在地点", "place", False, "村民小组或楼栋名称；留空为导入的地点本身"),
    ("住址", "address", True, "户主一行必填"),
    ("姓名", "name", True, ""),
    ("与户主关系", "relation", True, "户主一行填“户主”"),
    ("性别", "sex", False, "男/女；有身份证号码可不填"),
    ("出生日期", "birth_date", False, "如 1956-03-08；有身份证号码可不填"),
    ("身份证号码", "id_number", False, "18位"),
    ("手机号码", "phone", False, "11位"),
    ("单元", "unit", False, "小区住户填写"),
    ("楼层", "floor", False, "小区住户填写"),
    ("建筑面积", "floor_area", False, "平方米，小区住户填写"),
    ("微网格", "grid", False, "网格名称"),
    ("重点户类别", "tags", False, "可多个，用顿号或逗号分隔，如：独居户、低保户"),
    ("党员", "is_party_member", False, "是/否"),
    ("志愿者", "is_volunteer", False, "是/否"),
]
HEADERS = [c[0] for c in COLUMNS]
TAG_BY_LABEL = {str(label): value for value, label in KeyTag.choices}
SEX_BY_LABEL = {"男": "M", "女": "F", "M": "M", "F": "F"}


@dataclass
class RosterError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("第%(row)d行“%(col)s”列：%(msg)s") % {
            "row": self.row,
            "col": self.column,
            "msg": self.message,
        }


class RosterInvalid(DomainError):
    """The upload has errors; nothing was imported."""

    code = "roster_invalid"

    def __init__(self, errors: list[RosterError]):
        super().__init__(_("花名册有%(n)d处错误，未导入任何数据。") % {"n": len(errors)})
        self.errors = errors


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    person: services.PersonData | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class RosterResult:
    households: int
    people: int


def roster_template() -> bytes:
    """An empty roster with headers, one example household and a sheet of instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        [
            "1",
            "一组",
            "一组12号",
            "王秀英",
            HEAD,
            "女",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "独居户",
            "否",
            "是",
        ]
    )
    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列", "必填", "说明"])
    for header, _key, required, hint in COLUMNS:
        help_ws.append([header, "是" if required else "否", hint])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _read_rows(data: bytes) -> list[_Row]:
    if len(data) > settings.ROSTER_MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            _("文件过大，请不要超过%(mb)dMB。")
            % {"mb": settings.ROSTER_MAX_UPLOAD_BYTES // (1024 * 1024)},
            field="file",
        )
    if not data.startswith(b"PK"):
        raise ValidationFailed(_("请上传 Excel 文件（.xlsx 格式）。"), field="file")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationFailed(
            _("无法读取该文件，请使用下载的模板（.xlsx 格式）。"), field="file"
        ) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    missing = [h for h, _k, required, _h in COLUMNS if required and h not in header]
    if missing:
        raise ValidationFailed(
            _("表头缺少以下列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)},
            field="file",
        )
    index = {key: header.index(h) for h, key, _r, _h in COLUMNS if h in header}
    out: list[_Row] = []
    for number, raw in enumerate(rows, start=2):
        if raw is None or all(v is None or str(v).strip() == "" for v in raw):
            continue
        values = {key: raw[i] if i < len(raw) else None for key, i in index.items()}
        out.append(_Row(number=number, values=values))
        if len(out) > settings.ROSTER_MAX_ROWS:
            raise ValidationFailed(
                _("一次最多导入%(n)d行。") % {"n": settings.ROSTER_MAX_ROWS}, field="file"
            )
    wb.close()
    if not out:
        raise ValidationFailed(_("花名册中没有数据行。"), field="file")
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _column(key: str) -> str:
    return next(h for h, k, _r, _h in COLUMNS if k == key)


def _parse_row(row: _Row, errors: list[RosterError]) -> None:
    v = row.values

    def fail(key: str, message: str) -> None:
        errors.append(RosterError(row.number, _column(key), message))

    for _header, key, required, _hint in COLUMNS:
        # The address is needed on the head's row only (checked per household).
        if required and key != "address" and not _text(v.get(key)):
            fail(key, _("必填，不能为空。"))
    birth = v.get("birth_date")
    if isinstance(birth, dt.datetime):
        birth = birth.date()
    elif birth not in (None, ""):
        try:
            birth = dt.date.fromisoformat(_text(birth))
        except ValueError:
            fail("birth_date", _("日期格式应为 年-月-日，如 1956-03-08。"))
            birth = None
    else:
        birth = None
    sex_text = _text(v.get("sex"))
    if sex_text and sex_text not in SEX_BY_LABEL:
        fail("sex", _("应填“男”或“女”。"))
    for key in ("floor",):
        if _text(v.get(key)):
            try:
                v[key] = int(_text(v[key]))
            except ValueError:
                fail(key, _("应为整数。"))
                v[key] = None
        else:
            v[key] = None
    if _text(v.get("floor_area")):
        try:
            v["floor_area"] = Decimal(_text(v["floor_area"]))
        except InvalidOperation:
            fail("floor_area", _("应为数字（平方米）。"))
            v["floor_area"] = None
    else:
        v["floor_area"] = None
    for key in ("is_party_member", "is_volunteer"):
        text = _text(v.get(key))
        if text not in YES | NO:
            fail(key, _("应填“是”或“否”。"))
        v[key] = text in YES
    for label in filter(
        None,
        (
            t.strip()
            for t in _text(v.get("tags")).replace("，", "、").replace(",", "、").split("、")
        ),
    ):
        tag = TAG_BY_LABEL.get(label) or TAG_BY_LABEL.get(label + "户")
        if tag is None:
            fail("tags", _("未知的重点户类别：%(t)s") % {"t": label})
        else:
            row.tags.append(tag)
    if not _text(v.get("name")):
        return
    try:
        row.person = services.person_data_clean(
            name=_text(v.get("name")),
            sex=SEX_BY_LABEL.get(sex_text, ""),
            birth_date=birth,
            phone=_text(v.get("phone")),
            id_number=_text(v.get("id_number")),
            check_duplicates=False,
        )
    except ValidationFailed as e:
        fail(e.field if e.field in {k for _h, k, _r, _x in COLUMNS} else "name", str(e))


def _by_name(rows: Any) -> tuple[dict[str, Any], set[str]]:
    """Rows by name, and the names several rows share (a roster cannot tell those apart)."""
    by_name: dict[str, Any] = {}
    shared: set[str] = set()
    for row in rows:
        if row.name in by_name:
            shared.add(row.name)
        by_name[row.name] = row
    return by_name, shared


def roster_import(*, viewer: Viewer, user: Any, place: Place, data: bytes) -> RosterResult:
    """Validate every row, then import all households or nothing (errors by row and column)."""
    if not viewer.can_place("roster.import", place):
        raise PermissionDenied(_("您无权向该地点导入花名册。"))
    rows = _read_rows(data)
    errors: list[RosterError] = []
    for row in rows:
        _parse_row(row, errors)

    places, shared_places = _by_name(Place.objects.filter(subtree_q(place.path)))
    grids, shared_grids = _by_name(MicroGrid.objects.filter(subtree_q(place.path, "place_path")))
    households: OrderedDict[str, list[_Row]] = OrderedDict()
    for row in rows:
        households.setdefault(_text(row.values.get("household_key")), []).append(row)
        name = _text(row.values.get("place"))
        if name in shared_places:
            errors.append(
                RosterError(
                    row.number,
                    _column("place"),
                    _("%(p)s下有多个地点名为%(n)s，请分别导入到各自的上级地点。")
                    % {"p": place.name, "n": name},
                )
            )
        elif name and name not in places:
            errors.append(
                RosterError(
                    row.number,
                    _column("place"),
                    _("在%(p)s下找不到地点：%(n)s") % {"p": place.name, "n": name},
                )
            )
        grid = _text(row.values.get("grid"))
        if grid in shared_grids:
            errors.append(
                RosterError(
                    row.number,
                    _column("grid"),
                    _("%(p)s下有多个网格名为%(n)s，请分别导入到各自的上级地点。")
                    % {"p": place.name, "n": grid},
                )
            )
        elif grid and grid not in grids:
            errors.append(
                RosterError(row.number, _column("grid"), _("找不到网格：%(n)s") % {"n": grid})
            )
    for key, members in households.items():
        if not key:
            continue
        heads = [r for r in members if _text(r.values.get("relation")) == HEAD]
        if len(heads) != 1:
            errors.append(
                RosterError(
                    members[0].number,
                    _column("relation"),
                    _("户编号%(k)s应有且只有一位户主。") % {"k": key},
                )
            )
        elif not _text(heads[0].values.get("address")):
            errors.append(
                RosterError(heads[0].number, _column("address"), _("户主一行必须填写住址。"))
            )

    # Duplicates within the file and against those already registered: two queries in all.
    for field_key, label in (("id_number", _("身份证号码")), ("phone", _("手机号码"))):
        seen: dict[str, int] = {}
        for row in rows:
            value = getattr(row.person, field_key, None) if row.person else None
            if not value:
                continue
            if value in seen:
                errors.append(
                    RosterError(
                        row.number,
                        _column(field_key),
                        _("与第%(r)d行%(l)s重复。") % {"r": seen[value], "l": label},
                    )
                )
            seen[value] = row.number
        existing = set(
            Person.objects.filter(**{f"{field_key}__in": list(seen)}).values_list(
                field_key, flat=True
            )
        )
        for value in existing:
            errors.append(
                RosterError(
                    seen[value], _column(field_key), _("该%(l)s已登记，不能重复。") % {"l": label}
                )
            )
    if errors:
        errors.sort(key=lambda e: (e.row, HEADERS.index(e.column)))
        raise RosterInvalid(errors)

    people = 0
    with transaction.atomic():
        for _key, members in households.items():
            head_row = next(r for r in members if _text(r.values.get("relation")) == HEAD)
            hv = head_row.values
            assert head_row.person is not None
            household = services.household_create(
                place=places.get(_text(hv.get("place")), place),
                address=_text(hv["address"]),
                head=head_row.person,
                grid=grids.get(_text(hv.get("grid"))),
                unit=_text(hv.get("unit")),
                floor=hv.get("floor"),
                floor_area=hv.get("floor_area"),
                actor=user,
            )
            head = household.head
            assert head is not None
            head.is_party_member, head.is_volunteer = hv["is_party_member"], hv["is_volunteer"]
            head.save(update_fields=["is_party_member", "is_volunteer"])
            people += 1
            for row in members:
                if row is not head_row:
                    assert row.person is not None
                    services.person_create(
                        data=row.person,
                        household=household,
                        relation=_text(row.values.get("relation")),
                        is_party_member=row.values["is_party_member"],
                        is_volunteer=row.values["is_volunteer"],
                        actor=user,
                    )
                    people += 1
            for tag in {t for r in members for t in r.tags}:
                services.key_tag_set(
                    household=household,
                    tag=tag,
                    reason=_("花名册导入"),
                    since=dt.date.today(),
                    actor=user,
                )
        audit_event_record(
            actor=user,
            action="roster.import",
            obj=place,
            place_path=place.path,
            changes={"households": len(households), "people": people},
        )
    return RosterResult(households=len(households), people=people)


def roster_export(*, viewer: Viewer, user: Any, place: Place | None, full: bool) -> bytes:
    """The households in scope as .xlsx, in the template's columns. ID numbers and phones are
    masked unless ``full`` and the role may see them, and then each person's look is logged."""
    if not viewer.has_rule("roster.export"):
        raise PermissionDenied(_("您无权导出花名册。"))
    if full and not viewer.has_rule("person.view_sensitive"):
        raise PermissionDenied(_("您的角色无权导出未脱敏的信息。"))
    rule = "person.view_sensitive" if full else "roster.export"
    qs = household_list(viewer=viewer, place=place, rule=rule).prefetch_related("members")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(HEADERS)
    looked: list[SensitiveAccess] = []
    for h in qs.iterator(chunk_size=2000):
        tags = "、".join(
            str(KeyTag(t.tag).label) for t in h.tags.all() if full or t.tag not in SENSITIVE_TAGS
        )
        for p in sorted(h.members.all(), key=lambda m: (m.pk != h.head_id, m.pk)):
            if full:
                looked.append(
                    SensitiveAccess(viewer=user, person=p, field="export", channel="export")
                )
            ws.append(
                [
                    str(h.pk),
                    h.place.name,
                    h.address if p.pk == h.head_id else "",
                    p.name,
                    HEAD if p.pk == h.head_id else p.relation,
                    p.get_sex_display(),
                    p.birth_date.isoformat() if p.birth_date else "",
                    (p.id_number or "") if full else mask_id_number(p.id_number or ""),
                    (p.phone or "") if full else mask_phone(p.phone or ""),
                    h.unit,
                    h.floor if h.floor is not None else "",
                    str(h.floor_area) if h.floor_area is not None else "",
                    h.grid.name if h.grid else "",
                    tags if p.pk == h.head_id else "",
                    "是" if p.is_party_member else "否",
                    "是" if p.is_volunteer else "否",
                ]
            )
    SensitiveAccess.objects.bulk_create(looked, batch_size=2000)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
