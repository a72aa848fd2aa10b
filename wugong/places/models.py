"""The place tree (行政区划与网格): city → county → town/street → village/community → …"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wugong.core.fields import BinaryCharField


class PlaceKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（市、区）")
    TOWN = "town", _("乡镇")
    STREET = "street", _("街道")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    GROUP = "group", _("村民小组（湾组）")
    ESTATE = "estate", _("小区")
    BUILDING = "building", _("楼栋")


# Which kinds may sit directly under which: the rural four levels (town → village → group →
# household) and the urban five (street → community → estate → building → centre household).
ALLOWED_CHILDREN: dict[str, set[str]] = {
    PlaceKind.PROVINCE: {PlaceKind.CITY},
    PlaceKind.CITY: {PlaceKind.COUNTY},
    PlaceKind.COUNTY: {PlaceKind.TOWN, PlaceKind.STREET},
    PlaceKind.TOWN: {PlaceKind.VILLAGE, PlaceKind.COMMUNITY},
    PlaceKind.STREET: {PlaceKind.COMMUNITY, PlaceKind.VILLAGE},
    PlaceKind.VILLAGE: {PlaceKind.GROUP},
    PlaceKind.COMMUNITY: {PlaceKind.ESTATE, PlaceKind.GROUP, PlaceKind.BUILDING},
    PlaceKind.GROUP: set(),
    PlaceKind.ESTATE: {PlaceKind.BUILDING},
    PlaceKind.BUILDING: set(),
}

# The kinds whose cadres run a place day to day (村/社区): used for scope and pages.
GRASSROOTS_KINDS = {PlaceKind.VILLAGE, PlaceKind.COMMUNITY}


class Place(models.Model):
    """A place (地点) in the tree. ``path`` is the materialized path, see places/paths.py."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=PlaceKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    path = BinaryCharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), default=0, editable=False)
    code = models.CharField(_("区划代码"), max_length=20, blank=True, default="")
    sort_key = BinaryCharField(_("排序键"), max_length=200, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("地点")
        verbose_name_plural = _("地点")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_unique_name_in_parent"),
        ]
        indexes = [models.Index(fields=["parent", "sort_key"], name="place_children_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_rural(self) -> bool:
        return self.kind in {PlaceKind.TOWN, PlaceKind.VILLAGE, PlaceKind.GROUP}


class MicroGrid(models.Model):
    """A micro-grid (微网格): a set of households looked after by one grid worker (网格员)."""

    name = models.CharField(_("名称"), max_length=100)
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="grids", verbose_name=_("所属地点")
    )
    place_path = BinaryCharField(_("地点路径"), max_length=255, editable=False, db_index=True)
    worker = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grids_worked",
        verbose_name=_("网格员"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("微网格")
        verbose_name_plural = _("微网格")
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="grid_unique_name_in_place"),
        ]

    def __str__(self) -> str:
        return self.name
