"""Reads of people and households, always scoped to what the viewer may see."""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.core.pinyin import pinyin_sort_key
from wugong.core.validators import mask_id_number, mask_phone
from wugong.people.models import (
    SENSITIVE_TAGS,
    Household,
    KeyHouseholdTag,
    KeyTagCount,
    Organisation,
    Person,
    RoleAssignment,
)
from wugong.people.rules import Viewer
from wugong.places.models import Place, PlaceKind
from wugong.places.paths import subtree_q


def household_list_rule(tag: str) -> str:
    """The rule a household list needs: filtering by a health or hardship tag (低保, 大病 …)
    reveals who has it, so it takes the rule that unmasks them, and each row shown is logged."""
    return "person.view_sensitive" if tag in SENSITIVE_TAGS else "household.view"


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
    if place is not None and viewer.covers_subtree(rule, place):
        # The place's own range is the whole filter: the viewer's wider range would only repeat
        # the comparison on every row.
        qs = Household.objects.filter(subtree_q(place.path, "place_path"))
    else:
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
    """Key households under a place by tag. For a viewer who sees the whole subtree this reads
    the rollup (eight rows, whatever the size of the county); a grid worker or centre household
    gets the count of the tags within their own reach."""
    if viewer.covers_subtree("household.view", place):
        rows = KeyTagCount.objects.filter(place=place, n__gt=0).values_list("tag", "n")
        return dict(rows)
    rows = (
        KeyHouseholdTag.objects.filter(subtree_q(place.path, "place_path"))
        .filter(household__in=Household.objects.filter(viewer.household_q()))
        .values("tag")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["tag"]: r["n"] for r in rows}


# Kinds whose subtrees hold thousands of households (see household_page).
LARGE_PLACE_KINDS = {
    PlaceKind.PROVINCE,
    PlaceKind.CITY,
    PlaceKind.COUNTY,
    PlaceKind.TOWN,
    PlaceKind.STREET,
}


def household_page(
    *,
    viewer: Viewer,
    page_number: Any,
    size: int = 20,
    place: Place | None = None,
    query: str = "",
    tag: str = "",
    rule: str = "household.view",
) -> Page:
    """One page of ``household_list``: the page's ids come from the index alone (scope range and
    pinyin order), then only those rows are loaded with their heads, places and tags. Joining
    first would join every household of a town before sorting."""
    full = household_list(viewer=viewer, place=place, query=query, tag=tag, rule=rule)
    ids = full.values_list("id", flat=True)
    # The count comes from the index range; the page's ids, lazily sliced, from ``ids``.
    page = Paginator(ids, size).get_page(page_number)
    if (
        connection.vendor == "sqlite"
        and place is not None
        and place.kind in LARGE_PLACE_KINDS
        and not (query or tag)
        and viewer.covers_subtree(rule, place)
    ):
        # A town holds a large share of the county: walking the pinyin index in order and
        # skipping other places finds a page at once, where SQLite would otherwise take the
        # path range and sort every household of the town. (PostgreSQL's planner makes this
        # choice by itself.) A LIKE prefix is not index-driven on SQLite, which is the point.
        ordered = (
            Household.objects.filter(place_path__startswith=place.path)
            .order_by("sort_key", "id")
            .values_list("id", flat=True)
        )
        start = (page.number - 1) * size
        page.object_list = ordered[start : start + size]
    page_ids = list(page.object_list)
    by_id = full.in_bulk(page_ids)
    page.object_list = [by_id[i] for i in page_ids if i in by_id]
    return page


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
