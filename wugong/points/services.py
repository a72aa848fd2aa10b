"""Every write of 积分制: rules, the ledger, claims, the supermarket, dividends.

The ledger is append-only: there is no service that updates or deletes an entry; a correction
is a reversal transaction. Balances and stock are sums, read under a row lock on the account
and the goods (always in that order: account, then goods) so that two counters at once can
never take a balance or a stock below zero.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.core.signals import record_published
from wugong.core.uploads import image_clean
from wugong.people.models import Household, Person
from wugong.people.rules import Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import path_ids
from wugong.points import calc
from wugong.points.models import (
    MEMBER_KINDS,
    Account,
    AccountBasis,
    AccountKind,
    Claim,
    ClaimStatus,
    Confirmer,
    Dividend,
    DividendPart,
    DividendStatus,
    Entry,
    Goods,
    LeaderboardOptOut,
    LimitPeriod,
    MovementKind,
    PointsRule,
    PointsSettings,
    Redemption,
    RedemptionStatus,
    RuleBasis,
    Shareholding,
    StockMovement,
    Transaction,
    TxnKind,
)

CODE_SALT = "wugong.points.code"
CODE_MAX_AGE = 10 * 60  # a shown code is good for ten minutes


# --- places and accounts ------------------------------------------------------------------------
def village_of(place: Place) -> Place | None:
    """The village or community (村/社区) at or above ``place``: points are run there."""
    if place.kind in GRASSROOTS_KINDS:
        return place
    return (
        Place.objects.filter(pk__in=path_ids(place.path), kind__in=GRASSROOTS_KINDS)
        .order_by("-depth")
        .first()
    )


def settings_for(village: Place) -> PointsSettings:
    """The village's settings, or the defaults (per household, no expiry) when it has none."""
    found = PointsSettings.objects.filter(place=village).first()
    return found or PointsSettings(place=village, place_path=village.path)


def _village_account(village: Place, kind: str) -> Account:
    account, _created = Account.objects.get_or_create(
        place=village, kind=kind, defaults={"place_path": village.path}
    )
    return account


def member_account(
    village: Place, *, household: Household | None = None, person: Person | None = None
) -> Account | None:
    """The account that earns for this household or person under the village's basis
    (per household: the person's household; per person: the household's head)."""
    basis = settings_for(village).account_basis
    if basis == AccountBasis.HOUSEHOLD:
        if household is None and person is not None:
            household = person.household
        if household is None:
            return None
        account, _c = Account.objects.get_or_create(
            kind=AccountKind.HOUSEHOLD,
            household=household,
            defaults={"place": village, "place_path": village.path},
        )
        return account
    if person is None and household is not None:
        person = household.head
    if person is None:
        return None
    account, _c = Account.objects.get_or_create(
        kind=AccountKind.PERSON,
        person=person,
        defaults={"place": village, "place_path": village.path},
    )
    return account


def account_balance(account_id: int, *, until: dt.date | None = None) -> int:
    """The balance: the sum of the account's entries (up to ``until``, inclusive)."""
    rows = Entry.objects.filter(account_id=account_id)
    if until is not None:
        rows = rows.filter(occurred_on__lte=until)
    return int(rows.aggregate(s=Sum("amount"))["s"] or 0)


def _lock_account(account: Account) -> Account:
    return Account.objects.select_for_update().get(pk=account.pk)


def _post(
    *,
    kind: str,
    village: Place,
    occurred_on: dt.date,
    lines: list[tuple[Account, int]],
    memo: str = "",
    actor: Any = None,
    rule: PointsRule | None = None,
    source: str | None = None,
    idempotency_key: str | None = None,
    reverses: Transaction | None = None,
) -> Transaction:
    """Write one balanced transaction and publish it (hash chain). The only writer of entries."""
    lines = [(a, int(n)) for a, n in lines if n]
    if len(lines) < 2 or sum(n for _a, n in lines) != 0:
        raise ValueError("a transaction needs two or more entries summing to zero")
    txn = Transaction.objects.create(
        kind=kind,
        place=village,
        place_path=village.path,
        occurred_on=occurred_on,
        memo=memo[:200],
        rule=rule,
        source=source,
        idempotency_key=idempotency_key,
        reverses=reverses,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    Entry.objects.bulk_create(
        Entry(
            transaction=txn,
            account=a,
            amount=n,
            kind=kind,
            place_path=village.path,
            occurred_on=occurred_on,
        )
        for a, n in lines
    )
    record_published.send(
        sender=Transaction,
        kind="points.entry",
        place=village,
        key=f"points.txn:{txn.pk}",
        payload={
            "transaction": txn.pk,
            "kind": kind,
            "date": occurred_on.isoformat(),
            "village": village.path,
            "memo": txn.memo,
            "entries": [{"account": a.pk, "account_kind": a.kind, "amount": n} for a, n in lines],
        },
    )
    return txn


def _key(value: str | None) -> str:
    key = (value or "").strip()
    if not key or len(key) > 64:
        raise ValidationFailed(_("提交标识无效，请刷新页面后重试。"), field="idempotency_key")
    return key


def _int(value: Any, *, field: str, label: str, low: int | None = None) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("%(f)s须为整数。") % {"f": label}, field=field) from None
    if low is not None and number < low:
        raise ValidationFailed(_("%(f)s不能小于%(n)s。") % {"f": label, "n": low}, field=field)
    return number


