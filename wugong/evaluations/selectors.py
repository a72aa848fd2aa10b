"""Reads of 效果共评. Results are public (村务公开): project ratings, closed rounds, star
households and award winners are shown to everyone; a household's own page is scoped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.evaluations.models import (
    Award,
    AwardStatus,
    Nomination,
    ProjectRating,
    RatingRound,
    RatingStage,
    RoundRating,
    RoundStatus,
    RoundSubject,
    StarArea,
    StarAreaSetting,
    StarAward,
    StarCampaign,
)
from wugong.evaluations.tally import (
    StarSummary,
    VerdictSummary,
    star_summary,
    verdict_add,
    verdict_summary,
)
from wugong.people.models import Household
from wugong.people.rules import Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import path_ids, subtree_q


# --- small helpers -----------------------------------------------------------------------------
def village_of(place: Place) -> Place | None:
    """The village or community at or above a place (None above that level)."""
    for p in Place.objects.filter(pk__in=path_ids(place.path)).order_by("-depth"):
        if p.kind in GRASSROOTS_KINDS:
            return p
    return None


def household_name(household: Household) -> str:
    """How a household is named in public: its head's name, nothing else (王秀英户)."""
    head = household.head
    return _("%(n)s户") % {"n": head.name} if head else _("住户%(id)d") % {"id": household.pk}


def star_areas_for(place: Place) -> list[tuple[str, str]]:
    """The ten areas for a place: the defaults, renamed by the settings of the county, town and
    village above it (the nearest place wins). One query."""
    names = {code: str(label) for code, label in StarArea.choices}
    settings = StarAreaSetting.objects.filter(place_id__in=path_ids(place.path)).select_related(
        "place"
    )
    for s in sorted(settings, key=lambda s: s.place.depth):
        names[s.area] = s.name
    return [(code, names[code]) for code in StarArea.values]


# --- satisfaction per village (for the dashboards) ---------------------------------------------
def village_satisfaction(*, path_prefix: str) -> dict[str, tuple[int, int]]:
    """For every village/community under ``path_prefix`` that has any: (number of after-stage
    "satisfied" (满意吗) project ratings, sum of their stars), keyed by the village's path.
    A village without such ratings is absent (read it as (0, 0)). One GROUP BY over the index
    (stage, village_path, stars)."""
    rows = (
        ProjectRating.objects.filter(subtree_q(path_prefix, "village_path"))
        .filter(stage=RatingStage.SATISFIED)
        .values("village_path")
        .annotate(n=Count("id"), s=Sum("stars"))
        .order_by()
        .values_list("village_path", "n", "s")
    )
    return {path: (n, int(s or 0)) for path, n, s in rows}


