"""Pages of 积分制: my points and my code, claims, the rule table, the counter, goods and
stock with monthly statements, the leaderboard, dividends. Thin: parse, call one service or
selector, render."""

import datetime as dt
import io
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound, PermissionDenied
from wugong.core.http import run_then_redirect
from wugong.meetings.checkin import qr_svg
from wugong.people.models import Household
from wugong.places.models import Place
from wugong.points import selectors, services
from wugong.points.models import (
    AccountBasis,
    ClaimStatus,
    Confirmer,
    LeaderboardOptOut,
    LimitPeriod,
    RedemptionStatus,
    RuleBasis,
)


def _key() -> str:
    return str(uuid.uuid4())


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _village(request: HttpRequest, rule: str) -> Place:
    """The ?village= asked for, else the first village the viewer may ``rule``."""
    raw = request.GET.get("village") or request.POST.get("village") or ""
    if raw.isdigit():
        return selectors.village_get(request.viewer, int(raw), rule)
    first = selectors.managed_villages(request.viewer, rule).first()
    if first is None:
        raise Http404
    return first


def _domain(func: Any) -> Any:
    """Turn a NotFound into a 404 and a PermissionDenied into a 403 page."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return func(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except PermissionDenied as e:
            return render(request, "points/denied.html", {"error": str(e)}, status=403)

    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    return login_required(wrapped)


# --- the resident -----------------------------------------------------------------------------
@_domain
def mine(request: HttpRequest) -> HttpResponse:
    """我的积分: balance, history, goods to reserve, my reservations, leaderboard choice."""
    viewer = request.viewer
    me = selectors.my_points(viewer)
    context: dict[str, Any] = {"me": me, "key": _key()}
    if me.account is not None:
        context.update(
            entries=list(selectors.account_entries(me.account, limit=100)),
            goods=selectors.goods_of(me.village, only_active=True),
            reservations=list(
                selectors.redemption_list(viewer)
                .filter(account=me.account, status=RedemptionStatus.RESERVED)
                .order_by("-created_at")
            ),
            opted_out=LeaderboardOptOut.objects.filter(account=me.account).exists(),
            group_id=Household.objects.filter(pk=viewer.household_id)
            .values_list("place_id", flat=True)
            .first(),
        )
    context["can_manage"] = viewer.has_rule("points.manage")
    context["can_counter"] = viewer.has_rule("points.counter")
    return render(request, "points/mine.html", context)


@_domain
def code(request: HttpRequest) -> HttpResponse:
    """我的积分码: a signed code, good for ten minutes, that the counter scans."""
    me = selectors.my_points(request.viewer)
    if me.account is None:
        raise Http404
    token = services.code_make(request.viewer.person_id)
    url = request.build_absolute_uri(reverse("points:counter") + f"?code={token}")
    context = {"me": me, "token": token, "svg": qr_svg(url), "minutes": 10}
    return render(request, "points/code.html", context)


@require_POST
@_domain
def opt_out(request: HttpRequest) -> HttpResponse:
    choice = request.POST.get("opt_out") == "1"
    return run_then_redirect(
        request,
        lambda: services.leaderboard_opt_out_set(
            viewer=request.viewer, actor=request.user, opt_out=choice
        ),
        ok=_("已保存排行榜显示设置。"),
        to="points:mine",
    )


@require_POST
@_domain
def reserve(request: HttpRequest) -> HttpResponse:
    goods = selectors.goods_get(request.viewer, _int(request.POST.get("goods")))
    return run_then_redirect(
        request,
        lambda: services.reservation_make(
            viewer=request.viewer,
            actor=request.user,
            goods=goods,
            quantity=request.POST.get("quantity") or 1,
            idempotency_key=request.POST.get("idempotency_key", ""),
        ),
        ok=_("已预约，请到积分超市领取。"),
        to="points:mine",
    )


@require_POST
@_domain
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = selectors.redemption_get(request.viewer, pk)
    back = request.POST.get("next") == "counter"
    return run_then_redirect(
        request,
        lambda: services.reservation_cancel(
            viewer=request.viewer, actor=request.user, redemption=redemption
        ),
        ok=_("预约已取消，积分已退回。"),
        to="points:counter" if back else "points:mine",
    )


def _int(value: Any) -> int:
    text = str(value or "")
    if not text.isdigit():
        raise NotFound(_("找不到。"))
    return int(text)


# --- claims -------------------------------------------------------------------------------------
@_domain
def claims(request: HttpRequest) -> HttpResponse:
    """积分申报: claim with a photo; cadres confirm or reject with a reason."""
    viewer = request.viewer
    error = ""
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            rule = selectors.rule_get(viewer, _int(request.POST.get("rule")))
            on = request.POST.get("occurred_on") or ""
            services.claim_submit(
                viewer=viewer,
                actor=request.user,
                rule=rule,
                photo=request.FILES.get("photo"),
                idempotency_key=request.POST.get("idempotency_key", ""),
                quantity=request.POST.get("quantity") or 1,
                occurred_on=dt.date.fromisoformat(on) if on else None,
                note=request.POST.get("note", ""),
            )
        except ValueError:
            error = _("日期格式不正确。")
        except NotFound as e:
            error = str(e)
        except DomainError as e:
            error = str(e)
        else:
            messages.success(request, _("已提交申报，等待村干部确认。"))
            return redirect("points:claims")
    status = request.GET.get("status", "")
    context = {
        "rules": list(selectors.claimable_rules(viewer)),
        "claims": list(selectors.claim_list(viewer, status=status)[:100]),
        "statuses": ClaimStatus.choices,
        "status": status,
        "key": _key(),
        "error": error,
        "values": values,
        "manage_paths": [a.place_path for a in viewer.granting("points.manage")],
        "can_manage": viewer.has_rule("points.manage"),
    }
    return render(request, "points/claims.html", context, status=400 if error else 200)


@require_POST
@_domain
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get(request.viewer, pk)
    confirm = request.POST.get("decision") == "confirm"
    return run_then_redirect(
        request,
        lambda: services.claim_decide(
            viewer=request.viewer,
            actor=request.user,
            claim=claim,
            confirm=confirm,
            reason=request.POST.get("reason", ""),
        ),
        ok=_("已确认，积分已记入。") if confirm else _("已驳回。"),
        to="points:claims",
    )


@_domain
def claim_photo(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get(request.viewer, pk)
    claim.photo.open("rb")
    with claim.photo:
        data = claim.photo.read()
    kind = "image/jpeg" if data[:3] == b"\xff\xd8\xff" else "image/png"
    if data[:4] == b"RIFF":
        kind = "image/webp"
    return HttpResponse(data, content_type=kind)


# --- the rule table -----------------------------------------------------------------------------
@_domain
def rules(request: HttpRequest) -> HttpResponse:
    """积分规则: the village's rule table and settings (per household or person, expiry)."""
    viewer = request.viewer
    village = _village(request, "points.manage")
    error = ""
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            if request.POST.get("form") == "settings":
                services.settings_save(
                    viewer=viewer,
                    actor=request.user,
                    village=village,
                    account_basis=request.POST.get("account_basis", ""),
                    expiry_years=request.POST.get("expiry_years", ""),
                )
            else:
                rule = None
                if request.POST.get("rule"):
                    rule = selectors.rule_get(viewer, _int(request.POST["rule"]), manage=True)
                services.rule_save(
                    viewer=viewer,
                    actor=request.user,
                    village=village,
                    rule=rule,
                    action=request.POST.get("action", ""),
                    title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    basis=request.POST.get("basis", ""),
                    points_per_unit=request.POST.get("points_per_unit", ""),
                    min_quantity=request.POST.get("min_quantity", ""),
                    max_quantity=request.POST.get("max_quantity", ""),
                    limit_points=request.POST.get("limit_points", ""),
                    limit_period=request.POST.get("limit_period", ""),
                    confirm_by=request.POST.get("confirm_by", ""),
                    active=request.POST.get("active", "1") == "1",
                )
        except DomainError as e:
            error = str(e)
        else:
            messages.success(request, _("已保存。"))
            return redirect(reverse("points:rules") + f"?village={village.pk}")
    from wugong.core.signals import DEED_ACTIONS

    context = {
        "village": village,
        "villages": list(selectors.managed_villages(viewer)),
        "settings": services.settings_for(village),
        "rules": list(selectors.rules_of(village)),
        "bases": RuleBasis.choices,
        "periods": LimitPeriod.choices,
        "confirmers": Confirmer.choices,
        "account_bases": AccountBasis.choices,
        "deed_actions": DEED_ACTIONS,
        "error": error,
        "values": values,
    }
    return render(request, "points/rules.html", context, status=400 if error else 200)


