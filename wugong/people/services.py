"""Every write to people, households, tags, organisations and roles."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.core.models import SensitiveAccess
from wugong.core.pinyin import pinyin_sort_key
from wugong.core.validators import (
    id_number_birth_date,
    id_number_sex,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)
from wugong.people.models import (
    Household,
    KeyHouseholdTag,
    KeyTag,
    KeyTagCount,
    Membership,
    Organisation,
    Person,
    RoleAssignment,
    Sex,
)
from wugong.people.roles import ROLE_SCOPE, Role, Scope
from wugong.people.rules import Viewer
from wugong.places.models import MicroGrid, Place
from wugong.places.paths import path_ids


@dataclass
class PersonData:
    """The validated fields of a person, before they are saved."""

    name: str
    sex: str
    birth_date: dt.date | None
    phone: str | None
    id_number: str | None


def person_data_clean(
    *,
    name: str,
    sex: str = "",
    birth_date: dt.date | None = None,
    phone: str | None = "",
    id_number: str | None = "",
    exclude_pk: int | None = None,
    check_duplicates: bool = True,
) -> PersonData:
    """Validate a person's fields; raise ValidationFailed naming the field. Sex and birth date
    follow from a valid ID number when not given, and must agree with it when given."""
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationFailed(_("请填写姓名（不超过50个字）。"), field="name")
    number = normalize_id_number(id_number) if id_number else None
    phone_clean = normalize_phone(phone) if phone else None
    if number:
        if birth_date and birth_date != id_number_birth_date(number):
            raise ValidationFailed(_("出生日期与身份证号码不一致。"), field="birth_date")
        if sex and sex != id_number_sex(number):
            raise ValidationFailed(_("性别与身份证号码不一致。"), field="sex")
        birth_date = id_number_birth_date(number)
        sex = id_number_sex(number)
    if sex not in Sex.values:
        raise ValidationFailed(_("请选择性别（男或女）。"), field="sex")
    if not check_duplicates:  # the caller checks a whole batch at once (roster import)
        return PersonData(
            name=name, sex=sex, birth_date=birth_date, phone=phone_clean, id_number=number
        )
    others = Person.objects.exclude(pk=exclude_pk) if exclude_pk else Person.objects.all()
    if number and others.filter(id_number=number).exists():
        raise ValidationFailed(
            _("该身份证号码已登记，不能重复。"), code="id_duplicate", field="id_number"
        )
    if phone_clean and others.filter(phone=phone_clean).exists():
        raise ValidationFailed(
            _("该手机号码已被其他人员使用。"), code="phone_duplicate", field="phone"
        )
    return PersonData(
        name=name, sex=sex, birth_date=birth_date, phone=phone_clean, id_number=number
    )


def _person_audit_view(data: PersonData) -> dict[str, Any]:
    # The audit trail keeps changes, not sensitive values in the clear.
    return {
        "name": data.name,
        "sex": data.sex,
        "phone": mask_phone(data.phone or ""),
        "id_number": mask_id_number(data.id_number or ""),
    }


@transaction.atomic
def person_create(
    *,
    data: PersonData,
    household: Household | None = None,
    relation: str = "",
    is_party_member: bool = False,
    is_volunteer: bool = False,
    actor: Any = None,
    on_behalf_of: Person | None = None,
) -> Person:
    """Register a person (登记人员), optionally as a member of a household."""
    person = Person.objects.create(
        name=data.name,
        sort_key=pinyin_sort_key(data.name),
        sex=data.sex,
        birth_date=data.birth_date,
        phone=data.phone,
        id_number=data.id_number,
        household=household,
        relation=relation.strip(),
        is_party_member=is_party_member,
        is_volunteer=is_volunteer,
    )
    audit_event_record(
        actor=actor,
        action="person.create",
        obj=person,
        on_behalf_of=on_behalf_of,
        place_path=household.place_path if household else "",
        changes={**_person_audit_view(data), "household": household},
    )
    return person


def household_fields_clean(
    *,
    address: str,
    unit: str = "",
    floor: int | None = None,
    floor_area: Decimal | None = None,
) -> dict[str, Any]:
    address = (address or "").strip()
    if not address or len(address) > 200:
        raise ValidationFailed(_("请填写住址（不超过200个字）。"), field="address")
    if floor is not None and not -5 <= floor <= 200:
        raise ValidationFailed(_("楼层应在 -5 到 200 之间。"), field="floor")
    if floor_area is not None and not Decimal("0") < floor_area < Decimal("100000"):
        raise ValidationFailed(_("建筑面积应大于0且小于100000平方米。"), field="floor_area")
    return {
        "address": address,
        "unit": (unit or "").strip(),
        "floor": floor,
        "floor_area": floor_area,
    }


@transaction.atomic
def household_create(
    *,
    place: Place,
    address: str,
    head: PersonData,
    grid: MicroGrid | None = None,
    unit: str = "",
    floor: int | None = None,
    floor_area: Decimal | None = None,
    actor: Any = None,
) -> Household:
    """Register a household (登记住户) with its head (户主)."""
    fields = household_fields_clean(address=address, unit=unit, floor=floor, floor_area=floor_area)
    if grid is not None and not place.path.startswith(grid.place_path):
        raise ValidationFailed(_("所选网格不在该住户所在地点内。"), field="grid")
    household = Household.objects.create(
        place=place, place_path=place.path, grid=grid, sort_key=pinyin_sort_key(head.name), **fields
    )
    person = person_create(data=head, household=household, relation=_("户主"), actor=actor)
    household.head = person
    household.save(update_fields=["head"])
    audit_event_record(
        actor=actor,
        action="household.create",
        obj=household,
        place_path=place.path,
        changes={**fields, "place": place, "head": person, "grid": grid},
    )
    return household


@transaction.atomic
def key_tag_set(
    *, household: Household, tag: str, reason: str, since: dt.date, actor: Any = None
) -> KeyHouseholdTag:
    """Mark a household as a key household (重点户) of one kind, with reason and since-date."""
    if tag not in KeyTag.values:
        raise ValidationFailed(_("未知的重点户类别：%(tag)s") % {"tag": tag}, field="tag")
    if since > dt.date.today():
        raise ValidationFailed(_("起始日期不能晚于今天。"), field="since")
    row, created = KeyHouseholdTag.objects.update_or_create(
        household=household,
        tag=tag,
        defaults={
            "reason": (reason or "").strip()[:200],
            "since": since,
            "place_path": household.place_path,
        },
    )
    if created:
        _key_tag_counts_add(household.place_path, tag, 1)
    audit_event_record(
        actor=actor,
        action="household.tag_set",
        obj=household,
        place_path=household.place_path,
        changes={"tag": tag, "since": since, "created": created},
    )
    return row


@transaction.atomic
def key_tag_remove(*, household: Household, tag: str, actor: Any = None) -> None:
    deleted, _count = KeyHouseholdTag.objects.filter(household=household, tag=tag).delete()
    if not deleted:
        raise NotFound(_("该住户没有这个重点户标签。"))
    _key_tag_counts_add(household.place_path, tag, -1)
    audit_event_record(
        actor=actor,
        action="household.tag_remove",
        obj=household,
        place_path=household.place_path,
        changes={"tag": tag},
    )


MAX_NEIGHBOURS_PER_CENTRE = 10


@transaction.atomic
def centre_link(*, household: Household, centre: Household, actor: Any = None) -> None:
    """Put a household in the care of a centre household (中心户, about five neighbours)."""
    if household.pk == centre.pk:
        raise ValidationFailed(_("住户不能作为自己的中心户。"), field="centre")
    if not centre.is_centre:
        raise ValidationFailed(_("所选住户还不是中心户。"), field="centre")
    if centre.place_id != household.place_id:
        raise ValidationFailed(_("中心户应与所联系住户在同一地点。"), field="centre")
    if centre.neighbours.count() >= MAX_NEIGHBOURS_PER_CENTRE:
        raise ValidationFailed(
            _("一个中心户最多联系%(n)d户。") % {"n": MAX_NEIGHBOURS_PER_CENTRE}, field="centre"
        )
    household.centre = centre
    household.save(update_fields=["centre"])
    audit_event_record(
        actor=actor,
        action="household.centre_link",
        obj=household,
        place_path=household.place_path,
        changes={"centre": centre},
    )


@transaction.atomic
def centre_designate(*, household: Household, actor: Any = None) -> None:
    household.is_centre = True
    household.save(update_fields=["is_centre"])
    audit_event_record(
        actor=actor,
        action="household.centre_designate",
        obj=household,
        place_path=household.place_path,
    )


@transaction.atomic
def role_assign(
    *,
    viewer: Viewer,
    person: Person,
    role: str,
    place: Place,
    grid: MicroGrid | None = None,
    actor: Any = None,
) -> RoleAssignment:
    """Give a person a role at a place (任命). The assigner must be allowed to hand out that
    role at that place; a grid worker's role names its grid."""
    if role not in Role.values:
        raise ValidationFailed(_("未知的角色。"), field="role")
    if not viewer.can_assign(role, place):
        raise PermissionDenied(_("您无权在该地点任命这个角色。"))
    if ROLE_SCOPE[role] == Scope.GRID:
        if grid is None:
            raise ValidationFailed(_("网格员须指定所负责的网格。"), field="grid")
        if not grid.place_path.startswith(place.path):
            raise ValidationFailed(_("所选网格不在该地点内。"), field="grid")
    if RoleAssignment.objects.filter(person=person, role=role, place=place, active=True).exists():
        raise ValidationFailed(_("此人在该地点已担任这个角色。"), field="role")
    assignment = RoleAssignment.objects.create(
        person=person, role=role, place=place, place_path=place.path, grid=grid
    )
    if grid is not None and grid.worker_id is None:
        grid.worker = person
        grid.save(update_fields=["worker"])
    audit_event_record(
        actor=actor,
        action="role.assign",
        obj=assignment,
        place_path=place.path,
        changes={"person": person, "role": role, "place": place, "grid": grid},
    )
    return assignment


