"""Reads of volunteering, scoped to the viewer.

Scope: a place-scoped role (cadre, supervisor, chief, council member) sees the teams and
activities in its subtree; everyone also sees those of the village or community their household
or post lies in — a resident of 双台村 一组 sees every activity of 双台村, never 楼台村's.
Names on an activity's roll are for those who manage it; a resident sees their own record.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound, ValidationFailed
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.rules import Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import path_ids, subtree_q
from wugong.volunteers.hours import CENT
from wugong.volunteers.models import Activity, Attendance, AttendanceStatus, Team


def ancestor_paths(path: str) -> list[str]:
    """'/1/5/23/' → ['/1/', '/1/5/', '/1/5/23/']: the place and every place above it."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def scope_q(viewer: Viewer, rule: str = "volunteer.view") -> Q:
    """Teams or activities (rows with ``place_path`` and ``village_path``) ``viewer`` may
    ``rule``: see the module docstring. No query: a village path is one of the ancestors."""
    granting = viewer.granting(rule)
    if any(ROLE_SCOPE[a.role] == Scope.EVERYTHING for a in granting):
        return Q()
    q = Q(pk__in=[])
    above: set[str] = set()
    for a in granting:
        if ROLE_SCOPE[a.role] == Scope.PLACE:
            q |= subtree_q(a.place_path, "place_path")
        above.update(ancestor_paths(a.place_path))
    if above:
        q |= Q(village_path__in=sorted(above))
    return q


def village_path_of(place: Place) -> str:
    """The path of the village or community at or above ``place`` (one query)."""
    ids = path_ids(place.path)
    row = (
        Place.objects.filter(pk__in=ids, kind__in=GRASSROOTS_KINDS)
        .order_by("depth")
        .values_list("path", flat=True)
        .first()
    )
    if row is None:
        raise ValidationFailed(_("志愿服务须在村（社区）或其下的地点开展。"), field="place")
    return row


def can_manage(viewer: Viewer, place: Place) -> bool:
    return viewer.can_place("volunteer.manage", place)


def manageable_places(
    *,
    viewer: Viewer,
    kinds: tuple[str, ...] = ("village", "community", "group", "estate", "building"),
) -> QuerySet[Place]:
    """Villages and communities (and the places under them) where the viewer may organise."""
    if not viewer.has_rule("volunteer.manage"):
        return Place.objects.none()
    return Place.objects.filter(viewer.place_q("volunteer.manage"), kind__in=kinds).order_by(
        "path"
    )[:200]


def manageable_teams(*, viewer: Viewer) -> QuerySet[Team]:
    if not viewer.has_rule("volunteer.manage"):
        return Team.objects.none()
    return (
        Team.objects.filter(viewer.path_q("volunteer.manage", "place_path"))
        .select_related("place")
        .order_by("place_path", "name")
    )


# --- teams ---------------------------------------------------------------------------------
def team_list(*, viewer: Viewer) -> QuerySet[Team]:
    return (
        Team.objects.filter(scope_q(viewer))
        .select_related("place", "leader")
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("place_path", "name")
    )


def team_get(*, viewer: Viewer, pk: int) -> Team:
    team = Team.objects.filter(scope_q(viewer), pk=pk).select_related("place", "leader").first()
    if team is None:
        raise NotFound(_("服务队不存在或不在您的范围内。"))
    return team


@dataclass(frozen=True)
class Totals:
    volunteers: int
    hours: Decimal
    attendances: int


def _totals(qs: QuerySet[Attendance]) -> Totals:
    row = qs.filter(confirmed_at__isnull=False).aggregate(
        n=Count("person", distinct=True), h=Sum("confirmed_hours"), a=Count("id")
    )
    return Totals(row["n"] or 0, _cents(row["h"]), row["a"] or 0)


def team_totals(team: Team) -> Totals:
    """Distinct volunteers, confirmed hours and attendances of a team's activities."""
    return _totals(Attendance.objects.filter(activity__team=team))


def team_member_hours(team: Team) -> list[tuple[object, Decimal]]:
    """(person, confirmed hours in the team's activities) for each member, most hours first."""
    hours = dict(
        Attendance.objects.filter(activity__team=team, confirmed_at__isnull=False)
        .values_list("person_id")
        .annotate(h=Sum("confirmed_hours"))
    )
    hours = {pk: _cents(h) for pk, h in hours.items()}
    members = [m.person for m in team.memberships.select_related("person").order_by("joined_on")]
    rows = [(p, hours.get(p.pk, Decimal("0.00"))) for p in members]
    return sorted(rows, key=lambda r: r[1], reverse=True)


