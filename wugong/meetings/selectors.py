"""Reads of meetings and 四议两公开, scoped to the viewer, and the live quorum.

Scope: a place-scoped role sees the meetings in its subtree; everyone also sees the meetings of
the place of each of their assignments (a resident: their household's place) and of every place
above it — a resident of 一组 sees 双台村's village assembly, never 楼台村's.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.meetings.models import (
    AgendaItem,
    Attendance,
    DecisionStep,
    Meeting,
    MeetingDecision,
    MeetingNotification,
    Post,
    QuorumBasis,
    Representative,
    Step,
    VillageDecision,
    VillagePost,
)
from wugong.meetings.quorum import (
    QuorumResult,
    QuorumTest,
    adult_cutoff,
    quorum_evaluate,
    threshold_of,
)
from wugong.people.models import Household, Person
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import subtree_q


def ancestor_paths(path: str) -> list[str]:
    """'/1/5/23/' → ['/1/', '/1/5/', '/1/5/23/']: the place and every place above it."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def scope_q(viewer: Viewer, rule: str, field_name: str = "place_path") -> Q:
    """Rows (carrying a place path) that ``viewer`` may ``rule``: see the module docstring."""
    granting = viewer.granting(rule)
    if any(ROLE_SCOPE[a.role] == Scope.EVERYTHING for a in granting):
        return Q()
    q = Q(pk__in=[])
    above: set[str] = set()
    for a in granting:
        if ROLE_SCOPE[a.role] == Scope.PLACE:
            q |= subtree_q(a.place_path, field_name)
        above.update(ancestor_paths(a.place_path))
    if above:
        q |= Q(**{f"{field_name}__in": sorted(above)})
    return q


# --- meetings ------------------------------------------------------------------------------
def meeting_list(*, viewer: Viewer, place: Place | None = None) -> QuerySet[Meeting]:
    qs = Meeting.objects.filter(scope_q(viewer, "meeting.view"))
    if place is not None:
        qs = qs.filter(subtree_q(place.path, "place_path"))
    return (
        qs.select_related("place", "convener")
        .annotate(attendance_count=Count("attendance"))
        .order_by("-starts_at", "-id")
    )


def notices_for(*, viewer: Viewer, limit: int = 5) -> list[MeetingNotification]:
    """The viewer's latest meeting notices (会议通知) of meetings still to come."""
    if not viewer.person_id:
        return []
    return list(
        MeetingNotification.objects.filter(
            person_id=viewer.person_id, meeting__starts_at__gte=timezone.now()
        )
        .select_related("meeting")
        .order_by("meeting__starts_at")[:limit]
    )


def meeting_get(*, viewer: Viewer, pk: int) -> Meeting:
    """One meeting in the viewer's scope; out of scope and missing look the same."""
    meeting = (
        Meeting.objects.filter(scope_q(viewer, "meeting.view"), pk=pk)
        .select_related("place", "convener", "organisation")
        .prefetch_related(
            Prefetch("agenda", queryset=AgendaItem.objects.select_related("need")),
            "photos",
            Prefetch(
                "decisions",
                queryset=MeetingDecision.objects.select_related("agenda_item", "vote"),
            ),
        )
        .first()
    )
    if meeting is None:
        raise NotFound(_("会议不存在或不在您的范围内。"))
    return meeting


def can_manage(viewer: Viewer, place: Place, kind: str) -> bool:
    """Cadres manage every meeting of their places; council members only council meetings."""
    from wugong.meetings.models import COUNCIL_KINDS

    if viewer.can_place("meeting.manage", place):
        return True
    return kind in COUNCIL_KINDS and viewer.can_place("meeting.manage_council", place)


def manageable_places(*, viewer: Viewer) -> QuerySet[Place]:
    """Places where the viewer may convene a meeting (for the “new meeting” form)."""
    places = Place.objects.none()
    for rule in ("meeting.manage", "meeting.manage_council"):
        if viewer.has_rule(rule):
            places = places | Place.objects.filter(viewer.place_q(rule))
    return places.filter(kind__in=["village", "community", "group", "estate", "building"]).order_by(
        "path"
    )[:200]


# --- rolls ---------------------------------------------------------------------------------
def meeting_date(meeting: Meeting):  # type: ignore[no-untyped-def]
    return timezone.localdate(meeting.starts_at)