def _decimal(value: Any, *, field: str, label: str, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("请填写%(f)s。") % {"f": label}, field=field)
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(_("%(f)s须为数字。") % {"f": label}, field=field) from None
    if not number.is_finite() or number < 0 or number >= Decimal("100000000"):
        raise ValidationFailed(_("%(f)s超出范围。") % {"f": label}, field=field)
    return number.quantize(Decimal("0.01"))


def _text(value: Any, *, field: str, label: str, max_len: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写%(f)s。") % {"f": label}, field=field)
    if len(text) > max_len:
        raise ValidationFailed(
            _("%(f)s不超过%(n)s个字。") % {"f": label, "n": max_len}, field=field
        )
    return text


def _require_manage(viewer: Viewer, village: Place, rule: str = "points.manage") -> None:
    if not viewer.has_rule(rule):
        raise PermissionDenied(_("您没有管理积分的权限。"))
    if not viewer.can_place(rule, village):
        raise NotFound(_("找不到该村（社区）。"))


def _require_village(place: Place) -> None:
    if place.kind not in GRASSROOTS_KINDS:
        raise ValidationFailed(_("积分按村（社区）管理，请选择一个村或社区。"), field="place")


# --- settings and rules --------------------------------------------------------------------------
@transaction.atomic
def settings_save(
    *, viewer: Viewer, actor: Any, village: Place, account_basis: str, expiry_years: Any
) -> PointsSettings:
    """Choose per household or per person, and the expiry (积分有效期)."""
    _require_village(village)
    _require_manage(viewer, village)
    if account_basis not in AccountBasis.values:
        raise ValidationFailed(_("请选择计分对象。"), field="account_basis")
    years = None
    if expiry_years not in (None, ""):
        years = _int(expiry_years, field="expiry_years", label=_("积分有效期"), low=1)
        if years > 10:
            raise ValidationFailed(_("积分有效期不超过10年。"), field="expiry_years")
    current = settings_for(village)
    used = Entry.objects.filter(account__place=village, account__kind__in=MEMBER_KINDS)
    if current.pk and current.account_basis != account_basis and used.exists():
        raise ValidationFailed(_("已有积分记录，不能再改变计分对象。"), field="account_basis")
    current.account_basis = account_basis
    current.expiry_years = years
    current.save()
    audit_event_record(
        actor=actor,
        action="points.settings",
        obj=current,
        place_path=village.path,
        changes={"account_basis": account_basis, "expiry_years": years},
    )
    return current


@transaction.atomic
def rule_save(
    *,
    viewer: Viewer,
    actor: Any,
    village: Place,
    action: str,
    title: str,
    points_per_unit: Any,
    basis: str = RuleBasis.PER_UNIT,
    description: str = "",
    min_quantity: Any = None,
    max_quantity: Any = None,
    limit_points: Any = None,
    limit_period: str = "",
    confirm_by: str = Confirmer.CADRE,
    active: bool = True,
    rule: PointsRule | None = None,
) -> PointsRule:
    """Add or change a line of the rule table (积分规则). Negative points are deductions."""
    _require_village(village)
    _require_manage(viewer, village)
    if rule is not None and rule.place_id != village.pk:
        raise NotFound(_("找不到该积分规则。"))
    action = _text(action, field="action", label=_("事项"), max_len=64)
    title = _text(title, field="title", label=_("名称"), max_len=100)
    description = _text(
        description, field="description", label=_("说明"), max_len=300, required=False
    )
    points = _int(points_per_unit, field="points_per_unit", label=_("分值"))
    if points == 0 or abs(points) > 10_000:
        raise ValidationFailed(
            _("分值须为非零整数（扣分填负数），绝对值不超过10000。"), field="points_per_unit"
        )
    if basis not in RuleBasis.values:
        raise ValidationFailed(_("请选择计分方式。"), field="basis")
    low = _decimal(min_quantity, field="min_quantity", label=_("最低数量"), required=False)
    high = _decimal(max_quantity, field="max_quantity", label=_("数量上限"), required=False)
    if low is not None and high is not None and high <= low:
        raise ValidationFailed(_("数量上限须大于最低数量。"), field="max_quantity")
    limit = None
    if limit_points not in (None, ""):
        limit = _int(limit_points, field="limit_points", label=_("每期上限"), low=1)
        if limit_period not in LimitPeriod.values:
            raise ValidationFailed(_("请选择上限周期（每周、每月或每年）。"), field="limit_period")
    else:
        limit_period = ""
    if confirm_by not in Confirmer.values:
        raise ValidationFailed(_("请选择确认方式。"), field="confirm_by")
    fields = {
        "action": action,
        "title": title,
        "description": description,
        "basis": basis,
        "points_per_unit": points,
        "min_quantity": low,
        "max_quantity": high,
        "limit_points": limit,
        "limit_period": limit_period,
        "confirm_by": confirm_by,
        "active": bool(active),
    }
    if rule is None:
        rule = PointsRule.objects.create(place=village, place_path=village.path, **fields)
    else:
        for name, value in fields.items():
            setattr(rule, name, value)
        rule.save()
    audit_event_record(
        actor=actor, action="points.rule", obj=rule, place_path=village.path, changes=fields
    )
    return rule


# --- earning: deeds and claims ------------------------------------------------------------------
def _rule_for(village: Place, action: str, quantity: Decimal) -> PointsRule | None:
    """The automatic rule for a deed: of the active rules whose range holds the quantity, the
    one with the highest minimum (so "≥ 90 %: 5 points" wins over "≥ 60 %: 2 points")."""
    rules = [
        r
        for r in PointsRule.objects.filter(
            place=village, action=action, active=True, confirm_by=Confirmer.AUTO
        ).order_by("pk")
        if calc.quantity_matches(quantity, r.min_quantity, r.max_quantity)
    ]
    rules.sort(
        key=lambda r: r.min_quantity if r.min_quantity is not None else Decimal(-1), reverse=True
    )
    return rules[0] if rules else None


def _earn(
    *,
    village: Place,
    account: Account,
    rule: PointsRule,
    quantity: Decimal,
    occurred_on: dt.date,
    source: str,
    actor: Any,
    memo: str,
) -> Transaction | None:
    """Apply ``rule`` to the (locked) ``account``: the period limit, and a deduction takes at
    most the balance (a balance never goes below zero). None when nothing is left to give."""
    points = calc.rule_points(
        per_unit=rule.basis == RuleBasis.PER_UNIT,
        points_per_unit=rule.points_per_unit,
        quantity=quantity,
    )
    if rule.limit_points is not None:
        start, end = calc.period_bounds(rule.limit_period, occurred_on)
        already = (
            Entry.objects.filter(
                account=account,
                transaction__rule=rule,
                occurred_on__gte=start,
                occurred_on__lte=end,
            ).aggregate(s=Sum("amount"))["s"]
            or 0
        )
        points = calc.limit_cap(points, limit=rule.limit_points, already=int(already))
    if points < 0:
        points = -min(-points, max(0, account_balance(account.pk)))
    if points == 0:
        return None
    issuing = _village_account(village, AccountKind.ISSUING)
    return _post(
        kind=TxnKind.AWARD if points > 0 else TxnKind.DEDUCTION,
        village=village,
        occurred_on=occurred_on,
        lines=[(account, points), (issuing, -points)],
        memo=memo,
        actor=actor,
        rule=rule,
        source=source,
    )


@transaction.atomic
def deed_award(
    *,
    action: str,
    place: Place,
    quantity: Any,
    source: str,
    occurred_on: dt.date,
    person_id: int | None = None,
    household_id: int | None = None,
    actor: Any = None,
) -> Transaction | None:
    """Turn a confirmed good deed from another module into points by the village's rule table.
    Idempotent by ``source``; None when no rule applies or nothing is left under the limit."""
    if Transaction.objects.filter(source=source).exists():
        return None
    village = village_of(place)
    if village is None:
        return None
    qty = Decimal(str(quantity))
    rule = _rule_for(village, action, qty)
    if rule is None:
        return None
    person = Person.objects.filter(pk=person_id).select_related("household").first()
    household = Household.objects.filter(pk=household_id).select_related("head").first()
    account = member_account(village, household=household, person=person)
    if account is None:
        return None
    account = _lock_account(account)
    if Transaction.objects.filter(source=source).exists():  # sent twice at once
        return None
    return _earn(
        village=village,
        account=account,
        rule=rule,
        quantity=qty,
        occurred_on=occurred_on,
        source=source,
        actor=actor,
        memo=rule.title,
    )


def deed_receive(sender: Any, **kwargs: Any) -> None:
    """Receiver of ``wugong.core.signals.deed_recorded`` (connected in PointsConfig.ready)."""
    deed_award(
        action=kwargs["action"],
        place=kwargs["place"],
        quantity=kwargs.get("quantity") or 1,
        source=kwargs["source"],
        occurred_on=kwargs.get("occurred_on") or timezone.localdate(),
        person_id=kwargs.get("person_id"),
        household_id=kwargs.get("household_id"),
        actor=kwargs.get("actor"),
    )


@transaction.atomic
def claim_submit(
    *,
    viewer: Viewer,
    actor: Any,
    rule: PointsRule,
    photo: Any,
    idempotency_key: str,
    quantity: Any = 1,
    occurred_on: dt.date | None = None,
    note: str = "",
) -> tuple[Claim, bool]:
    """A resident claims points for something they did, with a photo (积分申报). A repeat of
    the same form creates nothing. Returns (claim, created)."""
    key = _key(idempotency_key)
    if not viewer.person_id or not viewer.has_rule("points.claim"):
        raise PermissionDenied(_("请用本人账号登录后再申报。"))
    existing = Claim.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.person_id != viewer.person_id:
            raise ValidationFailed(_("提交标识已被使用。"), field="idempotency_key")
        return existing, False
    person = Person.objects.select_related("household").get(pk=viewer.person_id)
    household = person.household
    if (
        household is None
        or not household.place_path.startswith(rule.place_path)
        or not rule.active
        or rule.confirm_by != Confirmer.CADRE
    ):
        raise NotFound(_("找不到该积分规则。"))
    qty = _decimal(quantity, field="quantity", label=_("数量"))
    assert qty is not None
    if qty <= 0 or not calc.quantity_matches(qty, rule.min_quantity, rule.max_quantity):
        raise ValidationFailed(_("数量不符合该规则的要求。"), field="quantity")
    on = occurred_on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationFailed(_("日期不能晚于今天。"), field="occurred_on")
    note = _text(note, field="note", label=_("说明"), max_len=300, required=False)
    if not photo:
        raise ValidationFailed(_("请上传照片。"), field="photo")
    clean = image_clean(photo)
    claim = Claim(
        place=rule.place,
        place_path=rule.place_path,
        rule=rule,
        person=person,
        household=household,
        quantity=qty,
        occurred_on=on,
        note=note,
        idempotency_key=key,
    )
    claim.photo.save(clean.name, clean, save=False)
    claim.save()
    audit_event_record(
        actor=actor,
        action="points.claim",
        obj=claim,
        place_path=claim.place_path,
        changes={"rule": rule.title, "quantity": qty},
    )
    return claim, True


@transaction.atomic
def claim_decide(
    *, viewer: Viewer, actor: Any, claim: Claim, confirm: bool, reason: str = ""
) -> Claim:
    """A cadre confirms a claim (points awarded by its rule) or rejects it with a reason."""
    claim = Claim.objects.select_for_update().select_related("rule", "place").get(pk=claim.pk)
    _require_manage(viewer, claim.place)
    if claim.status != ClaimStatus.PENDING:
        raise ValidationFailed(_("该申报已处理。"), code="decided", field="status")
    reason = _text(reason, field="reason", label=_("理由"), max_len=300, required=not confirm)
    if confirm:
        person = Person.objects.select_related("household").get(pk=claim.person_id)
        account = member_account(claim.place, household=claim.household, person=person)
        if account is None:
            raise ValidationFailed(_("申报人没有可记分的账户。"), field="person")
        account = _lock_account(account)
        txn = _earn(
            village=claim.place,
            account=account,
            rule=claim.rule,
            quantity=claim.quantity,
            occurred_on=claim.occurred_on,
            source=f"points.claim:{claim.pk}",
            actor=actor,
            memo=claim.rule.title,
        )
        if txn is None:
            raise ValidationFailed(
                _("该户本期此项积分已达上限，请驳回并说明。"),
                code="limit_reached",
                field="status",
            )
        claim.transaction = txn
    claim.status = ClaimStatus.CONFIRMED if confirm else ClaimStatus.REJECTED
    claim.reason = reason
    claim.decided_by = actor if getattr(actor, "pk", None) else None
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "reason", "decided_by", "decided_at", "transaction"])
    audit_event_record(
        actor=actor,
        action="points.claim_decide",
        obj=claim,
        place_path=claim.place_path,
        on_behalf_of=claim.person,
        changes={"status": claim.status, "reason": reason},
    )
    return claim


