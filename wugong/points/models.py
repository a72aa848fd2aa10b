"""积分制 points: a village's rule table, an append-only double-entry ledger, claims, dividends
(股份+积分) and the points supermarket (积分超市).

The ledger is the truth: a balance is the SUM of an account's entries, and a stock level is the
SUM of a goods item's movements. Nothing is edited in place; a correction is a reversal.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class AccountBasis(models.TextChoices):
    HOUSEHOLD = "household", _("按户计分")
    PERSON = "person", _("按人计分")


class PointsSettings(models.Model):
    """A village's (or community's) points settings (积分设置)."""

    place = models.OneToOneField(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    account_basis = models.CharField(
        _("计分对象"), max_length=16, choices=AccountBasis.choices, default=AccountBasis.HOUSEHOLD
    )
    # Points earned in year Y expire at the end of year Y + expiry_years; None: never expire.
    expiry_years = models.PositiveSmallIntegerField(_("积分有效期（年）"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分设置")
        verbose_name_plural = _("积分设置")

    def __str__(self) -> str:
        return self.place_path


class RuleBasis(models.TextChoices):
    PER_UNIT = "per_unit", _("按数量计")
    FLAT = "flat", _("按次计")


class Confirmer(models.TextChoices):
    AUTO = "auto", _("自动（来自其他模块的记录）")
    CADRE = "cadre", _("干部确认（村民申报）")


class LimitPeriod(models.TextChoices):
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")
    YEAR = "year", _("每年")


class PointsRule(models.Model):
    """One line of a village's rule table (积分规则).

    Points = points_per_unit × quantity for per-unit rules, truncated toward zero (a fraction
    of a point is not counted), or points_per_unit once for flat rules; negative for a
    deduction (扣分). A deed applies when its quantity lies in [min_quantity, max_quantity).
    """

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    action = models.CharField(_("事项"), max_length=64)
    title = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True, default="")
    basis = models.CharField(
        _("计分方式"), max_length=16, choices=RuleBasis.choices, default=RuleBasis.PER_UNIT
    )
    points_per_unit = models.IntegerField(_("分值"))
    min_quantity = models.DecimalField(
        _("最低数量"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    max_quantity = models.DecimalField(
        _("数量上限（不含）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    limit_points = models.PositiveIntegerField(_("每期上限（分）"), null=True, blank=True)
    limit_period = models.CharField(
        _("上限周期"), max_length=8, choices=LimitPeriod.choices, blank=True, default=""
    )
    confirm_by = models.CharField(
        _("确认方式"), max_length=8, choices=Confirmer.choices, default=Confirmer.CADRE
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        indexes = [models.Index(fields=["place", "action"], name="points_rule_action_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(points_per_unit=0), name="points_rule_points_nonzero"
            ),
            models.CheckConstraint(
                condition=Q(limit_points__isnull=True) | ~Q(limit_period=""),
                name="points_rule_limit_has_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AccountKind(models.TextChoices):
    HOUSEHOLD = "household", _("住户账户")
    PERSON = "person", _("个人账户")
    ISSUING = "issuing", _("村积分发放账户")
    SUPERMARKET = "supermarket", _("积分超市账户")
    EXPIRY = "expiry", _("过期积分账户")


MEMBER_KINDS = (AccountKind.HOUSEHOLD, AccountKind.PERSON)


class Account(models.Model):
    """A ledger account (积分账户). Its balance is the sum of its entries, never stored."""

    kind = models.CharField(_("类型"), max_length=16, choices=AccountKind.choices)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(kind="household"),
                name="points_account_one_per_household",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(kind="person"), name="points_account_one_per_person"
            ),
            models.UniqueConstraint(
                fields=["place", "kind"],
                condition=Q(kind__in=["issuing", "supermarket", "expiry"]),
                name="points_account_one_village_account",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="household", household__isnull=False, person__isnull=True)
                    | Q(kind="person", person__isnull=False, household__isnull=True)
                    | Q(
                        kind__in=["issuing", "supermarket", "expiry"],
                        person__isnull=True,
                        household__isnull=True,
                    )
                ),
                name="points_account_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class TxnKind(models.TextChoices):
    AWARD = "award", _("奖励")
    DEDUCTION = "deduction", _("扣分")
    REDEMPTION = "redemption", _("兑换")
    REVERSAL = "reversal", _("冲正")
    EXPIRY = "expiry", _("过期")


class Transaction(models.Model):
    """A ledger transaction (积分交易): two or more entries that sum to zero."""

    kind = models.CharField(_("类型"), max_length=16, choices=TxnKind.choices)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    occurred_on = models.DateField(_("日期"))
    memo = models.CharField(_("摘要"), max_length=200, blank=True, default="")
    rule = models.ForeignKey(
        PointsRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The deed that caused it ("volunteers.attendance:42"): a deed sent twice earns once.
    source = models.CharField(_("来源"), max_length=100, null=True, blank=True, unique=True)
    # A form submitted twice (a phone on a bad network) redeems once.
    idempotency_key = models.CharField(
        _("提交标识"), max_length=64, null=True, blank=True, unique=True
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分交易")
        verbose_name_plural = _("积分交易")
        indexes = [models.Index(fields=["place_path", "occurred_on"], name="points_txn_scope_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class Entry(models.Model):
    """One line of a transaction (分录). ``kind``, ``place_path`` and ``occurred_on`` copy the
    transaction's, so balances, per-village totals and periods are one-table scans."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("分值"))
    kind = models.CharField(_("类型"), max_length=16, choices=TxnKind.choices)
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    occurred_on = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("积分分录")
        verbose_name_plural = _("积分分录")
        indexes = [
            models.Index(fields=["account", "occurred_on"], name="points_entry_account_idx"),
            models.Index(fields=["place_path", "kind"], name="points_entry_scope_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="points_entry_amount_nonzero")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未通过")


class Claim(models.Model):
    """A resident's claim for points with a photo (积分申报), confirmed or rejected by a cadre."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    rule = models.ForeignKey(
        PointsRule, on_delete=models.PROTECT, related_name="claims", verbose_name=_("积分规则")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("申报人")
    )
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2, default=1)
    occurred_on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True, default="")
    photo = models.FileField(_("照片"), upload_to="points/claims/%Y/%m/", max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    reason = models.CharField(_("理由"), max_length=300, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="claim"
    )
    idempotency_key = models.CharField(_("提交标识"), max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分申报")
        verbose_name_plural = _("积分申报")
        indexes = [models.Index(fields=["place_path", "status"], name="points_claim_scope_idx")]

    def __str__(self) -> str:
        return f"{self.rule} {self.person_id}"


class Goods(models.Model):
    """A goods item of a village's points supermarket (积分超市商品). Stock is the sum of its
    movements."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    name = models.CharField(_("名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=10, default="件")
    points_price = models.PositiveIntegerField(_("所需积分"))
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="points_goods_unique_name"),
            models.CheckConstraint(condition=Q(points_price__gt=0), name="points_goods_price_pos"),
        ]

    def __str__(self) -> str:
        return self.name


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("已预约待领取")
    COLLECTED = "collected", _("已领取")
    CANCELLED = "cancelled", _("已取消")