def place_totals(*, viewer: Viewer, place: Place) -> Totals:
    """Totals of every activity at or under ``place`` that the viewer may see."""
    return _totals(
        Attendance.objects.filter(
            subtree_q(place.path, "place_path"),
            activity__in=Activity.objects.filter(scope_q(viewer)),
        )
    )


# --- activities ----------------------------------------------------------------------------
def activity_list(
    *, viewer: Viewer, status: str | None = None, team: Team | None = None
) -> QuerySet[Activity]:
    qs = Activity.objects.filter(scope_q(viewer))
    if status:
        qs = qs.filter(status=status)
    if team is not None:
        qs = qs.filter(team=team)
    return (
        qs.select_related("place", "team", "organiser")
        .annotate(
            signed_up=Count("attendances", filter=Q(attendances__status=AttendanceStatus.SIGNED_UP))
        )
        .order_by("-starts_at", "-id")
    )


def activity_get(*, viewer: Viewer, pk: int) -> Activity:
    """One activity in the viewer's scope; out of scope and missing look the same."""
    activity = (
        Activity.objects.filter(scope_q(viewer), pk=pk)
        .select_related("place", "team", "organiser")
        .first()
    )
    if activity is None:
        raise NotFound(_("志愿活动不存在或不在您的范围内。"))
    return activity


def signed_up_count(activity: Activity) -> int:
    return activity.attendances.filter(status=AttendanceStatus.SIGNED_UP).count()


def own_attendance(*, viewer: Viewer, activity: Activity) -> Attendance | None:
    if not viewer.person_id:
        return None
    return Attendance.objects.filter(activity=activity, person_id=viewer.person_id).first()


def roll(*, viewer: Viewer, activity: Activity) -> QuerySet[Attendance]:
    """The activity's roll (报名及签到名单), for those who manage it only."""
    if not can_manage(viewer, activity.place):
        return Attendance.objects.none()
    return (
        activity.attendances.select_related("person", "household")
        .prefetch_related("changes")
        .order_by("status", "signed_up_at", "id")
    )


def attendance_get(*, viewer: Viewer, activity: Activity, pk: int) -> Attendance:
    """An attendance of ``activity`` that the viewer manages (the organiser's panel)."""
    row = None
    if can_manage(viewer, activity.place):
        row = activity.attendances.select_related("person").filter(pk=pk).first()
    if row is None:
        raise NotFound(_("该志愿者不在本活动名单中。"))
    return row


# --- records -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Record:
    """A volunteer's service record (志愿服务记录)."""

    rows: list[Attendance]
    confirmed_hours: Decimal
    confirmed_count: int


def my_record(*, viewer: Viewer) -> Record:
    """The viewer's own activities, newest first, with their confirmed hours and the total."""
    if not viewer.person_id:
        return Record([], Decimal("0.00"), 0)
    rows = list(
        Attendance.objects.filter(person_id=viewer.person_id)
        .select_related("activity__team", "activity__place")
        .order_by("-activity__starts_at", "-id")
    )
    confirmed = [r for r in rows if r.confirmed_at is not None]
    total = sum((r.confirmed_hours for r in confirmed if r.confirmed_hours), Decimal("0.00"))
    return Record(rows, total, len(confirmed))


def village_volunteer_totals(*, path_prefix: str) -> dict[str, tuple[int, Decimal]]:
    """For every village or community under ``path_prefix`` (key: its place path): the number
    of distinct volunteers with confirmed hours and their total confirmed hours. One GROUP BY
    over the attendances' copied ``village_path``."""
    rows = (
        Attendance.objects.filter(
            subtree_q(path_prefix, "village_path"), confirmed_at__isnull=False
        )
        .values("village_path")
        .annotate(n=Count("person_id", distinct=True), h=Sum("confirmed_hours"))
        .order_by()
        .values_list("village_path", "n", "h")
    )
    # SQLite sums decimals with extra places (45.0400000000000): back to the hundredth.
    return {path: (n, _cents(h)) for path, n, h in rows}


def _cents(value: Decimal | None) -> Decimal:
    return (value or Decimal("0")).quantize(CENT)