@transaction.atomic
def transaction_reverse(
    *, viewer: Viewer, actor: Any, txn: Transaction, reason: str
) -> Transaction:
    """Correct a mistaken award, deduction or expiry by a reversal (冲正): a new transaction
    with every entry negated. The original stays as it was."""
    txn = Transaction.objects.select_related("place").get(pk=txn.pk)
    _require_manage(viewer, txn.place)
    reason = _text(reason, field="reason", label=_("理由"), max_len=150)
    if txn.kind not in (TxnKind.AWARD, TxnKind.DEDUCTION, TxnKind.EXPIRY):
        raise ValidationFailed(_("只能冲正奖励、扣分或过期记录；兑换请取消兑换。"), field="kind")
    entries = list(txn.entries.select_related("account").order_by("account_id"))
    accounts = {e.account_id: _lock_account(e.account) for e in entries}
    if Transaction.objects.filter(reverses=txn).exists():
        raise ValidationFailed(_("该记录已冲正。"), code="reversed", field="kind")
    for e in entries:
        account = accounts[e.account_id]
        if account.kind in MEMBER_KINDS and account_balance(account.pk) - e.amount < 0:
            raise ValidationFailed(
                _("积分已被使用，冲正后余额将为负数，不能冲正。"),
                code="insufficient",
                field="kind",
            )
    reversal = _post(
        kind=TxnKind.REVERSAL,
        village=txn.place,
        occurred_on=txn.occurred_on,
        lines=[(accounts[e.account_id], -e.amount) for e in entries],
        memo=_("冲正：%(r)s") % {"r": reason},
        actor=actor,
        rule=txn.rule,
        reverses=txn,
    )
    audit_event_record(
        actor=actor,
        action="points.reverse",
        obj=reversal,
        place_path=txn.place_path,
        changes={"reverses": txn.pk, "reason": reason},
    )
    return reversal


