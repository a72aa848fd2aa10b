"""Reads of the needs list, always scoped to what the viewer may see.

Who sees which needs (rule "need.view"): needs are public within their village or community
(村务公开). A viewer's assignment (a resident's household, a grid worker's grid, a chief's
building, a cadre's village) is widened to the village/community that contains it, and the
viewer sees every need at or under it, plus needs raised at the places above it (a need of the
whole town is shown to the town's villages). An assignment above the village level (a town
supervisor) sees its own subtree. Managing needs ("need.manage") is narrower: the subtree of
the manager's own place.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound, ValidationFailed
from wugong.needs.models import (
    OPEN_STATUSES,
    Need,
    NeedEvent,
    NeedFollower,
    NeedSupport,
    Notification,
    Status,
)
from wugong.needs.search import search_q
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.rules import Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import path_ids, subtree_q


@dataclass(frozen=True)
class NeedScope:
    """Where a viewer's needs are: subtrees (``roots``) and single places above them."""

    everything: bool
    roots: tuple[str, ...]
    above_ids: frozenset[int]

    def need_q(self) -> Q:
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for root in self.roots:
            q |= subtree_q(root, "place_path")
        if self.above_ids:
            q |= Q(place_id__in=self.above_ids)
        return q

    def place_q(self) -> Q:
        """Places a need may be raised at: the subtrees only."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for root in self.roots:
            q |= subtree_q(root)
        return q

    def holds_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(r) for r in self.roots)


def need_scope(viewer: Viewer, rule: str = "need.view") -> NeedScope:
    """The viewer's need scope for ``rule``: each assignment widened to its village/community.
    One query (the kinds of the assignments' ancestors)."""
    assignments = viewer.granting(rule)
    if any(ROLE_SCOPE[a.role] == Scope.EVERYTHING for a in assignments):
        return NeedScope(True, (), frozenset())
    ids = {i for a in assignments for i in path_ids(a.place_path)}
    kinds = dict(Place.objects.filter(pk__in=ids).values_list("pk", "kind")) if ids else {}
    roots: set[str] = set()
    above: set[int] = set()
    for a in assignments:
        chain = path_ids(a.place_path)
        if not chain:
            continue
        # The topmost village/community on the way down; else the assignment's own place.
        cut = next(
            (i for i, pk in enumerate(chain) if kinds.get(pk) in GRASSROOTS_KINDS), len(chain) - 1
        )
        roots.add("/" + "".join(f"{pk}/" for pk in chain[: cut + 1]))
        above.update(chain[:cut])
    return NeedScope(False, tuple(sorted(roots)), frozenset(above))


def manages_path(viewer: Viewer, path: str) -> bool:
    """The viewer may manage needs at ``path`` (classify, merge, change status, answer)."""
    for a in viewer.granting("need.manage"):
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING or (scope == Scope.PLACE and path.startswith(a.place_path)):
            return True
    return False


def need_place_get(
    *, viewer: Viewer, place_id: int | str | None, rule: str, scope: NeedScope | None = None
) -> Place | None:
    """The place a need is raised at, checked against the viewer's scope for ``rule``
    (``scope``: that scope, if the caller has it already)."""
    if place_id in (None, ""):
        return None
    try:
        pk = int(place_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pk = 0
    scope = scope or need_scope(viewer, rule)
    place = Place.objects.filter(scope.place_q(), pk=pk).first()
    if place is None:
        raise ValidationFailed(
            _("所选地点不存在或不在您所在的村（社区）内。"), code="place_unknown", field="place"
        )
    return place


def need_place_choices(
    *, viewer: Viewer, rule: str = "need.submit", scope: NeedScope | None = None
) -> list[Place]:
    """Places offered when raising a need: the viewer's villages/communities and what lies
    under them (at most 200, shallowest first)."""
    scope = scope or need_scope(viewer, rule)
    return list(
        Place.objects.filter(scope.place_q())
        .only("id", "name", "kind", "path", "depth")
        .order_by("depth", "sort_key", "id")[:200]
    )


def _support_count() -> Coalesce:
    counts = (
        NeedSupport.objects.filter(need=OuterRef("pk"))
        .order_by()
        .values("need")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _annotated(qs: QuerySet[Need], viewer: Viewer) -> QuerySet[Need]:
    qs = qs.annotate(support_count=_support_count())
    if viewer.person_id:
        qs = qs.annotate(
            supported_by_me=Exists(
                NeedSupport.objects.filter(need=OuterRef("pk"), person_id=viewer.person_id)
            )
        )
    return qs.select_related("place", "reporter", "recorded_by__person")


def need_list(
    *,
    viewer: Viewer,
    place: Place | None = None,
    category: str | None = None,
    status: str | None = None,
    query: str = "",
    scope: NeedScope | None = None,
) -> QuerySet[Need]:
    """Needs the viewer may see, newest first, with their "me too" counts. Merged needs are
    left out unless asked for by status. The search is the bigram search (search.py)."""
    qs = Need.objects.filter((scope or need_scope(viewer)).need_q())
    if place is not None:
        qs = qs.filter(subtree_q(place.path, "place_path"))
    if category:
        qs = qs.filter(category=category)
    qs = qs.filter(status=status) if status else qs.exclude(status=Status.MERGED)
    if query:
        qs = qs.filter(search_q(query))
    return _annotated(qs, viewer).order_by("-created_at", "-id")


def need_get(*, viewer: Viewer, pk: int) -> Need:
    """One need with its photos, history and merged-in needs; NotFound if out of scope."""
    need = (
        _annotated(Need.objects.filter(need_scope(viewer).need_q(), pk=pk), viewer)
        .annotate(follower_count=Count("followers", distinct=True))
        .select_related("answered_by__person", "merged_into")
        .prefetch_related(
            "photos",
            Prefetch(
                "events",
                queryset=NeedEvent.objects.select_related(
                    "actor__person", "on_behalf_of", "other"
                ).order_by("at", "id"),
            ),
            Prefetch(
                "merged_needs",
                queryset=Need.objects.select_related("reporter", "recorded_by__person").order_by(
                    "id"
                ),
            ),
        )
        .first()
    )
    if need is None:
        # Out of scope and missing look the same: nothing is revealed about other villages.
        raise NotFound(_("问题不存在或不在您的查看范围内。"))
    return need


def need_followers(*, need: Need) -> list[str]:
    return list(
        NeedFollower.objects.filter(need=need)
        .order_by("person__sort_key")
        .values_list("person__name", flat=True)
    )


def need_is_followed(*, viewer: Viewer, need: Need) -> bool:
    return bool(viewer.person_id) and (
        NeedFollower.objects.filter(need=need, person_id=viewer.person_id).exists()
    )


def unanswered(*, viewer: Viewer, days: int = 7) -> QuerySet[Need]:
    """Needs the viewer manages still waiting for a response (new or being discussed, no
    decision, no answer) ``days`` after they were raised, oldest first."""
    cutoff = timezone.now() - dt.timedelta(days=max(days, 0))
    qs = Need.objects.filter(
        viewer.path_q("need.manage"), status__in=OPEN_STATUSES, created_at__lte=cutoff
    )
    return _annotated(qs, viewer).order_by("created_at", "id")


def notifications(*, viewer: Viewer) -> QuerySet[Notification]:
    if not viewer.person_id:
        return Notification.objects.none()
    return (
        Notification.objects.filter(person_id=viewer.person_id)
        .select_related("need")
        .order_by("-created_at", "-id")
    )


def unread_count(*, viewer: Viewer) -> int:
    if not viewer.person_id:
        return 0
    return Notification.objects.filter(person_id=viewer.person_id, read_at__isnull=True).count()


def recorded_by_name_of(user: Any) -> str:
    """How a staff account is named on a need: the person's name, else the login."""
    if user is None:
        return ""
    return user.person.name if user.person_id else user.get_username()


def recorded_by_name(need: Need) -> str:
    """The recorder of a need recorded for a resident (代录), or ""."""
    return recorded_by_name_of(need.recorded_by)
