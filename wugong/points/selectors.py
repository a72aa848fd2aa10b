"""Reads of 积分制, scoped to the viewer, and two selectors other areas use."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from wugong.core.errors import NotFound
from wugong.people.models import Household, Person
from wugong.people.rules import Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import subtree_q
from wugong.points.models import (
    Account,
    AccountKind,
    Claim,
    Dividend,
    DividendPart,
    Entry,
    Goods,
    LeaderboardOptOut,
    PointsRule,
    Redemption,
    StockMovement,
    TxnKind,
)
from wugong.points.services import account_balance, member_account, village_of

MEMBER_KINDS = [AccountKind.HOUSEHOLD, AccountKind.PERSON]


# --- for other areas (report cards, dashboards) ---------------------------------------------------
def village_points_totals(*, path_prefix: str) -> dict[str, tuple[int, int]]:
    """For every village/community under ``path_prefix`` (by its path): (points issued by
    awards, points redeemed). One GROUP BY over the entries."""
    rows = (
        Entry.objects.filter(subtree_q(path_prefix, "place_path"), amount__gt=0)
        .filter(kind__in=[TxnKind.AWARD, TxnKind.REDEMPTION])
        .values("place_path")
        .annotate(
            issued=Sum("amount", filter=Q(kind=TxnKind.AWARD)),
            redeemed=Sum("amount", filter=Q(kind=TxnKind.REDEMPTION)),
        )
    )
    return {r["place_path"]: (int(r["issued"] or 0), int(r["redeemed"] or 0)) for r in rows}


def household_balance(*, household_id: int) -> int:
    """A household's points: its account's balance, or (per-person villages) the sum of its
    members' accounts."""
    total = Entry.objects.filter(
        Q(account__kind=AccountKind.HOUSEHOLD, account__household_id=household_id)
        | Q(account__kind=AccountKind.PERSON, account__person__household_id=household_id)
    ).aggregate(s=Sum("amount"))["s"]
    return int(total or 0)


# --- the resident -----------------------------------------------------------------------------
@dataclass
class MyPoints:
    village: Place | None
    account: Account | None
    balance: int


def my_points(viewer: Viewer) -> MyPoints:
    """The viewer's own account (their household's, or their own in per-person villages)."""
    if not viewer.person_id:
        return MyPoints(None, None, 0)
    person = Person.objects.select_related("household__place", "household__head").get(
        pk=viewer.person_id
    )
    if person.household is None:
        return MyPoints(None, None, 0)
    village = village_of(person.household.place)
    if village is None:
        return MyPoints(None, None, 0)
    account = member_account(village, household=person.household, person=person)
    return MyPoints(village, account, account_balance(account.pk) if account else 0)


def account_entries(account: Account, *, limit: int = 200) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(account=account)
        .select_related("transaction", "transaction__rule")
        .order_by("-occurred_on", "-id")[:limit]
    )


# --- rules, claims, goods ---------------------------------------------------------------------
def managed_villages(viewer: Viewer, rule: str = "points.manage") -> QuerySet[Place]:
    return Place.objects.filter(viewer.place_q(rule), kind__in=GRASSROOTS_KINDS).order_by(
        "sort_key", "pk"
    )


def village_get(viewer: Viewer, village_id: int, rule: str = "points.manage") -> Place:
    village = Place.objects.filter(pk=village_id, kind__in=GRASSROOTS_KINDS).first()
    if village is None or not viewer.can_place(rule, village):
        raise NotFound(_not_found())
    return village


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("找不到。")


def rules_of(village: Place, *, only_active: bool = False) -> QuerySet[PointsRule]:
    rows = PointsRule.objects.filter(place=village)
    if only_active:
        rows = rows.filter(active=True)
    return rows.order_by("-active", "action", "pk")


def claimable_rules(viewer: Viewer) -> QuerySet[PointsRule]:
    mine = my_points(viewer)
    if mine.village is None:
        return PointsRule.objects.none()
    return rules_of(mine.village, only_active=True).filter(confirm_by="cadre")


def rule_get(viewer: Viewer, rule_id: int, *, manage: bool = False) -> PointsRule:
    rule = PointsRule.objects.select_related("place").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_not_found())
    if manage:
        ok = viewer.can_place("points.manage", rule.place)
    else:
        mine = my_points(viewer)
        ok = (mine.village is not None and mine.village.pk == rule.place_id) or viewer.can_place(
            "points.manage", rule.place
        )
    if not ok:
        raise NotFound(_not_found())
    return rule


def claim_list(viewer: Viewer, *, status: str = "") -> QuerySet[Claim]:
    """Claims the viewer manages, and their own."""
    q = viewer.path_q("points.manage")
    if viewer.person_id:
        q |= Q(person_id=viewer.person_id)
    rows = Claim.objects.filter(q).select_related("rule", "person", "household")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def claim_get(viewer: Viewer, claim_id: int) -> Claim:
    claim = claim_list(viewer).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_not_found())
    return claim


def goods_of(village: Place, *, only_active: bool = False) -> list[Goods]:
    """Goods with their stock (one grouped query) and held reservations."""
    rows = Goods.objects.filter(place=village).annotate(stock=Sum("movements__quantity"))
    if only_active:
        rows = rows.filter(active=True)
    goods = list(rows.order_by("-active", "points_price", "pk"))
    for g in goods:
        g.stock = int(g.stock or 0)  # type: ignore[attr-defined]
    return goods


def goods_get(viewer: Viewer, goods_id: int, *, counter: bool = False) -> Goods:
    goods = Goods.objects.select_related("place").filter(pk=goods_id).first()
    if goods is None:
        raise NotFound(_not_found())
    ok = viewer.can_place("points.counter", goods.place)
    if not ok and not counter:
        mine = my_points(viewer)
        ok = mine.village is not None and mine.village.pk == goods.place_id
    if not ok:
        raise NotFound(_not_found())
    return goods


