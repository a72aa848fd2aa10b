"""村规民约 / 居民公约 village rules: one row per version of a place's text.

A version goes draft → adopted (by a vote of the place that carried) → submitted for filing →
filed (备案, with the town's filing number) → published; publishing it supersedes the version
published before. A partial unique constraint keeps at most one published version per place,
whatever two requests do at once. Every version is kept, so the history and the diffs stay.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class RulesStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ADOPTED = "adopted", _("已表决通过")
    SUBMITTED = "submitted", _("报备审查中")
    FILED = "filed", _("已备案")
    PUBLISHED = "published", _("现行有效")
    SUPERSEDED = "superseded", _("已废止")


PUBLIC_STATUSES = (RulesStatus.PUBLISHED, RulesStatus.SUPERSEDED)


class RulesVersion(models.Model):
    """One version of a place's village rules (村规民约) or residents' covenant (居民公约)."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False, db_index=True)
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("全文"))
    change_note = models.TextField(_("修订说明"), blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=16, choices=RulesStatus.choices, default=RulesStatus.DRAFT
    )
    vote = models.ForeignKey(
        "voting.Vote",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("通过的表决"),
    )
    adopted_at = models.DateTimeField(_("通过时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("报备时间"), null=True, blank=True)
    filing_number = models.CharField(_("备案号"), max_length=50, blank=True, default="")
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(_("退回理由"), blank=True, default="")
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("废止时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("村规民约版本")
        verbose_name_plural = _("村规民约版本")
        ordering = ["place_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["place", "number"], name="rules_unique_number"),
            models.UniqueConstraint(
                fields=["place"],
                condition=Q(status="published"),
                name="rules_one_published",
            ),
            models.UniqueConstraint(
                fields=["vote"], condition=Q(vote__isnull=False), name="rules_vote_adopts_one"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(vote__isnull=False),
                name="rules_adopted_has_vote",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"