@transaction.atomic
def role_revoke(*, viewer: Viewer, assignment: RoleAssignment, actor: Any = None) -> None:
    if not viewer.can_assign(assignment.role, assignment.place):
        raise PermissionDenied(_("您无权撤销这个角色。"))
    assignment.active = False
    assignment.save(update_fields=["active"])
    audit_event_record(
        actor=actor, action="role.revoke", obj=assignment, place_path=assignment.place_path
    )


@transaction.atomic
def organisation_create(
    *, name: str, kind: str, places: list[Place], actor: Any = None
) -> Organisation:
    """Set up an organisation; a joint committee (联合会) may span several villages."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写组织名称。"), field="name")
    if not places:
        raise ValidationFailed(_("请选择组织覆盖的地点。"), field="places")
    org = Organisation.objects.create(name=name, kind=kind)
    org.places.set(places)
    audit_event_record(
        actor=actor,
        action="organisation.create",
        obj=org,
        place_path=places[0].path,
        changes={"name": name, "kind": kind, "places": [p.pk for p in places]},
    )
    return org


@transaction.atomic
def membership_add(
    *,
    organisation: Organisation,
    person: Person,
    title: str = "",
    since: dt.date | None = None,
    actor: Any = None,
) -> Membership:
    if Membership.objects.filter(organisation=organisation, person=person).exists():
        raise ValidationFailed(_("此人已是该组织成员。"), field="person")
    membership = Membership.objects.create(
        organisation=organisation, person=person, title=title, since=since
    )
    audit_event_record(
        actor=actor,
        action="organisation.join",
        obj=organisation,
        changes={"person": person, "title": title},
    )
    return membership


SENSITIVE_FIELDS = {"id_number", "phone", "tags"}


@transaction.atomic
def sensitive_reveal(
    *, viewer: Viewer, user: Any, person: Person, field: str, channel: str = "page"
) -> Any:
    """Unmask one sensitive field of a person for a viewer whose role needs it, and log the look
    (who, whose, what, when) in the same transaction. Anyone else is refused."""
    if field not in SENSITIVE_FIELDS:
        raise ValidationFailed(_("未知的字段。"), field="field")
    if not viewer.can_person("person.view_sensitive", person):
        raise PermissionDenied(_("您的角色无权查看此项敏感信息。"))
    SensitiveAccess.objects.create(viewer=user, person=person, field=field, channel=channel)
    if field == "tags":
        household = person.household
        return list(household.tags.all()) if household else []
    return getattr(person, field) or ""


def sensitive_list_logged(*, user: Any, households: list[Household], field: str) -> None:
    """Log that a list revealed a sensitive field (e.g. a filter by 低保) of each head shown."""
    SensitiveAccess.objects.bulk_create(
        SensitiveAccess(viewer=user, person_id=h.head_id, field=field, channel="list")
        for h in households
        if h.head_id
    )


def _key_tag_counts_add(place_path: str, tag: str, delta: int) -> None:
    """Move the rollup of one tag by ``delta`` at the household's place and every ancestor.
    The update is relative (n = n + delta), so concurrent changes never overwrite each other."""
    ids = path_ids(place_path)
    KeyTagCount.objects.bulk_create(
        [KeyTagCount(place_id=i, tag=tag, n=0) for i in ids], ignore_conflicts=True
    )
    KeyTagCount.objects.filter(place_id__in=ids, tag=tag).update(n=F("n") + delta)


@transaction.atomic
def key_tag_counts_rebuild() -> int:
    """Recompute the whole rollup from the tags (after a bulk load bypassed the services).
    One GROUP BY over the tags; returns the number of rollup rows."""
    totals: Counter[tuple[int, str]] = Counter()
    rows = KeyHouseholdTag.objects.values("place_path", "tag").annotate(n=Count("id")).order_by()
    for row in rows.iterator():
        for place_id in path_ids(row["place_path"]):
            totals[(place_id, row["tag"])] += row["n"]
    KeyTagCount.objects.all().delete()
    KeyTagCount.objects.bulk_create(
        (KeyTagCount(place_id=p, tag=t, n=n) for (p, t), n in totals.items()), batch_size=2000
    )
    return len(totals)
