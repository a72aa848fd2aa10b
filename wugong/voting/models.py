"""Votes (表决): a motion or a list of options, an eligibility roll frozen when the vote opens,
ballots cast online (open or secret) and offline tallies entered by a cadre (举手、写正字).

How the tables keep the rules:

- ``RollEntry`` is the frozen roll (投票名册): one row per person or per household, made when
  the vote opens. ``voted_at`` marks that the entry took part, online or in the room — one
  mark per entry, set by a conditional UPDATE, so nobody is counted twice.
- ``Ballot`` is one counted ballot. An open ballot (记名) links to its roll entry (unique);
  a secret ballot (不记名) has NO link to a person and no timestamp, only a random receipt
  code (回执码) the voter keeps. Its primary key is random too, so row ids reveal no order.
- ``BallotChoice`` holds what a ballot chose: one row per (ballot, option) with a value
  (1 for a chosen option, 0–5 stars, or a rank). It carries ``vote`` so a tally is one
  GROUP BY over the index (vote, option, value), read from the index alone.
- ``OfflineTally``/``OfflineCount``: a show of hands or a 正-character blackboard count per
  option, with its photo and the roll entries marked present.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class VoteMethod(models.TextChoices):
    MOTION = "motion", _("赞成/反对/弃权")
    APPROVAL = "approval", _("限选（每票最多选k项）")
    STARS = "stars", _("投星（每项0至5星）")
    RANKED = "ranked", _("排序投票")
    ESTATE = "estate", _("业主共同决定（民法典第二百七十八条）")


class RankedRule(models.TextChoices):
    IRV = "irv", _("即时决选")
    SCHULZE = "schulze", _("舒尔茨法")


class BallotUnit(models.TextChoices):
    PERSON = "person", _("每人一票")
    HOUSEHOLD = "household", _("每户一票")


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("已公布结果")


class MotionPreset(models.TextChoices):
    """The body deciding a motion, and so its statutory quorum and majority (tally.py)."""

    VILLAGE_ASSEMBLY = "village_assembly", _("村民会议（十八周岁以上村民）")
    VILLAGE_ASSEMBLY_HOUSEHOLDS = "village_assembly_households", _("村民会议（户代表）")
    REPRESENTATIVES = "representatives", _("村民代表会议")
    GROUP_MEETING = "group_meeting", _("村民小组会议（十八周岁以上村民）")
    GROUP_MEETING_HOUSEHOLDS = "group_meeting_households", _("村民小组会议（户代表）")
    RESIDENTS_MEETING = "residents_meeting", _("居民会议")
    CUSTOM = "custom", _("自定义通过比例")


class MajorityComparison(models.TextChoices):
    AT_LEAST = "at_least", _("以上（含本数）")
    MORE_THAN = "more_than", _("超过（不含本数）")


class MajorityBase(models.TextChoices):
    PRESENT = "present", _("到会人员")
    VOTING = "voting", _("投赞成或反对票的人员")
    ELIGIBLE = "eligible", _("全体应到人员")


class EstateMatter(models.TextChoices):
    """《民法典》第二百七十八条第一款 items (一)–(九); values match tally.EstateMatter."""

    RULES_OF_PROCEDURE = "rules_of_procedure", _("（一）制定和修改业主大会议事规则")
    MANAGEMENT_STATUTE = "management_statute", _("（二）制定和修改管理规约")
    OWNERS_COMMITTEE = "owners_committee", _("（三）选举或更换业主委员会成员")
    PROPERTY_MANAGER = "property_manager", _("（四）选聘和解聘物业服务企业")
    USE_REPAIR_FUND = "use_repair_fund", _("（五）使用维修资金")
    RAISE_REPAIR_FUND = "raise_repair_fund", _("（六）筹集维修资金")
    REBUILD = "rebuild", _("（七）改建、重建建筑物及其附属设施（如加装电梯）")
    CHANGE_COMMON_PARTS = "change_common_parts", _("（八）改变共有部分用途或用于经营")
    OTHER_MAJOR = "other_major", _("（九）其他重大事项")


class Vote(models.Model):
    """A vote (表决) held at a place, from draft to published results."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="votes", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    title = models.CharField(_("表决事项"), max_length=200)
    description = models.TextField(_("说明"), blank=True, default="")
    method = models.CharField(_("表决方式"), max_length=16, choices=VoteMethod.choices)
    ranked_rule = models.CharField(
        _("排序计票规则"), max_length=16, choices=RankedRule.choices, default=RankedRule.IRV
    )
    unit = models.CharField(_("投票单位"), max_length=16, choices=BallotUnit.choices)
    secret = models.BooleanField(_("不记名投票"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=VoteStatus.choices, default=VoteStatus.DRAFT
    )
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    # Motions: the body's statutory rule, or a configured majority (e.g. 2/3 of those present).
    preset = models.CharField(
        _("议事规则"), max_length=32, choices=MotionPreset.choices, blank=True, default=""
    )
    majority_numerator = models.PositiveSmallIntegerField(_("通过比例分子"), null=True, blank=True)
    majority_denominator = models.PositiveSmallIntegerField(
        _("通过比例分母"), null=True, blank=True
    )
    majority_comparison = models.CharField(
        _("比例口径"),
        max_length=16,
        choices=MajorityComparison.choices,
        default=MajorityComparison.AT_LEAST,
    )
    majority_base = models.CharField(
        _("表决基数"), max_length=16, choices=MajorityBase.choices, default=MajorityBase.PRESENT
    )
    # Estate owners' votes: the matter, the 单元 whose owners decide, the cost shared by floor.
    estate_matter = models.CharField(
        _("业主表决事项"), max_length=32, choices=EstateMatter.choices, blank=True, default=""
    )
    building_unit = models.CharField(_("单元"), max_length=20, blank=True, default="")
    cost_total_fen = models.BigIntegerField(_("分摊总额（分）"), null=True, blank=True)
    floor_weights = models.JSONField(_("楼层分摊系数"), default=dict, blank=True)
    cost_by_area = models.BooleanField(_("按楼层系数×面积分摊"), default=False)
    # Approval and stars.
    max_choices = models.PositiveSmallIntegerField(_("每票最多选"), null=True, blank=True)
    seats = models.PositiveSmallIntegerField(_("应选名额"), default=1)
    roll_size = models.PositiveIntegerField(_("应到（名册人数/户数）"), default=0)
    result = models.JSONField(_("公布的结果"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("截止操作时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        indexes = [models.Index(fields=["place_path", "status"], name="vote_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="vote_window_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(method="estate", secret=True), name="vote_estate_not_secret"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="vote_seats_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_motion_like(self) -> bool:
        return self.method in {VoteMethod.MOTION, VoteMethod.ESTATE}


class VoteOption(models.Model):
    """An option on the ballot. Motions get 赞成/反对/弃权 with codes for/against/abstain."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("选项"), max_length=100)
    code = models.CharField(_("代码"), max_length=16, blank=True, default="")
    position = models.PositiveSmallIntegerField(_("顺序"))

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "position"], name="option_unique_position"),
            models.UniqueConstraint(fields=["vote", "label"], name="option_unique_label"),
        ]

    def __str__(self) -> str:
        return self.label


class Channel(models.TextChoices):
    ONLINE = "online", _("线上投票")
    OFFLINE = "offline", _("现场计票")
    PROXY = "proxy", _("委托投票")


class RollEntry(models.Model):
    """One line of the frozen roll (投票名册): a person or a household, with area for estates.

    ``voted_at`` says the entry took part (and how: ``channel``); for a secret ballot that is
    all that is known — which ballot is theirs is stored nowhere.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="roll")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名册姓名/住户"), max_length=200)
    floor_area = models.DecimalField(
        _("专有部分面积"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    building_unit = models.CharField(_("单元"), max_length=20, blank=True, default="")
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    voted_at = models.DateTimeField(_("投票时间"), null=True, blank=True)
    channel = models.CharField(
        _("投票渠道"), max_length=16, choices=Channel.choices, blank=True, default=""
    )
    # A proxy ballot (委托投票): who held the proxy and cast it for this entry.
    proxy_holder = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("受托人"),
    )
    offline_tally = models.ForeignKey(
        "OfflineTally",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="present_entries",
    )

    class Meta:
        verbose_name = _("投票名册")
        verbose_name_plural = _("投票名册")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True) ^ Q(household__isnull=True),
                name="roll_person_xor_household",
            ),
            models.UniqueConstraint(
                fields=["vote", "person"],
                condition=Q(person__isnull=False),
                name="roll_unique_person",
            ),
            models.UniqueConstraint(
                fields=["vote", "household"],
                condition=Q(household__isnull=False),
                name="roll_unique_household",
            ),
            models.CheckConstraint(
                condition=Q(voted_at__isnull=True, channel="")
                | Q(voted_at__isnull=False) & ~Q(channel=""),
                name="roll_voted_has_channel",
            ),
        ]

    def __str__(self) -> str:
        return self.name


RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud safely
RECEIPT_LENGTH = 10  # ~49.5 bits


def receipt_new() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def ballot_id_new() -> int:
    """A random primary key: a secret ballot's id must not tell in which order it came."""
    return secrets.randbits(62) + 1


class Ballot(models.Model):
    """One counted online ballot. A secret ballot has ``entry`` NULL and no timestamps."""

    id = models.BigIntegerField(primary_key=True, editable=False)  # ballot_id_new()
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    entry = models.OneToOneField(
        RollEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="ballot"
    )
    receipt = models.CharField(_("回执码"), max_length=16, unique=True)  # receipt_new()
    size = models.PositiveSmallIntegerField(_("所选项数"), default=0)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        indexes = [models.Index(fields=["vote", "size"], name="ballot_vote_idx")]

    def __str__(self) -> str:
        return self.receipt


class BallotChoice(models.Model):
    """What a ballot chose for one option: 1 (chosen), 0–5 stars, or a rank (1 = first)."""

    pk = models.CompositePrimaryKey("ballot_id", "option_id")
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(VoteOption, on_delete=models.CASCADE, related_name="+")
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(_("值"))

    class Meta:
        verbose_name = _("选票内容")
        verbose_name_plural = _("选票内容")
        indexes = [models.Index(fields=["vote", "option", "value"], name="choice_tally_idx")]

    def __str__(self) -> str:
        return f"{self.option_id}={self.value}"


class OfflineTally(models.Model):
    """An offline count (线下计票): a show of hands or a 正-character blackboard, with photo."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="offline_tallies")
    meeting = models.CharField(_("会议/地点"), max_length=200)
    present = models.PositiveIntegerField(_("到场登记人数"))
    photo = models.FileField(_("计票照片"), upload_to="votes/offline/%Y/%m/", blank=True)
    note = models.TextField(_("备注"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("线下计票")
        verbose_name_plural = _("线下计票")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.meeting


class OfflineCount(models.Model):
    tally = models.ForeignKey(OfflineTally, on_delete=models.CASCADE, related_name="counts")
    option = models.ForeignKey(VoteOption, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(_("票数"))
    zheng = models.CharField(_("正字记录"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("线下票数")
        verbose_name_plural = _("线下票数")
        constraints = [
            models.UniqueConstraint(fields=["tally", "option"], name="offline_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.option_id}: {self.count}"
