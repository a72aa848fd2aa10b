"""Pages of 周五一检查: rounds of my place, a round (to-do and summary), the scoring form, a
household's results, the monthly ranking, and checklist management. Thin: parse, call one
service or selector, render."""

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wugong.core.errors import DomainError, NotFound, ValidationFailed
from wugong.inspections import selectors, services
from wugong.inspections.models import (
    Area,
    Checklist,
    ChecklistKind,
    Schedule,
    SheetPhoto,
    TargetKind,
)
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.places.models import Place
from wugong.places.paths import subtree_q

ITEM_ROWS = 10


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _managed_place(request: HttpRequest) -> Place | None:
    """The ?place= asked for, else the place of the viewer's first place-scoped assignment
    granting ``inspection.manage``."""
    pk = _int(request.GET.get("place") or request.POST.get("place"))
    if pk is None:
        for a in request.viewer.granting("inspection.manage"):
            if ROLE_SCOPE[a.role] == Scope.PLACE:
                pk = a.place_id
                break
    place = Place.objects.filter(pk=pk).first() if pk else None
    if place is None or not request.viewer.can_place("inspection.manage", place):
        return None
    return place


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My rounds (检查轮次): the coming ones and the last ones, with what is left to score."""
    viewer = request.viewer
    today = timezone.localdate()
    rounds = []
    if viewer.has_rule("inspection.record"):
        rows = list(
            selectors.rounds_list(viewer=viewer).filter(
                date__gte=today - dt.timedelta(days=35), date__lte=today + dt.timedelta(days=7)
            )[:20]
        )
        for r in rows:
            todo = selectors.round_todo(viewer=viewer, round=r)
            rounds.append((r, len(todo) if isinstance(todo, list) else todo.count()))
    context = {
        "rounds": rounds,
        "today": today,
        "household_id": viewer.household_id,
        "villages": selectors.ranking_villages(viewer),
        "can_manage": viewer.has_rule("inspection.manage"),
    }
    return render(request, "inspections/home.html", context)


def _round(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    try:
        return selectors.round_get(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: who is left to score (待检查) and, for cadres, the round in figures."""
    viewer = request.viewer
    r = _round(request, pk)
    todo = selectors.round_todo(viewer=viewer, round=r)
    todo_list = todo if isinstance(todo, list) else list(todo[:300])
    context = {
        "round": r,
        "todo": todo_list,
        "todo_count": len(todo) if isinstance(todo, list) else todo.count(),
        "is_area": r.checklist.target == TargetKind.AREA,
        "summary": selectors.round_summary(viewer=viewer, round=r),
        "sheets": list(selectors.sheets_of_round(viewer=viewer, round=r)[:50]),
        "today": timezone.localdate(),
        "is_cadre": viewer.can_place("inspection.manage", r.place),
    }
    return render(request, "inspections/round.html", context)


