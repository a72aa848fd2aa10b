"""Organisations residents join (入会入社入队): councils, cooperatives, teams, committees."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wugong.core.errors import DomainError
from wugong.people import selectors, services
from wugong.people.models import OrganisationKind, Person
from wugong.places.models import Place


def _place(request: HttpRequest, pk: int) -> Place:
    place = Place.objects.filter(request.viewer.place_q(), pk=pk).first()
    if place is None:
        raise Http404(_("地点不存在或不在您的管辖范围内。"))
    return place


@login_required
def organisation_list(request: HttpRequest, place_pk: int) -> HttpResponse:
    """The organisations working in a place; cadres set up new ones, spanning several places
    for a joint committee (联合会)."""
    viewer = request.viewer
    place = _place(request, place_pk)
    can_manage = viewer.can_place("household.edit", place)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        ids = [int(i) for i in request.POST.getlist("places") if i.isdigit()]
        places = list(Place.objects.filter(viewer.place_q("household.edit"), pk__in=ids))
        try:
            if len(places) != len(ids):
                raise DomainError(_("所选地点不在您的管辖范围内。"))
            services.organisation_create(
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ""),
                places=places,
                actor=request.user,
            )
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("组织已成立。"))
        return redirect("people:organisation_list", place_pk=place.pk)
    return render(
        request,
        "people/organisations.html",
        {
            "place": place,
            "organisations": selectors.organisation_list(viewer=viewer, place=place),
            "kinds": OrganisationKind.choices,
            "candidate_places": selectors.sibling_places(viewer=viewer, place=place),
            "can_manage": can_manage,
        },
    )


@login_required
def organisation_join(request: HttpRequest, place_pk: int, pk: int) -> HttpResponse:
    """Add a person in scope to an organisation (a cadre does it for them)."""
    if request.method != "POST":
        return redirect("people:organisation_list", place_pk=place_pk)
    viewer = request.viewer
    place = _place(request, place_pk)
    if not viewer.can_place("household.edit", place):
        raise PermissionDenied
    org = selectors.organisation_list(viewer=viewer, place=place).filter(pk=pk).first()
    person = (
        Person.objects.select_related("household")
        .filter(pk=request.POST.get("person") or 0)
        .first()
    )
    try:
        if org is None:
            raise DomainError(_("组织不存在。"))
        if person is None or not viewer.can_person("household.edit", person):
            raise DomainError(_("人员不存在或不在您的管辖范围内。"))
        services.membership_add(
            organisation=org,
            person=person,
            title=request.POST.get("title", "")[:50],
            actor=request.user,
        )
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已加入。"))
    return redirect("people:organisation_list", place_pk=place.pk)
