"""Reads of 村规民约: which versions a viewer sees, the current text of a place, diffs.

Published and superseded versions are public (visitors not signed in too). Versions adopted and
on their way to filing are seen by everyone whose post or household lies in, under or above the
place; drafts only by those who manage the place's rules or accept their filing.
"""

import difflib
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.people.rules import Viewer
from wugong.places.models import Place, PlaceKind
from wugong.villagerules.models import PUBLIC_STATUSES, RulesStatus, RulesVersion

RULE_PLACE_KINDS = (PlaceKind.VILLAGE, PlaceKind.COMMUNITY)


def rules_name(place: Place) -> str:
    """村规民约 for a village, 居民公约 for a community."""
    return _("居民公约") if place.kind == PlaceKind.COMMUNITY else _("村规民约")


def in_scope(viewer: Viewer, place: Place, rule: str = "village_rules.view") -> bool:
    """A post or household at, under or above the place (a resident's household sits in a
    group or building below the village, a supervisor's post above it)."""
    return any(
        a.place_path == "/"
        or place.path.startswith(a.place_path)
        or a.place_path.startswith(place.path)
        for a in viewer.granting(rule)
    )


def may_see_drafts(viewer: Viewer, place: Place) -> bool:
    return viewer.can_place("village_rules.manage", place) or viewer.can_place(
        "village_rules.file", place
    )


def visible_statuses(viewer: Viewer, place: Place) -> list[str]:
    if may_see_drafts(viewer, place):
        return list(RulesStatus.values)
    if in_scope(viewer, place):
        return [s for s in RulesStatus.values if s != RulesStatus.DRAFT]
    return list(PUBLIC_STATUSES)


def version_list(*, viewer: Viewer, place: Place) -> QuerySet[RulesVersion]:
    return (
        RulesVersion.objects.filter(place=place, status__in=visible_statuses(viewer, place))
        .select_related("place", "vote")
        .order_by("-number")
    )


def version_get(*, viewer: Viewer, pk: int) -> RulesVersion:
    version = RulesVersion.objects.filter(pk=pk).select_related("place", "vote").first()
    if version is None or version.status not in visible_statuses(viewer, version.place):
        raise NotFound(_("该版本不存在。"))
    return version


def current(place: Place) -> RulesVersion | None:
    """The version in force (现行有效), public."""
    return (
        RulesVersion.objects.filter(place=place, status=RulesStatus.PUBLISHED)
        .select_related("place", "vote")
        .first()
    )


def places_published(*, viewer: Viewer) -> QuerySet[RulesVersion]:
    """Current versions, those of the viewer's places first is left to the page: here all the
    published ones, for the public index."""
    return (
        RulesVersion.objects.filter(status=RulesStatus.PUBLISHED)
        .select_related("place")
        .order_by("place_path")
    )


def places_managed(*, viewer: Viewer) -> QuerySet[Place]:
    q = viewer.place_q("village_rules.manage")
    if viewer.has_rule("village_rules.file"):
        q |= viewer.place_q("village_rules.file")
    if not viewer.has_rule("village_rules.manage") and not viewer.has_rule("village_rules.file"):
        return Place.objects.none()
    return Place.objects.filter(q, kind__in=RULE_PLACE_KINDS).order_by("path")


def previous(version: RulesVersion, *, viewer: Viewer) -> RulesVersion | None:
    """The version before this one that the viewer may see."""
    return (
        RulesVersion.objects.filter(
            place_id=version.place_id,
            number__lt=version.number,
            status__in=visible_statuses(viewer, version.place),
        )
        .order_by("-number")
        .first()
    )


@dataclass(frozen=True)
class DiffLine:
    kind: str  # " " same, "+" added, "-" removed
    text: str


def text_diff(old: str, new: str) -> list[DiffLine]:
    """Line by line: what the new text removed and added (difflib), unchanged lines kept so the
    articles around a change can be read."""
    lines: list[DiffLine] = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        tag, text = line[:1], line[2:]
        if tag == "?":
            continue  # ndiff's intraline hints
        lines.append(DiffLine(kind=tag, text=text))
    return lines


def pending_filings(*, viewer: Viewer) -> QuerySet[RulesVersion]:
    """Versions submitted for filing with a town the viewer accepts filings for."""
    if not viewer.has_rule("village_rules.file"):
        return RulesVersion.objects.none()
    return (
        RulesVersion.objects.filter(
            viewer.path_q("village_rules.file"), status=RulesStatus.SUBMITTED
        )
        .select_related("place")
        .order_by("submitted_at")
    )


def vote_summary(version: RulesVersion) -> dict[str, str | int]:
    """The adopting vote's outcome and counts, from its published (or computed) result."""
    vote = version.vote
    if vote is None:
        return {}
    result = vote.result
    if result is None:
        from wugong.voting.selectors import vote_result

        result = vote_result(vote=vote)
    # Motion rows come in option order; the options carry the codes for/against/abstain.
    codes = list(vote.options.order_by("position").values_list("code", flat=True))
    rows = {code: r.get("total", 0) for code, r in zip(codes, result.get("rows", []), strict=False)}
    return {
        "title": vote.title,
        "outcome": result.get("outcome", ""),
        "outcome_label": result.get("outcome_label", ""),
        "eligible": result.get("eligible", 0),
        "participants": result.get("participants", 0),
        "for": rows.get("for", 0),
        "against": rows.get("against", 0),
        "abstain": rows.get("abstain", 0),
    }
