"""The demo's part of 积分制: rule tables for the first villages (volunteer hours 2 points an
hour, at most 20 a month; a Friday inspection of 90 % or more 5 points; a meeting attended 2
points; deductions for a failed inspection and littering), a points supermarket (肥皂, 洗衣粉,
食用油, 毛巾, 牙膏) with stock, deeds that earned points, some claims, and redemptions. The printed
resident's household has a balance and can redeem soap at the counter.

Deeds recorded by other parts earlier (volunteers, inspections) had no rule table yet; only
this part's own deeds are guaranteed to have earned."""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from wugong.core.demo import DemoContext
from wugong.people.models import Household, Person
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.points import services

ADMIN = Viewer(user_id=None, person_id=None, household_id=None,
               assignments=(Assignment(Role.SYSTEM_ADMIN, 0, "/"),))  # fmt: skip

RULES = [
    # action, title, points, basis, min, max, limit, period, confirm, description
    ("volunteer.hours", "志愿服务", 2, "per_unit", None, None, 20, "month", "auto",
     "每小时2分，不足一分不计，每月最多20分"),
    ("inspection.scored", "周五检查优秀", 5, "flat", "90", None, None, "", "auto",
     "周五检查得分90分及以上"),
    ("inspection.scored", "周五检查不合格", -3, "flat", None, "60", None, "", "auto",
     "周五检查得分不足60分扣分"),
    ("meeting.attended", "参加会议", 2, "flat", None, None, None, "", "auto", "每次2分"),
    ("project.labour", "投工投劳", 3, "per_unit", None, None, 30, "month", "auto", "每工日3分"),
    ("清扫公共区域", "清扫公共区域", 3, "flat", None, None, 12, "month", "cadre",
     "拍照申报，村干部确认"),
    ("移风易俗", "红白喜事简办", 10, "flat", None, None, 10, "year", "cadre", "拍照申报"),
    ("乱扔垃圾", "乱扔垃圾", -5, "flat", None, None, None, "", "cadre", "扣分"),
]  # fmt: skip

GOODS = [("肥皂", "块", 10, 120), ("洗衣粉", "袋", 20, 80), ("食用油", "桶", 150, 20),
         ("毛巾", "条", 15, 60), ("牙膏", "支", 12, 50)]  # fmt: skip


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (60, 140, 60)).save(out, "PNG")
    return SimpleUploadedFile("claim.png", out.getvalue(), content_type="image/png")


def load(ctx: DemoContext) -> None:
    printed_id = (ctx.data.get("role_people") or {}).get(Role.RESIDENT)
    printed = Person.objects.select_related("household").filter(pk=printed_id).first()
    villages = list(Place.objects.filter(kind__in=GRASSROOTS_KINDS).order_by("id")[:4])
    if printed is not None and printed.household is not None:
        home = services.village_of(printed.household.place)
        if home is not None:  # the printed resident's village first: it gets their household
            villages = [home] + [v for v in villages if v != home]
    today = timezone.localdate()
    for n, village in enumerate(villages):
        _village(ctx, village, today, printed if n == 0 else None)


def _village(ctx: DemoContext, village: Place, today: dt.date, printed: Person | None) -> None:
    rules = {}
    for action, title, pts, basis, low, high, limit, period, confirm, desc in RULES:
        rules[title] = services.rule_save(
            viewer=ADMIN, actor=None, village=village, action=action, title=title,
            points_per_unit=pts, basis=basis, min_quantity=low, max_quantity=high,
            limit_points=limit, limit_period=period, confirm_by=confirm, description=desc,
        )  # fmt: skip
    goods = {}
    for name, unit, price, stock in GOODS:
        goods[name] = services.goods_save(
            viewer=ADMIN, actor=None, village=village, name=name, unit=unit, points_price=price
        )
        services.stock_move(viewer=ADMIN, actor=None, goods=goods[name], kind="in",
                            quantity=stock, note="首批入库")  # fmt: skip
    households = list(
        Household.objects.filter(place_path__startswith=village.path)
        .select_related("head")
        .order_by("id")[:40]
    )
    if printed is not None and printed.household not in households:
        households.insert(0, printed.household)
    rng = ctx.rng
    for i, h in enumerate(households):
        for week in range(6):
            day = today - dt.timedelta(days=7 * week + 3)
            if rng.random() < 0.6 or (printed and h == printed.household):
                services.deed_award(
                    action="volunteer.hours", place=h.place, household_id=h.pk,
                    quantity=Decimal(rng.choice(["2", "3", "1.5", "4"])),
                    source=f"demo.points.volunteer:{h.pk}:{week}", occurred_on=day,
                )  # fmt: skip
            services.deed_award(
                action="inspection.scored", place=h.place, household_id=h.pk,
                quantity=Decimal(rng.choice([95, 92, 88, 75, 55, 98])),
                source=f"demo.points.inspection:{h.pk}:{week}", occurred_on=day,
            )  # fmt: skip
        if i % 5 == 0 and h.head is not None:
            viewer = Viewer(None, h.head.pk, h.pk, (Assignment(Role.RESIDENT, h.place_id,
                                                                h.place_path),))  # fmt: skip
            claim, _c = services.claim_submit(
                viewer=viewer, actor=None, rule=rules["清扫公共区域"], photo=_png(),
                idempotency_key=f"demo-claim-{h.pk}", occurred_on=today - dt.timedelta(days=2),
                note="清扫了村口的垃圾",
            )  # fmt: skip
            if i % 10 == 5:
                services.claim_decide(viewer=ADMIN, actor=None, claim=claim, confirm=True)
    for i, h in enumerate(households[1:12]):
        name = "肥皂" if i % 2 else "洗衣粉"
        try:
            services.counter_redeem(
                viewer=ADMIN, actor=None, goods=goods[name], quantity=1,
                idempotency_key=f"demo-redeem-{village.pk}-{h.pk}", household=h,
            )  # fmt: skip
        except services.ValidationFailed:
            continue  # not enough points yet: fine for a demo
    if printed is not None and printed.household is not None:
        if (
            services.account_balance(
                services.member_account(village, household=printed.household).pk
            )
            >= 15 + 10
        ):  # a towel now, and soap still within reach
            services.counter_redeem(
                viewer=ADMIN, actor=None, goods=goods["毛巾"], quantity=1,
                idempotency_key=f"demo-redeem-printed-{printed.pk}", household=printed.household,
            )  # fmt: skip
        ctx.data["points_printed_household"] = printed.household_id
