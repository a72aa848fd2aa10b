"""Surveys (问卷): questions to the residents of a place, named or anonymous.

Who answered and what was answered are kept apart, as with a secret ballot:

- ``Participation`` records that a person responded (one per person: a database constraint);
- ``Response`` and ``Answer`` hold the answers. In an anonymous survey a response has no person,
  no time and a random UUID key, so nothing in the rows orders or links answers to the
  participation table. In a named survey the response names the person.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    STARS = "stars", _("星级评分（1–5星）")
    TEXT = "text", _("文字")


class Survey(models.Model):
    """A survey of a place's residents. Accepts answers while open, between ``opens_at`` and
    ``closes_at`` (when set)."""

    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    anonymous = models.BooleanField(_("匿名"), default=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        indexes = [models.Index(fields=["place_path", "status"], name="survey_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="survey_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status=SurveyStatus.DRAFT) | Q(opens_at__isnull=False),
                name="survey_opened_has_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def accepts_at(self, now) -> bool:  # type: ignore[no-untyped-def]
        return (
            self.status == SurveyStatus.OPEN
            and self.opens_at is not None
            and self.opens_at <= now
            and (self.closes_at is None or now < self.closes_at)
        )


class Question(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("问卷")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=300)
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_unique_position"),
        ]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("问题")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("选项"), max_length=100)

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="choice_unique_position"),
        ]

    def __str__(self) -> str:
        return self.text


class Participation(models.Model):
    """That a person responded to a survey (已填写), and nothing about what they answered."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="participations", verbose_name=_("问卷")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    responded_on = models.DateField(_("填写日期"))

    class Meta:
        verbose_name = _("参与记录")
        verbose_name_plural = _("参与记录")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "person"], name="participation_one_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.survey_id}"


class Response(models.Model):
    """One set of answers. Anonymous: ``person`` and ``submitted_at`` are empty, the key random."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("问卷")
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填写人（实名问卷）"),
    )
    submitted_at = models.DateTimeField(_("提交时间（实名问卷）"), null=True, blank=True)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "person"],
                condition=Q(person__isnull=False),
                name="response_one_per_named_person",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=True, submitted_at__isnull=True)
                | Q(person__isnull=False, submitted_at__isnull=False),
                name="response_named_or_anonymous",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class Answer(models.Model):
    """One answer: a choice (one row per ticked choice), a star count, or a text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("答卷")
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("问题")
    )
    choice = models.ForeignKey(
        Choice,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("选项"),
    )
    stars = models.PositiveSmallIntegerField(_("星级"), null=True, blank=True)
    text = models.TextField(_("文字"), blank=True)

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        indexes = [models.Index(fields=["question", "choice"], name="answer_count_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=1, stars__lte=5),
                name="answer_stars_range",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "choice"],
                name="answer_unique_choice",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)
