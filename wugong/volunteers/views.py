"""Pages of volunteering (志愿服务). Thin: parse, check, call one service or selector, render."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound, PermissionDenied
from wugong.core.http import domain_pages
from wugong.meetings.checkin import qr_svg
from wugong.people.models import Person
from wugong.places.models import Place
from wugong.places.paths import subtree_q
from wugong.volunteers import selectors, services
from wugong.volunteers.checkin import checkin_token_make
from wugong.volunteers.forms import ActivityForm, TeamForm
from wugong.volunteers.models import Activity, ActivityStatus, Attendance, Team


def _activity(request: HttpRequest, pk: int) -> Activity:
    return selectors.activity_get(viewer=request.viewer, pk=pk)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- activities ----------------------------------------------------------------------------
@domain_pages
def activity_list(request: HttpRequest) -> HttpResponse:
    """The activities of the viewer's village (and, for cadres, everything under them)."""
    viewer = request.viewer
    rows = list(selectors.activity_list(viewer=viewer)[:200])
    current = [a for a in rows if a.accepts_attendance]
    current.sort(key=lambda a: a.starts_at)
    past = [a for a in rows if not a.accepts_attendance]
    return render(
        request,
        "volunteers/activity_list.html",
        {
            "current": current,
            "past": past[:50],
            "can_create": selectors.manageable_teams(viewer=viewer).exists(),
        },
    )


def _activity_form(request: HttpRequest, data: Any = None, **kw: Any) -> ActivityForm:
    viewer = request.viewer
    return ActivityForm(
        data,
        teams=list(selectors.manageable_teams(viewer=viewer)),
        places=list(selectors.manageable_places(viewer=viewer)),
        **kw,
    )


def _form_place(form: ActivityForm) -> Place | None:
    pk = form.cleaned_data.get("place")
    return Place.objects.filter(pk=pk).first() if pk else None