def roll_persons(meeting: Meeting, basis: str) -> QuerySet[Person]:
    """The persons on a roll (应到): adults or party members living in the place, the
    representatives of the place, or the council's members."""
    living = subtree_q(meeting.place_path, "household__place_path")
    if basis == QuorumBasis.ADULTS:
        # Unknown birth dates are not counted: only a known adult can be on the adults' roll.
        return Person.objects.filter(living, birth_date__lte=adult_cutoff(meeting_date(meeting)))
    if basis == QuorumBasis.PARTY_MEMBERS:
        return Person.objects.filter(living, is_party_member=True)
    if basis == QuorumBasis.REPRESENTATIVES:
        seats = Representative.objects.filter(
            subtree_q(meeting.place_path, "place_path"), active=True
        ).values("person_id")
        return Person.objects.filter(pk__in=seats)
    if basis == QuorumBasis.MEMBERS:
        return Person.objects.filter(organisations=meeting.organisation_id)
    return Person.objects.none()


def roll_households(meeting: Meeting) -> QuerySet[Household]:
    return Household.objects.filter(subtree_q(meeting.place_path, "place_path"))


def present_households_q(meeting: Meeting) -> Q:
    """A household is represented (户代表到会) when it was ticked as a household, or when an
    adult member is present (a child does not represent a household)."""
    ticked = Attendance.objects.filter(meeting=meeting, person__isnull=True).values("household_id")
    adults = Attendance.objects.filter(
        meeting=meeting,
        person__isnull=False,
        person__birth_date__lte=adult_cutoff(meeting_date(meeting)),
    ).values("person__household_id")
    return Q(pk__in=ticked) | Q(pk__in=adults)


def quorum_tests(meeting: Meeting) -> list[QuorumTest]:
    tests = []
    pairs = [
        (meeting.quorum_basis, meeting.quorum_num, meeting.quorum_den, meeting.quorum_comparison)
    ]
    if meeting.alt_quorum_basis:
        pairs.append(
            (
                meeting.alt_quorum_basis,
                meeting.alt_quorum_num,
                meeting.alt_quorum_den,
                meeting.alt_quorum_comparison,
            )
        )
    for basis, num, den, comparison in pairs:
        if basis == QuorumBasis.NONE:
            continue
        if basis == QuorumBasis.HOUSEHOLDS:
            roll = roll_households(meeting)
            present = roll.filter(present_households_q(meeting)).count()
        else:
            roll = roll_persons(meeting, basis)
            here = Attendance.objects.filter(meeting=meeting, person__isnull=False)
            present = roll.filter(pk__in=here.values("person_id")).count()
        tests.append(
            QuorumTest(
                basis=basis,
                present=present,
                eligible=roll.count(),
                threshold=threshold_of(num, den, comparison),
            )
        )
    return tests


def quorum_status(meeting: Meeting) -> QuorumResult:
    """The live quorum: who is present now, on each roll, against the meeting's thresholds."""
    return quorum_evaluate(quorum_tests(meeting))


def quorum_view(meeting: Meeting) -> dict[str, Any]:
    """The quorum for pages and the API: live while the meeting runs, as recorded once closed."""
    if meeting.quorum_record is not None:
        return {**meeting.quorum_record, "live": False, "legal_basis": meeting.legal_basis}
    return {
        **quorum_as_dict(quorum_status(meeting)),
        "live": True,
        "legal_basis": meeting.legal_basis,
    }


def quorum_as_dict(result: QuorumResult) -> dict[str, Any]:
    return {
        "met": result.met,
        "required": result.required,
        "checks": [
            {
                "basis": c.basis,
                "basis_label": c.basis_label,
                "present": c.present,
                "eligible": c.eligible,
                "threshold": c.threshold_label,
                "minimum": c.minimum,
                "missing": c.missing,
                "met": c.met,
            }
            for c in result.checks
        ],
    }


def headcount(meeting: Meeting) -> int:
    """Everyone recorded present (persons and households ticked as such)."""
    return Attendance.objects.filter(meeting=meeting).count()


def may_attend(meeting: Meeting, person: Person) -> bool:
    """A resident of the meeting's place, or someone on its roll (a representative, a council
    member, who may live elsewhere)."""
    household = person.household
    if household is not None and household.place_path.startswith(meeting.place_path):
        return True
    if meeting.quorum_basis in {QuorumBasis.REPRESENTATIVES, QuorumBasis.MEMBERS}:
        return roll_persons(meeting, meeting.quorum_basis).filter(pk=person.pk).exists()
    return False


def invitee_ids(meeting: Meeting) -> list[int]:
    """Who gets the notice: the roll of the main quorum test; for meetings counted by households
    or without a quorum rule (院场会), the heads of the place's households."""
    if meeting.quorum_basis in {QuorumBasis.NONE, QuorumBasis.HOUSEHOLDS}:
        heads = roll_households(meeting).exclude(head__isnull=True)
        return sorted(set(heads.values_list("head_id", flat=True)))
    return sorted(roll_persons(meeting, meeting.quorum_basis).values_list("pk", flat=True))


