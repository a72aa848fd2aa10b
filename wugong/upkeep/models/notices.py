"""In-app notices of 建设共管: visit reminders, overdue alerts, report updates."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UpkeepNotice(models.Model):
    """One in-app notice (消息) to a person. ``key`` is unique: a reminder produced twice (the
    periodic scan run twice) is written, and texted, once."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="upkeep_notices",
        verbose_name=_("接收人"),
    )
    key = models.CharField(_("去重键"), max_length=120, unique=True)
    text = models.CharField(_("内容"), max_length=300)
    url = models.CharField(_("链接"), max_length=200, blank=True, default="")
    sms = models.BooleanField(_("已发短信"), default=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("共管消息")
        verbose_name_plural = _("共管消息")
        indexes = [models.Index(fields=["person", "-created_at"], name="upkeep_notice_person_idx")]

    def __str__(self) -> str:
        return self.text