@domain_pages
def activity_create(request: HttpRequest) -> HttpResponse:
    """Publish an activity (发布志愿活动): cadres of the team's village."""
    initial = {"team": request.GET.get("team")}
    form = _activity_form(request, request.POST or None, initial=initial)
    if not form.fields["team"].choices:
        raise PermissionDenied(_("您无权发布志愿活动，或本村（社区）还没有服务队。"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                team = selectors.manageable_teams(viewer=request.viewer).get(pk=d["team"])
                activity, _created = services.activity_create(
                    viewer=request.viewer,
                    actor=request.user,
                    team=team,
                    place=_form_place(form),
                    title=d["title"],
                    description=d["description"],
                    location=d["location"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    needs=d["needs"],
                    quota=d["quota"],
                    hours_cap=d["hours_cap"],
                    idempotency_key=d["idempotency_key"],
                )
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, str(e))
            else:
                messages.success(request, _("志愿活动已发布。"))
                return redirect("volunteers:detail", pk=activity.pk)
    return render(
        request, "volunteers/activity_form.html", {"form": form, "creating": True}, status=status
    )


@domain_pages
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    if not selectors.can_manage(request.viewer, activity.place):
        raise PermissionDenied(_("您无权管理该地点的志愿服务。"))
    initial = {
        "team": activity.team_id,
        "place": activity.place_id,
        "title": activity.title,
        "description": activity.description,
        "location": activity.location,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "needs": activity.needs,
        "quota": activity.quota,
        "hours_cap": activity.hours_cap or "",
    }
    form = _activity_form(request, request.POST or None, initial=initial)
    form.fields["team"].disabled = True
    form.fields["place"].disabled = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.activity_update(
                    viewer=request.viewer,
                    actor=request.user,
                    activity=activity,
                    title=d["title"],
                    description=d["description"],
                    location=d["location"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    needs=d["needs"],
                    quota=d["quota"],
                    hours_cap=d["hours_cap"],
                )
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, str(e))
            else:
                messages.success(request, _("活动信息已保存。"))
                return redirect("volunteers:detail", pk=activity.pk)
    return render(
        request,
        "volunteers/activity_form.html",
        {"form": form, "activity": activity},
        status=status,
    )


def _qr_context(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    if not activity.accepts_attendance:
        return {}
    url = request.build_absolute_uri(
        reverse("volunteers:checkin", kwargs={"token": checkin_token_make(activity)})
    )
    return {"checkin_url": url, "qr": qr_svg(url)}


def _detail_context(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    viewer = request.viewer
    manage = selectors.can_manage(viewer, activity.place)
    signed = selectors.signed_up_count(activity)
    context: dict[str, Any] = {
        "activity": activity,
        "cap": activity.cap,
        "signed_up": signed,
        "full": signed >= activity.quota,
        "mine": selectors.own_attendance(viewer=viewer, activity=activity),
        "can_join": bool(viewer.person_id) and viewer.has_rule("volunteer.join"),
        "can_manage": manage,
    }
    if manage:
        roll = list(selectors.roll(viewer=viewer, activity=activity))
        on_roll = {r.person_id for r in roll}
        context.update(
            roll=roll,
            candidates=[
                m.person
                for m in activity.team.memberships.select_related("person").order_by("person__name")
                if m.person_id not in on_roll
            ],
            moves=[
                (s, label)
                for s, label in ActivityStatus.choices
                if activity.status in services.MOVES.get(s, set())
            ],
            **_qr_context(request, activity),
        )
    return context


@domain_pages
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    return render(request, "volunteers/activity_detail.html", _detail_context(request, activity))


@domain_pages
def activity_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """A fresh QR for the organiser's phone (tokens expire; htmx refreshes it)."""
    activity = _activity(request, pk)
    if not selectors.can_manage(request.viewer, activity.place):
        raise PermissionDenied(_("您无权管理该地点的志愿服务。"))
    context = {"activity": activity, "can_manage": True, **_qr_context(request, activity)}
    return render(request, "volunteers/activity_detail.html#qr", context)


def _act(request: HttpRequest, activity: Activity, do: Callable[[], Any], ok: str) -> HttpResponse:
    """Run one service call for the activity page: on success back to the page with a note;
    on bad input the page again with the message, status 400, nothing changed."""
    try:
        do()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as e:
        messages.error(request, str(e))
        activity = _activity(request, activity.pk)
        return render(
            request,
            "volunteers/activity_detail.html",
            _detail_context(request, activity),
            status=400,
        )
    messages.success(request, ok)
    return redirect("volunteers:detail", pk=activity.pk)


@require_POST
@domain_pages
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    return _act(
        request,
        activity,
        lambda: services.signup_create(
            viewer=request.viewer, actor=request.user, activity=activity
        ),
        _("报名成功，请按时参加。"),
    )


@require_POST
@domain_pages
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    return _act(
        request,
        activity,
        lambda: services.signup_cancel(
            viewer=request.viewer, actor=request.user, activity=activity
        ),
        _("已取消报名。"),
    )


@require_POST
@domain_pages
def status_set(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    return _act(
        request,
        activity,
        lambda: services.activity_status_set(
            viewer=request.viewer,
            actor=request.user,
            activity=activity,
            status=request.POST.get("status", ""),
        ),
        _("活动状态已更新。"),
    )


@require_POST
@domain_pages
def checkin_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    return _act(
        request,
        activity,
        lambda: services.checkin_key_rotate(
            viewer=request.viewer, actor=request.user, activity=activity
        ),
        _("已换新签到码，旧二维码作废。"),
    )


def _roll_row(request: HttpRequest, activity: Activity) -> Attendance:
    pk = _int(request.POST.get("attendance"))
    return selectors.attendance_get(viewer=request.viewer, activity=activity, pk=pk or 0)


@require_POST
@domain_pages
def mark_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser checks a volunteer in: one on the roll, or a team member."""
    activity = _activity(request, pk)
    if not selectors.can_manage(request.viewer, activity.place):
        raise PermissionDenied(_("您无权管理该地点的志愿服务。"))
    person = (
        Person.objects.select_related("household")
        .filter(pk=_int(request.POST.get("person")))
        .first()
    )
    if person is None:
        raise NotFound(_("人员不存在。"))
    return _act(
        request,
        activity,
        lambda: services.organiser_check_in(
            viewer=request.viewer, actor=request.user, activity=activity, person=person
        ),
        _("已签到。"),
    )


@require_POST
@domain_pages
def mark_out(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    row = _roll_row(request, activity)
    return _act(
        request,
        activity,
        lambda: services.organiser_check_out(
            viewer=request.viewer, actor=request.user, activity=activity, attendance=row
        ),
        _("已签退。"),
    )


@require_POST
@domain_pages
def hours_enter(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    row = _roll_row(request, activity)
    return _act(
        request,
        activity,
        lambda: services.hours_enter(
            viewer=request.viewer,
            actor=request.user,
            activity=activity,
            attendance=row,
            hours=request.POST.get("hours"),
            reason=request.POST.get("reason", ""),
        ),
        _("服务时长已录入。"),
    )


@require_POST
@domain_pages
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    row = _roll_row(request, activity)
    return _act(
        request,
        activity,
        lambda: services.hours_confirm(
            viewer=request.viewer,
            actor=request.user,
            activity=activity,
            attendance=row,
            hours=request.POST.get("hours") or None,
            reason=request.POST.get("reason", ""),
        ),
        _("服务时长已确认。"),
    )


@domain_pages
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The page a volunteer's phone opens from the QR: one big button to check in, then (on
    the same code) one to check out."""
    context: dict[str, Any] = {"token": token}
    status = 200
    try:
        activity = services.token_activity(token=token)
        context["activity"] = activity
        if request.method == "POST":
            if request.POST.get("action") == "out":
                row, done = services.qr_check_out(
                    viewer=request.viewer, actor=request.user, token=token
                )
                context.update(done="out", changed=done, row=row)
            else:
                row, done = services.qr_check_in(
                    viewer=request.viewer, actor=request.user, token=token
                )
                context.update(done="in", changed=done, row=row)
        else:
            context["row"] = selectors.own_attendance(viewer=request.viewer, activity=activity)
    except DomainError as e:
        context["error"] = str(e)
        status = e.status if request.method == "POST" else 200
    return render(request, "volunteers/checkin.html", context, status=status)


# --- records -------------------------------------------------------------------------------
@domain_pages
def my_record(request: HttpRequest) -> HttpResponse:
    """My service record (我的志愿服务): activities, confirmed hours, total."""
    return render(
        request, "volunteers/my_record.html", {"record": selectors.my_record(viewer=request.viewer)}
    )


# --- teams ---------------------------------------------------------------------------------
@domain_pages
def team_list(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    places = list(selectors.manageable_places(viewer=viewer, kinds=("village", "community")))
    form = TeamForm(request.POST or None, places=places)
    status = 200
    if request.method == "POST":
        if not places:
            raise PermissionDenied(_("您无权组建服务队。"))
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                team = services.team_create(
                    viewer=viewer,
                    actor=request.user,
                    place=Place.objects.get(pk=d["place"]),
                    name=d["name"],
                    kind=d["kind"],
                    description=d["description"],
                )
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, str(e))
            else:
                messages.success(request, _("服务队已组建。"))
                return redirect("volunteers:team", pk=team.pk)
    totals: list[tuple[str, int, Any]] = []
    if places:
        names = dict(
            Place.objects.filter(pk__in=[p.pk for p in places]).values_list("path", "name")
        )
        for p in places:
            for path, (n, h) in selectors.village_volunteer_totals(path_prefix=p.path).items():
                totals.append((names.get(path, path), n, h))
    return render(
        request,
        "volunteers/team_list.html",
        {
            "teams": selectors.team_list(viewer=viewer),
            "form": form if places else None,
            "totals": sorted(set(totals)),
        },
        status=status,
    )


def _team_context(request: HttpRequest, team: Team) -> dict[str, Any]:
    viewer = request.viewer
    manage = selectors.can_manage(viewer, team.place)
    context: dict[str, Any] = {
        "team": team,
        "can_manage": manage,
        "totals": selectors.team_totals(team),
        "activities": selectors.activity_list(viewer=viewer, team=team)[:30],
        "member_count": team.memberships.count(),
    }
    if manage:
        context["members"] = selectors.team_member_hours(team)
        q = (request.GET.get("q") or "").strip()
        if q:
            member_ids = team.memberships.values("person_id")
            context["q"] = q
            context["found"] = list(
                Person.objects.filter(
                    subtree_q(team.village_path, "household__place_path"), name__contains=q
                )
                .exclude(pk__in=member_ids)
                .select_related("household")
                .order_by("name")[:20]
            )
    return context


@domain_pages
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_get(viewer=request.viewer, pk=pk)
    return render(request, "volunteers/team_detail.html", _team_context(request, team))


@require_POST
@domain_pages
def team_member(request: HttpRequest, pk: int) -> HttpResponse:
    """Add (入队) or remove (离队) a member."""
    team = selectors.team_get(viewer=request.viewer, pk=pk)
    person = (
        Person.objects.select_related("household")
        .filter(pk=_int(request.POST.get("person")))
        .first()
    )
    if person is None:
        raise NotFound(_("人员不存在。"))
    try:
        if request.POST.get("remove"):
            services.team_member_remove(
                viewer=request.viewer, actor=request.user, team=team, person=person
            )
            messages.success(request, _("已移出服务队。"))
        else:
            services.team_member_add(
                viewer=request.viewer, actor=request.user, team=team, person=person
            )
            messages.success(request, _("已加入服务队。"))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as e:
        messages.error(request, str(e))
        return render(
            request, "volunteers/team_detail.html", _team_context(request, team), status=400
        )
    return redirect("volunteers:team", pk=team.pk)