@dataclass
class RollCallPage:
    """What the roll-call page lists: persons (a roll) or households with their members."""

    by_households: bool
    persons: list[Person] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    present_person_ids: set[int] = field(default_factory=set)
    present_household_ids: set[int] = field(default_factory=set)


def roll_call_rows(meeting: Meeting, *, query: str = "", limit: int = 300) -> RollCallPage:
    """The rows of the roll call, with who is already present; at most ``limit`` rows."""
    rows = Attendance.objects.filter(meeting=meeting).values_list("person_id", "household_id")
    persons_here = {p for p, _h in rows if p}
    households_here = {h for p, h in rows if not p and h}
    query = (query or "").strip()
    if meeting.quorum_basis in {
        QuorumBasis.REPRESENTATIVES,
        QuorumBasis.MEMBERS,
        QuorumBasis.PARTY_MEMBERS,
    }:
        qs = roll_persons(meeting, meeting.quorum_basis).select_related("household")
        if query:
            qs = qs.filter(name__contains=query)
        persons = list(qs.order_by("sort_key", "id")[:limit])
        for p in persons:
            p.is_present = p.pk in persons_here  # type: ignore[attr-defined]
        return RollCallPage(by_households=False, persons=persons, present_person_ids=persons_here)
    hs = roll_households(meeting).select_related("head")
    if query:
        hs = hs.filter(Q(address__contains=query) | Q(members__name__contains=query)).distinct()
    hs = hs.prefetch_related(
        Prefetch("members", queryset=Person.objects.order_by("birth_date", "id"))
    ).order_by("place_path", "sort_key", "id")
    households = list(hs[:limit])
    for h in households:
        h.is_present = h.pk in households_here  # type: ignore[attr-defined]
        for m in h.members.all():
            m.is_present = m.pk in persons_here  # type: ignore[attr-defined]
    return RollCallPage(
        by_households=True,
        households=households,
        present_person_ids=persons_here,
        present_household_ids=households_here,
    )


def representatives_of(place: Place) -> QuerySet[Representative]:
    return (
        Representative.objects.filter(place=place, active=True)
        .select_related("person__household")
        .order_by("person__sort_key")
    )


# --- 四议两公开 ------------------------------------------------------------------------------
def village_decision_list(
    *, viewer: Viewer, place: Place | None = None
) -> QuerySet[VillageDecision]:
    qs = VillageDecision.objects.filter(scope_q(viewer, "decision.view"))
    if place is not None:
        qs = qs.filter(subtree_q(place.path, "place_path"))
    return (
        qs.select_related("place")
        .annotate(steps_done=Count("steps"))
        .order_by("-created_at", "-id")
    )


def village_decision_get(*, viewer: Viewer, pk: int) -> VillageDecision:
    decision = (
        VillageDecision.objects.filter(scope_q(viewer, "decision.view"), pk=pk)
        .select_related("place", "need", "merge_person")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=DecisionStep.objects.select_related("meeting").prefetch_related(
                    "documents"
                ),
            )
        )
        .first()
    )
    if decision is None:
        raise NotFound(_("事项不存在或不在您的范围内。"))
    return decision


def next_step(decision: VillageDecision) -> int | None:
    """The next step allowed, or None when the procedure has ended."""
    if decision.status != "in_progress":
        return None
    done = [s.step for s in decision.steps.all()]
    return (max(done) + 1) if done else Step.PROPOSE


def posts_of(place: Place) -> dict[str, VillagePost]:
    return {p.post: p for p in VillagePost.objects.filter(place=place).select_related("person")}


def merge_holder(place: Place) -> Person | None:
    """The person holding both leading posts (“一肩挑”), if one does; else None."""
    posts = posts_of(place)
    secretary = posts.get(Post.PARTY_SECRETARY)
    director = posts.get(Post.COMMITTEE_DIRECTOR)
    if secretary and director and secretary.person_id == director.person_id:
        return secretary.person
    return None


def meetings_for_steps(*, viewer: Viewer, decision: VillageDecision) -> QuerySet[Meeting]:
    """Held meetings of the decision's place that a step may link to."""
    return (
        Meeting.objects.filter(scope_q(viewer, "meeting.view"))
        .filter(subtree_q(decision.place_path, "place_path"))
        .filter(status__in=["open", "closed"])
        .order_by("-starts_at")[:50]
    )


def needs_for_agenda(meeting: Meeting) -> QuerySet[Any]:
    """Open needs of the meeting's place (and of the places above it) to put on the agenda."""
    from wugong.needs.models import OPEN_STATUSES, Need

    return (
        Need.objects.filter(
            subtree_q(meeting.place_path, "place_path")
            | Q(place_path__in=ancestor_paths(meeting.place_path))
        )
        .filter(status__in=OPEN_STATUSES)
        .order_by("-created_at")[:50]
    )
