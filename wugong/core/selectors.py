"""Reads for the home pages and the audit trail."""

from typing import Any

from django.db.models import QuerySet

from wugong.core.models import AuditEvent
from wugong.people.models import Household, KeyTag
from wugong.people.roles import ROLE_SCOPE, Role, Scope
from wugong.people.rules import Viewer
from wugong.places.models import Place


def audit_events(*, viewer: Viewer) -> QuerySet[AuditEvent]:
    """Events of the places the viewer may audit, newest first."""
    return (
        AuditEvent.objects.filter(viewer.path_q("audit.view"))
        .select_related("actor", "on_behalf_of")
        .order_by("-at", "-id")
    )


def home_summary(*, viewer: Viewer) -> dict[str, Any]:
    """What a role's home page shows: the places of each assignment and what they may do."""
    from wugong.people.selectors import key_household_counts

    place_ids = {a.place_id for a in viewer.assignments}
    places = Place.objects.in_bulk(place_ids)
    cards = []
    for a in viewer.assignments:
        place = places.get(a.place_id)
        if place is None:
            continue
        card: dict[str, Any] = {"role": Role(a.role).label, "role_code": a.role, "place": place}
        # Counts are aggregates, no personal data: every place-scoped role sees its own.
        if ROLE_SCOPE[a.role] in {Scope.PLACE, Scope.EVERYTHING} and a.place_id:
            counts = key_household_counts(viewer=viewer, place=place)
            card["key_counts"] = [(KeyTag(t).label, n) for t, n in sorted(counts.items())]
        cards.append(card)
    own = None
    if viewer.household_id:
        own = (
            Household.objects.select_related("place", "head").filter(pk=viewer.household_id).first()
        )
    return {
        "cards": cards,
        "own_household": own,
        "can": {
            rule.replace(".", "_"): viewer.has_rule(rule)
            for rule in (
                "household.edit",
                "roster.import",
                "roster.export",
                "role.assign",
                "audit.view",
                "place.view",
            )
        },
    }
