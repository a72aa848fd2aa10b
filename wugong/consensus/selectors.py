"""Reads of common-ground conversations, scoped to the viewer, and the results as pages show
them (texts looked up, percentages, the map scaled to an SVG box)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from wugong.consensus.models import (
    ComputedResult,
    Conversation,
    Participant,
    ResultStatus,
    Statement,
    StatementStatus,
    StatementVote,
)
from wugong.core.errors import NotFound
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import subtree_q

GROUP_NAMES = "甲乙丙丁戊己庚辛壬癸"
GROUP_COLOURS = ("#1b6ac9", "#d1495b", "#2a9d4b", "#e69a00", "#7b4fbf", "#008b8b", "#8c564b")


# --- rules on a target ---------------------------------------------------------------------------
def _ancestor_paths(path: str) -> list[str]:
    """ "/1/5/23/" -> ["/1/", "/1/5/", "/1/5/23/"]: the paths of a place and those above it."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def can_take_part(viewer: Viewer, conversation: Conversation) -> bool:
    """Vote and add statements: a person whose household or post lies in the conversation's
    place (a resident of 楼台村 takes no part in 双台村's conversation)."""
    if viewer.person_id is None:
        return False
    return any(
        a.place_path.startswith(conversation.place_path)
        for a in viewer.granting("conversation.take_part")
    )


def can_manage(viewer: Viewer, conversation: Conversation) -> bool:
    """Moderate, compute, publish, export: cadres whose place holds the conversation's."""
    for a in viewer.granting("conversation.manage"):
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING:
            return True
        if scope == Scope.PLACE and conversation.place_path.startswith(a.place_path):
            return True
    return False


def can_manage_place(viewer: Viewer, place: Place) -> bool:
    return viewer.can_place("conversation.manage", place)


def visible_q(viewer: Viewer) -> Q:
    """Conversations the viewer may see: those of the places they live or work in and above
    (to take part), and those under the places they manage."""
    paths: set[str] = set()
    for a in viewer.granting("conversation.take_part"):
        paths.update(_ancestor_paths(a.place_path))
    return Q(place_path__in=sorted(paths)) | viewer.path_q("conversation.manage")


def can_see_results(viewer: Viewer, conversation: Conversation) -> bool:
    """Managers always; participants once the results are published (公布)."""
    return can_manage(viewer, conversation) or (
        conversation.published and can_take_part(viewer, conversation)
    )


# --- reads ---------------------------------------------------------------------------------------
def conversation_list(*, viewer: Viewer, open_only: bool = False) -> QuerySet[Conversation]:
    qs = Conversation.objects.filter(visible_q(viewer))
    if open_only:
        qs = qs.filter(is_open=True)
    return qs.select_related("place").order_by("-created_at", "-id")


def conversation_get(*, viewer: Viewer, pk: int) -> Conversation:
    conversation = (
        Conversation.objects.select_related("place").filter(visible_q(viewer), pk=pk).first()
    )
    if conversation is None:
        # Out of scope and missing look the same.
        raise NotFound(_("讨论不存在或不在您的范围内。"))
    return conversation


def statement_get(*, viewer: Viewer, conversation: Conversation, pk: int) -> Statement:
    statement = Statement.objects.filter(conversation=conversation, pk=pk).first()
    visible = statement is not None and (
        statement.status == StatementStatus.ACCEPTED or can_manage(viewer, conversation)
    )
    if not visible:
        raise NotFound(_("观点不存在。"))
    assert statement is not None
    statement.conversation = conversation
    return statement


def statements_accepted(conversation: Conversation) -> QuerySet[Statement]:
    """What voters see: accepted statements only (pending and rejected ones never)."""
    return Statement.objects.filter(
        conversation=conversation, status=StatementStatus.ACCEPTED
    ).order_by("number")


def statements_all(conversation: Conversation) -> QuerySet[Statement]:
    return Statement.objects.filter(conversation=conversation).order_by("number")


def statements_by(*, viewer: Viewer, conversation: Conversation) -> QuerySet[Statement]:
    """The viewer's own statements, with their review status and any reason for rejection."""
    if viewer.person_id is None:
        return Statement.objects.none()
    return Statement.objects.filter(conversation=conversation, author_id=viewer.person_id).order_by(
        "number"
    )


def moderation_queue(conversation: Conversation) -> QuerySet[Statement]:
    return (
        Statement.objects.filter(conversation=conversation, status=StatementStatus.PENDING)
        .select_related("author")
        .order_by("created_at", "id")
    )


def participant_of(*, viewer: Viewer, conversation: Conversation) -> Participant | None:
    if viewer.person_id is None:
        return None
    return Participant.objects.filter(conversation=conversation, person_id=viewer.person_id).first()


def next_statement(*, viewer: Viewer, conversation: Conversation) -> Statement | None:
    """The next accepted statement the viewer has not voted on: the one with the fewest votes
    so far (every statement gets voters), then the oldest."""
    qs = statements_accepted(conversation)
    participant = participant_of(viewer=viewer, conversation=conversation)
    if participant is not None:
        qs = qs.exclude(
            pk__in=StatementVote.objects.filter(participant=participant).values("statement_id")
        )
    return qs.annotate(n=Count("votes")).order_by("n", "number").first()


@dataclass(frozen=True)
class Progress:
    voted: int
    total: int


def progress(*, viewer: Viewer, conversation: Conversation) -> Progress:
    total = statements_accepted(conversation).count()
    participant = participant_of(viewer=viewer, conversation=conversation)
    voted = (
        StatementVote.objects.filter(
            participant=participant, statement__status=StatementStatus.ACCEPTED
        ).count()
        if participant
        else 0
    )
    return Progress(voted=voted, total=total)


