"""API: the place tree, scoped to the caller."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from wugong.people.rules import viewer_for
from wugong.people.selectors import key_household_counts
from wugong.places.models import Place
from wugong.places.selectors import place_roots_for

router = Router(tags=["places"])


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    depth: int


def _out(p: Place) -> PlaceOut:
    return PlaceOut(
        id=p.pk,
        name=p.name,
        kind=p.kind,
        kind_label=str(p.get_kind_display()),
        parent_id=p.parent_id,
        depth=p.depth,
    )


@router.get("", response=list[PlaceOut], summary="Places in scope: the tops, or a place's children")
def place_list(request: HttpRequest, parent: int | None = None) -> list[PlaceOut]:
    viewer = viewer_for(request.user)
    if parent is None:
        places = place_roots_for(viewer)
    else:
        places = Place.objects.filter(viewer.place_q(), parent_id=parent).order_by("sort_key")
    return [_out(p) for p in places]


def _place(request: HttpRequest, pk: int) -> Place:
    place = Place.objects.filter(viewer_for(request.user).place_q(), pk=pk).first()
    if place is None:
        raise Http404(_("地点不存在或不在您的管辖范围内。"))
    return place


@router.get("/{pk}", response=PlaceOut)
def place_detail(request: HttpRequest, pk: int) -> PlaceOut:
    return _out(_place(request, pk))


@router.get(
    "/{pk}/key-household-counts",
    response=dict[str, int],
    summary="Key households under a place, counted by tag",
)
def place_key_counts(request: HttpRequest, pk: int) -> dict[str, int]:
    return key_household_counts(viewer=viewer_for(request.user), place=_place(request, pk))
