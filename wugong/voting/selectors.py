"""Reads of votes, scoped to the viewer, and the exact count of a vote.

Who sees what: managers ("vote.manage") see every vote in their subtree, drafts included.
Anyone else sees the non-draft votes of the places that contain them (their group's, their
village's, their town's) and, for place-scoped roles, of their subtree ("vote.view").

The count (``vote_result``) aggregates in SQL — one GROUP BY over the (vote, option, value)
index — and feeds the totals to the pure functions of wugong/voting/tally.py. Approval and
star votes reach the pure functions as a *canonical profile*: ballots rebuilt from the totals
that give exactly the same totals, ballot count, blank ballots and ratings (so the same
result), without reading the ballots one by one. Ranked ballots are read in full (order
matters); motions go to ``tally_motion`` as counts.
"""

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.people.rules import Viewer
from wugong.places.paths import path_ids
from wugong.voting import tally
from wugong.voting.models import (
    Ballot,
    BallotChoice,
    BallotUnit,
    OfflineCount,
    OfflineTally,
    RankedRule,
    RollEntry,
    Vote,
    VoteMethod,
    VoteOption,
    VoteStatus,
)


def _ancestor_paths(path: str) -> list[str]:
    ids = path_ids(path)
    return ["/" + "/".join(str(i) for i in ids[: n + 1]) + "/" for n in range(len(ids))]


def vote_visible_q(viewer: Viewer) -> Q:
    """Votes the viewer may see (see the module docstring)."""
    q = viewer.path_q("vote.manage")
    seen = viewer.path_q("vote.view")
    paths = {p for a in viewer.granting("vote.view") for p in _ancestor_paths(a.place_path)}
    if paths:
        seen |= Q(place_path__in=sorted(paths))
    return q | (seen & ~Q(status=VoteStatus.DRAFT))


def vote_list(*, viewer: Viewer, status: str = "") -> QuerySet[Vote]:
    qs = Vote.objects.filter(vote_visible_q(viewer)).select_related("place")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opens_at", "-id")


def votes_for_me(*, viewer: Viewer) -> QuerySet[Vote]:
    """Open votes whose frozen roll holds the viewer (or their household), with ``i_voted``."""
    mine = Q(pk__in=[])
    if viewer.person_id:
        mine |= Q(unit=BallotUnit.PERSON, roll__person_id=viewer.person_id)
    if viewer.household_id:
        mine |= Q(unit=BallotUnit.HOUSEHOLD, roll__household_id=viewer.household_id)
    voted = RollEntry.objects.filter(vote=OuterRef("pk"), voted_at__isnull=False).filter(
        Q(person_id=viewer.person_id, person__isnull=False)
        | Q(household_id=viewer.household_id, household__isnull=False)
    )
    return (
        Vote.objects.filter(mine, status=VoteStatus.OPEN)
        .annotate(i_voted=Exists(voted))
        .select_related("place")
        .order_by("closes_at", "id")
        .distinct()
    )


def vote_get(*, viewer: Viewer, pk: int) -> Vote:
    vote = Vote.objects.filter(vote_visible_q(viewer), pk=pk).select_related("place").first()
    if vote is None:
        raise NotFound(_("表决不存在或不在您的范围内。"))
    return vote


def can_manage(viewer: Viewer, vote: Vote) -> bool:
    return viewer.can_place("vote.manage", vote.place)


def roll_list(*, vote: Vote, only_not_voted: bool = False) -> QuerySet[RollEntry]:
    qs = RollEntry.objects.filter(vote=vote).select_related("proxy_holder")
    if only_not_voted:
        qs = qs.filter(voted_at__isnull=True)
    return qs.order_by("id")


def roll_counts(*, vote: Vote) -> dict[str, int]:
    row = RollEntry.objects.filter(vote=vote).aggregate(
        total=Count("id"),
        online=Count("id", filter=Q(channel="online")),
        offline=Count("id", filter=Q(channel="offline")),
        proxy=Count("id", filter=Q(channel="proxy")),
    )
    return {k: v or 0 for k, v in row.items()}


