"""Reads of 矛盾纠纷调解, scoped to the viewer.

A matter is seen by holders of ``mediation.handle`` whose place holds it, and by the people
named as its mediators; by nobody else (not its parties, not the county, not the system admin):
to them it does not exist (404).
"""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.mediation.models import Matter, MatterStatus, Mediator, Session
from wugong.people.models import Person, RoleAssignment
from wugong.people.rules import Viewer
from wugong.places.paths import path_ids, subtree_q


def matter_visible_q(viewer: Viewer) -> Q:
    q = viewer.path_q("mediation.handle")
    if viewer.person_id:
        q |= Q(pk__in=Mediator.objects.filter(person_id=viewer.person_id).values("matter_id"))
    return q


def may_open(viewer: Viewer) -> bool:
    """The viewer handles disputes somewhere, or is named as a mediator on some matter."""
    if viewer.has_rule("mediation.handle"):
        return True
    return bool(viewer.person_id) and Mediator.objects.filter(person_id=viewer.person_id).exists()


def matter_list(
    *, viewer: Viewer, status: str = "", kind: str = "", follow_up_due: dt.date | None = None
) -> QuerySet[Matter]:
    qs = Matter.objects.filter(matter_visible_q(viewer)).select_related("place")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if follow_up_due is not None:
        qs = qs.filter(
            status__in=[MatterStatus.AGREED, MatterStatus.NOT_AGREED],
            follow_up_on__isnull=False,
            follow_up_on__lte=follow_up_due,
        ).order_by("follow_up_on", "id")
    return qs


def matter_get(*, viewer: Viewer, pk: int) -> Matter:
    matter = Matter.objects.filter(matter_visible_q(viewer), pk=pk).select_related("place").first()
    if matter is None:
        raise NotFound(_("该矛盾纠纷不存在。"))
    return matter


def session_get(*, viewer: Viewer, pk: int) -> Session:
    session = Session.objects.filter(pk=pk).first()
    if session is None:
        raise NotFound(_("该调解记录不存在。"))
    matter_get(viewer=viewer, pk=session.matter_id)  # the matter's own visibility
    return session


def person_candidates(*, place_path: str, query: str, limit: int | None = 10) -> QuerySet[Person]:
    """People who may be named on a matter of this place: residents of its subtree, and holders
    of a post at it, under it or above it (a town's judicial assistant, a village's mediator)."""
    ancestors = path_ids(place_path)
    posts = RoleAssignment.objects.filter(active=True).filter(
        subtree_q(place_path, "place_path") | Q(place_id__in=ancestors)
    )
    qs = Person.objects.filter(
        subtree_q(place_path, "household__place_path") | Q(pk__in=posts.values("person_id"))
    ).select_related("household")
    query = query.strip()
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("name", "id")[:limit]