class Redemption(models.Model):
    """A redemption (积分兑换): points spent on goods, at the counter or reserved online (预约)
    and collected later. Points and stock leave when it is made; a cancel puts both back."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="redemptions")
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveIntegerField(_("数量"))
    points = models.PositiveIntegerField(_("积分"))
    status = models.CharField(_("状态"), max_length=16, choices=RedemptionStatus.choices)
    online = models.BooleanField(_("线上预约"), default=False)
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="redemption"
    )
    idempotency_key = models.CharField(_("提交标识"), max_length=64, unique=True)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    collected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("兑换记录")
        verbose_name_plural = _("兑换记录")
        indexes = [
            models.Index(fields=["place_path", "created_at"], name="points_redeem_scope_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="points_redeem_qty_pos")
        ]

    def __str__(self) -> str:
        return f"{self.goods} ×{self.quantity}"


class MovementKind(models.TextChoices):
    IN = "in", _("入库")
    REDEMPTION = "redemption", _("兑换出库")
    RELEASE = "release", _("取消预约退回")
    ADJUSTMENT = "adjustment", _("盘点调整")


class StockMovement(models.Model):
    """A stock movement (出入库): the stock of a goods item is the sum of its quantities."""

    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类型"), max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField(_("数量"))
    redemption = models.ForeignKey(
        Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="points_move_qty_nonzero")
        ]

    def __str__(self) -> str:
        return f"{self.goods_id} {self.quantity:+d}"


class LeaderboardOptOut(models.Model):
    """A resident's choice not to appear by name on the leaderboard (个人信息保护): their
    household or account is shown as "某户"."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="opt_out")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("排行榜隐私设置")
        verbose_name_plural = _("排行榜隐私设置")

    def __str__(self) -> str:
        return str(self.account_id)


class DividendStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公布")


class Shareholding(models.Model):
    """A household's shares in the village enterprise (股份): land, house and money shares."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    household = models.OneToOneField(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("住户")
    )
    land_shares = models.PositiveIntegerField(_("土地股"), default=0)
    house_shares = models.PositiveIntegerField(_("房屋股"), default=0)
    money_shares = models.PositiveIntegerField(_("资金股"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("股份")
        verbose_name_plural = _("股份")

    def __str__(self) -> str:
        return str(self.household_id)


class Dividend(models.Model):
    """A profit-sharing round of a village enterprise (股份+积分分红). Each household's part is
    ``shares_percent`` % of the pool by weighted shares and the rest by points balance; parts
    are in fen and sum exactly to the pool (largest remainder)."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/社区")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    title = models.CharField(_("名称"), max_length=100)
    enterprise = models.CharField(_("村集体企业"), max_length=100)
    pool_fen = models.BigIntegerField(_("分红总额（分）"))
    shares_percent = models.PositiveSmallIntegerField(_("按股份分配比例（%）"))
    land_weight = models.PositiveSmallIntegerField(_("土地股权重"), default=1)
    house_weight = models.PositiveSmallIntegerField(_("房屋股权重"), default=1)
    money_weight = models.PositiveSmallIntegerField(_("资金股权重"), default=1)
    as_of = models.DateField(_("积分截止日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=DividendStatus.choices, default=DividendStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分红")
        verbose_name_plural = _("分红")
        constraints = [
            models.CheckConstraint(condition=Q(pool_fen__gt=0), name="points_dividend_pool_pos"),
            models.CheckConstraint(
                condition=Q(shares_percent__lte=100), name="points_dividend_percent_max"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DividendPart(models.Model):
    """One household's part of a dividend (分红明细), computed when the dividend is made."""

    dividend = models.ForeignKey(Dividend, on_delete=models.PROTECT, related_name="parts")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    share_units = models.PositiveIntegerField(_("折算股数"))
    points = models.PositiveIntegerField(_("积分"))
    amount_fen = models.BigIntegerField(_("分红金额（分）"))

    class Meta:
        verbose_name = _("分红明细")
        verbose_name_plural = _("分红明细")
        constraints = [
            models.UniqueConstraint(
                fields=["dividend", "household"], name="points_dividend_part_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dividend_id} {self.household_id}"
