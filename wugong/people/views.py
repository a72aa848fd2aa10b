"""Pages for signing in, households and people, roles. Thin: parse, check, call, render."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound
from wugong.core.http import client_address, is_htmx
from wugong.people import selectors, services, signin
from wugong.people.forms import (
    CodeForm,
    HouseholdForm,
    MemberForm,
    PhoneForm,
    RoleForm,
    StaffSignInForm,
    TagForm,
)
from wugong.people.models import KeyTag, Person, RoleAssignment
from wugong.places.models import MicroGrid, Place

PAGE_SIZE = 20


def _form_error(form: object, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))  # type: ignore[attr-defined]


# --- sign-in -------------------------------------------------------------------------------
def sign_in(request: HttpRequest) -> HttpResponse:
    """Residents: phone number, then the code sent to it."""
    if request.method == "POST":
        form = PhoneForm(request.POST)
        if form.is_valid():
            try:
                signin.sign_in_code_request(
                    phone=form.cleaned_data["phone"], address=client_address(request)
                )
            except DomainError as e:
                _form_error(form, e)
            else:
                code_form = CodeForm(initial={"phone": form.cleaned_data["phone"]})
                return render(
                    request,
                    "people/sign_in.html#code-step",
                    {"code_form": code_form, "phone": form.cleaned_data["phone"]},
                )
    else:
        form = PhoneForm()
    template = "people/sign_in.html#phone-step" if is_htmx(request) else "people/sign_in.html"
    return render(request, template, {"form": form})


@require_POST
def sign_in_verify(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            user = signin.sign_in_code_verify(
                phone=form.cleaned_data["phone"],
                code=form.cleaned_data["code"],
                address=client_address(request),
            )
        except DomainError as e:
            _form_error(form, e)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            response = redirect("core:home")
            if is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = "/"
            return response
    return render(
        request,
        "people/sign_in.html#code-step",
        {"code_form": form, "phone": request.POST.get("phone", "")},
    )


def staff_sign_in(request: HttpRequest) -> HttpResponse:
    """Cadres and supervisors: username, password and, if set up, a TOTP code."""
    form = StaffSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signin.password_sign_in(
                request=request, address=client_address(request), **form.cleaned_data
            )
        except DomainError as e:
            _form_error(form, e)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("core:home")
    return render(request, "people/staff_sign_in.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:home")


# --- households ----------------------------------------------------------------------------
def _place_in_scope(request: HttpRequest, pk: str | None) -> Place | None:
    if not pk:
        return None
    if not pk.isdigit():  # a mangled link is a missing place, not a server error
        raise Http404(_("地点不存在或不在您的管辖范围内。"))
    place = Place.objects.filter(request.viewer.place_q(), pk=pk).first()
    if place is None:
        raise Http404(_("地点不存在或不在您的管辖范围内。"))
    return place


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    """Browse and search the households in scope, by pinyin; htmx swaps the results."""
    viewer = request.viewer
    place = _place_in_scope(request, request.GET.get("place"))
    tag = request.GET.get("tag", "")
    if tag not in KeyTag.values:
        tag = ""
    rule = selectors.household_list_rule(tag)
    if not viewer.has_rule(rule):
        raise PermissionDenied
    page = selectors.household_page(
        page_number=request.GET.get("page"),
        size=PAGE_SIZE,
        viewer=viewer,
        place=place,
        query=request.GET.get("q", ""),
        tag=tag,
        rule=rule,
    )
    if rule == "person.view_sensitive":
        services.sensitive_list_logged(user=request.user, households=list(page), field="tags")
    context = {
        "page": page,
        "place": place,
        "q": request.GET.get("q", ""),
        "tag": tag,
        "tags": KeyTag.choices,
        "can_edit": viewer.has_rule("household.edit"),
    }
    template = "people/household_list.html"
    if is_htmx(request) and request.headers.get("HX-Target") == "results":
        template += "#results"
    return render(request, template, context)


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    try:
        household = selectors.household_get(viewer=viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e
    shown_tags, hidden_tags = selectors.tags_visible(list(household.tags.all()))
    members = [selectors.person_masked(p) for p in household.members.all()]
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "members": members,
            "shown_tags": shown_tags,
            "hidden_tags": hidden_tags,
            "can_edit": viewer.can_household("household.edit", household),
            "can_reveal": viewer.can_household("person.view_sensitive", household),
            "member_form": MemberForm(),
            "tag_form": TagForm(),
            "centres": selectors.centre_households_near(household),
        },
    )


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Unmask one sensitive field for a role that needs it; the look is logged."""
    try:
        # Out of view and missing answer alike (404): nothing tells which ids exist.
        person = selectors.person_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e
    try:
        value = services.sensitive_reveal(
            viewer=request.viewer, user=request.user, person=person, field=field
        )
    except DomainError as e:
        raise PermissionDenied(str(e)) from e
    return render(
        request, "people/household_detail.html#revealed", {"value": value, "field": field}
    )


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    place = _place_in_scope(request, request.GET.get("place") or request.POST.get("place"))
    if place is None or not viewer.can_place("household.edit", place):
        raise PermissionDenied
    form = HouseholdForm(request.POST or None)
    grids = MicroGrid.objects.filter(place_path__startswith=place.path).order_by("name")
    form.fields["grid"].choices = [("", "—"), *((g.pk, g.name) for g in grids)]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            head = services.person_data_clean(
                name=d["name"],
                sex=d["sex"],
                birth_date=d["birth_date"],
                phone=d["phone"],
                id_number=d["id_number"],
            )
            household = services.household_create(
                place=place,
                address=d["address"],
                head=head,
                grid=grids.filter(pk=d["grid"]).first() if d["grid"] else None,
                unit=d["unit"],
                floor=d["floor"],
                floor_area=d["floor_area"],
                actor=request.user,
            )
        except DomainError as e:
            _form_error(form, e)
        else:
            messages.success(request, _("住户已登记。"))
            return redirect("people:household_detail", pk=household.pk)
    return render(request, "people/household_form.html", {"form": form, "place": place})


