"""Reads of visits: a visitor's to-do list, a household's visit log, coverage figures."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.people.models import Household
from wugong.people.roles import ROLE_SCOPE, Role, Scope
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import subtree_q
from wugong.upkeep.models import Assistance, Visit, VisitDue


def todo_q(viewer: Viewer) -> Q:
    """The households this viewer visits: their grids (grid worker), their neighbours (centre
    household) and the households they look after (包户干部)."""
    q = Q(pk__in=[])
    for a in viewer.granting("visit.record"):
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.GRID and a.grid_id:
            q |= Q(grid_id=a.grid_id)
        elif scope == Scope.NEIGHBOURS and viewer.household_id:
            q |= Q(centre_id=viewer.household_id)
        elif a.role in {Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.WORK_TEAM}:
            q |= Q(cadre_id=viewer.person_id)
    return q


def visit_todo(*, viewer: Viewer) -> QuerySet[VisitDue]:
    """The viewer's to-do list (待走访), the most overdue first: one index range scan per
    grid (grid, next_due_at)."""
    return (
        VisitDue.objects.filter(todo_q(viewer))
        .select_related("household__head", "household__place")
        .order_by("next_due_at", "household_id")
    )


def visit_overdue_count(*, viewer: Viewer, now: dt.datetime) -> int:
    return VisitDue.objects.filter(todo_q(viewer), next_due_at__lt=now).count()


def visit_due_in_place(*, viewer: Viewer, place: Place) -> QuerySet[VisitDue]:
    """All key households under a place by due date, for cadres and supervisors."""
    if not viewer.can_place("visit.view", place):
        raise NotFound(_("地点不存在或不在您的管辖范围内。"))
    return (
        VisitDue.objects.filter(subtree_q(place.path, "place_path"))
        .filter(viewer.path_q("visit.view"))
        .select_related("household__head", "household__place", "cadre")
        .order_by("next_due_at", "household_id")
    )


def household_for_visit(*, viewer: Viewer, pk: int) -> Household:
    household = (
        Household.objects.select_related("place", "head", "grid")
        .prefetch_related("tags")
        .filter(viewer.household_q("visit.record"), pk=pk)
        .first()
    )
    if household is None:
        raise NotFound(_("住户不存在或不在您的走访范围内。"))
    return household


def visit_log(*, viewer: Viewer, household: Household) -> QuerySet[Visit]:
    """A household's visits, newest first (the caller has checked the household's scope)."""
    if not (
        viewer.can_household("visit.record", household)
        or viewer.can_household("visit.view", household)
    ):
        raise NotFound(_("住户不存在或不在您的走访范围内。"))
    return (
        Visit.objects.filter(household=household)
        .select_related("visitor")
        .prefetch_related("needs", "assistance")
        .order_by("-visited_at", "-id")
    )


@dataclass(frozen=True)
class Coverage:
    """Key households under a place, and the share visited in time (not overdue)."""

    place: Place | None
    key_households: int
    in_time: int
    overdue: int
    never_visited: int

    @property
    def share(self) -> float | None:
        return self.in_time / self.key_households if self.key_households else None

    @property
    def percent(self) -> str:
        share = self.share
        return "—" if share is None else f"{share * 100:.1f}%"


def _coverage_of(q: Q, now: dt.datetime, place: Place | None) -> Coverage:
    # Count place_path (never NULL), not the primary key: the key is not in the (place_path,
    # next_due_at, last_visited_at) index, and counting it would read every row, not the index.
    row = VisitDue.objects.filter(q).aggregate(
        n=Count("place_path"),
        late=Count("place_path", filter=Q(next_due_at__lt=now)),
        never=Count("place_path", filter=Q(last_visited_at__isnull=True)),
    )
    return Coverage(place, row["n"], row["n"] - row["late"], row["late"], row["never"])


def visit_coverage(
    *, viewer: Viewer, place: Place, now: dt.datetime
) -> tuple[Coverage, list[Coverage]]:
    """Coverage of a place and of each place directly under it: one aggregate over an
    indexed place-path range per child (the whole equals the children plus the place's own)."""
    if not viewer.can_place("visit.view", place):
        raise NotFound(_("地点不存在或不在您的管辖范围内。"))
    children = list(place.children.order_by("sort_key", "id"))
    rows = [_coverage_of(subtree_q(c.path, "place_path"), now, c) for c in children]
    own = _coverage_of(Q(place_path=place.path), now, place)
    total = Coverage(
        place,
        own.key_households + sum(r.key_households for r in rows),
        own.in_time + sum(r.in_time for r in rows),
        own.overdue + sum(r.overdue for r in rows),
        own.never_visited + sum(r.never_visited for r in rows),
    )
    return total, rows


def assistance_list(*, viewer: Viewer, status: str = "") -> QuerySet[Assistance]:
    """Applications the viewer may decide, or that they applied for."""
    q = viewer.path_q("assistance.decide")
    if viewer.user_id:
        q |= Q(applied_by_id=viewer.user_id)
    qs = Assistance.objects.filter(q)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("household__head", "household__place").order_by("-applied_at", "-id")