# --- the counter and the supermarket ------------------------------------------------------------
@_domain
def counter(request: HttpRequest) -> HttpResponse:
    """积分超市柜台: scan or enter the resident's code, pick goods and quantity, confirm."""
    viewer = request.viewer
    village = _village(request, "points.counter")
    error = ""
    code_text = request.GET.get("code") or request.POST.get("code") or ""
    if request.method == "POST":
        try:
            goods = selectors.goods_get(viewer, _int(request.POST.get("goods")), counter=True)
            household = None
            if request.POST.get("household"):
                household = selectors.household_get(viewer, _int(request.POST["household"]))
            r, _created = services.counter_redeem(
                viewer=viewer,
                actor=request.user,
                goods=goods,
                quantity=request.POST.get("quantity") or 1,
                idempotency_key=request.POST.get("idempotency_key", ""),
                code=code_text,
                household=household,
            )
        except NotFound:
            raise
        except DomainError as e:
            error = str(e)
        else:
            messages.success(
                request,
                _("兑换成功：%(g)s×%(q)s，扣%(p)s分，余额%(b)s分。")
                % {
                    "g": r.goods.name,
                    "q": r.quantity,
                    "p": r.points,
                    "b": services.account_balance(r.account_id),
                },
            )
            return redirect(reverse("points:counter") + f"?village={village.pk}")
    who = None
    if code_text and not error:
        try:
            person_id = services.code_read(code_text)
            from wugong.people.models import Person

            person = Person.objects.select_related("household").filter(pk=person_id).first()
            if person and person.household:
                if not person.household.place_path.startswith(village.path):
                    raise Http404
                account = services.member_account(
                    village, household=person.household, person=person
                )
                who = {
                    "name": person.name,
                    "address": person.household.address,
                    "balance": services.account_balance(account.pk) if account else 0,
                }
        except DomainError as e:
            error = str(e)
    context = {
        "village": village,
        "villages": list(selectors.managed_villages(viewer, "points.counter")),
        "goods": selectors.goods_of(village, only_active=True),
        "code": code_text,
        "who": who,
        "key": _key(),
        "error": error,
        "reserved": list(
            selectors.redemption_list(viewer, village=village).filter(
                status=RedemptionStatus.RESERVED
            )[:50]
        ),
    }
    return render(request, "points/counter.html", context, status=400 if error else 200)


