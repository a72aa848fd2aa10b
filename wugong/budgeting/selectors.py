"""Reads for budget rounds: what a viewer may see and manage, the roll, the ballots grouped for
the tally, the stored outcome explained in words, and the ``.pb`` export."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from wugong.budgeting import pabulib
from wugong.budgeting.allocation import Election
from wugong.budgeting.models import (
    Ballot,
    BudgetRound,
    Channel,
    Project,
    RollEntry,
    RoundStatus,
    Rule,
    yuan,
)
from wugong.core.errors import NotFound
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import path_ids, subtree_q

# pabulib's names of the rules (META "rule").
PB_RULES = {Rule.MES: "equalshares", Rule.MES_ADD1: "equalshares/add1", Rule.GREEDY: "greedy"}


# --- scope -----------------------------------------------------------------------------------
def _ancestors(path: str) -> list[str]:
    ids = path_ids(path)
    return ["/" + "".join(f"{pk}/" for pk in ids[: i + 1]) for i in range(len(ids))]


def round_visible_q(viewer: Viewer) -> Q:
    """Rounds a viewer may see (budget.view): those of any place at, above or below the place
    of one of their assignments (a resident of 一组 sees the village's round, a town supervisor
    its villages'). Drafts only for those who manage them."""
    q = Q(pk__in=[])
    for a in viewer.granting("budget.view"):
        if ROLE_SCOPE[a.role] == Scope.EVERYTHING:
            q = Q()
            break
        q |= subtree_q(a.place_path, "place_path") | Q(place_path__in=_ancestors(a.place_path))
    return q & (~Q(status=RoundStatus.DRAFT) | viewer.path_q("budget.manage"))


def can_manage(viewer: Viewer, budget_round: BudgetRound) -> bool:
    return viewer.can_place("budget.manage", budget_round.place)


def can_export(viewer: Viewer, budget_round: BudgetRound) -> bool:
    """The .pb file: those who run the round, any time; everyone who sees it once published
    (the file holds anonymous ballots only)."""
    return can_manage(viewer, budget_round) or budget_round.status == RoundStatus.PUBLISHED


def round_list(*, viewer: Viewer) -> QuerySet[BudgetRound]:
    return (
        BudgetRound.objects.filter(round_visible_q(viewer))
        .select_related("place")
        .annotate(project_count=Count("projects", distinct=True))
        .order_by("-opens_at", "-id")
    )


def round_get(*, viewer: Viewer, pk: int) -> BudgetRound:
    """One round the viewer may see; NotFound otherwise (never "exists but forbidden")."""
    budget_round = (
        BudgetRound.objects.filter(round_visible_q(viewer), pk=pk)
        .select_related("place", "notice")
        .first()
    )
    if budget_round is None:
        raise NotFound(_("没有找到这个参与式预算，或您无权查看。"))
    return budget_round


def manageable_places(*, viewer: Viewer) -> list[Place]:
    """Places a viewer may run a round for: villages, communities and what lies around them
    within their budget.manage scope (at most 200, shallowest first)."""
    return list(
        Place.objects.filter(viewer.place_q("budget.manage"))
        .exclude(kind__in=["province", "city"])
        .only("id", "name", "kind", "path", "depth")
        .order_by("depth", "sort_key", "id")[:200]
    )


# --- the roll --------------------------------------------------------------------------------
def roll_entry_for(*, budget_round: BudgetRound, viewer: Viewer) -> RollEntry | None:
    if not viewer.person_id:
        return None
    return RollEntry.objects.filter(round=budget_round, person_id=viewer.person_id).first()


def roll_search(*, budget_round: BudgetRound, query: str = "", limit: int = 30) -> list[RollEntry]:
    """Roll entries by name (or the start of their pinyin), those who have not voted first."""
    qs = RollEntry.objects.filter(round=budget_round)
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(name__contains=query) | Q(sort_key__startswith=query.lower()) | Q(address=query)
        )
    return list(qs.order_by("voted_at", "sort_key", "id")[:limit])


@dataclass(frozen=True)
class RollCounts:
    roll: int
    online: int
    paper: int
    imported: int

    @property
    def voted(self) -> int:
        return self.online + self.paper

    @property
    def ballots(self) -> int:
        return self.online + self.paper + self.imported


