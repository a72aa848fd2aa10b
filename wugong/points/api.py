"""API of 积分制 at /api/v1/points: my balance and entries, rules, claims, goods, reservations,
counter redemption, the leaderboard and monthly statements, scoped exactly as the pages are.
Domain errors come back as {code, detail, field} with their 4xx status (wugong/api.py)."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from wugong.points import selectors, services
from wugong.points.models import Claim, Redemption

router = Router(tags=["points"])


class EntryOut(Schema):
    transaction: int
    kind: str
    date: dt.date
    amount: int
    memo: str


class MineOut(Schema):
    village_id: int | None
    village: str
    account_id: int | None
    balance: int
    code: str
    entries: list[EntryOut]


class RuleOut(Schema):
    id: int
    action: str
    title: str
    description: str
    basis: str
    points_per_unit: int
    min_quantity: str | None
    max_quantity: str | None
    limit_points: int | None
    limit_period: str
    confirm_by: str
    active: bool


class RuleIn(Schema):
    action: str
    title: str
    points_per_unit: int
    basis: str = "per_unit"
    description: str = ""
    min_quantity: str | None = None
    max_quantity: str | None = None
    limit_points: int | None = None
    limit_period: str = ""
    confirm_by: str = "cadre"
    active: bool = True


class ClaimOut(Schema):
    id: int
    rule_id: int
    rule: str
    person: str
    quantity: str
    occurred_on: dt.date
    status: str
    reason: str
    points: int | None


class DecideIn(Schema):
    confirm: bool
    reason: str = ""


class GoodsOut(Schema):
    id: int
    name: str
    unit: str
    points_price: int
    stock: int
    active: bool


class RedeemIn(Schema):
    goods_id: int
    quantity: int = 1
    idempotency_key: str
    code: str = ""
    household_id: int | None = None


class ReserveIn(Schema):
    goods_id: int
    quantity: int = 1
    idempotency_key: str


class RedemptionOut(Schema):
    id: int
    goods_id: int
    goods: str
    quantity: int
    points: int
    status: str
    online: bool
    created: bool = False
    balance: int


class RankOut(Schema):
    rank: int
    label: str
    points: int
    mine: bool


class StatementRow(Schema):
    month: str
    goods: str
    quantity: int
    points: int
    count: int


def _rule(r) -> RuleOut:  # type: ignore[no-untyped-def]
    return RuleOut(
        id=r.pk,
        action=r.action,
        title=r.title,
        description=r.description,
        basis=r.basis,
        points_per_unit=r.points_per_unit,
        min_quantity=None if r.min_quantity is None else str(r.min_quantity),
        max_quantity=None if r.max_quantity is None else str(r.max_quantity),
        limit_points=r.limit_points,
        limit_period=r.limit_period,
        confirm_by=r.confirm_by,
        active=r.active,
    )


def _claim(c: Claim) -> ClaimOut:
    points = None
    if c.transaction_id:
        points = sum(
            e.amount
            for e in c.transaction.entries.all()
            if e.account.kind in ("household", "person")
        )
    return ClaimOut(
        id=c.pk,
        rule_id=c.rule_id,
        rule=c.rule.title,
        person=c.person.name,
        quantity=str(c.quantity),
        occurred_on=c.occurred_on,
        status=c.status,
        reason=c.reason,
        points=points,
    )


def _redemption(r: Redemption, created: bool = False) -> RedemptionOut:
    return RedemptionOut(
        id=r.pk,
        goods_id=r.goods_id,
        goods=r.goods.name,
        quantity=r.quantity,
        points=r.points,
        status=r.status,
        online=r.online,
        created=created,
        balance=services.account_balance(r.account_id),
    )


@router.get("/me", response=MineOut, summary="My balance, entries and my points code")
def me(request: HttpRequest) -> MineOut:
    mine = selectors.my_points(request.viewer)
    entries = []
    if mine.account is not None:
        entries = [
            EntryOut(
                transaction=e.transaction_id,
                kind=e.kind,
                date=e.occurred_on,
                amount=e.amount,
                memo=e.transaction.memo,
            )
            for e in selectors.account_entries(mine.account)
        ]
    return MineOut(
        village_id=mine.village.pk if mine.village else None,
        village=mine.village.name if mine.village else "",
        account_id=mine.account.pk if mine.account else None,
        balance=mine.balance,
        code=services.code_make(request.viewer.person_id) if mine.account else "",
        entries=entries,
    )


@router.put("/me/leaderboard", response=dict, summary="Opt out of (or back into) the leaderboard")
def me_opt_out(request: HttpRequest, opt_out: bool) -> dict:
    services.leaderboard_opt_out_set(viewer=request.viewer, actor=request.user, opt_out=opt_out)
    return {"opt_out": opt_out}


@router.get("/villages/{village_id}/rules", response=list[RuleOut])
def rule_list(request: HttpRequest, village_id: int) -> list[RuleOut]:
    mine = selectors.my_points(request.viewer)
    if mine.village is not None and mine.village.pk == village_id:
        village = mine.village
    else:
        village = selectors.village_get(request.viewer, village_id)
    return [_rule(r) for r in selectors.rules_of(village)]


@router.post("/villages/{village_id}/rules", response={201: RuleOut})
def rule_create(request: HttpRequest, village_id: int, data: RuleIn) -> Reply:
    village = selectors.village_get(request.viewer, village_id)
    rule = services.rule_save(
        viewer=request.viewer, actor=request.user, village=village, **data.dict()
    )
    return Reply(201, _rule(rule))


@router.get("/claims", response=list[ClaimOut])
def claim_list(request: HttpRequest, status: str = "") -> list[ClaimOut]:
    rows = selectors.claim_list(request.viewer, status=status).prefetch_related(
        "transaction__entries__account"
    )[:200]
    return [_claim(c) for c in rows]


@router.post("/claims", response={200: ClaimOut, 201: ClaimOut}, summary="Claim (multipart)")
def claim_submit(
    request: HttpRequest,
    rule_id: Form[int],
    idempotency_key: Form[str],
    quantity: Form[str] = "1",
    occurred_on: Form[dt.date | None] = None,
    note: Form[str] = "",
    photo: File[UploadedFile] = None,  # type: ignore[assignment]
) -> Reply:
    rule = selectors.rule_get(request.viewer, rule_id)
    claim, created = services.claim_submit(
        viewer=request.viewer,
        actor=request.user,
        rule=rule,
        photo=photo,
        idempotency_key=idempotency_key,
        quantity=quantity,
        occurred_on=occurred_on,
        note=note,
    )
    return Reply(201 if created else 200, _claim(claim))


@router.post("/claims/{claim_id}/decide", response=ClaimOut)
def claim_decide(request: HttpRequest, claim_id: int, data: DecideIn) -> ClaimOut:
    claim = selectors.claim_get(request.viewer, claim_id)
    claim = services.claim_decide(
        viewer=request.viewer,
        actor=request.user,
        claim=claim,
        confirm=data.confirm,
        reason=data.reason,
    )
    return _claim(claim)


@router.get("/villages/{village_id}/goods", response=list[GoodsOut])
def goods_list(request: HttpRequest, village_id: int) -> list[GoodsOut]:
    mine = selectors.my_points(request.viewer)
    if mine.village is not None and mine.village.pk == village_id:
        village = mine.village
    else:
        village = selectors.village_get(request.viewer, village_id, "points.counter")
    return [
        GoodsOut(
            id=g.pk,
            name=g.name,
            unit=g.unit,
            points_price=g.points_price,
            stock=g.stock,
            active=g.active,
        )  # type: ignore[attr-defined]
        for g in selectors.goods_of(village)
    ]


@router.post("/reservations", response={200: RedemptionOut, 201: RedemptionOut})
def reserve(request: HttpRequest, data: ReserveIn) -> Reply:
    goods = selectors.goods_get(request.viewer, data.goods_id)
    r, created = services.reservation_make(
        viewer=request.viewer,
        actor=request.user,
        goods=goods,
        quantity=data.quantity,
        idempotency_key=data.idempotency_key,
    )
    return Reply(201 if created else 200, _redemption(r, created))


@router.post("/redemptions/{redemption_id}/cancel", response=RedemptionOut)
def reservation_cancel(request: HttpRequest, redemption_id: int) -> RedemptionOut:
    r = selectors.redemption_get(request.viewer, redemption_id)
    r = services.reservation_cancel(viewer=request.viewer, actor=request.user, redemption=r)
    return _redemption(r)


@router.post("/redemptions/{redemption_id}/collect", response=RedemptionOut)
def reservation_collect(request: HttpRequest, redemption_id: int) -> RedemptionOut:
    r = selectors.redemption_get(request.viewer, redemption_id)
    r = services.reservation_collect(viewer=request.viewer, actor=request.user, redemption=r)
    return _redemption(r)


@router.get("/redemptions", response=list[RedemptionOut])
def redemption_list(request: HttpRequest) -> list[RedemptionOut]:
    return [_redemption(r) for r in selectors.redemption_list(request.viewer)[:200]]


@router.post(
    "/counter/redeem",
    response={200: RedemptionOut, 201: RedemptionOut},
    summary="Redeem at the counter: the resident's code (or a household) and goods",
)
def counter_redeem(request: HttpRequest, data: RedeemIn) -> Reply:
    goods = selectors.goods_get(request.viewer, data.goods_id, counter=True)
    household = None
    if data.household_id is not None:
        household = selectors.household_get(request.viewer, data.household_id)
    r, created = services.counter_redeem(
        viewer=request.viewer,
        actor=request.user,
        goods=goods,
        quantity=data.quantity,
        idempotency_key=data.idempotency_key,
        code=data.code,
        household=household,
    )
    return Reply(201 if created else 200, _redemption(r, created))


@router.get("/groups/{group_id}/leaderboard", response=list[RankOut])
def leaderboard(request: HttpRequest, group_id: int) -> list[RankOut]:
    group = selectors.group_get(request.viewer, group_id)
    return [RankOut(**r.__dict__) for r in selectors.leaderboard(request.viewer, group)]


@router.get("/villages/{village_id}/statements", response=list[StatementRow])
def statements(request: HttpRequest, village_id: int, year: int | None = None) -> list:
    village = selectors.village_get(request.viewer, village_id, "points.counter")
    return selectors.monthly_statement(village, year=year or timezone.localdate().year)
