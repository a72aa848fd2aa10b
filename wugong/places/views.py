"""Browsing the place tree within one's scope."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from wugong.people.models import Household, KeyTag
from wugong.people.selectors import key_household_counts
from wugong.places.models import Place
from wugong.places.paths import subtree_q
from wugong.places.selectors import place_ancestors, place_children, place_roots_for


@login_required
def place_browse(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    viewer = request.viewer
    if pk is None:
        return render(request, "places/browse.html", {"children": place_roots_for(viewer)})
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
        },
    )
