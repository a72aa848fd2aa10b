"""效果共评 judging together: residents rate projects by stage, rate cadres and work teams in a
yearly round, and the village honours households — ten-star households (十星级文明户) and
configurable awards (最美庭院, 好婆婆, 好儿媳 …).

The handling of problem reports is rated on the report itself (wugong/upkeep ``Report.rating``);
this app only reads those ratings for its per-place summaries.

Rows that belong to a place copy its materialized path (``place_path``) so a subtree is one
range scan; a project rating also copies the path of the village/community it lies in
(``village_path``), so satisfaction per village is one GROUP BY over one index.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


# --- project ratings (事前、事中、事后评) -----------------------------------------------------
class RatingStage(models.TextChoices):
    """The question asked at each stage of a project."""

    BEFORE = "before", _("事前：可行吗？")
    DURING = "during", _("事中：进展顺利吗？")
    DONE = "done", _("事后：做得好吗？")
    SATISFIED = "satisfied", _("事后：满意吗？")


class ProjectRating(models.Model):
    """One resident's rating (评价) of a project at one stage: 1 to 5 stars, a comment."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="evaluation_ratings",
        verbose_name=_("项目"),
    )
    stage = models.CharField(_("评价阶段"), max_length=12, choices=RatingStage.choices)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("评价人")
    )
    stars = models.PositiveSmallIntegerField(_("星级"))
    comment = models.CharField(_("意见"), max_length=300, blank=True, default="")
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    # The village/community the project lies in ("" above that level): satisfaction per village.
    village_path = BinaryCharField(
        _("村（社区）路径"), max_length=255, editable=False, blank=True, default=""
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("项目评价")
        verbose_name_plural = _("项目评价")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person", "stage"], name="ev_rating_one_per_person_stage"
            ),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="ev_rating_stars_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=RatingStage.values), name="ev_rating_stage_known"
            ),
        ]
        indexes = [
            # village_satisfaction: an index-only GROUP BY over a range of village paths.
            models.Index(fields=["stage", "village_path", "stars"], name="ev_rating_village_idx"),
            models.Index(fields=["place_path", "stage"], name="ev_rating_scope_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.stage}: {self.stars}★"


# --- yearly ratings of cadres and work teams (干部/工作队年度测评) ------------------------------
class Verdict(models.IntegerChoices):
    """The three answers of a 民主测评 ballot; the satisfaction rate counts the first two."""

    SATISFIED = 2, _("满意")
    FAIRLY = 1, _("基本满意")
    DISSATISFIED = 0, _("不满意")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("测评中")
    CLOSED = "closed", _("已结束")


class RatingRound(models.Model):
    """A yearly rating round (年度测评) of a place: its cadres, work-team members and chosen
    organisations, rated by the residents of the place. Results are shown once it closes."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度测评")
        verbose_name_plural = _("年度测评")
        constraints = [
            models.UniqueConstraint(
                fields=["place", "year", "title"], name="ev_round_unique_title"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="ev_round_closed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["place_path", "year"], name="ev_round_scope_idx")]

    def __str__(self) -> str:
        return self.title


class RoundSubject(models.Model):
    """Who is rated in a round: a person with their post, or an organisation (a snapshot of
    the name, so the published result does not change when a post does)."""

    round = models.ForeignKey(RatingRound, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "people.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    post = models.CharField(_("职务"), max_length=50, blank=True, default="")
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("测评对象")
        verbose_name_plural = _("测评对象")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organisation__isnull=True)
                | Q(person__isnull=True, organisation__isnull=False),
                name="ev_subject_person_or_organisation",
            ),
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=Q(person__isnull=False),
                name="ev_subject_person_once",
            ),
            models.UniqueConstraint(
                fields=["round", "organisation"],
                condition=Q(organisation__isnull=False),
                name="ev_subject_organisation_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoundRating(models.Model):
    """One resident's verdict on one subject of a round."""

    round = models.ForeignKey(RatingRound, on_delete=models.CASCADE, related_name="ratings")
    subject = models.ForeignKey(RoundSubject, on_delete=models.CASCADE, related_name="ratings")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("评价人")
    )
    verdict = models.PositiveSmallIntegerField(_("评价"), choices=Verdict.choices)
    comment = models.CharField(_("意见"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("测评票")
        verbose_name_plural = _("测评票")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "subject", "person"], name="ev_round_rating_one_per_person"
            ),
            models.CheckConstraint(condition=Q(verdict__lte=2), name="ev_round_rating_verdict"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.verdict}"


# --- ten-star households (十星级文明户) ----------------------------------------------------
class StarArea(models.TextChoices):
    """The ten slots of the ten-star rating, with their default names. A county or village
    may rename a slot (``StarAreaSetting``), e.g. replace 计划生育 by 家庭和睦; the hygiene
    slot is fed by the Friday inspections."""

    THOUGHT = "thought", _("思想进步")
    MORALITY = "morality", _("道德高尚")
    EDUCATION = "education", _("重教尚文")
    DILIGENCE = "diligence", _("勤劳致富")
    LAW = "law", _("遵纪守法")
    DUTY = "duty", _("履行义务")
    FAMILY_PLANNING = "family_planning", _("计划生育")
    CUSTOMS = "customs", _("移风易俗")
    HYGIENE = "hygiene", _("环境卫生")
    PUBLIC_GOOD = "public_good", _("热心公益")


class StarAreaSetting(models.Model):
    """A county's or village's own name for one of the ten slots (nearest place wins)."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.CASCADE, related_name="+", verbose_name=_("地点")
    )
    area = models.CharField(_("星级项目"), max_length=16, choices=StarArea.choices)
    name = models.CharField(_("名称"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("星级项目设置")
        verbose_name_plural = _("星级项目设置")
        constraints = [
            models.UniqueConstraint(fields=["place", "area"], name="ev_star_setting_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("申报评审中")
    NOTICED = "noticed", _("公示中")
    AWARDED = "awarded", _("已授星")


DEFAULT_HYGIENE_THRESHOLD = Decimal("85")


class StarCampaign(models.Model):
    """A yearly (or periodic) ten-star campaign (十星级文明户评选) of a village or community.
    The names of the ten areas are frozen in ``areas`` when it starts."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    # The hygiene star needs this Friday-inspection average (percent) since ``starts_on``.
    hygiene_threshold = models.DecimalField(
        _("环境卫生星最低平均分"), max_digits=5, decimal_places=2, default=DEFAULT_HYGIENE_THRESHOLD
    )
    areas = models.JSONField(_("星级项目"), default=list)  # [[code, name], …] in order
    status = models.CharField(
        _("状态"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    notice = models.ForeignKey(
        "transparency.Notice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("公示"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    awarded_at = models.DateTimeField(_("授星时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("十星级文明户评选")
        verbose_name_plural = _("十星级文明户评选")
        constraints = [
            models.UniqueConstraint(fields=["place", "title"], name="ev_campaign_unique_title"),
            models.CheckConstraint(
                condition=Q(hygiene_threshold__gte=0) & Q(hygiene_threshold__lte=100),
                name="ev_campaign_threshold_percent",
            ),
        ]
        indexes = [models.Index(fields=["place_path", "year"], name="ev_campaign_scope_idx")]

    def __str__(self) -> str:
        return self.title

    def area_names(self) -> dict[str, str]:
        return {code: name for code, name in self.areas}


class DeclarationStatus(models.TextChoices):
    DECLARED = "declared", _("已申报")
    CHECKED = "checked", _("已审核")
    NOTICED = "noticed", _("公示中")
    AWARDED = "awarded", _("已授星")
    REFUSED = "refused", _("未通过")


class StarDeclaration(models.Model):
    """A household's self-declaration (自评申报) in a campaign: which areas, with a note."""

    campaign = models.ForeignKey(
        StarCampaign, on_delete=models.PROTECT, related_name="declarations"
    )
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("住户")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    note = models.CharField(_("说明"), max_length=500, blank=True, default="")
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=DeclarationStatus.choices,
        default=DeclarationStatus.DECLARED,
    )
    declared_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    check_note = models.CharField(_("审核意见"), max_length=500, blank=True, default="")
    # The hygiene average shown to the committee when it checked (percent), for the record.
    hygiene_average = models.DecimalField(
        _("环境卫生平均分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("星级申报")
        verbose_name_plural = _("星级申报")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="ev_declaration_one_per_household"
            ),
        ]
        indexes = [models.Index(fields=["place_path", "status"], name="ev_declaration_scope_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.household_id}"


class DeclaredStar(models.Model):
    """One area a household declared; ``decided`` is the committee's decision (NULL before)."""

    declaration = models.ForeignKey(StarDeclaration, on_delete=models.CASCADE, related_name="stars")
    area = models.CharField(_("星级项目"), max_length=16, choices=StarArea.choices)
    note = models.CharField(_("事迹"), max_length=300, blank=True, default="")
    decided = models.BooleanField(_("审核通过"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["declaration", "area"], name="ev_declared_star_once"),
        ]

    def __str__(self) -> str:
        return self.area


class StarReview(models.Model):
    """A representative's opinion (代表评议) on one declared area: agree or disagree."""

    declaration = models.ForeignKey(
        StarDeclaration, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("评议人")
    )
    area = models.CharField(_("星级项目"), max_length=16, choices=StarArea.choices)
    agree = models.BooleanField(_("同意"))
    note = models.CharField(_("意见"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "reviewer", "area"], name="ev_review_once_per_area"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {'+' if self.agree else '-'}"


class StarAward(models.Model):
    """A star held by a household (授星); revoked with a reason, never deleted."""

    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("住户")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    area = models.CharField(_("星级项目"), max_length=16, choices=StarArea.choices)
    area_name = models.CharField(_("名称"), max_length=20)
    campaign = models.ForeignKey(StarCampaign, on_delete=models.PROTECT, related_name="awards")
    declaration = models.ForeignKey(
        StarDeclaration, null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )
    awarded_on = models.DateField(_("授星日期"))
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_on = models.DateField(_("最近复评日期"), null=True, blank=True)
    revoked_on = models.DateField(_("摘星日期"), null=True, blank=True)
    revoke_reason = models.CharField(_("摘星原因"), max_length=300, blank=True, default="")
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("星级")
        verbose_name_plural = _("星级")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "area"],
                condition=Q(revoked_on__isnull=True),
                name="ev_star_held_once",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | ~Q(revoke_reason=""),
                name="ev_star_revoked_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["place_path", "revoked_on"], name="ev_star_scope_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.area_name}"


# --- configurable awards (最美庭院, 好婆婆, 好儿媳 …) ------------------------------------------
class NomineeKind(models.TextChoices):
    HOUSEHOLD = "household", _("住户（如最美庭院）")
    PERSON = "person", _("个人（如好婆婆、好儿媳）")


class AwardStatus(models.TextChoices):
    NOMINATING = "nominating", _("提名中")
    VOTING = "voting", _("投票中")
    CLOSED = "closed", _("已揭晓")


class Award(models.Model):
    """A village's award (评选) with nomination and an approval vote among residents: each
    voter ticks every nominee they support, once; the ``seats`` most supported win."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    title = models.CharField(_("名称"), max_length=50)
    year = models.PositiveSmallIntegerField(_("年度"))
    nominee_kind = models.CharField(_("评选对象"), max_length=10, choices=NomineeKind.choices)
    seats = models.PositiveSmallIntegerField(_("名额"), default=3)
    status = models.CharField(
        _("状态"), max_length=10, choices=AwardStatus.choices, default=AwardStatus.NOMINATING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("揭晓时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评选")
        verbose_name_plural = _("评选")
        constraints = [
            models.UniqueConstraint(
                fields=["place", "year", "title"], name="ev_award_unique_title_year"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="ev_award_seats_positive"),
        ]
        indexes = [models.Index(fields=["place_path", "year"], name="ev_award_scope_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class Nomination(models.Model):
    """A nominee (提名) with the reason, by a resident or a cadre."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="nominations")
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("被提名者"), max_length=100)
    reason = models.CharField(_("提名理由"), max_length=500)
    nominated_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("提名人")
    )
    won = models.BooleanField(_("当选"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提名")
        verbose_name_plural = _("提名")
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False, person__isnull=True)
                | Q(household__isnull=True, person__isnull=False),
                name="ev_nomination_household_or_person",
            ),
            models.UniqueConstraint(
                fields=["award", "household"],
                condition=Q(household__isnull=False),
                name="ev_nomination_household_once",
            ),
            models.UniqueConstraint(
                fields=["award", "person"],
                condition=Q(person__isnull=False),
                name="ev_nomination_person_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AwardBallot(models.Model):
    """One resident's approval ballot in an award's vote: the nominees they support."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("投票人")
    )
    choices = models.ManyToManyField(Nomination, related_name="ballots")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评选选票")
        verbose_name_plural = _("评选选票")
        constraints = [
            models.UniqueConstraint(
                fields=["award", "voter"], name="ev_award_ballot_one_per_voter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award_id}/{self.voter_id}"
