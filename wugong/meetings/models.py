"""Meetings (院场会、村民会议、村民代表会议、居民议事会、理事会) and the statutory procedure for
village decisions, 四议两公开.

A meeting belongs to a place (``place`` + denormalised ``place_path``). Who may be counted for
its quorum (法定人数) is its *roll*, chosen by ``quorum_basis``: adult villagers of the place,
households, the villagers' representatives (``Representative``), the members of a council
(``organisation``) or the party members of the place. The roll is read live, so the quorum on the
meeting page follows every check-in. Thresholds are stored per meeting (fraction + comparison),
filled from the statutory presets of wugong/voting/tally.py and changeable when a body's own
rules differ.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class MeetingKind(models.TextChoices):
    COURTYARD = "courtyard", _("院场会")
    VILLAGE_ASSEMBLY = "village_assembly", _("村民会议")
    REPRESENTATIVES = "representatives", _("村民代表会议")
    RESIDENTS_MEETING = "residents_meeting", _("居民会议")
    RESIDENTS_COUNCIL = "residents_council", _("居民议事会")
    COUNCIL = "council", _("村民理事会")
    PARTY_BRANCH = "party_branch", _("党组织会议")
    TWO_COMMITTEES = "two_committees", _("两委联席会议")
    PARTY_MEMBERS = "party_members", _("党员大会")


# Meetings a council's own members may convene and run (rule "meeting.manage_council").
COUNCIL_KINDS = frozenset({MeetingKind.COUNCIL, MeetingKind.RESIDENTS_COUNCIL})


class QuorumBasis(models.TextChoices):
    """Who is on the roll a quorum is counted over (应到)."""

    NONE = "none", _("不计法定人数")
    ADULTS = "adults", _("十八周岁以上村（居）民")
    HOUSEHOLDS = "households", _("户代表")
    REPRESENTATIVES = "representatives", _("村民代表")
    MEMBERS = "members", _("理事会（议事会）成员")
    PARTY_MEMBERS = "party_members", _("党员")


class Comparison(models.TextChoices):
    """Mirrors tally.Comparison: “超过” excludes the stated number, “以上” includes it."""

    MORE_THAN = "more_than", _("超过（不含本数）")
    AT_LEAST = "at_least", _("以上（含本数）")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("待召开")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


def _checkin_key() -> str:
    return secrets.token_urlsafe(12)


class Meeting(models.Model):
    """A meeting (会议) at a place, with its agenda, attendance, minutes and decisions."""

    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=100)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    starts_at = models.DateTimeField(_("开会时间"))
    location = models.CharField(_("开会地点"), max_length=100)
    convener = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings_convened",
        verbose_name=_("召集人"),
    )
    # For council meetings: the council whose members are the roll.
    organisation = models.ForeignKey(
        "people.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("理事会（议事会）"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    # The quorum: the main test, and for a village assembly the alternative household test
    # (“或者本村三分之二以上的户的代表参加”). Either one met is enough.
    quorum_basis = models.CharField(
        _("法定人数计算依据"), max_length=16, choices=QuorumBasis.choices
    )
    quorum_num = models.PositiveSmallIntegerField(_("比例分子"), default=1)
    quorum_den = models.PositiveSmallIntegerField(_("比例分母"), default=2)
    quorum_comparison = models.CharField(
        _("比较方式"), max_length=10, choices=Comparison.choices, default=Comparison.MORE_THAN
    )
    alt_quorum_basis = models.CharField(
        _("另一法定人数依据"), max_length=16, choices=QuorumBasis.choices, blank=True, default=""
    )
    alt_quorum_num = models.PositiveSmallIntegerField(_("比例分子"), null=True, blank=True)
    alt_quorum_den = models.PositiveSmallIntegerField(_("比例分母"), null=True, blank=True)
    alt_quorum_comparison = models.CharField(
        _("比较方式"), max_length=10, choices=Comparison.choices, blank=True, default=""
    )
    legal_basis = models.TextField(_("法律依据"), blank=True, default="")
    minutes = models.TextField(_("会议记录"), blank=True, default="")
    # The quorum as it stood when the meeting was closed (kept: rolls change afterwards).
    quorum_record = models.JSONField(_("法定人数记录"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("通知发出时间"), null=True, blank=True)
    # Part of every check-in token: replacing it (换码) voids every QR shown so far.
    checkin_key = models.CharField(max_length=32, default=_checkin_key, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        indexes = [models.Index(fields=["place_path", "-starts_at"], name="meeting_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_den__gt=0) & Q(quorum_num__lte=models.F("quorum_den")),
                name="meeting_quorum_fraction_valid",
            ),
            models.CheckConstraint(
                condition=Q(alt_quorum_basis="")
                | (
                    Q(alt_quorum_den__gt=0)
                    & Q(alt_quorum_num__lte=models.F("alt_quorum_den"))
                    & ~Q(alt_quorum_comparison="")
                ),
                name="meeting_alt_quorum_complete",
            ),
            models.CheckConstraint(
                condition=~Q(quorum_basis="members") | Q(organisation__isnull=False),
                name="meeting_members_basis_has_council",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_council(self) -> bool:
        return self.kind in COUNCIL_KINDS

    @property
    def accepts_attendance(self) -> bool:
        return self.status in {MeetingStatus.SCHEDULED, MeetingStatus.OPEN}


class AgendaItem(models.Model):
    """One item of a meeting's agenda (议程): a need from the needs list, or a free motion."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("会议")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    need = models.ForeignKey(
        "needs.Need",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
        verbose_name=_("问题清单事项"),
    )
    text = models.CharField(_("议题"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("议程")
        verbose_name_plural = _("议程")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_position_unique"),
            models.CheckConstraint(
                condition=Q(need__isnull=False) | ~Q(text=""), name="agenda_item_has_subject"
            ),
        ]

    def __str__(self) -> str:
        return self.text or f"#{self.need_id}"


class AttendanceMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    ROLL_CALL = "roll_call", _("点名登记")


class Attendance(models.Model):
    """Someone present (到会): a person, or a household whose representative came (户代表)."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("会议")
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("人员"),
    )
    # For a person: their household when they came (kept so household counts are one query).
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("住户"),
    )
    method = models.CharField(_("登记方式"), max_length=10, choices=AttendanceMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    at = models.DateTimeField(_("签到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("到会记录")
        verbose_name_plural = _("到会记录")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="attendance_person_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "household"],
                condition=Q(person__isnull=True),
                name="attendance_household_once",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False),
                name="attendance_names_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.person_id or self.household_id}"


class MeetingNotification(models.Model):
    """An in-app notice of a meeting to an invited person (会议通知).

    The needs app's ``Notification`` requires a need, so meetings keep their own.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("会议")
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="meeting_notifications",
        verbose_name=_("接收人"),
    )
    text = models.CharField(_("内容"), max_length=300)
    sms = models.BooleanField(_("已发短信"), default=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会议通知")
        verbose_name_plural = _("会议通知")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="meeting_notice_once"),
        ]
        indexes = [models.Index(fields=["person", "-created_at"], name="meeting_notice_person_idx")]

    def __str__(self) -> str:
        return self.text


