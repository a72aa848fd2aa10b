"""Reads of the place tree."""

from django.db.models import Count, Q, QuerySet

from wugong.core.pinyin import pinyin_sort_key
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import path_ids, subtree_q


def place_subtree(place: Place) -> QuerySet[Place]:
    """The place and everything under it: one indexed range scan on the path."""
    return Place.objects.filter(subtree_q(place.path))


def place_ancestors(place: Place) -> list[Place]:
    """Root first, the place itself excluded: one query by the ids in the path."""
    ids = path_ids(place.path)[:-1]
    by_id = Place.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def place_roots_for(viewer: Viewer) -> QuerySet[Place]:
    """The highest places the viewer may browse: their scope's tops."""
    places = Place.objects.filter(viewer.place_q())
    min_depth = places.order_by("depth").values_list("depth", flat=True).first()
    if min_depth is None:
        return Place.objects.none()
    return places.filter(depth=min_depth).order_by("sort_key")


def place_children(*, viewer: Viewer, place: Place) -> QuerySet[Place]:
    return (
        Place.objects.filter(viewer.place_q(), parent=place)
        .annotate(child_count=Count("children"))
        .order_by("sort_key")
    )


def place_search(*, viewer: Viewer, query: str, limit: int = 50) -> QuerySet[Place]:
    """Places in scope whose name contains the text or whose pinyin starts with it."""
    key = pinyin_sort_key(query).split("|")[0]
    return (
        Place.objects.filter(viewer.place_q())
        .filter(Q(name__contains=query) | Q(sort_key__startswith=key))
        .order_by("depth", "sort_key")[:limit]
    )