def ballot_by_receipt(*, vote: Vote, receipt: str) -> tuple[Ballot, list[tuple[str, int]]]:
    """A counted ballot by its receipt code (回执码), with what it chose (option, value)."""
    code = "".join(ch for ch in (receipt or "").upper() if ch.isalnum())
    ballot = Ballot.objects.filter(vote=vote, receipt=code).first()
    if ballot is None:
        raise NotFound(_("没有找到这个回执码对应的选票，请核对。"))
    rows = (
        BallotChoice.objects.filter(ballot=ballot)
        .select_related("option")
        .order_by("option__position")
    )
    return ballot, [(c.option.label, c.value) for c in rows]


def receipt_list(*, vote: Vote) -> QuerySet[Ballot]:
    """The published list of counted ballots: receipt code and choices, no names."""
    return Ballot.objects.filter(vote=vote).prefetch_related("choices__option").order_by("receipt")


def choice_text(vote: Vote, choices: Sequence[tuple[str, int]]) -> str:
    """A ballot's choices in words: 赞成; 白菜、萝卜; 白菜★5 萝卜★3; ①白菜 ②萝卜."""
    if vote.method == VoteMethod.STARS:
        return " ".join(f"{label}★{v}" for label, v in choices) or _("空白票")
    if vote.method == VoteMethod.RANKED:
        marks = "①②③④⑤⑥⑦⑧⑨⑩"
        ordered = sorted(choices, key=lambda c: c[1])
        return " ".join(f"{marks[v - 1] if v <= len(marks) else v}{label}" for label, v in ordered)
    return "、".join(label for label, v in choices if v) or _("空白票")


# --- the count -----------------------------------------------------------------------------
def _frac(value: Fraction | None) -> str:
    if value is None:
        return ""
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def _area(value: Decimal | Fraction) -> str:
    if isinstance(value, Fraction):
        return _frac(value)
    return f"{value.normalize():f}"


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def online_counts(vote: Vote) -> dict[int, dict[int, int]]:
    """option id → value → number of ballot rows: one GROUP BY read from the tally index
    alone. Motions and approval store only value 1, so they group by option alone."""
    out: dict[int, dict[int, int]] = {}
    qs = BallotChoice.objects.filter(vote_id=vote.pk).order_by()
    if vote.method in {VoteMethod.STARS, VoteMethod.RANKED}:
        for option_id, value, n in qs.values_list("option_id", "value").annotate(n=Count("*")):
            out.setdefault(option_id, {})[value] = n
    else:
        for option_id, n in qs.values_list("option_id").annotate(n=Count("*")):
            out[option_id] = {1: n}
    return out


def offline_totals(vote: Vote) -> tuple[dict[int, int], int]:
    """Offline counts per option id, summed over the vote's offline tallies, and the number
    of roll entries marked present at them."""
    counts = dict(
        OfflineCount.objects.filter(tally__vote_id=vote.pk)
        .values_list("option_id")
        .annotate(n=Sum("count"))
        .order_by()
    )
    present = OfflineTally.objects.filter(vote_id=vote.pk).aggregate(n=Sum("present"))["n"] or 0
    return counts, present


def _approval_profile(totals: Mapping[str, int], nonblank: int, blank: int) -> Iterator[list[str]]:
    """Ballots with exactly these totals: deal each option's marks round-robin over the
    non-blank ballots (no ballot gets an option twice since no total exceeds them, and none
    gets more than ⌈Σ/nonblank⌉ ≤ k), then the blank ones."""
    if nonblank:
        buckets: list[list[str]] = [[] for _ in range(nonblank)]
        i = 0
        for option, count in totals.items():
            for _n in range(count):
                buckets[i % nonblank].append(option)
                i += 1
        yield from buckets
    for _n in range(blank):
        yield []


