"""Browsing the place tree within one's scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError
from wugong.people.models import Household, KeyTag
from wugong.people.selectors import key_household_counts
from wugong.places.models import ALLOWED_CHILDREN, Place, PlaceKind
from wugong.places.paths import subtree_q
from wugong.places.selectors import (
    place_ancestors,
    place_children,
    place_roots_for,
    place_search,
)
from wugong.places.services import grid_create, place_create


@login_required
def place_browse(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    viewer = request.viewer
    if pk is None:
        q = request.GET.get("q", "").strip()
        children = place_search(viewer=viewer, query=q) if q else place_roots_for(viewer)
        return render(request, "places/browse.html", {"children": children, "q": q})
    place = Place.objects.filter(viewer.place_q(), pk=pk).first()
    if place is None:
        raise Http404(_("地点不存在或不在您的管辖范围内。"))
    households = Household.objects.filter(viewer.household_q(), subtree_q(place.path, "place_path"))
    counts = key_household_counts(viewer=viewer, place=place)
    return render(
        request,
        "places/browse.html",
        {
            "place": place,
            "ancestors": [a for a in place_ancestors(place) if viewer.can_place("place.view", a)],
            "children": place_children(viewer=viewer, place=place),
            "household_count": households.count(),
            "key_counts": [(KeyTag(t).label, n) for t, n in sorted(counts.items())],
            "can_edit": viewer.can_place("household.edit", place),
            "can_assign": viewer.can_place("role.assign", place),
            "can_manage": viewer.can_place("place.manage", place),
            "child_kinds": [(k, PlaceKind(k).label) for k in sorted(ALLOWED_CHILDREN[place.kind])],
            "grids": place.grids.select_related("worker").order_by("name"),
        },
    )


def _manageable(request: HttpRequest, pk: int) -> Place:
    place = Place.objects.filter(request.viewer.place_q(), pk=pk).first()
    if place is None or not request.viewer.can_place("place.manage", place):
        raise PermissionDenied
    return place


@login_required
@require_POST
def place_add_child(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a place under this one (a group under a village, a building under an estate …)."""
    place = _manageable(request, pk)
    try:
        child = place_create(
            name=request.POST.get("name", ""),
            kind=request.POST.get("kind", ""),
            parent=place,
            actor=request.user,
        )
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已添加：%(name)s") % {"name": child.name})
    return redirect("places:detail", pk=place.pk)


@login_required
@require_POST
def grid_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Set up a micro-grid (微网格) here; its grid worker is appointed on the roles page."""
    place = _manageable(request, pk)
    try:
        grid_create(name=request.POST.get("name", ""), place=place, actor=request.user)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("网格已设立。"))
    return redirect("places:detail", pk=place.pk)