@login_required
def score(
    request: HttpRequest, pk: int, household_pk: int | None = None, area_pk: int | None = None
) -> HttpResponse:
    """The scoring form (评分): every item from 0 to its full score, up to 3 photos, a remark.
    A fresh idempotency key with every form shown: sent twice, it makes one sheet."""
    viewer = request.viewer
    r = _round(request, pk)
    try:
        target = selectors.round_target(
            viewer=viewer, round=r, household_pk=household_pk, area_pk=area_pk
        )
    except NotFound as e:
        raise Http404(str(e)) from e
    household = target if household_pk is not None else None
    area = target if area_pk is not None else None
    error = None
    if request.method == "POST":
        scores = {
            item.pk: request.POST.get(f"item_{item.pk}", "") for item in r.checklist.items.all()
        }
        try:
            _sheet, created = services.sheet_record(
                viewer=viewer,
                actor=request.user,
                round=r,
                household=household,
                area=area,
                idempotency_key=request.POST.get("idempotency_key", ""),
                scores=scores,
                remark=request.POST.get("remark", ""),
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as e:
            error = e
        else:
            if created:
                messages.success(request, _("评分已保存。"))
            else:
                messages.info(request, _("这张评分表已经保存过了。"))
            return redirect("inspections:round", pk=r.pk)
    context = {
        "round": r,
        "household": household,
        "area": area,
        "items": [(i, request.POST.get(f"item_{i.pk}", "")) for i in r.checklist.items.all()],
        "key": request.POST.get("idempotency_key") if error else uuid.uuid4().hex,
        "error": error,
        "values": request.POST,
    }
    return render(request, "inspections/score.html", context, status=error.status if error else 200)


@login_required
def household_results(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's results over time (检查记录), for its members and its cadres."""
    try:
        household = selectors.household_for_results(viewer=request.viewer, pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e
    sheets = list(selectors.household_sheets(household=household)[:60])
    since = timezone.localdate() - dt.timedelta(days=365)
    context = {
        "household": household,
        "sheets": sheets,
        "average": selectors.household_average_score(household_id=household.pk, since=since),
    }
    return render(request, "inspections/household.html", context)


def _month(value: str | None) -> dt.date:
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    """The monthly ranking per group (月度评比), public within the village."""
    viewer = request.viewer
    villages = selectors.ranking_villages(viewer)
    pk = _int(request.GET.get("place"))
    place = Place.objects.filter(pk=pk).first() if pk else (villages[0] if villages else None)
    village = selectors.village_of(place) if place else None
    if village is None:
        raise Http404(_("没有可查看的评比。"))
    month = _month(request.GET.get("month"))
    kind = request.GET.get("kind") or ChecklistKind.HYGIENE
    if kind not in ChecklistKind.values:
        kind = ChecklistKind.HYGIENE
    try:
        groups = selectors.monthly_ranking(viewer=viewer, village=village, month=month, kind=kind)
    except NotFound as e:
        raise Http404(str(e)) from e
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    context = {
        "village": village,
        "villages": villages,
        "groups": groups,
        "month": month,
        "previous": previous,
        "following": following if following <= timezone.localdate() else None,
        "kind": kind,
        "kinds": ChecklistKind.choices,
    }
    return render(request, "inspections/ranking.html", context)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    row = SheetPhoto.objects.select_related("sheet").filter(pk=pk).first()
    if row is None:
        raise Http404
    sheet = row.sheet
    viewer = request.viewer
    if sheet.household_id:
        try:
            selectors.household_for_results(viewer=viewer, pk=sheet.household_id)
        except NotFound as e:
            raise Http404(str(e)) from e
    else:
        _round(request, sheet.round_id)
    return FileResponse(row.file.open("rb"))


# --- management ---------------------------------------------------------------------------------
@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """Checklists, the weekly schedule, rounds by hand and public areas of a place (检查管理)."""
    place = _managed_place(request)
    if place is None:
        raise Http404
    viewer = request.viewer
    context = {
        "place": place,
        "usable": list(selectors.checklists_usable(place)),
        "own": list(
            Checklist.objects.filter(place=place).prefetch_related("items").order_by("name")
        ),
        "schedules": list(
            Schedule.objects.filter(place=place).select_related("checklist").order_by("pk")
        ),
        "areas": list(Area.objects.filter(subtree_q(place.path, "place_path")).order_by("name")),
        "rounds": list(selectors.rounds_list(viewer=viewer, place=place)[:10]),
        "weekdays": services.WEEKDAYS,
        "kinds": ChecklistKind.choices,
        "targets": TargetKind.choices,
        "rows": range(ITEM_ROWS),
        "today": timezone.localdate(),
        "is_admin": "system_admin" in viewer.roles,
    }
    return render(request, "inspections/manage.html", context)


@login_required
@require_POST
def checklist_new(request: HttpRequest) -> HttpResponse:
    place = _managed_place(request)
    if place is None:
        raise Http404
    items = []
    for text, score in zip(
        request.POST.getlist("item_text"), request.POST.getlist("item_max"), strict=False
    ):
        if text.strip():
            items.append((text, _int(score.strip()) or 0))
    action = lambda: services.checklist_create(  # noqa: E731
        viewer=request.viewer,
        actor=request.user,
        place=place,
        name=request.POST.get("name", ""),
        kind=request.POST.get("kind", ""),
        target=request.POST.get("target", TargetKind.HOUSEHOLD),
        items=items,
    )
    return _back(request, place, action, ok=_("检查表已添加。"))


def _back(request: HttpRequest, place: Place, action, ok: str = "") -> HttpResponse:  # type: ignore[no-untyped-def]
    """Run one service call, show its outcome, return to the place's management page."""
    try:
        action()
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, ok or _("已保存。"))
    return redirect(f"{reverse('inspections:manage')}?place={place.pk}")


@login_required
@require_POST
def checklist_active(request: HttpRequest, pk: int) -> HttpResponse:
    place = _managed_place(request)
    checklist = Checklist.objects.filter(pk=pk).first()
    if place is None or checklist is None or checklist.place_id != place.pk:
        raise Http404
    return _back(
        request,
        place,
        lambda: services.checklist_set_active(
            viewer=request.viewer,
            actor=request.user,
            checklist=checklist,
            active=request.POST.get("active") == "1",
        ),
    )


def _usable_checklist(place: Place, pk: int | None) -> Checklist:
    checklist = selectors.checklists_usable(place).filter(pk=pk).first() if pk else None
    if checklist is None:
        raise NotFound(_("请选择检查表。"), field="checklist")
    return checklist


@login_required
@require_POST
def schedule_set(request: HttpRequest) -> HttpResponse:
    place = _managed_place(request)
    if place is None:
        raise Http404
    weekday = _int(request.POST.get("weekday"))
    return _back(
        request,
        place,
        lambda: services.schedule_set(
            viewer=request.viewer,
            actor=request.user,
            place=place,
            checklist=_usable_checklist(place, _int(request.POST.get("checklist"))),
            weekday=4 if weekday is None else weekday,
            active=request.POST.get("active", "1") == "1",
        ),
        ok=_("检查安排已保存。"),
    )


@login_required
@require_POST
def round_new(request: HttpRequest) -> HttpResponse:
    place = _managed_place(request)
    if place is None:
        raise Http404

    def action() -> None:
        try:
            date = dt.date.fromisoformat(request.POST.get("date", ""))
        except ValueError:
            raise ValidationFailed(_("请填写检查日期。"), field="date") from None
        services.round_create(
            viewer=request.viewer,
            actor=request.user,
            place=place,
            checklist=_usable_checklist(place, _int(request.POST.get("checklist"))),
            date=date,
        )

    return _back(request, place, action, ok=_("检查轮次已安排。"))


@login_required
@require_POST
def area_new(request: HttpRequest) -> HttpResponse:
    place = _managed_place(request)
    if place is None:
        raise Http404
    return _back(
        request,
        place,
        lambda: services.area_add(
            viewer=request.viewer,
            actor=request.user,
            place=place,
            name=request.POST.get("name", ""),
        ),
        ok=_("区域已添加。"),
    )