def _stars_profile(
    options: Sequence[str], totals: Mapping[str, int], rated: Mapping[str, int], n: int
) -> Iterator[dict[str, int]]:
    """Ballots with exactly these star totals and rating counts: option o is rated on the
    first rated[o] ballots, its stars spread as evenly as whole stars allow (each ≤ 5)."""
    for j in range(n):
        ballot = {}
        for o in options:
            r = rated.get(o, 0)
            if j < r:
                q, rem = divmod(totals.get(o, 0), r)
                ballot[o] = q + (1 if j < rem else 0)
        yield ballot


def vote_result(*, vote: Vote) -> dict[str, Any]:
    """The exact result of a vote, JSON-ready (fractions as "a/b", nothing rounded)."""
    options = list(VoteOption.objects.filter(vote=vote).order_by("position"))
    labels = [o.label for o in options]
    online = online_counts(vote)
    offline, offline_present = offline_totals(vote)
    if vote.method in {VoteMethod.MOTION, VoteMethod.ESTATE}:
        # One choice per ballot: the ballots are the GROUP BY's rows, no second scan.
        n_online, n_blank = sum(n for v in online.values() for n in v.values()), 0
    else:
        agg = Ballot.objects.filter(vote_id=vote.pk).aggregate(
            n=Count("pk"), blank=Count("pk", filter=Q(size=0))
        )
        n_online, n_blank = agg["n"] or 0, agg["blank"] or 0
    result: dict[str, Any] = {
        "method": vote.method,
        "method_label": str(VoteMethod(vote.method).label),
        "eligible": vote.roll_size,
        "online": n_online,
        "offline": offline_present,
        "participants": n_online + offline_present,
        "participation": _frac(Fraction(n_online + offline_present, vote.roll_size))
        if vote.roll_size
        else "",
        "outcome": "",
        "outcome_label": "",
        "ties": [],
        "rows": [],
        "rounds": [],
        "cost_shares": [],
    }
    if vote.method == VoteMethod.MOTION:
        _motion_result(vote, options, online, offline, n_online, offline_present, result)
    elif vote.method == VoteMethod.ESTATE:
        _estate_result(vote, options, result)
    elif vote.method == VoteMethod.APPROVAL:
        _approval_result(vote, options, online, offline, n_online, n_blank, offline_present, result)
    elif vote.method == VoteMethod.STARS:
        _stars_result(vote, labels, options, online, offline, n_online, offline_present, result)
    else:
        _ranked_result(vote, options, result)
    return result


def _motion_result(vote, options, online, offline, n_online, offline_present, result) -> None:  # type: ignore[no-untyped-def]
    from wugong.voting.services import motion_rule

    code = {o.pk: o.code for o in options}
    by_code = {"for": 0, "against": 0, "abstain": 0}
    on_code = dict.fromkeys(by_code, 0)
    off_code = dict.fromkeys(by_code, 0)
    for oid, values in online.items():
        on_code[code[oid]] += values.get(1, 0)
    for oid, n in offline.items():
        off_code[code[oid]] += n
    for c in by_code:
        by_code[c] = on_code[c] + off_code[c]
    if vote.roll_size == 0:
        result["explanation"] = _("名册为空，无法计票。")
        return
    r = tally.tally_motion(
        motion_rule(vote),
        eligible=vote.roll_size,
        votes_for=by_code["for"],
        votes_against=by_code["against"],
        votes_abstain=by_code["abstain"],
        present=n_online + offline_present,
    )
    base = r.majority_base_count
    result.update(
        outcome=r.outcome.value,
        outcome_label=r.outcome.label,
        explanation=r.explanation,
        rule=r.rule.name,
        quorum_minimum=r.quorum_minimum,
        majority_minimum=r.majority_minimum,
        support=_frac(r.support),
    )
    result["rows"] = [
        {
            "option": o.label,
            "total": by_code[o.code],
            "online": on_code[o.code],
            "offline": off_code[o.code],
            "share": _frac(Fraction(by_code[o.code], base)) if base else "",
        }
        for o in options
    ]