def roll_counts(*, budget_round: BudgetRound) -> RollCounts:
    """How many voted, and how (one query)."""
    by_channel = dict(
        Ballot.objects.filter(round=budget_round)
        .order_by()
        .values_list("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )
    return RollCounts(
        roll=budget_round.roll_size,
        online=by_channel.get(Channel.ONLINE, 0),
        paper=by_channel.get(Channel.PAPER, 0),
        imported=by_channel.get(Channel.IMPORTED, 0),
    )


# --- ballots ---------------------------------------------------------------------------------
def ballot_key(choice: dict[int, int], *, points: bool) -> str:
    """Canonical text of a ballot: project pks in order; with points as ``pk:points``."""
    items = sorted((pk, n) for pk, n in choice.items() if n > 0)
    if points:
        return ",".join(f"{pk}:{n}" for pk, n in items)
    return ",".join(str(pk) for pk, _n in items)


def ballot_choice(key: str) -> dict[int, int]:
    """The inverse of :func:`ballot_key` (approval: 1 per chosen project)."""
    choice: dict[int, int] = {}
    for item in filter(None, key.split(",")):
        pk, _sep, n = item.partition(":")
        choice[int(pk)] = int(n) if n else 1
    return choice


def ballot_groups(*, budget_round: BudgetRound) -> list[tuple[str, int]]:
    """Identical ballots counted together: (key, how many), one GROUP BY."""
    return list(
        Ballot.objects.filter(round=budget_round)
        .order_by()
        .values_list("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
        .order_by("key")
    )


def election_for(
    *, budget_round: BudgetRound, projects: list[Project] | None = None, ordered: bool = False
) -> Election:
    """The round as an :class:`Election` in fen. Identical ballots are passed as one shared
    object repeated (the Election merges identical ballots itself); ``ordered`` keeps the
    order of casting instead (for the export)."""
    projects = projects if projects is not None else list(budget_round.projects.all())
    codes = {p.pk: p.code for p in projects}
    points = budget_round.is_points

    def convert(key: str) -> frozenset[str] | dict[str, int]:
        choice = ballot_choice(key)
        if points:
            return {codes[pk]: n for pk, n in choice.items()}
        return frozenset(codes[pk] for pk in choice)

    ballots: list[Any] = []
    if ordered:
        cache: dict[str, Any] = {}
        for key in (
            Ballot.objects.filter(round=budget_round).order_by("id").values_list("key", flat=True)
        ):
            if key not in cache:
                cache[key] = convert(key)
            ballots.append(cache[key])
    else:
        for key, n in ballot_groups(budget_round=budget_round):
            ballots.extend([convert(key)] * n)
    return Election(
        {p.code: p.cost for p in projects},
        budget_round.budget,
        ballots,
        kind="points" if points else "approval",
    )


def my_choice(*, entry: RollEntry | None) -> dict[int, int]:
    if entry is None or entry.voted_at is None:
        return {}
    ballot = Ballot.objects.filter(entry=entry).only("key").first()
    return ballot_choice(ballot.key) if ballot else {}


# --- the outcome ------------------------------------------------------------------------------
def fen_text(value: str | int | None) -> str:
    """An exact amount of fen (int, or "p/q" text from the stored result) as ¥ text: exact
    when it is whole fen, otherwise rounded to the fen (half up) and marked 约."""
    if value is None or value == "":
        return ""
    amount = Fraction(value)
    if amount.denominator == 1:
        return yuan(amount.numerator)
    rounded = int(amount + Fraction(1, 2)) if amount >= 0 else -int(-amount + Fraction(1, 2))
    return _("约") + yuan(rounded)


def explanation_text(row: dict[str, Any], rule: str) -> str:
    """Why a project was or was not funded, in words (from one stored explanation row)."""
    cost = fen_text(row["cost"])
    reason = row["reason"]
    if reason == "mes_funded":
        text = _("第%(n)d轮获得资助：%(k)d位支持者每人分担%(rho)s") % {
            "n": row["position"],
            "k": row["paying_rho"],
            "rho": fen_text(row["rho"]),
        }
        if row["paying_all"]:
            text += _("，另有%(m)d位支持者拿出了自己剩下的全部份额") % {"m": row["paying_all"]}
        return text + _("，凑齐费用%(cost)s。") % {"cost": cost}
    if reason == "greedy_funded":
        return _("获得资助：按支持从高到低排，轮到它时还剩%(left)s，够其费用%(cost)s。") % {
            "left": fen_text(row["remaining_budget"]),
            "cost": cost,
        }
    if reason == "completion_funded":
        return _("获得资助：平等份额分配后还有结余%(left)s，按支持高低补足，够其费用%(cost)s。") % {
            "left": fen_text(row["remaining_budget"]),
            "cost": cost,
        }
    if reason == "supporters_short":
        text = _("未获资助：它的%(k)d位支持者手中的份额合计只剩%(money)s，不够其费用%(cost)s。") % {
            "k": row["supporters"],
            "money": fen_text(row["supporters_money"]),
            "cost": cost,
        }
        if rule == Rule.MES_ADD1 and row.get("remaining_budget") not in (None, ""):
            text += _("补足时剩余预算%(left)s也不够。") % {
                "left": fen_text(row["remaining_budget"])
            }
        return text
    if reason == "did_not_fit":
        return _("未获资助：轮到它时剩余预算只有%(left)s，不够其费用%(cost)s。") % {
            "left": fen_text(row["remaining_budget"]),
            "cost": cost,
        }
    if reason == "no_supporters":
        return _("未获资助：没有人投票支持。")
    return _("未参与平等份额分配（费用为零）。")


@dataclass(frozen=True)
class OutcomeRow:
    project: Project | None
    code: str
    title: str
    cost: str
    funded: bool
    position: int | None
    support: int
    supporters: int
    text: str
    text_en: str


def outcome_rows(*, budget_round: BudgetRound) -> list[OutcomeRow]:
    """Every project of a computed round with its explanation: funded ones in the order they
    were funded, then the others by support."""
    result = budget_round.result or {}
    projects = {p.code: p for p in budget_round.projects.all()}
    rows = []
    for row in result.get("projects", []):
        project = projects.get(row["code"])
        rows.append(
            OutcomeRow(
                project=project,
                code=row["code"],
                title=project.title if project else row.get("title", row["code"]),
                cost=fen_text(row["cost"]),
                funded=row["funded"],
                position=row["position"],
                support=row["support"],
                supporters=row["supporters"],
                text=explanation_text(row, result.get("rule", budget_round.rule)),
                text_en=row.get("message_en", ""),
            )
        )
    rows.sort(key=lambda r: (not r.funded, r.position or 0, -r.support, r.code))
    return rows


# --- .pb export -------------------------------------------------------------------------------
def fen_as_yuan_text(fen: int | Fraction) -> str:
    """Exact yuan text for the .pb file ("200000", "1234.5")."""
    from wugong.budgeting.allocation import format_money

    return format_money(Fraction(fen) / 100)


def round_pabulib(*, budget_round: BudgetRound) -> str:
    """The round in pabulib format: amounts in yuan (exact), projects by their code, one
    anonymous vote per ballot, numbered in the order they were cast."""
    projects = list(budget_round.projects.all())
    election = election_for(budget_round=budget_round, projects=projects, ordered=True)
    meta = {
        "description": budget_round.title,
        "country": "China",
        "unit": budget_round.place.name,
        "instance": str(budget_round.pk),
        "currency": "CNY",
        "date_begin": budget_round.opens_at.date().isoformat(),
        "date_end": budget_round.closes_at.date().isoformat(),
        "rule": PB_RULES[Rule(budget_round.rule)],
        "fund": fen_as_yuan_text(budget_round.fund),
        "matching": fen_as_yuan_text(budget_round.matching),
    }
    if budget_round.matching_source:
        meta["matching_source"] = budget_round.matching_source
    if budget_round.is_points:
        meta["max_sum_points"] = str(budget_round.total_points or "")
        if budget_round.points_exact:
            meta["min_sum_points"] = str(budget_round.total_points or "")
    else:
        meta["min_length"] = str(budget_round.min_choices)
        if budget_round.max_choices is not None:
            meta["max_length"] = str(budget_round.max_choices)
    in_yuan = Election(
        {code: Fraction(cost, 100) for code, cost in election.costs.items()},
        Fraction(budget_round.budget, 100),
        election.ballots,
        kind=election.kind,
    )
    pb = pabulib.from_election(in_yuan, meta)
    pb.project_columns = ["project_id", "cost", "name"]
    names = {p.code: p.title for p in projects}
    for row in pb.projects:
        row["name"] = names[row["project_id"]]
    return pabulib.format_pabulib(pb)
