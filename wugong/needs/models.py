"""The needs list (问题清单): what residents need, collected from everyone, sorted and merged
(分类研判), discussed, decided and answered — the first of the five stages (决策共谋).

A need belongs to a place (``place`` + denormalised ``place_path`` for one-range-scan scope
filters). Its search tokens live in ``NeedToken`` (see wugong/needs/search.py). Every change
leaves a ``NeedEvent`` (the history residents see) and an audit event (the trail cadres see).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class Category(models.TextChoices):
    ROADS = "roads", _("道路")
    LIGHTING = "lighting", _("照明")
    WATER = "water", _("供水排水")
    SANITATION = "sanitation", _("环境卫生")
    GREENING = "greening", _("绿化")
    PUBLIC_SPACE = "public_space", _("公共空间")
    ELDERLY_CARE = "elderly_care", _("养老")
    CHILDREN = "children", _("儿童")
    SAFETY = "safety", _("安全")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    LOW = "low", _("不急")
    NORMAL = "normal", _("一般")
    HIGH = "high", _("较急")
    URGENT = "urgent", _("紧急")


class Status(models.TextChoices):
    NEW = "new", _("新提出")
    DISCUSSING = "discussing", _("讨论中")
    DECIDED = "decided", _("已决定")
    IN_PROJECT = "in_project", _("已立项")
    ANSWERED = "answered", _("已答复")
    DECLINED = "declined", _("已婉拒")
    MERGED = "merged", _("已合并")


# Still waiting for a response: what the "no answer after N days" list watches.
OPEN_STATUSES = frozenset({Status.NEW, Status.DISCUSSING})
# The reporter has had a reply in words (answer text is required for both).
REPLIED_STATUSES = frozenset({Status.ANSWERED, Status.DECLINED})

# Allowed status changes. MERGED is reached only through need_merge and never left.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.DISCUSSING, Status.DECIDED, Status.IN_PROJECT, Status.ANSWERED, Status.DECLINED}
    ),
    Status.DISCUSSING: frozenset(
        {Status.DECIDED, Status.IN_PROJECT, Status.ANSWERED, Status.DECLINED}
    ),
    Status.DECIDED: frozenset({Status.IN_PROJECT, Status.ANSWERED, Status.DECLINED}),
    Status.IN_PROJECT: frozenset({Status.ANSWERED}),
    # Reopened when the reporter is not satisfied with the reply (重新讨论).
    Status.ANSWERED: frozenset({Status.DISCUSSING}),
    Status.DECLINED: frozenset({Status.DISCUSSING}),
    Status.MERGED: frozenset(),
}


class Source(models.TextChoices):
    ONLINE = "online", _("线上")
    VISIT = "visit", _("入户走访")
    COURTYARD_MEETING = "courtyard_meeting", _("院场会")
    SURVEY = "survey", _("问卷")
    SUGGESTION_BOX = "suggestion_box", _("意见箱")


class Need(models.Model):
    """A need (问题/需求) raised by a resident, or recorded for one by a cadre (代录)."""

    title = models.CharField(_("标题"), max_length=60)
    text = models.TextField(_("内容"))
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="needs", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    category = models.CharField(
        _("类别"), max_length=16, choices=Category.choices, default=Category.OTHER
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.NEW)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    reporter = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="needs_reported",
        verbose_name=_("提出人"),
    )
    # Set when a cadre recorded the need for the reporter (代录); shown wherever the need is.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代录人"),
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_needs",
        verbose_name=_("合并到"),
    )
    # The reply to the reporter: the answer, or the reason for declining (婉拒理由).
    answer = models.TextField(_("答复"), blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # Normalised (NFKC, lower-case) title and text: the phrase check after the token lookup.
    search_text = models.TextField(editable=False, default="")
    # The hidden key of the form it was raised with: the same form sent twice (a bad network,
    # an offline draft sent on reconnecting) is one need. Empty for needs entered otherwise.
    idempotency_key = models.CharField(
        _("提交标识"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")
        indexes = [
            models.Index(fields=["place_path", "-created_at"], name="need_scope_idx"),
            models.Index(fields=["status", "created_at"], name="need_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=[Status.ANSWERED, Status.DECLINED]) | ~Q(answer=""),
                name="need_reply_has_text",
            ),
            models.CheckConstraint(
                condition=(Q(status=Status.MERGED) & Q(merged_into__isnull=False))
                | (~Q(status=Status.MERGED) & Q(merged_into__isnull=True)),
                name="need_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")), name="need_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_merged(self) -> bool:
        return self.status == Status.MERGED


class NeedPhoto(models.Model):
    """A photo of a need (up to nine). A FileField checked by type and size, since Pillow
    (needed by ImageField) is not installed."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="photos", verbose_name=_("问题")
    )
    # Stored under a random name (services.py): the original can carry a name or phone model.
    file = models.FileField(_("照片"), upload_to="needs/%Y/%m/", max_length=200)
    content_type = models.CharField(_("类型"), max_length=20)
    size = models.PositiveIntegerField(_("大小（字节）"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("问题照片")
        verbose_name_plural = _("问题照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


class NeedSupport(models.Model):
    """ "Me too" (我也需要): one per person per need. ``carried_from`` is set on rows copied onto
    a survivor when a duplicate was merged into it."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="supports", verbose_name=_("问题")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("人员")
    )
    carried_from = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("我也需要")
        verbose_name_plural = _("我也需要")
        constraints = [
            models.UniqueConstraint(fields=["need", "person"], name="need_support_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} +1 #{self.need_id}"


class NeedFollower(models.Model):
    """A person who hears about every change of a need (关注)."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="followers", verbose_name=_("问题")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("人员")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [
            models.UniqueConstraint(fields=["need", "person"], name="need_follow_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} follows #{self.need_id}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提出")
    RECORDED = "recorded", _("代录")
    CLASSIFIED = "classified", _("分类研判")
    STATUS = "status", _("状态变更")
    ANSWERED = "answered", _("答复")
    MERGED_INTO = "merged_into", _("合并到其他问题")
    MERGED_FROM = "merged_from", _("合并了相同问题")


class NeedEvent(models.Model):
    """One step in a need's history (处理经过), shown to everyone who may see the need."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="events", verbose_name=_("问题")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    on_behalf_of = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代录对象"),
    )
    from_status = models.CharField(max_length=12, blank=True, default="")
    to_status = models.CharField(max_length=12, blank=True, default="")
    other = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("说明"), blank=True, default="")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("处理经过")
        verbose_name_plural = _("处理经过")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.need_id} {self.kind}"

    @property
    def from_label(self) -> str:
        return str(Status(self.from_status).label) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return str(Status(self.to_status).label) if self.to_status else ""


class NeedToken(models.Model):
    """A character bigram of a need's text, for Chinese search (see wugong/needs/search.py)."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    token = BinaryCharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "need"], name="need_token_unique"),
        ]

    def __str__(self) -> str:
        return self.token


class Notification(models.Model):
    """An in-app notice to a person about a need (消息通知)."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="need_notifications",
        verbose_name=_("接收人"),
    )
    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("问题")
    )
    text = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        indexes = [models.Index(fields=["person", "-created_at"], name="notice_person_idx")]

    def __str__(self) -> str:
        return self.text