# --- expiry ----------------------------------------------------------------------------------
@transaction.atomic
def points_expire(*, village: Place, year: int, today: dt.date | None = None) -> int:
    """Expire what is left of the points earned up to the end of ``year`` (first in, first
    out). Idempotent: each account expires once per year. Returns the points expired."""
    today = today or timezone.localdate()
    years = settings_for(village).expiry_years
    if years is None or today <= dt.date(year + years, 12, 31):
        return 0
    end = dt.date(year, 12, 31)
    expiry = _village_account(village, AccountKind.EXPIRY)
    total = 0
    accounts = Account.objects.filter(
        place=village, kind__in=[AccountKind.HOUSEHOLD, AccountKind.PERSON]
    ).order_by("pk")
    for account in accounts:
        source = f"points.expiry:{account.pk}:{year}"
        if Transaction.objects.filter(source=source).exists():
            continue
        account = _lock_account(account)
        rows = Entry.objects.filter(account=account)
        credits = rows.filter(amount__gt=0, occurred_on__lte=end).aggregate(s=Sum("amount"))["s"]
        debits = rows.filter(amount__lt=0).aggregate(s=Sum("amount"))["s"]
        amount = calc.expiring_points(
            credits_until=int(credits or 0),
            debits_total=-int(debits or 0),
            balance=account_balance(account.pk),
        )
        if amount:
            _post(
                kind=TxnKind.EXPIRY,
                village=village,
                occurred_on=today,
                lines=[(account, -amount), (expiry, amount)],
                memo=_("%(y)s年积分过期") % {"y": year},
                source=source,
            )
            total += amount
    return total