def place_choices(*, viewer: Viewer) -> QuerySet[Place]:
    """Places the viewer may open a conversation in (their managed subtrees)."""
    return (
        Place.objects.filter(viewer.place_q("conversation.manage"))
        .exclude(kind__in=["province", "city"])
        .order_by("path")[:300]
    )


def place_get(*, viewer: Viewer, place_id: Any) -> Place:
    try:
        pk = int(place_id)
    except (TypeError, ValueError):
        raise NotFound(_("请选择地点。")) from None
    place = Place.objects.filter(pk=pk).first()
    if place is None or not can_manage_place(viewer, place):
        raise NotFound(_("地点不存在或不在您的管辖范围内。"))
    return place


def conversations_under(*, place: Place) -> QuerySet[Conversation]:
    return Conversation.objects.filter(subtree_q(place.path, "place_path"))


# --- results as pages show them ----------------------------------------------------------------
def group_name(g: int) -> str:
    return _("%(name)s组") % {"name": GROUP_NAMES[g] if g < len(GROUP_NAMES) else str(g + 1)}


def _pct(n: int, total: int) -> int:
    return round(100 * n / total) if total else 0


MAP_SIZE = 320
MAP_PAD = 24


def _map(data: dict[str, Any], own_number: int | None) -> dict[str, Any]:
    """Scale the map into a MAP_SIZE square SVG: dots per participant, labelled centres."""
    points = data.get("map", {}).get("points", [])
    centers = data.get("map", {}).get("centers", [])
    xs = [p[1] for p in points] + [c[0] for c in centers]
    ys = [p[2] for p in points] + [c[1] for c in centers]
    if not xs:
        return {"size": MAP_SIZE, "dots": [], "centers": []}
    lo_x, hi_x, lo_y, hi_y = min(xs), max(xs), min(ys), max(ys)
    span = max(hi_x - lo_x, hi_y - lo_y, 1e-9)
    inner = MAP_SIZE - 2 * MAP_PAD

    def sx(x: float) -> float:
        return round(
            MAP_PAD + (x - lo_x) / span * inner + (inner - (hi_x - lo_x) / span * inner) / 2, 1
        )

    def sy(y: float) -> float:
        # SVG y grows downwards; keep "up" up.
        return round(
            MAP_PAD + (hi_y - y) / span * inner + (inner - (hi_y - lo_y) / span * inner) / 2, 1
        )

    dots = [
        {
            "x": sx(x),
            "y": sy(y),
            "colour": GROUP_COLOURS[g % len(GROUP_COLOURS)],
            "own": number == own_number,
        }
        for number, x, y, g in points
    ]
    labelled = [
        {
            "x": sx(c[0]),
            "y": sy(c[1]),
            "label": group_name(g),
            "colour": GROUP_COLOURS[g % len(GROUP_COLOURS)],
        }
        for g, c in enumerate(centers)
    ]
    own = next((d for d in dots if d["own"]), None)
    return {"size": MAP_SIZE, "dots": dots, "centers": labelled, "own": own}


def results_view(*, viewer: Viewer, conversation: Conversation) -> dict[str, Any]:
    """Everything the results page shows, from the stored ComputedResult (never recomputed)."""
    result = ComputedResult.objects.filter(conversation=conversation).first()
    if result is None:
        return {"result": None}
    if result.status != ResultStatus.GROUPED:
        return {"result": result, "message": result.message}
    data = result.data
    texts = dict(Statement.objects.filter(conversation=conversation).values_list("number", "text"))
    by_group = data.get("votes_by_group", {})
    overall = data.get("votes_all", {})
    k = int(data.get("k", 0))

    def shares(number: int) -> list[dict[str, Any]]:
        rows = by_group.get(str(number), [])
        return [
            {
                "name": group_name(g),
                "colour": GROUP_COLOURS[g % len(GROUP_COLOURS)],
                "agree": _pct(na, ns),
                "disagree": _pct(nd, ns),
                "n": ns,
            }
            for g, (na, nd, ns) in enumerate(rows)
        ]

    def listed(ids: list[int]) -> list[dict[str, Any]]:
        out = []
        for number in ids:
            na, nd, ns = overall.get(str(number), [0, 0, 0])
            out.append(
                {
                    "number": number,
                    "text": texts.get(number, ""),
                    "agree": _pct(na, ns),
                    "disagree": _pct(nd, ns),
                    "n": ns,
                    "groups": shares(number),
                }
            )
        return out

    sizes = data.get("group_sizes", [])
    groups = []
    for g in range(k):
        reps = []
        for r in data.get("repness_detail", {}).get(str(g), []):
            reps.append(
                {
                    "number": r["statement_id"],
                    "text": texts.get(r["statement_id"], ""),
                    "direction": r["direction"],
                    "share": _pct(r["n_success"], r["n_trials"]),
                    "z": round(r["repness_test"], 1),
                    "groups": shares(r["statement_id"]),
                }
            )
        groups.append(
            {
                "name": group_name(g),
                "colour": GROUP_COLOURS[g % len(GROUP_COLOURS)],
                "size": sizes[g] if g < len(sizes) else 0,
                "reps": reps,
            }
        )
    participant = participant_of(viewer=viewer, conversation=conversation)
    gi = data.get("group_informed_consensus", {"agree": [], "disagree": []})
    return {
        "result": result,
        "everyone_agree": listed(gi.get("agree", [])),
        "everyone_disagree": listed(gi.get("disagree", [])),
        "majority_agree": listed(data["consensus"]["agree"]),
        "majority_disagree": listed(data["consensus"]["disagree"]),
        "groups": groups,
        "map": _map(data, participant.number if participant else None),
        "n_grouped": len(data.get("groups", {})),
    }