def _estate_result(vote, options, result) -> None:  # type: ignore[no-untyped-def]
    from wugong.voting.services import floor_weights_as_fractions

    roll = list(RollEntry.objects.filter(vote=vote).order_by("id"))
    if not roll:
        result["explanation"] = _("名册为空，无法计票。")
        return
    owners = [
        tally.EstateOwner(
            owner_id=e.pk,
            area=e.floor_area or Decimal("0.01"),
            building_unit=e.building_unit or None,
            floor=e.floor,
        )
        for e in roll
    ]
    code = {o.pk: o.code for o in options}
    ballots = {
        entry_id: code[option_id]
        for entry_id, option_id in BallotChoice.objects.filter(
            vote_id=vote.pk, ballot__entry__isnull=False
        ).values_list("ballot__entry_id", "option_id")
    }
    r = tally.estate_tally(tally.EstateMatter(vote.estate_matter), owners, ballots)
    counts = {"for": r.for_owners, "against": r.against_owners, "abstain": r.abstain_owners}
    areas = {"for": r.for_area, "against": r.against_area, "abstain": r.abstain_area}
    result.update(
        outcome=r.outcome.value,
        outcome_label=r.outcome.label,
        explanation=r.explanation,
        total_area=_area(r.total_area),
        participating_area=_area(r.participating_area),
        owner_participation=_frac(r.owner_participation),
        area_participation=_frac(r.area_participation),
        owner_approval=_frac(r.owner_approval),
        area_approval=_frac(r.area_approval),
        threshold=r.approval_threshold.label,
    )
    result["rows"] = [
        {
            "option": o.label,
            "total": counts[o.code],
            "area": _area(areas[o.code]),
            "share": _frac(Fraction(counts[o.code], r.participating_owners))
            if r.participating_owners
            else "",
        }
        for o in options
    ]
    if vote.cost_total_fen is not None and vote.floor_weights:
        try:
            shares = tally.share_cost_by_floor(
                vote.cost_total_fen,
                owners,
                floor_weights_as_fractions(vote),
                by_area=vote.cost_by_area,
            )
        except tally.TallyError as e:
            result["cost_error"] = e.message
        else:
            names = {e.pk: e for e in roll}
            result["cost_explanation"] = shares.explanation
            result["cost_total"] = _yuan(shares.total_fen)
            result["cost_shares"] = [
                {
                    "name": names[oid].name,
                    "floor": names[oid].floor,
                    "area": _area(names[oid].floor_area or Decimal(0)),
                    "fen": fen,
                    "yuan": _yuan(fen),
                    "quota": _frac(shares.quotas[oid]),
                }
                for oid, fen in shares.shares.items()
            ]


def _standings_rows(options, r, online_by_label, offline_by_label, extra=None) -> list[dict]:  # type: ignore[no-untyped-def]
    tied = {o for tier in r.ties for o in tier}
    rows = []
    for tier in r.tiers:
        for label in tier:
            row = {
                "option": label,
                "total": r.totals[label],
                "online": online_by_label.get(label, 0),
                "offline": offline_by_label.get(label, 0),
                "rank": r.rank_of(label),
                "tied": label in tied,
                "winner": label in r.winners,
                "tied_at_cutoff": label in r.tied_at_cutoff,
            }
            if extra:
                row.update(extra(label))
            rows.append(row)
    return rows


