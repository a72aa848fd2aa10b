"""People and households (人员与住户), organisations, roles, accounts and sign-in codes."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField
from wugong.people.roles import Role


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Household(models.Model):
    """A household (户). In an estate it also has its unit (单元), floor and floor area, which
    owners' votes (民法典第二百七十八条) and cost shares need.

    ``place_path`` copies the place's path so that "every household under this town" is one
    range scan on this table; services keep it in step when a household or place moves.
    """

    place = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("所在地点"),
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    address = models.CharField(_("地址"), max_length=200)
    head = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("户主"),
    )
    grid = models.ForeignKey(
        "places.MicroGrid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        verbose_name=_("微网格"),
    )
    unit = models.CharField(_("单元"), max_length=20, blank=True, default="")
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    floor_area = models.DecimalField(
        _("建筑面积（平方米）"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    is_centre = models.BooleanField(_("中心户"), default=False)
    centre = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="neighbours",
        verbose_name=_("联系中心户"),
    )
    sort_key = BinaryCharField(_("排序键"), max_length=200, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        indexes = [
            models.Index(fields=["place_path", "sort_key"], name="household_scope_idx"),
            models.Index(fields=["sort_key"], name="household_sort_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(centre=models.F("id")), name="household_not_own_centre"
            ),
            models.CheckConstraint(
                condition=Q(floor_area__isnull=True) | Q(floor_area__gt=0),
                name="household_floor_area_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.address


class Person(models.Model):
    """A person (人员): resident, cadre or volunteer. ID number and phone are sensitive."""

    name = models.CharField(_("姓名"), max_length=50)
    sort_key = BinaryCharField(_("排序键"), max_length=200, default="", editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # NULL, not "", when unknown: the unique constraints below apply only to known values.
    phone = models.CharField(_("手机号码"), max_length=11, null=True, blank=True)  # noqa: DJ001
    id_number = models.CharField(_("身份证号码"), max_length=18, null=True, blank=True)  # noqa: DJ001
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所属住户"),
    )
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True, default="")
    is_party_member = models.BooleanField(_("党员"), default=False)
    is_volunteer = models.BooleanField(_("志愿者"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(id_number__isnull=False),
                name="person_unique_id_number",
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=Q(phone__isnull=False), name="person_unique_phone"
            ),
        ]
        indexes = [models.Index(fields=["sort_key"], name="person_sort_idx")]

    def __str__(self) -> str:
        return self.name


class KeyTag(models.TextChoices):
    """Key-household tags (重点户). Health and hardship tags are sensitive personal data."""

    LIVING_ALONE = "alone", _("独居户")
    LEFT_BEHIND = "left_behind", _("留守户")
    SERIOUS_ILLNESS = "illness", _("大病户")
    PETITIONER = "petitioner", _("上访户")
    MONITORING = "monitoring", _("监测户")
    SUBSISTENCE = "dibao", _("低保户")
    LOW_INCOME = "low_income", _("低收入户")
    EXPENSE_POVERTY = "expense_poverty", _("支出型贫困户")


SENSITIVE_TAGS = {
    KeyTag.SERIOUS_ILLNESS,
    KeyTag.PETITIONER,
    KeyTag.MONITORING,
    KeyTag.SUBSISTENCE,
    KeyTag.LOW_INCOME,
    KeyTag.EXPENSE_POVERTY,
}


class KeyHouseholdTag(models.Model):
    """A key-household tag on a household, with its reason and since-date."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="tags", verbose_name=_("住户")
    )
    # Copied from the household for the county-wide count by tag (one index-only range scan).
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    tag = models.CharField(_("类别"), max_length=20, choices=KeyTag.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True, default="")
    since = models.DateField(_("起始日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("重点户标签")
        verbose_name_plural = _("重点户标签")
        constraints = [
            models.UniqueConstraint(fields=["household", "tag"], name="tag_unique_per_household"),
        ]
        indexes = [models.Index(fields=["place_path", "tag"], name="tag_scope_idx")]

    def __str__(self) -> str:
        return self.get_tag_display()

    @property
    def is_sensitive(self) -> bool:
        return self.tag in SENSITIVE_TAGS


class KeyTagCount(models.Model):
    """Rollup: how many households carry each key-household tag at and under each place
    (重点户统计). A county's counts are eight rows to read, not a scan of every tag; services
    keep it in step with the tags in the same transaction (``key_tag_set``/``key_tag_remove``),
    and bulk loaders rebuild it (``key_tag_counts_rebuild``)."""

    place = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="+")
    tag = models.CharField(max_length=20, choices=KeyTag.choices)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["place", "tag"], name="key_tag_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.place_id}:{self.tag}={self.n}"


class OrganisationKind(models.TextChoices):
    COUNCIL = "council", _("村民理事会/居民议事会")
    COOPERATIVE = "cooperative", _("合作社")
    ASSOCIATION = "association", _("协会")
    VOLUNTEER_TEAM = "volunteer_team", _("志愿服务队")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    JOINT_COMMITTEE = "joint_committee", _("联合会（跨村）")


class Organisation(models.Model):
    """An organisation residents join (入会入社入队); a joint committee spans several places."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=OrganisationKind.choices)
    places = models.ManyToManyField(
        "places.Place", related_name="organisations", verbose_name=_("覆盖地点")
    )
    members = models.ManyToManyField(Person, through="Membership", related_name="organisations")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    title = models.CharField(_("职务"), max_length=50, blank=True, default="")
    since = models.DateField(_("加入日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "person"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organisation}"


class RoleAssignment(models.Model):
    """A role held by a person at a place (任职). A grid worker's also names the grid."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="roles", verbose_name=_("人员")
    )
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="roles", verbose_name=_("地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False)
    grid = models.ForeignKey(
        "places.MicroGrid",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("微网格"),
    )
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色任职")
        verbose_name_plural = _("角色任职")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "place"],
                condition=Q(active=True),
                name="role_unique_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.place}"


class User(AbstractUser):
    """A sign-in account (账号), tied to the person it belongs to. Staff may add TOTP."""

    person = models.OneToOneField(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
        verbose_name=_("人员"),
    )
    totp_secret = models.CharField(_("动态口令密钥"), max_length=64, blank=True, default="")
    # The last TOTP time step used: a code is accepted once, never replayed in its window.
    totp_last_step = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")


class SignInCode(models.Model):
    """A one-time sign-in code sent by SMS (短信验证码). Only its hash is kept."""

    phone = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=128)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["address", "created_at"], name="code_address_idx")]

    def __str__(self) -> str:
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M}"


class SignInFailure(models.Model):
    """A failed sign-in attempt; enough of them in a window lock the phone or username out."""

    key = models.CharField(max_length=160, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.key


class ApiToken(models.Model):
    """A bearer token for API clients, issued after sign-in. Only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token for {self.user_id}"