def points_expire_due(*, today: dt.date | None = None) -> int:
    """Run every village's due expiry (the years whose points are past their validity)."""
    today = today or timezone.localdate()
    total = 0
    for s in PointsSettings.objects.filter(expiry_years__isnull=False).select_related("place"):
        first = Entry.objects.filter(account__place=s.place).order_by("occurred_on").first()
        if first is None:
            continue
        for year in range(first.occurred_on.year, today.year - s.expiry_years):
            total += points_expire(village=s.place, year=year, today=today)
    return total


# --- the resident's code ------------------------------------------------------------------------
def code_make(person_id: int) -> str:
    """The resident's personal points code (我的积分码): signed, good for ten minutes."""
    return signing.dumps({"p": person_id}, salt=CODE_SALT, compress=True)


def code_read(token: str) -> int:
    try:
        return int(signing.loads((token or "").strip(), salt=CODE_SALT, max_age=CODE_MAX_AGE)["p"])
    except signing.SignatureExpired:
        raise ValidationFailed(
            _("积分码已过期，请让居民刷新“我的积分码”。"), code="code_expired", field="code"
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationFailed(_("积分码无效。"), code="code_invalid", field="code") from None


# --- the supermarket ------------------------------------------------------------------------------
def goods_stock(goods_id: int) -> int:
    """Stock on hand: the sum of the goods' movements."""
    return int(
        StockMovement.objects.filter(goods_id=goods_id).aggregate(s=Sum("quantity"))["s"] or 0
    )


@transaction.atomic
def goods_save(
    *,
    viewer: Viewer,
    actor: Any,
    village: Place,
    name: str,
    points_price: Any,
    unit: str = "件",
    active: bool = True,
    goods: Goods | None = None,
) -> Goods:
    """Add or change a goods item (商品) of the village's points supermarket."""
    _require_village(village)
    _require_manage(viewer, village, "points.counter")
    if goods is not None and goods.place_id != village.pk:
        raise NotFound(_("找不到该商品。"))
    name = _text(name, field="name", label=_("名称"), max_len=100)
    unit = _text(unit, field="unit", label=_("单位"), max_len=10)
    price = _int(points_price, field="points_price", label=_("所需积分"), low=1)
    clash = Goods.objects.filter(place=village, name=name)
    if goods is not None:
        clash = clash.exclude(pk=goods.pk)
    if clash.exists():
        raise ValidationFailed(_("已有同名商品。"), field="name")
    fields = {"name": name, "unit": unit, "points_price": price, "active": bool(active)}
    if goods is None:
        goods = Goods.objects.create(place=village, place_path=village.path, **fields)
    else:
        for k, v in fields.items():
            setattr(goods, k, v)
        goods.save()
    audit_event_record(
        actor=actor, action="points.goods", obj=goods, place_path=village.path, changes=fields
    )
    return goods


@transaction.atomic
def stock_move(
    *, viewer: Viewer, actor: Any, goods: Goods, kind: str, quantity: Any, note: str = ""
) -> StockMovement:
    """Goods in (入库) or a stocktaking adjustment (盘点调整, may be negative, never below 0)."""
    goods = Goods.objects.select_for_update().select_related("place").get(pk=goods.pk)
    _require_manage(viewer, goods.place, "points.counter")
    if kind not in (MovementKind.IN, MovementKind.ADJUSTMENT):
        raise ValidationFailed(_("请选择入库或盘点调整。"), field="kind")
    qty = _int(quantity, field="quantity", label=_("数量"))
    if qty == 0 or (kind == MovementKind.IN and qty < 0) or abs(qty) > 1_000_000:
        raise ValidationFailed(_("数量不正确。"), field="quantity")
    if goods_stock(goods.pk) + qty < 0:
        raise ValidationFailed(_("调整后库存不能为负数。"), code="stock", field="quantity")
    note = _text(note, field="note", label=_("备注"), max_len=200, required=False)
    move = StockMovement.objects.create(
        goods=goods,
        kind=kind,
        quantity=qty,
        note=note,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    audit_event_record(
        actor=actor,
        action="points.stock",
        obj=goods,
        place_path=goods.place_path,
        changes={"kind": kind, "quantity": qty},
    )
    return move


def _redeem(
    *,
    actor: Any,
    account: Account,
    goods: Goods,
    quantity: Any,
    key: str,
    online: bool,
    person: Person | None,
    household: Household | None,
) -> tuple[Redemption, bool]:
    qty = _int(quantity, field="quantity", label=_("数量"), low=1)
    if qty > 1000:
        raise ValidationFailed(_("数量不正确。"), field="quantity")
    account = _lock_account(account)
    # Locked in the same order everywhere (account, then goods): no deadlock between counters.
    goods = Goods.objects.select_for_update().get(pk=goods.pk)
    existing = Redemption.objects.filter(idempotency_key=key).first()
    if existing is not None:  # the same form, sent again while the first one was running
        if existing.account_id != account.pk or existing.goods_id != goods.pk:
            raise ValidationFailed(_("提交标识已被使用。"), field="idempotency_key")
        return existing, False
    if not goods.active:
        raise ValidationFailed(_("该商品已下架。"), code="inactive", field="goods")
    points = goods.points_price * qty
    if goods_stock(goods.pk) < qty:
        raise ValidationFailed(_("库存不足。"), code="out_of_stock", field="quantity")
    balance = account_balance(account.pk)
    if balance < points:
        raise ValidationFailed(
            _("积分不足：需要%(n)s分，余额%(b)s分。") % {"n": points, "b": balance},
            code="insufficient",
            field="quantity",
        )
    village = goods.place
    shop = _village_account(village, AccountKind.SUPERMARKET)
    txn = _post(
        kind=TxnKind.REDEMPTION,
        village=village,
        occurred_on=timezone.localdate(),
        lines=[(account, -points), (shop, points)],
        memo=_("兑换%(g)s×%(q)s") % {"g": goods.name, "q": qty},
        actor=actor,
        idempotency_key=key,
    )
    redemption = Redemption.objects.create(
        place=village,
        place_path=village.path,
        account=account,
        household=household,
        person=person,
        goods=goods,
        quantity=qty,
        points=points,
        status=RedemptionStatus.RESERVED if online else RedemptionStatus.COLLECTED,
        online=online,
        transaction=txn,
        idempotency_key=key,
        clerk=None if online or not getattr(actor, "pk", None) else actor,
        collected_at=None if online else timezone.now(),
    )
    StockMovement.objects.create(
        goods=goods,
        kind=MovementKind.REDEMPTION,
        quantity=-qty,
        redemption=redemption,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    audit_event_record(
        actor=actor,
        action="points.redeem",
        obj=redemption,
        place_path=village.path,
        changes={"goods": goods.name, "quantity": qty, "points": points, "online": online},
    )
    return redemption, True


def _redeem_once(**kwargs: Any) -> tuple[Redemption, bool]:
    """Run a redemption in its own savepoint; if an identical request won the race on the
    unique key, answer with that one."""
    try:
        with transaction.atomic():
            return _redeem(**kwargs)
    except IntegrityError:
        existing = Redemption.objects.filter(idempotency_key=kwargs["key"]).first()
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def counter_redeem(
    *,
    viewer: Viewer,
    actor: Any,
    goods: Goods,
    quantity: Any,
    idempotency_key: str,
    code: str = "",
    household: Household | None = None,
) -> tuple[Redemption, bool]:
    """Redeem at the counter (柜台兑换): the clerk scans the resident's code (or, for a
    resident without a phone, picks the household), the goods and the quantity, and confirms.
    A household out of the counter's scope answers 404. Returns (redemption, created)."""
    key = _key(idempotency_key)
    goods = Goods.objects.select_related("place").get(pk=goods.pk)
    _require_manage(viewer, goods.place, "points.counter")
    person = None
    if code:
        person = Person.objects.select_related("household").filter(pk=code_read(code)).first()
        household = person.household if person else None
    if household is None:
        raise ValidationFailed(_("请扫描居民的积分码或选择住户。"), field="code")
    if not household.place_path.startswith(goods.place_path) or not viewer.can_household(
        "points.counter", household
    ):
        raise NotFound(_("找不到该住户。"))
    account = member_account(goods.place, household=household, person=person)
    if account is None:
        raise ValidationFailed(_("该住户没有积分账户。"), field="code")
    return _redeem_once(
        actor=actor,
        account=account,
        goods=goods,
        quantity=quantity,
        key=key,
        online=False,
        person=person,
        household=household,
    )


@transaction.atomic
def reservation_make(
    *, viewer: Viewer, actor: Any, goods: Goods, quantity: Any, idempotency_key: str
) -> tuple[Redemption, bool]:
    """A resident reserves goods online (线上预约): points and stock are held at once and the
    goods are collected at the counter later; a cancel gives both back."""
    key = _key(idempotency_key)
    if not viewer.person_id or not viewer.has_rule("points.view"):
        raise PermissionDenied(_("请用本人账号登录后再预约。"))
    person = Person.objects.select_related("household").get(pk=viewer.person_id)
    goods = Goods.objects.select_related("place").get(pk=goods.pk)
    household = person.household
    if household is None or not household.place_path.startswith(goods.place_path):
        raise NotFound(_("找不到该商品。"))
    account = member_account(goods.place, household=household, person=person)
    assert account is not None
    return _redeem_once(
        actor=actor,
        account=account,
        goods=goods,
        quantity=quantity,
        key=key,
        online=True,
        person=person,
        household=household,
    )


def _own_redemption(viewer: Viewer, redemption: Redemption) -> bool:
    account = redemption.account
    return (account.person_id is not None and account.person_id == viewer.person_id) or (
        account.household_id is not None and account.household_id == viewer.household_id
    )


@transaction.atomic
def reservation_collect(*, viewer: Viewer, actor: Any, redemption: Redemption) -> Redemption:
    """The counter hands over reserved goods (领取)."""
    redemption = (
        Redemption.objects.select_for_update().select_related("place").get(pk=redemption.pk)
    )
    _require_manage(viewer, redemption.place, "points.counter")
    if redemption.status != RedemptionStatus.RESERVED:
        raise ValidationFailed(_("该预约已领取或已取消。"), code="status", field="status")
    redemption.status = RedemptionStatus.COLLECTED
    redemption.collected_at = timezone.now()
    redemption.clerk = actor if getattr(actor, "pk", None) else None
    redemption.save(update_fields=["status", "collected_at", "clerk"])
    audit_event_record(
        actor=actor, action="points.collect", obj=redemption, place_path=redemption.place_path
    )
    return redemption


@transaction.atomic
def reservation_cancel(*, viewer: Viewer, actor: Any, redemption: Redemption) -> Redemption:
    """Cancel a reservation, by its resident or the counter: the points come back by a
    reversal and the goods go back on the shelf."""
    redemption = Redemption.objects.select_related("place", "account", "transaction").get(
        pk=redemption.pk
    )
    if not _own_redemption(viewer, redemption):
        _require_manage(viewer, redemption.place, "points.counter")
    account = _lock_account(redemption.account)
    goods = Goods.objects.select_for_update().get(pk=redemption.goods_id)
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.status != RedemptionStatus.RESERVED:
        raise ValidationFailed(_("该预约已领取或已取消。"), code="status", field="status")
    village = redemption.place
    entries = list(redemption.transaction.entries.select_related("account"))
    lines = [(account if e.account_id == account.pk else e.account, -e.amount) for e in entries]
    _post(
        kind=TxnKind.REVERSAL,
        village=village,
        occurred_on=timezone.localdate(),
        lines=lines,
        memo=_("取消预约：%(g)s×%(q)s") % {"g": goods.name, "q": redemption.quantity},
        actor=actor,
        reverses=redemption.transaction,
    )
    StockMovement.objects.create(
        goods=goods,
        kind=MovementKind.RELEASE,
        quantity=redemption.quantity,
        redemption=redemption,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    redemption.status = RedemptionStatus.CANCELLED
    redemption.save(update_fields=["status"])
    audit_event_record(
        actor=actor, action="points.cancel", obj=redemption, place_path=redemption.place_path
    )
    return redemption


# --- leaderboard opt-out ------------------------------------------------------------------------
@transaction.atomic
def leaderboard_opt_out_set(*, viewer: Viewer, actor: Any, opt_out: bool) -> bool:
    """A resident chooses for themself whether the leaderboard may show their name
    (个人信息保护法): opted out, their account is shown as "某户"."""
    if not viewer.person_id:
        raise PermissionDenied(_("请用本人账号登录。"))
    person = Person.objects.select_related("household").get(pk=viewer.person_id)
    if person.household is None:
        raise ValidationFailed(_("您还没有登记住户。"), field="opt_out")
    village = village_of(person.household.place)
    if village is None:
        raise ValidationFailed(_("您还没有登记住户。"), field="opt_out")
    account = member_account(village, household=person.household, person=person)
    assert account is not None
    if opt_out:
        LeaderboardOptOut.objects.get_or_create(account=account, defaults={"person": person})
    else:
        LeaderboardOptOut.objects.filter(account=account).delete()
    audit_event_record(
        actor=actor,
        action="points.opt_out",
        obj=account,
        place_path=account.place_path,
        changes={"opt_out": opt_out},
    )
    return opt_out


# --- dividends (股份+积分) ---------------------------------------------------------------------
@transaction.atomic
def shareholding_set(
    *, viewer: Viewer, actor: Any, household: Household, land: Any, house: Any, money: Any
) -> Shareholding:
    """Record a household's shares in the village enterprise (土地股、房屋股、资金股)."""
    village = village_of(household.place)
    if village is None or not viewer.can_household("points.manage", household):
        raise NotFound(_("找不到该住户。"))
    values = {
        "land_shares": _int(land, field="land", label=_("土地股"), low=0),
        "house_shares": _int(house, field="house", label=_("房屋股"), low=0),
        "money_shares": _int(money, field="money", label=_("资金股"), low=0),
    }
    row, _c = Shareholding.objects.update_or_create(
        household=household, defaults={"place": village, "place_path": village.path, **values}
    )
    audit_event_record(
        actor=actor, action="points.shares", obj=row, place_path=village.path, changes=values
    )
    return row


def household_points(village: Place, *, until: dt.date) -> dict[int, int]:
    """Each household's points up to ``until``: its account, or the sum of its members'."""
    rows = (
        Entry.objects.filter(
            account__place=village,
            account__kind__in=[AccountKind.HOUSEHOLD, AccountKind.PERSON],
            occurred_on__lte=until,
        )
        .values("account__household_id", "account__person__household_id")
        .annotate(s=Sum("amount"))
    )
    out: dict[int, int] = {}
    for r in rows:
        hid = r["account__household_id"] or r["account__person__household_id"]
        if hid:
            out[hid] = out.get(hid, 0) + int(r["s"] or 0)
    return out


@transaction.atomic
def dividend_create(
    *,
    viewer: Viewer,
    actor: Any,
    village: Place,
    title: str,
    enterprise: str,
    pool_fen: Any,
    shares_percent: Any,
    as_of: dt.date,
    land_weight: Any = 1,
    house_weight: Any = 1,
    money_weight: Any = 1,
) -> Dividend:
    """Work out a profit share (分红): each household's part in fen, ``shares_percent`` % by
    weighted shares and the rest by points held on ``as_of``, summing exactly to the pool."""
    _require_village(village)
    _require_manage(viewer, village)
    title = _text(title, field="title", label=_("名称"), max_len=100)
    enterprise = _text(enterprise, field="enterprise", label=_("村集体企业"), max_len=100)
    pool = _int(pool_fen, field="pool", label=_("分红总额"), low=1)
    pct = _int(shares_percent, field="shares_percent", label=_("按股份分配比例"), low=0)
    if pct > 100:
        raise ValidationFailed(_("按股份分配比例不超过100。"), field="shares_percent")
    weights = [
        _int(w, field=f, label=_("权重"), low=0)
        for w, f in (
            (land_weight, "land_weight"),
            (house_weight, "house_weight"),
            (money_weight, "money_weight"),
        )
    ]
    holdings = {s.household_id: s for s in Shareholding.objects.filter(place=village)}
    points = household_points(village, until=as_of)
    rows = []
    for hid in sorted(set(holdings) | set(points)):
        s = holdings.get(hid)
        units = (
            s.land_shares * weights[0] + s.house_shares * weights[1] + s.money_shares * weights[2]
            if s
            else 0
        )
        rows.append((hid, units, max(0, points.get(hid, 0))))
    try:
        parts = calc.dividend_split(pool_fen=pool, shares_percent=pct, rows=rows)
    except ValueError:
        raise ValidationFailed(
            _("没有持股或有积分的住户，无法分红。"), code="nobody", field="pool"
        ) from None
    dividend = Dividend.objects.create(
        place=village,
        place_path=village.path,
        title=title,
        enterprise=enterprise,
        pool_fen=pool,
        shares_percent=pct,
        land_weight=weights[0],
        house_weight=weights[1],
        money_weight=weights[2],
        as_of=as_of,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    DividendPart.objects.bulk_create(
        DividendPart(
            dividend=dividend,
            household_id=hid,
            share_units=units,
            points=pts,
            amount_fen=parts[hid],
        )
        for hid, units, pts in rows
    )
    audit_event_record(
        actor=actor,
        action="points.dividend",
        obj=dividend,
        place_path=village.path,
        changes={"pool_fen": pool, "shares_percent": pct},
    )
    return dividend


@transaction.atomic
def dividend_publish(*, viewer: Viewer, actor: Any, dividend: Dividend) -> Dividend:
    dividend = Dividend.objects.select_for_update().select_related("place").get(pk=dividend.pk)
    _require_manage(viewer, dividend.place)
    if dividend.status == DividendStatus.PUBLISHED:
        raise ValidationFailed(_("该分红已公布。"), field="status")
    dividend.status = DividendStatus.PUBLISHED
    dividend.save(update_fields=["status"])
    audit_event_record(
        actor=actor, action="points.dividend_publish", obj=dividend, place_path=dividend.place_path
    )
    return dividend