def _approval_result(vote, options, online, offline, n_online, n_blank, present, result) -> None:  # type: ignore[no-untyped-def]
    labels = [o.label for o in options]
    on = {o.label: online.get(o.pk, {}).get(1, 0) for o in options}
    off = {o.label: offline.get(o.pk, 0) for o in options}
    off_marks = sum(off.values())
    k = vote.max_choices or 1
    ballots = list(_approval_profile(on, n_online - n_blank, n_blank))
    off_blank = max(0, present - off_marks) if present else 0
    ballots += list(_approval_profile(off, present - off_blank, off_blank)) if present else []
    r = tally.approval_tally(labels, ballots, max_choices=k, seats=vote.seats)
    n = r.ballots
    result.update(explanation=r.explanation, ballots=n, blank=r.blank_ballots)
    result["ties"] = [list(t) for t in r.ties]
    result["tied_at_cutoff"] = list(r.tied_at_cutoff)
    result["rows"] = _standings_rows(
        options,
        r,
        on,
        off,
        lambda label: {"share": _frac(Fraction(r.totals[label], n)) if n else ""},
    )


def _stars_result(vote, labels, options, online, offline, n_online, present, result) -> None:  # type: ignore[no-untyped-def]
    on_totals = {o.label: sum(v * c for v, c in online.get(o.pk, {}).items()) for o in options}
    on_rated = {o.label: sum(online.get(o.pk, {}).values()) for o in options}
    off_totals = {o.label: offline.get(o.pk, 0) for o in options}

    def ballots() -> Iterator[dict[str, int]]:
        yield from _stars_profile(labels, on_totals, on_rated, n_online)
        if present:
            yield from _stars_profile(labels, off_totals, dict.fromkeys(labels, present), present)

    r = tally.stars_tally(labels, ballots(), seats=vote.seats)
    result.update(explanation=r.explanation, ballots=r.ballots)
    result["ties"] = [list(t) for t in r.ties]
    result["tied_at_cutoff"] = list(r.tied_at_cutoff)
    result["rows"] = _standings_rows(
        options,
        r,
        on_totals,
        off_totals,
        lambda label: {"average": _frac(r.averages[label]), "rated": r.rated[label]},
    )


def _ranked_result(vote, options, result) -> None:  # type: ignore[no-untyped-def]
    labels = {o.pk: o.label for o in options}
    rankings: dict[int, list[str]] = {}
    rows = (
        BallotChoice.objects.filter(vote_id=vote.pk)
        .order_by("ballot_id", "value")
        .values_list("ballot_id", "option_id")
    )
    for ballot_id, option_id in rows.iterator(chunk_size=5000):
        rankings.setdefault(ballot_id, []).append(labels[option_id])
    order = [o.label for o in options]
    profile = list(rankings.values())
    firsts = {label: 0 for label in order}
    for b in profile:
        firsts[b[0]] += 1
    if vote.ranked_rule == RankedRule.SCHULZE:
        s = tally.schulze(order, profile)
        result.update(explanation=s.explanation, ballots=s.ballots, rule=_("舒尔茨法"))
        result["ties"] = [list(t) for t in s.tiers if len(t) > 1]
        result["winner"] = s.winner or ""
        rank = 1
        for tier in s.tiers:
            for label in tier:
                result["rows"].append(
                    {
                        "option": label,
                        "rank": rank,
                        "tied": len(tier) > 1,
                        "winner": label == s.winner,
                        "total": firsts[label],
                        "wins": {y: s.pairwise[label][y] for y in order if y != label},
                    }
                )
            rank += len(tier)
        return
    r = tally.instant_runoff(order, profile)
    result.update(explanation=r.explanation, ballots=r.ballots, rule=_("即时决选"))
    result["winner"] = r.winner or ""
    if r.tied:
        result["ties"] = [list(r.tied)]
    result["rounds"] = [
        {
            "number": rd.number,
            "totals": dict(rd.totals),
            "exhausted": rd.exhausted,
            "note": rd.note,
        }
        for rd in r.rounds
    ]
    result["rows"] = [
        {
            "option": label,
            "total": firsts[label],
            "winner": label == r.winner,
            "tied": label in r.tied,
        }
        for label in order
    ]
