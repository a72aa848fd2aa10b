"""Rollups (汇总) of 大屏 and 晒成绩单: the figures of each place per period, kept as one row.

A village's or community's row is computed from the source tables (one GROUP BY per source
over a county's place-path range); a town's, county's or city's row is the sum of its
children's rows plus what is recorded at the place itself, so a city view reads a handful of
rows. ``figures`` maps a metric name (see metrics.METRICS) to an integer, or to a decimal
written as text (hours, labour days) so that nothing is rounded.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class PlaceFigures(models.Model):
    """The figures (数据) of one place for one period (a month): a snapshot as of
    ``refreshed_at``, cumulative since the start. Rewritten whole by each refresh."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.CASCADE, related_name="+", verbose_name=_("地点")
    )
    # The parent place, copied so a drill-down table is one index scan (parent, period).
    parent = models.ForeignKey(
        "places.Place", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    period = models.DateField(_("月份"))  # the first day of the month
    figures = models.JSONField(_("数据"), default=dict)
    refreshed_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("汇总数据")
        verbose_name_plural = _("汇总数据")
        constraints = [
            models.UniqueConstraint(fields=["place", "period"], name="placefigures_unique"),
        ]
        indexes = [
            models.Index(fields=["parent", "period"], name="placefigures_children_idx"),
            models.Index(fields=["place_path", "period"], name="placefigures_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.place_id} {self.period:%Y-%m}"