def _household_for_edit(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    try:
        return selectors.household_get(viewer=request.viewer, pk=pk, rule="household.edit")
    except NotFound as e:
        raise PermissionDenied(str(e)) from e


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_edit(request, pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            data = services.person_data_clean(
                name=d["name"],
                sex=d["sex"],
                birth_date=d["birth_date"],
                phone=d["phone"],
                id_number=d["id_number"],
            )
            services.person_create(
                data=data,
                household=household,
                relation=d["relation"],
                is_party_member=d["is_party_member"],
                is_volunteer=d["is_volunteer"],
                actor=request.user,
            )
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("成员已添加。"))
    else:
        messages.error(
            request,
            _("请检查填写的内容：")
            + "; ".join(
                f"{form.fields[f].label}: {' '.join(errs)}" for f, errs in form.errors.items()
            ),
        )
    return redirect("people:household_detail", pk=pk)


@login_required
@require_POST
def tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_edit(request, pk)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.key_tag_set(household=household, actor=request.user, **form.cleaned_data)
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("重点户标签已保存。"))
    else:
        messages.error(request, _("请检查重点户类别和起始日期。"))
    return redirect("people:household_detail", pk=pk)


# --- roles ---------------------------------------------------------------------------------
@login_required
def role_list(request: HttpRequest, place_pk: int) -> HttpResponse:
    """Who holds which role at and under a place; assign new roles there."""
    viewer = request.viewer
    place = _place_in_scope(request, str(place_pk))
    assert place is not None
    form = RoleForm(request.POST or None)
    grids = MicroGrid.objects.filter(place_path__startswith=place.path).order_by("name")
    form.fields["grid"].choices = [("", "—"), *((g.pk, g.name) for g in grids)]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = Person.objects.select_related("household").filter(pk=d["person"]).first()
        try:
            if person is None or not viewer.can_person("household.view", person):
                raise NotFound(_("人员不存在或不在您的管辖范围内。"))
            services.role_assign(
                viewer=viewer,
                person=person,
                role=d["role"],
                place=place,
                grid=grids.filter(pk=d["grid"]).first() if d["grid"] else None,
                actor=request.user,
            )
        except DomainError as e:
            _form_error(form, e)
        else:
            messages.success(request, _("任命已保存。"))
            return redirect("people:role_list", place_pk=place.pk)
    candidates = []
    if q := request.GET.get("q", "").strip():
        candidates = [
            h.head
            for h in selectors.household_list(viewer=viewer, place=place, query=q)[:10]
            if h.head
        ]
    return render(
        request,
        "people/roles.html",
        {
            "place": place,
            "assignments": selectors.role_list(viewer=viewer, place=place),
            "form": form,
            "candidates": candidates,
            "q": q,
            "can_assign": viewer.has_rule("role.assign"),
        },
    )


@login_required
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(RoleAssignment.objects.select_related("place"), pk=pk)
    try:
        services.role_revoke(viewer=request.viewer, assignment=assignment, actor=request.user)
    except DomainError as e:
        raise PermissionDenied(str(e)) from e
    messages.success(request, _("任命已撤销。"))
    return redirect("people:role_list", place_pk=assignment.place_id)


@login_required
@require_POST
def household_centre(request: HttpRequest, pk: int) -> HttpResponse:
    """Make this household a centre household (中心户), or put it in a centre household's care."""
    household = _household_for_edit(request, pk)
    try:
        if request.POST.get("action") == "designate":
            services.centre_designate(household=household, actor=request.user)
        else:
            centre = selectors.household_get(
                viewer=request.viewer,
                pk=int(request.POST.get("centre") or 0),
                rule="household.edit",
            )
            services.centre_link(household=household, centre=centre, actor=request.user)
    except (DomainError, ValueError) as e:
        messages.error(request, str(e) if isinstance(e, DomainError) else _("请选择中心户。"))
    else:
        messages.success(request, _("已保存。"))
    return redirect("people:household_detail", pk=pk)
