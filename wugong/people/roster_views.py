"""Roster pages: download the template, upload a filled roster, export households."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.errors import DomainError
from wugong.people import roster
from wugong.people.forms import RosterUploadForm
from wugong.people.roster import RosterInvalid
from wugong.places.models import Place

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    return _xlsx(roster.roster_template(), "wugong-roster-template.xlsx")


def _scoped_place(request: HttpRequest, pk: str | None) -> Place | None:
    if not pk:
        return None
    if not pk.isdigit():  # a mangled link is a missing place, not a server error
        raise Http404(_("地点不存在或不在您的管辖范围内。"))
    place = Place.objects.filter(request.viewer.place_q(), pk=pk).first()
    if place is None:
        raise Http404(_("地点不存在或不在您的管辖范围内。"))
    return place


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not viewer.has_rule("roster.import"):
        raise PermissionDenied
    places = Place.objects.filter(
        viewer.place_q("roster.import"), kind__in=["village", "community"]
    ).order_by("sort_key")[:200]
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        place = _scoped_place(request, request.POST.get("place"))
        upload = form.cleaned_data["file"]
        try:
            if place is None:
                raise DomainError(_("请选择导入到哪个村或社区。"))
            if not upload.name.lower().endswith(".xlsx"):
                raise DomainError(_("请上传 Excel 文件（.xlsx 格式）。"))
            result = roster.roster_import(
                viewer=viewer, user=request.user, place=place, data=upload.read()
            )
        except RosterInvalid as e:
            form.add_error(None, str(e))
            errors = e.errors
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(
                request,
                _("已导入%(h)d户、%(p)d人。") % {"h": result.households, "p": result.people},
            )
            return redirect("people:roster_import")
    return render(request, "people/roster.html", {"form": form, "errors": errors, "places": places})


@login_required
def export_download(request: HttpRequest) -> HttpResponse:
    place = _scoped_place(request, request.GET.get("place"))
    try:
        data = roster.roster_export(
            viewer=request.viewer,
            user=request.user,
            place=place,
            full=request.GET.get("full") == "1",
        )
    except DomainError as e:
        raise PermissionDenied(str(e)) from e
    return _xlsx(data, f"wugong-households-{timezone.localdate():%Y%m%d}.xlsx")
