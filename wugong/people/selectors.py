"""Reads of people and households, always scoped to what the viewer may see."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.core.pinyin import pinyin_sort_key
from wugong.core.validators import mask_id_number, mask_phone
from wugong.people.models import (
    SENSITIVE_TAGS,
    Household,
    KeyHouseholdTag,
    Organisation,
    Person,
    RoleAssignment,
)
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import subtree_q


def household_list(
    *,
    viewer: Viewer,
    place: Place | None = None,
    query: str = "",
    tag: str = "",
    rule: str = "household.view",
) -> QuerySet[Household]:
    """Households the viewer may see, under ``place``, matching a name/address search and a tag,
    ordered by the head's name in pinyin. Heads, places and tags come in the same few queries."""
    qs = Household.objects.filter(viewer.household_q(rule))
    if place is not None:
        qs = qs.filter(subtree_q(place.path, "place_path"))
    if query := (query or "").strip():
        key = pinyin_sort_key(query).split("|")[0]
        qs = qs.filter(
            Q(address__contains=query) | Q(head__name__contains=query) | Q(sort_key__startswith=key)
        )
    if tag:
        qs = qs.filter(tags__tag=tag)
    return (
        qs.select_related("head", "place", "grid")
        .prefetch_related(Prefetch("tags", queryset=KeyHouseholdTag.objects.order_by("tag")))
        .order_by("sort_key", "id")
    )


def household_get(*, viewer: Viewer, pk: int, rule: str = "household.view") -> Household:
    household = (
        Household.objects.select_related("place", "head", "grid", "centre__head")
        .prefetch_related("members", "tags", "neighbours__head")
        .filter(viewer.household_q(rule), pk=pk)
        .first()
    )
    if household is None:
        # Out of scope and missing look the same: nothing is revealed about other places.
        raise NotFound(_("住户不存在或不在您的管辖范围内。"))
    return household


def person_get(*, viewer: Viewer, pk: int) -> Person:
    person = Person.objects.select_related("household").filter(pk=pk).first()
    if person is None or not viewer.can_person("household.view", person):
        raise NotFound(_("人员不存在或不在您的管辖范围内。"))
    return person


def key_household_counts(*, viewer: Viewer, place: Place) -> dict[str, int]:
    """Key households under a place by tag: one index-only range scan on the tag table."""
    rows = (
        KeyHouseholdTag.objects.filter(subtree_q(place.path, "place_path"))
        .filter(viewer.path_q("household.view"))
        .values("tag")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["tag"]: r["n"] for r in rows}


def role_list(*, viewer: Viewer, place: Place) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(subtree_q(place.path, "place_path"), active=True)
        .filter(viewer.path_q("place.view"))
        .select_related("person", "place", "grid")
        .order_by("place__depth", "role")
    )


@dataclass(frozen=True)
class MaskedPerson:
    """What pages and the API show of a person: sensitive fields masked (脱敏)."""

    id: int
    name: str
    sex: str
    birth_year: int | None
    relation: str
    phone: str
    id_number: str
    is_party_member: bool
    is_volunteer: bool


def person_masked(person: Person) -> MaskedPerson:
    return MaskedPerson(
        id=person.pk,
        name=person.name,
        sex=person.get_sex_display(),
        birth_year=person.birth_date.year if person.birth_date else None,
        relation=person.relation,
        phone=mask_phone(person.phone or ""),
        id_number=mask_id_number(person.id_number or ""),
        is_party_member=person.is_party_member,
        is_volunteer=person.is_volunteer,
    )


def tags_visible(tags: list[KeyHouseholdTag]) -> tuple[list[KeyHouseholdTag], int]:
    """Tags anyone in scope may see (独居, 留守), and how many sensitive ones are hidden."""
    shown = [t for t in tags if t.tag not in SENSITIVE_TAGS]
    return shown, len(tags) - len(shown)


def centre_households_near(household: Household) -> QuerySet[Household]:
    """Centre households (中心户) of the same place that this household could be linked to."""
    return (
        Household.objects.filter(place_id=household.place_id, is_centre=True)
        .exclude(pk=household.pk)
        .select_related("head")
        .order_by("sort_key")
    )


def organisation_list(*, viewer: Viewer, place: Place) -> QuerySet[Organisation]:
    """Organisations covering this place or anything under it, with their members' count."""
    return (
        Organisation.objects.filter(
            Q(places__in=Place.objects.filter(subtree_q(place.path)).filter(viewer.place_q()))
        )
        .distinct()
        .annotate(member_count=Count("members", distinct=True))
        .prefetch_related("places")
        .order_by("kind", "name")
    )


def sibling_places(*, viewer: Viewer, place: Place) -> QuerySet[Place]:
    """Places a joint committee here could span: this one and its siblings the viewer manages."""
    return (
        Place.objects.filter(viewer.place_q("household.edit"))
        .filter(Q(pk=place.pk) | Q(parent_id=place.parent_id, kind=place.kind))
        .order_by("sort_key")
    )
