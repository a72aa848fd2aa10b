"""Common-ground conversations (最大公约数): short statements, agree/disagree/pass votes, and the
opinion groups the Pol.is pipeline (wugong/consensus/pipeline.py) finds in them.

A vote is cast by a *participant* of one conversation. A participant is either a Person (a
resident voting on the pages or the API) or an imported Pol.is participant known only by the
voter id of the file (kept as a string, never a Person). Each participant also has a small
``number``, the voter id Pol.is exports and the results use, so that neither a map nor an
export reveals person ids. Statements likewise have a ``number``, the Pol.is comment id.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField

STATEMENT_MAX_CHARS = 140


class Conversation(models.Model):
    """A conversation (最大公约数征集) of a place on one topic, e.g. 村里的钱先花在哪里."""

    topic = models.CharField(_("议题"), max_length=100)
    description = models.TextField(_("说明"), blank=True, default="")
    place = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("地点"),
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    is_open = models.BooleanField(_("进行中"), default=True)
    opened_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    published = models.BooleanField(_("结果已公布"), default=False)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    # The public notice (wugong.transparency) that published the results, when there is one.
    notice_id = models.PositiveBigIntegerField(_("公示编号"), null=True, blank=True)
    # Set while a background compute is scheduled: votes in the meantime queue no other one.
    compute_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    imported_from = models.CharField(_("导入来源"), max_length=100, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("共识讨论")
        verbose_name_plural = _("共识讨论")
        indexes = [
            models.Index(fields=["place_path", "-created_at"], name="conversation_scope_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(published=False) | Q(published_at__isnull=False),
                name="conversation_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.topic


class Participant(models.Model):
    """Someone who votes in one conversation: a Person, or an imported Pol.is voter id."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    number = models.PositiveIntegerField(_("参与者编号"))
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("人员"),
    )
    external_id = models.CharField(_("导入的参与者编号"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("参与者")
        verbose_name_plural = _("参与者")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "number"], name="participant_unique_number"
            ),
            models.UniqueConstraint(
                fields=["conversation", "person"],
                condition=Q(person__isnull=False),
                name="participant_unique_person",
            ),
            models.UniqueConstraint(
                fields=["conversation", "external_id"],
                condition=~Q(external_id=""),
                name="participant_unique_external",
            ),
            # Exactly one of the two: a Person, or an imported voter id.
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(external_id=""))
                | (Q(person__isnull=True) & ~Q(external_id="")),
                name="participant_person_xor_external",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已通过")
    REJECTED = "rejected", _("未通过")


# Pol.is's "moderated" column: 1 accepted, 0 not yet moderated, -1 rejected.
POLIS_MODERATED = {
    StatementStatus.ACCEPTED: 1,
    StatementStatus.PENDING: 0,
    StatementStatus.REJECTED: -1,
}


class Statement(models.Model):
    """A short statement (观点, at most 140 characters) residents vote on."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="statements"
    )
    number = models.PositiveIntegerField(_("观点编号"))
    text = models.CharField(_("观点"), max_length=STATEMENT_MAX_CHARS)
    author = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    author_participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_seed = models.BooleanField(_("干部预设"), default=False)
    is_meta = models.BooleanField(_("说明性观点"), default=False)
    status = models.CharField(
        _("审核状态"),
        max_length=16,
        choices=StatementStatus.choices,
        default=StatementStatus.PENDING,
    )
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True, default="")
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    moderated_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)

    class Meta:
        verbose_name = _("观点")
        verbose_name_plural = _("观点")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "number"], name="statement_unique_number"
            ),
            models.CheckConstraint(
                condition=~Q(status=StatementStatus.REJECTED) | ~Q(reject_reason=""),
                name="statement_rejected_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "status", "number"], name="statement_queue_idx")
        ]

    def __str__(self) -> str:
        return self.text


class VoteValue(models.IntegerChoices):
    AGREE = 1, _("同意")
    DISAGREE = -1, _("不同意")
    PASS = 0, _("跳过")


class StatementVote(models.Model):
    """One participant's vote on one statement. Voting again changes it (``updated_at``);
    there is never a second row."""

    # Copied from the statement so that the whole conversation's votes are one index scan.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(_("态度"), choices=VoteValue.choices)
    created_at = models.DateTimeField(_("首次投票"), default=timezone.now)
    updated_at = models.DateTimeField(_("最近修改"), default=timezone.now)

    class Meta:
        verbose_name = _("观点投票")
        verbose_name_plural = _("观点投票")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "statement"], name="statementvote_one_per_participant"
            ),
            models.CheckConstraint(
                condition=Q(value__in=[-1, 0, 1]), name="statementvote_value_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} {self.statement_id}: {self.value}"


class ResultStatus(models.TextChoices):
    GROUPED = "grouped", _("已分组")
    TOO_SMALL = "too_small", _("参与人数不足")
    CANNOT_GROUP = "cannot_group", _("无法分组")


class ComputedResult(models.Model):
    """The latest pipeline output of a conversation, so pages never recompute per view.

    ``data`` has the CLI's shape (groups, consensus, repness) plus group-informed consensus,
    the representative statements in detail, the 2-D map and the votes per group; see
    wugong.consensus.services.conversation_compute."""

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="result"
    )
    status = models.CharField(_("状态"), max_length=16, choices=ResultStatus.choices)
    message = models.CharField(_("说明"), max_length=300, blank=True, default="")
    data = models.JSONField(_("结果"), default=dict, blank=True)
    n_participants = models.PositiveIntegerField(_("参与人数"), default=0)
    n_votes = models.PositiveIntegerField(_("投票数"), default=0)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("计算结果")
        verbose_name_plural = _("计算结果")

    def __str__(self) -> str:
        return f"{self.conversation_id} @ {self.computed_at:%Y-%m-%d %H:%M}"