def _upload_to(folder: str, filename: str) -> str:
    # The original name is not kept: it can carry a person's name.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{folder}/{uuid.uuid4().hex}.{ext}"


def meeting_photo_upload_to(instance: "MeetingPhoto", filename: str) -> str:
    return _upload_to("meetings", filename)


class MeetingPhoto(models.Model):
    """A photo of a meeting. A FileField checked by type and size (Pillow is not installed)."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="photos", verbose_name=_("会议")
    )
    file = models.FileField(_("照片"), upload_to=meeting_photo_upload_to, max_length=200)
    content_type = models.CharField(_("类型"), max_length=20)
    size = models.PositiveIntegerField(_("大小（字节）"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会议照片")
        verbose_name_plural = _("会议照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


class DecisionOutcome(models.TextChoices):
    PASSED = "passed", _("通过")
    REJECTED = "rejected", _("未通过")
    NO_QUORUM = "no_quorum", _("未达到法定人数")
    DEFERRED = "deferred", _("暂缓决定")


class MeetingDecision(models.Model):
    """A decision taken at a meeting (会议决定), on one agenda item (motion) or on its own."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("会议")
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
        verbose_name=_("议题"),
    )
    text = models.TextField(_("决定内容"))
    outcome = models.CharField(_("结果"), max_length=10, choices=DecisionOutcome.choices)
    votes_for = models.PositiveIntegerField(_("赞成"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("反对"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("弃权"), null=True, blank=True)
    explanation = models.TextField(_("计票说明"), blank=True, default="")
    # The vote that decided it, when it was taken with wugong.voting (optional).
    vote = models.ForeignKey(
        "voting.Vote",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
        verbose_name=_("表决"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]


class Representative(models.Model):
    """A villagers' representative (村民代表) on the roll of a village's representatives' meeting.

    Under 村民委员会组织法 art. 25 the meeting is made of the committee members and the
    representatives (one per five to fifteen households); record both here. A row is ended
    (``active=False``), never deleted, so past rolls stay explainable.
    """

    place = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="representatives",
        verbose_name=_("村（社区）"),
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="representative_seats",
        verbose_name=_("代表"),
    )
    note = models.CharField(_("说明"), max_length=100, blank=True, default="")
    active = models.BooleanField(_("在任"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("村民代表")
        verbose_name_plural = _("村民代表")
        constraints = [
            models.UniqueConstraint(
                fields=["place", "person"],
                condition=Q(active=True),
                name="representative_once_per_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.place}"


class Post(models.TextChoices):
    PARTY_SECRETARY = "party_secretary", _("村（社区）党组织书记")
    COMMITTEE_DIRECTOR = "committee_director", _("村（居）民委员会主任")


class VillagePost(models.Model):
    """Who holds the two leading posts of a village (党组织书记、村委会主任). When one person holds
    both (“一肩挑”), the first two steps of 四议两公开 may lawfully be recorded together."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    post = models.CharField(_("职务"), max_length=20, choices=Post.choices)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("任职人")
    )
    since = models.DateField(_("任职日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("村级主要职务")
        verbose_name_plural = _("村级主要职务")
        constraints = [
            models.UniqueConstraint(fields=["place", "post"], name="village_post_one_holder"),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()}：{self.person}"


class ProcedureStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("进行中")
    COMPLETED = "completed", _("已完成")
    REJECTED = "rejected", _("未通过（终止）")


class VillageDecision(models.Model):
    """A village decision taken by 四议两公开: six steps, in order (see services)."""

    place = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="village_decisions",
        verbose_name=_("村（社区）"),
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    title = models.CharField(_("事项"), max_length=100)
    description = models.TextField(_("事项说明"), blank=True, default="")
    need = models.ForeignKey(
        "needs.Need",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="village_decisions",
        verbose_name=_("问题清单事项"),
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ProcedureStatus.choices,
        default=ProcedureStatus.IN_PROGRESS,
    )
    # The lawful merge of steps 1 and 2 (“一肩挑”): who held both posts when it was applied.
    merged_first_two = models.BooleanField(_("第一、二步合并"), default=False)
    merge_person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("书记、主任一肩挑者"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("四议两公开事项")
        verbose_name_plural = _("四议两公开事项")
        indexes = [models.Index(fields=["place_path", "-created_at"], name="vdecision_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(merged_first_two=False) | Q(merge_person__isnull=False),
                name="vdecision_merge_names_person",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Step(models.IntegerChoices):
    PROPOSE = 1, _("党组织提议")
    DISCUSS = 2, _("两委会商议")
    REVIEW = 3, _("党员大会审议")
    RESOLVE = 4, _("村民代表会议或村民会议决议")
    PUBLISH_RESOLUTION = 5, _("决议公开")
    PUBLISH_RESULT = 6, _("实施结果公开")


class StepOutcome(models.TextChoices):
    PASSED = "passed", _("通过")
    REJECTED = "rejected", _("未通过")
    PUBLISHED = "published", _("已公开")


class DecisionStep(models.Model):
    """One step of 四议两公开, as it happened: date, body, attendance, outcome, documents."""

    decision = models.ForeignKey(
        VillageDecision, on_delete=models.CASCADE, related_name="steps", verbose_name=_("事项")
    )
    step = models.PositiveSmallIntegerField(_("步骤"), choices=Step.choices)
    date = models.DateField(_("日期"))
    body = models.CharField(_("会议或机构"), max_length=100)
    present = models.PositiveIntegerField(_("实到"), null=True, blank=True)
    expected = models.PositiveIntegerField(_("应到"), null=True, blank=True)
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision_steps",
        verbose_name=_("会议"),
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=StepOutcome.choices)
    note = models.TextField(_("说明"), blank=True, default="")
    # Steps 1 and 2 recorded together under the “一肩挑” merge.
    merged = models.BooleanField(_("合并办理"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("四议两公开步骤")
        verbose_name_plural = _("四议两公开步骤")
        ordering = ["step"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "step"], name="decision_step_once"),
            models.CheckConstraint(
                condition=Q(present__isnull=True)
                | Q(expected__isnull=True)
                | Q(present__lte=models.F("expected")),
                name="decision_step_present_le_expected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} · {self.get_step_display()}"


def step_document_upload_to(instance: "StepDocument", filename: str) -> str:
    return _upload_to("decisions", filename)


class StepDocument(models.Model):
    """A document of a step: minutes, the resolution, a photo of the notice board (公开栏)."""

    step = models.ForeignKey(
        DecisionStep, on_delete=models.CASCADE, related_name="documents", verbose_name=_("步骤")
    )
    file = models.FileField(_("文件"), upload_to=step_document_upload_to, max_length=200)
    name = models.CharField(_("文件名"), max_length=100)
    content_type = models.CharField(_("类型"), max_length=80)
    size = models.PositiveIntegerField(_("大小（字节）"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("步骤文件")
        verbose_name_plural = _("步骤文件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