def household_get(viewer: Viewer, household_id: int, rule: str = "points.counter") -> Household:
    household = Household.objects.select_related("head", "place").filter(pk=household_id).first()
    if household is None or not viewer.can_household(rule, household):
        raise NotFound(_not_found())
    return household


def redemption_list(viewer: Viewer, *, village: Place | None = None) -> QuerySet[Redemption]:
    """Redemptions at counters the viewer keeps, and their own household's."""
    q = viewer.path_q("points.counter")
    if viewer.household_id:
        q |= Q(household_id=viewer.household_id)
    if viewer.person_id:
        q |= Q(person_id=viewer.person_id)
    rows = Redemption.objects.filter(q)
    if village is not None:
        rows = rows.filter(place=village)
    return rows.select_related("goods", "household", "person").order_by("-created_at", "-id")


def redemption_get(viewer: Viewer, redemption_id: int) -> Redemption:
    found = redemption_list(viewer).filter(pk=redemption_id).first()
    if found is None:
        raise NotFound(_not_found())
    return found


def stock_movements(goods: Goods, *, limit: int = 100) -> QuerySet[StockMovement]:
    return goods.movements.select_related("redemption").order_by("-created_at", "-id")[:limit]


# --- statements ---------------------------------------------------------------------------------
def monthly_statement(village: Place, *, year: int) -> list[dict[str, Any]]:
    """Per month and goods: quantity redeemed and points spent (collected or reserved, not
    cancelled)."""
    rows = (
        Redemption.objects.filter(place=village, created_at__year=year)
        .exclude(status="cancelled")
        .annotate(month=TruncMonth("created_at"))
        .values("month", "goods__name")
        .annotate(quantity=Sum("quantity"), points=Sum("points"), count=Count("id"))
        .order_by("month", "goods__name")
    )
    return [
        {
            "month": r["month"].strftime("%Y-%m") if r["month"] else "",
            "goods": r["goods__name"],
            "quantity": int(r["quantity"] or 0),
            "points": int(r["points"] or 0),
            "count": int(r["count"] or 0),
        }
        for r in rows
    ]


# --- leaderboard ----------------------------------------------------------------------------------
@dataclass
class Rank:
    rank: int
    label: str
    points: int
    mine: bool


def leaderboard(viewer: Viewer, group: Place, *, limit: int = 50) -> list[Rank]:
    """Balances of the accounts in a 村民小组, highest first. A resident who opted out is shown
    as "某户" (and never their name)."""
    from django.utils.translation import gettext as _

    rows = Account.objects.filter(
        (Q(kind=AccountKind.HOUSEHOLD) & subtree_q(group.path, "household__place_path"))
        | (Q(kind=AccountKind.PERSON) & subtree_q(group.path, "person__household__place_path"))
    )
    ids = list(rows.values_list("pk", flat=True))
    sums = dict(
        Entry.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    accounts = Account.objects.filter(pk__in=ids).select_related("household__head", "person")
    opted = set(
        LeaderboardOptOut.objects.filter(account_id__in=ids).values_list("account_id", flat=True)
    )
    ranked = sorted(accounts, key=lambda a: (-(sums.get(a.pk) or 0), a.pk))[:limit]
    out = []
    for i, a in enumerate(ranked, 1):
        if a.pk in opted:
            label = _("某户")
        elif a.kind == AccountKind.HOUSEHOLD:
            head = a.household.head if a.household else None
            label = _("%(n)s户") % {"n": head.name} if head else a.household.address
        else:
            label = a.person.name
        mine = (a.household_id is not None and a.household_id == viewer.household_id) or (
            a.person_id is not None and a.person_id == viewer.person_id
        )
        out.append(Rank(i, label, int(sums.get(a.pk) or 0), mine))
    return out


def groups_visible(viewer: Viewer) -> QuerySet[Place]:
    """Groups (村民小组) whose leaderboard the viewer may see: those under the villages they
    manage, and the group of their own household."""
    q = Q(pk__in=[])
    for v in managed_villages(viewer):
        q |= subtree_q(v.path)
    if viewer.household_id:
        h = Household.objects.filter(pk=viewer.household_id).select_related("place").first()
        if h is not None:
            q |= Q(pk=h.place_id)
    return Place.objects.filter(q, kind="group").order_by("sort_key", "pk")


def group_get(viewer: Viewer, group_id: int) -> Place:
    group = groups_visible(viewer).filter(pk=group_id).first()
    if group is None:
        raise NotFound(_not_found())
    return group


# --- dividends ----------------------------------------------------------------------------------
def dividend_list(viewer: Viewer) -> QuerySet[Dividend]:
    """Dividends of villages the viewer manages, and published ones of their own village."""
    q = viewer.path_q("points.manage")
    mine = my_points(viewer)
    if mine.village is not None:
        q |= Q(place=mine.village, status="published")
    return Dividend.objects.filter(q).order_by("-as_of", "-id")


def dividend_get(viewer: Viewer, dividend_id: int) -> Dividend:
    found = dividend_list(viewer).select_related("place").filter(pk=dividend_id).first()
    if found is None:
        raise NotFound(_not_found())
    return found


def dividend_parts(viewer: Viewer, dividend: Dividend) -> QuerySet[DividendPart]:
    """All parts for its managers; a resident sees only their own household's statement."""
    rows = dividend.parts.select_related("household__head").order_by("household__sort_key", "pk")
    if not viewer.can_place("points.manage", dividend.place):
        rows = rows.filter(household_id=viewer.household_id or 0)
    return rows


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