# --- project ratings ---------------------------------------------------------------------------
def project_rating_summary(*, project: Any) -> dict[str, StarSummary]:
    """Each stage's summary (count, exact mean, distribution per star). One query."""
    counts: dict[str, dict[int, int]] = {s: {} for s in RatingStage.values}
    rows = (
        ProjectRating.objects.filter(project_id=project.pk)
        .values("stage", "stars")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rows:
        counts[r["stage"]][r["stars"]] = r["n"]
    return {s: star_summary(c) for s, c in counts.items()}


def my_project_ratings(*, viewer: Viewer, project: Any) -> dict[str, ProjectRating]:
    if viewer.person_id is None:
        return {}
    rows = ProjectRating.objects.filter(project_id=project.pk, person_id=viewer.person_id)
    return {r.stage: r for r in rows}


def project_comments(*, project: Any, limit: int = 30) -> list[ProjectRating]:
    """The latest comments, without the raters' names."""
    return list(
        ProjectRating.objects.filter(project_id=project.pk)
        .exclude(comment="")
        .order_by("-created_at", "-id")[:limit]
    )


# --- satisfaction per place --------------------------------------------------------------------
@dataclass(frozen=True)
class PlaceSatisfaction:
    """What residents said about the work under a place: project ratings by stage, the
    handling of problem reports (rated on the reports, wugong/upkeep), and closed yearly
    rounds of cadres and work teams."""

    place: Place
    projects: dict[str, StarSummary]
    reports: StarSummary
    rounds: VerdictSummary

    @property
    def satisfied(self) -> StarSummary:
        return self.projects[RatingStage.SATISFIED]


def _place_satisfaction(place: Place) -> PlaceSatisfaction:
    from wugong.upkeep.models import Report

    counts: dict[str, dict[int, int]] = {s: {} for s in RatingStage.values}
    for stage, stars, n in (
        ProjectRating.objects.filter(subtree_q(place.path, "place_path"))
        .values("stage", "stars")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("stage", "stars", "n")
    ):
        counts[stage][stars] = n
    reports = dict(
        Report.objects.filter(subtree_q(place.path, "place_path"), rating__isnull=False)
        .values("rating")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("rating", "n")
    )
    rounds = dict(
        RoundRating.objects.filter(
            subtree_q(place.path, "round__place_path"), round__status=RoundStatus.CLOSED
        )
        .values("verdict")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("verdict", "n")
    )
    return PlaceSatisfaction(
        place=place,
        projects={s: star_summary(c) for s, c in counts.items()},
        reports=star_summary(reports),
        rounds=verdict_summary(rounds),
    )


def place_satisfaction(*, place: Place) -> tuple[PlaceSatisfaction, list[PlaceSatisfaction]]:
    """A place's satisfaction and that of each place directly under it (drill down)."""
    children = list(place.children.order_by("sort_key", "id"))
    return _place_satisfaction(place), [_place_satisfaction(c) for c in children]


def place_get(*, pk: int) -> Place:
    place = Place.objects.filter(pk=pk).first()
    if place is None:
        raise NotFound(_("地点不存在。"))
    return place


def rated_projects(*, place: Place, limit: int = 30) -> list[dict[str, Any]]:
    """The projects under a place that residents rated, with their 满意吗 summary."""
    from wugong.projects.models import Project

    rows = (
        ProjectRating.objects.filter(subtree_q(place.path, "place_path"))
        .values("project_id")
        .annotate(
            n=Count("id"),
            sat_n=Count("id", filter=Q(stage=RatingStage.SATISFIED)),
            sat_s=Sum("stars", filter=Q(stage=RatingStage.SATISFIED)),
        )
        .order_by("-n", "project_id")[:limit]
    )
    rows = list(rows)
    projects = Project.objects.in_bulk([r["project_id"] for r in rows])
    out = []
    for r in rows:
        satisfied = StarSummary(r["sat_n"], int(r["sat_s"] or 0), (0, 0, 0, 0, 0))
        project = projects[r["project_id"]]
        out.append({"project": project, "ratings": r["n"], "satisfied": satisfied})
    return out


# --- rounds ------------------------------------------------------------------------------------
def round_list(*, place: Place) -> QuerySet[RatingRound]:
    """Rounds at or under a place, and those of the places above it (whose cadres serve it)."""
    return (
        RatingRound.objects.filter(
            subtree_q(place.path, "place_path") | Q(place_id__in=path_ids(place.path))
        )
        .select_related("place")
        .order_by("-year", "-opened_at", "-id")
    )


def round_get(*, pk: int) -> RatingRound:
    rnd = RatingRound.objects.select_related("place").filter(pk=pk).first()
    if rnd is None:
        raise NotFound(_("测评不存在。"))
    return rnd


def round_results(*, rating_round: RatingRound) -> list[tuple[RoundSubject, VerdictSummary]]:
    """Per subject, published only once the round is closed (empty before). One query."""
    if rating_round.status != RoundStatus.CLOSED:
        return []
    subjects = list(rating_round.subjects.order_by("sort", "id"))
    counts: dict[int, dict[int, int]] = {s.pk: {} for s in subjects}
    for sid, verdict, n in (
        RoundRating.objects.filter(round=rating_round)
        .values("subject_id", "verdict")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("subject_id", "verdict", "n")
    ):
        counts[sid][verdict] = n
    return [(s, verdict_summary(counts[s.pk])) for s in subjects]


def round_total(results: list[tuple[RoundSubject, VerdictSummary]]) -> VerdictSummary:
    total = VerdictSummary(0, 0, 0)
    for _s, v in results:
        total = verdict_add(total, v)
    return total


def round_my_subjects(*, viewer: Viewer, rating_round: RatingRound) -> set[int]:
    if viewer.person_id is None:
        return set()
    return set(
        RoundRating.objects.filter(round=rating_round, person_id=viewer.person_id).values_list(
            "subject_id", flat=True
        )
    )


def round_voters(*, rating_round: RatingRound) -> int:
    return RoundRating.objects.filter(round=rating_round).values("person_id").distinct().count()


# --- ten-star households -----------------------------------------------------------------------
def campaign_list(*, place: Place) -> QuerySet[StarCampaign]:
    return (
        StarCampaign.objects.filter(subtree_q(place.path, "place_path"))
        .select_related("place")
        .order_by("-year", "-id")
    )


def campaign_get(*, pk: int) -> StarCampaign:
    c = StarCampaign.objects.select_related("place", "notice").filter(pk=pk).first()
    if c is None:
        raise NotFound(_("评选不存在。"))
    return c


@dataclass
class StarHousehold:
    household: Household
    name: str
    place: str
    stars: list[StarAward]

    @property
    def count(self) -> int:
        return len(self.stars)


def star_households(*, place: Place) -> list[StarHousehold]:
    """Households under a place holding stars now, most stars first: names only."""
    rows = (
        StarAward.objects.filter(subtree_q(place.path, "place_path"), revoked_on__isnull=True)
        .select_related("household__head", "household__place")
        .order_by("household_id", "id")
    )
    by: dict[int, StarHousehold] = {}
    for a in rows:
        h = a.household
        if h.pk not in by:
            by[h.pk] = StarHousehold(h, household_name(h), h.place.name, [])
        by[h.pk].stars.append(a)
    return sorted(by.values(), key=lambda s: (-s.count, s.household.sort_key, s.household.pk))


def household_for(*, viewer: Viewer, pk: int) -> Household:
    """A household the viewer may see (its own, or in a cadre's scope); 404 otherwise."""
    h = Household.objects.select_related("head", "place").filter(pk=pk).first()
    if h is None or not (viewer.household_id == h.pk or viewer.can_household("household.view", h)):
        raise NotFound(_("住户不存在或不在您的查看范围内。"))
    return h


def household_stars(*, household: Household) -> tuple[list[StarAward], list[StarAward]]:
    """(stars held now, stars revoked before), each with since when."""
    rows = list(
        StarAward.objects.filter(household=household)
        .select_related("campaign")
        .order_by("awarded_on", "id")
    )
    return [a for a in rows if a.revoked_on is None], [a for a in rows if a.revoked_on]


def household_declarations(*, household: Household) -> QuerySet[Any]:
    from wugong.evaluations.models import StarDeclaration

    return (
        StarDeclaration.objects.filter(household=household)
        .select_related("campaign")
        .prefetch_related("stars")
        .order_by("-created_at", "-id")
    )


def public_plaque(*, pk: int) -> tuple[Household, list[StarAward]]:
    """The plaque (星级牌) of a household: public, like the list of star households."""
    h = Household.objects.select_related("head", "place").filter(pk=pk).first()
    held = (
        list(StarAward.objects.filter(household=h, revoked_on__isnull=True).order_by("id"))
        if h
        else []
    )
    if h is None or not held:
        raise NotFound(_("该住户暂无星级。"))
    return h, held


def review_tally(declaration: Any) -> dict[str, tuple[int, int]]:
    """Per declared area: (agree, disagree) among the representatives' reviews."""
    out: dict[str, list[int]] = {s.area: [0, 0] for s in declaration.stars.all()}
    for r in declaration.reviews.all():
        out.setdefault(r.area, [0, 0])[0 if r.agree else 1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


# --- awards ------------------------------------------------------------------------------------
def award_list(*, place: Place) -> QuerySet[Award]:
    return (
        Award.objects.filter(subtree_q(place.path, "place_path"))
        .select_related("place")
        .order_by("-year", "-id")
    )


def award_get(*, pk: int) -> Award:
    a = Award.objects.select_related("place").filter(pk=pk).first()
    if a is None:
        raise NotFound(_("评选不存在。"))
    return a


def award_results(*, award: Award) -> list[tuple[Nomination, int | None]]:
    """Nominations with their approvals — the counts only once the award is closed."""
    rows = list(
        award.nominations.annotate(n=Count("ballots")).order_by("-won", "-n", "id")
        if award.status == AwardStatus.CLOSED
        else award.nominations.order_by("id")
    )
    closed = award.status == AwardStatus.CLOSED
    return [(n, n.n if closed else None) for n in rows]  # type: ignore[attr-defined]
