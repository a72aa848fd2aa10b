"""Every write to the place tree."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import ValidationFailed
from wugong.core.pinyin import pinyin_sort_key
from wugong.places.models import ALLOWED_CHILDREN, MicroGrid, Place, PlaceKind
from wugong.places.paths import child_path


@transaction.atomic
def place_create(
    *, name: str, kind: str, parent: Place | None, actor: Any = None, code: str = ""
) -> Place:
    """Add a place under ``parent`` (or a root). The kind must fit under the parent's kind."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写地点名称。"), field="name")
    if kind not in PlaceKind.values:
        raise ValidationFailed(_("未知的地点类型：%(kind)s") % {"kind": kind}, field="kind")
    if parent is not None and kind not in ALLOWED_CHILDREN[parent.kind]:
        raise ValidationFailed(
            _("%(parent)s下不能直接设立%(kind)s。")
            % {"parent": parent.get_kind_display(), "kind": PlaceKind(kind).label},
            field="kind",
        )
    if Place.objects.filter(parent=parent, name=name).exists():
        raise ValidationFailed(_("同一上级下已有同名地点：%(name)s") % {"name": name}, field="name")
    place = Place(
        name=name,
        kind=kind,
        parent=parent,
        code=code,
        depth=(parent.depth + 1) if parent else 0,
        sort_key=pinyin_sort_key(name),
        path=f"/new-{name}/",
    )
    place.save()
    place.path = child_path(parent.path if parent else "/", place.pk)
    place.save(update_fields=["path"])
    audit_event_record(
        actor=actor,
        action="place.create",
        obj=place,
        place_path=place.path,
        changes={"name": name, "kind": kind, "parent": parent},
    )
    return place


@transaction.atomic
def grid_create(*, name: str, place: Place, worker: Any = None, actor: Any = None) -> MicroGrid:
    """Set up a micro-grid (微网格) in a place, optionally with its grid worker."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写网格名称。"), field="name")
    if MicroGrid.objects.filter(place=place, name=name).exists():
        raise ValidationFailed(_("该地点已有同名网格：%(name)s") % {"name": name}, field="name")
    grid = MicroGrid.objects.create(name=name, place=place, place_path=place.path, worker=worker)
    audit_event_record(
        actor=actor,
        action="grid.create",
        obj=grid,
        place_path=place.path,
        changes={"name": name, "place": place, "worker": worker},
    )
    return grid