@require_POST
@_domain
def collect(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = selectors.redemption_get(request.viewer, pk)
    return run_then_redirect(
        request,
        lambda: services.reservation_collect(
            viewer=request.viewer, actor=request.user, redemption=redemption
        ),
        ok=_("已领取。"),
        to="points:counter",
    )


@_domain
def goods(request: HttpRequest) -> HttpResponse:
    """商品与库存: goods, stock in and stocktaking, recent movements, monthly statement."""
    viewer = request.viewer
    village = _village(request, "points.counter")
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("form") == "stock":
                item = selectors.goods_get(viewer, _int(request.POST.get("goods")), counter=True)
                services.stock_move(
                    viewer=viewer,
                    actor=request.user,
                    goods=item,
                    kind=request.POST.get("kind", ""),
                    quantity=request.POST.get("quantity", ""),
                    note=request.POST.get("note", ""),
                )
            else:
                item = None
                if request.POST.get("goods"):
                    item = selectors.goods_get(viewer, _int(request.POST["goods"]), counter=True)
                services.goods_save(
                    viewer=viewer,
                    actor=request.user,
                    village=village,
                    goods=item,
                    name=request.POST.get("name", ""),
                    unit=request.POST.get("unit", "") or _("件"),
                    points_price=request.POST.get("points_price", ""),
                    active=request.POST.get("active", "1") == "1",
                )
        except DomainError as e:
            error = str(e)
        else:
            messages.success(request, _("已保存。"))
            return redirect(reverse("points:goods") + f"?village={village.pk}")
    year = _year(request)
    context = {
        "village": village,
        "villages": list(selectors.managed_villages(viewer, "points.counter")),
        "goods": selectors.goods_of(village),
        "statement": selectors.monthly_statement(village, year=year),
        "year": year,
        "error": error,
    }
    return render(request, "points/goods.html", context, status=400 if error else 200)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


def _xlsx(title: str, header: list[str], rows: list[list[Any]], filename: str) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@_domain
def statement_xlsx(request: HttpRequest) -> HttpResponse:
    village = _village(request, "points.counter")
    year = _year(request)
    rows = selectors.monthly_statement(village, year=year)
    return _xlsx(
        _("月度兑换报表"),
        [_("月份"), _("商品"), _("数量"), _("积分"), _("笔数")],
        [[r["month"], r["goods"], r["quantity"], r["points"], r["count"]] for r in rows],
        f"points-statement-{village.pk}-{year}.xlsx",
    )


# --- leaderboard ----------------------------------------------------------------------------------
@_domain
def leaderboard(request: HttpRequest) -> HttpResponse:
    """积分排行榜 per 村民小组; residents who opted out show as "某户"."""
    groups = list(selectors.groups_visible(request.viewer))
    raw = request.GET.get("group", "")
    group = selectors.group_get(request.viewer, int(raw)) if raw.isdigit() else None
    if group is None and groups:
        group = groups[0]
    ranks = selectors.leaderboard(request.viewer, group) if group else []
    return render(
        request, "points/leaderboard.html", {"groups": groups, "group": group, "ranks": ranks}
    )


# --- dividends ----------------------------------------------------------------------------------
@_domain
def dividends(request: HttpRequest) -> HttpResponse:
    """股份+积分分红: list, and for managers a new round and the households' shares."""
    viewer = request.viewer
    error = ""
    villages = list(selectors.managed_villages(viewer))
    if request.method == "POST":
        try:
            village = _village(request, "points.manage")
            if request.POST.get("form") == "shares":
                household = selectors.household_get(
                    viewer, _int(request.POST.get("household")), "points.manage"
                )
                services.shareholding_set(
                    viewer=viewer,
                    actor=request.user,
                    household=household,
                    land=request.POST.get("land", "0"),
                    house=request.POST.get("house", "0"),
                    money=request.POST.get("money", "0"),
                )
            else:
                yuan = request.POST.get("pool_yuan", "").strip()
                pool_fen = _yuan_to_fen(yuan)
                as_of = request.POST.get("as_of") or timezone.localdate().isoformat()
                d = services.dividend_create(
                    viewer=viewer,
                    actor=request.user,
                    village=village,
                    title=request.POST.get("title", ""),
                    enterprise=request.POST.get("enterprise", ""),
                    pool_fen=pool_fen,
                    shares_percent=request.POST.get("shares_percent", ""),
                    as_of=dt.date.fromisoformat(as_of),
                    land_weight=request.POST.get("land_weight", "1"),
                    house_weight=request.POST.get("house_weight", "1"),
                    money_weight=request.POST.get("money_weight", "1"),
                )
                return redirect("points:dividend", pk=d.pk)
        except ValueError:
            error = _("金额或日期格式不正确。")
        except DomainError as e:
            error = str(e)
        else:
            messages.success(request, _("已保存。"))
            return redirect("points:dividends")
    context = {
        "dividends": list(selectors.dividend_list(viewer)[:100]),
        "villages": villages,
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "points/dividends.html", context, status=400 if error else 200)


def _yuan_to_fen(text: str) -> int:
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(text)
    return int(fen)


@_domain
def dividend(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.dividend_get(request.viewer, pk)
    if request.method == "POST":
        return run_then_redirect(
            request,
            lambda: services.dividend_publish(
                viewer=request.viewer, actor=request.user, dividend=d
            ),
            ok=_("已公布。"),
            to="points:dividend",
            pk=d.pk,
        )
    parts = list(selectors.dividend_parts(request.viewer, d))
    for p in parts:
        p.yuan = _money(p.amount_fen)  # type: ignore[attr-defined]
    context = {
        "d": d,
        "parts": parts,
        "pool": _money(d.pool_fen),
        "total": _money(sum(p.amount_fen for p in parts)),
        "can_manage": request.viewer.can_place("points.manage", d.place),
    }
    return render(request, "points/dividend.html", context)


@_domain
def dividend_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.dividend_get(request.viewer, pk)
    parts = selectors.dividend_parts(request.viewer, d)
    rows = [
        [
            p.household.head.name if p.household.head else "",
            p.household.address,
            p.share_units,
            p.points,
            _money(p.amount_fen),
        ]
        for p in parts
    ]
    return _xlsx(
        _("分红明细"),
        [_("户主"), _("地址"), _("折算股数"), _("积分"), _("分红金额（元）")],
        rows,
        f"dividend-{d.pk}.xlsx",
    )
