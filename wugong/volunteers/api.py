"""API of 志愿服务 at /api/v1/volunteers: scoped exactly as the pages are; every write is a
service. Hours are decimal strings ("2.50"), never floats."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from wugong.core.errors import NotFound, PermissionDenied
from wugong.people.models import Person
from wugong.people.rules import Viewer, viewer_for
from wugong.volunteers import selectors, services
from wugong.volunteers.models import Activity, Attendance

router = Router(tags=["volunteers"])


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class ActivityOut(Schema):
    id: int
    team_id: int
    team_name: str
    title: str
    place_id: int
    place_name: str
    location: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    needs: str
    quota: int
    signed_up: int
    hours_cap: str
    status: str
    status_label: str


class MineOut(Schema):
    signed_up: bool
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    hours: str | None
    confirmed_hours: str | None


class ActivityDetailOut(ActivityOut):
    description: str
    organiser: str
    mine: MineOut | None


class AttendanceOut(Schema):
    id: int
    activity_id: int
    person_id: int
    person_name: str
    status: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    hours: str | None
    confirmed_hours: str | None
    confirmed_at: dt.datetime | None


class ChangedOut(Schema):
    changed: bool
    attendance: AttendanceOut


class TokenIn(Schema):
    token: str


class PersonIn(Schema):
    person_id: int


class AttendanceIn(Schema):
    attendance_id: int


class HoursIn(Schema):
    attendance_id: int
    hours: str | None = None
    reason: str = ""


class RecordRowOut(Schema):
    activity_id: int
    title: str
    team_name: str
    starts_at: dt.datetime
    status: str
    hours: str | None
    confirmed_hours: str | None


class RecordOut(Schema):
    confirmed_hours: str
    confirmed_count: int
    activities: list[RecordRowOut]


def _viewer(request: HttpRequest) -> Viewer:
    return viewer_for(request.user)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _activity_out(a: Activity, signed_up: int | None = None) -> dict[str, Any]:
    return {
        "id": a.pk,
        "team_id": a.team_id,
        "team_name": a.team.name,
        "title": a.title,
        "place_id": a.place_id,
        "place_name": a.place.name,
        "location": a.location,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "needs": a.needs,
        "quota": a.quota,
        "signed_up": signed_up if signed_up is not None else getattr(a, "signed_up", 0),
        "hours_cap": str(a.cap),
        "status": a.status,
        "status_label": a.get_status_display(),
    }


def _attendance_out(r: Attendance) -> dict[str, Any]:
    return {
        "id": r.pk,
        "activity_id": r.activity_id,
        "person_id": r.person_id,
        "person_name": r.person.name,
        "status": r.status,
        "checked_in_at": r.checked_in_at,
        "checked_out_at": r.checked_out_at,
        "hours": _dec(r.hours),
        "confirmed_hours": _dec(r.confirmed_hours),
        "confirmed_at": r.confirmed_at,
    }


def _changed(row: Attendance, changed: bool) -> dict[str, Any]:
    row = Attendance.objects.select_related("person").get(pk=row.pk)
    return {"changed": changed, "attendance": _attendance_out(row)}


# --- activities ----------------------------------------------------------------------------
@router.get("/activities", response=list[ActivityOut], summary="Activities in scope")
def activity_list(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    rows = selectors.activity_list(viewer=_viewer(request), status=status)[:200]
    return [_activity_out(a) for a in rows]


@router.get("/activities/{pk}", response={200: ActivityDetailOut, 404: ErrorOut})
def activity_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    viewer = _viewer(request)
    a = selectors.activity_get(viewer=viewer, pk=pk)
    mine = selectors.own_attendance(viewer=viewer, activity=a)
    return {
        **_activity_out(a, selectors.signed_up_count(a)),
        "description": a.description,
        "organiser": a.organiser.name if a.organiser else "",
        "mine": None
        if mine is None
        else {
            "signed_up": mine.is_active,
            "checked_in_at": mine.checked_in_at,
            "checked_out_at": mine.checked_out_at,
            "hours": _dec(mine.hours),
            "confirmed_hours": _dec(mine.confirmed_hours),
        },
    }


@router.post(
    "/activities/{pk}/signup",
    response={200: ChangedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Sign up (within the quota); twice changes nothing",
)
def signup(request: HttpRequest, pk: int) -> dict[str, Any]:
    viewer = _viewer(request)
    activity = selectors.activity_get(viewer=viewer, pk=pk)
    row, created = services.signup_create(viewer=viewer, actor=request.user, activity=activity)
    return _changed(row, created)


@router.post(
    "/activities/{pk}/cancel",
    response={200: ChangedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Withdraw one's own sign-up before the start",
)
def signup_cancel(request: HttpRequest, pk: int) -> dict[str, Any]:
    viewer = _viewer(request)
    activity = selectors.activity_get(viewer=viewer, pk=pk)
    row = services.signup_cancel(viewer=viewer, actor=request.user, activity=activity)
    return _changed(row, True)


@router.post(
    "/checkin",
    response={200: ChangedOut, 400: ErrorOut, 403: ErrorOut},
    summary="Check in with the token of an activity's QR",
)
def qr_check_in(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    row, done = services.qr_check_in(
        viewer=_viewer(request), actor=request.user, token=payload.token
    )
    return _changed(row, done)


@router.post(
    "/checkout",
    response={200: ChangedOut, 400: ErrorOut, 403: ErrorOut},
    summary="Check out with the token of an activity's QR (refused before check-in)",
)
def qr_check_out(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    row, done = services.qr_check_out(
        viewer=_viewer(request), actor=request.user, token=payload.token
    )
    return _changed(row, done)


# --- the organiser -------------------------------------------------------------------------
def _managed(viewer: Viewer, pk: int) -> Activity:
    activity = selectors.activity_get(viewer=viewer, pk=pk)
    if not selectors.can_manage(viewer, activity.place):
        raise PermissionDenied(_("您无权管理该地点的志愿服务。"))
    return activity


@router.get(
    "/activities/{pk}/roll",
    response={200: list[AttendanceOut], 403: ErrorOut, 404: ErrorOut},
    summary="The roll with check-in/out and hours (organisers)",
)
def roll(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    viewer = _viewer(request)
    activity = _managed(viewer, pk)
    return [_attendance_out(r) for r in selectors.roll(viewer=viewer, activity=activity)]


@router.post(
    "/activities/{pk}/roll/check-in",
    response={200: ChangedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="The organiser checks a volunteer in",
)
def organiser_check_in(request: HttpRequest, pk: int, payload: PersonIn) -> dict[str, Any]:
    viewer = _viewer(request)
    activity = _managed(viewer, pk)
    person = Person.objects.select_related("household").filter(pk=payload.person_id).first()
    if person is None:
        raise NotFound(_("人员不存在。"), field="person_id")
    row, done = services.organiser_check_in(
        viewer=viewer, actor=request.user, activity=activity, person=person
    )
    return _changed(row, done)


def _row(viewer: Viewer, activity: Activity, pk: int) -> Attendance:
    try:
        return selectors.attendance_get(viewer=viewer, activity=activity, pk=pk)
    except NotFound as e:
        raise NotFound(e.message, field="attendance_id") from None


@router.post(
    "/activities/{pk}/roll/check-out",
    response={200: ChangedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="The organiser checks a volunteer out (refused before check-in)",
)
def organiser_check_out(request: HttpRequest, pk: int, payload: AttendanceIn) -> dict[str, Any]:
    viewer = _viewer(request)
    activity = _managed(viewer, pk)
    row, done = services.organiser_check_out(
        viewer=viewer,
        actor=request.user,
        activity=activity,
        attendance=_row(viewer, activity, payload.attendance_id),
    )
    return _changed(row, done)


@router.post(
    "/activities/{pk}/roll/hours",
    response={200: ChangedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Enter hours by hand (within the cap, with a reason)",
)
def hours_enter(request: HttpRequest, pk: int, payload: HoursIn) -> dict[str, Any]:
    viewer = _viewer(request)
    activity = _managed(viewer, pk)
    row = services.hours_enter(
        viewer=viewer,
        actor=request.user,
        activity=activity,
        attendance=_row(viewer, activity, payload.attendance_id),
        hours=payload.hours,
        reason=payload.reason,
    )
    return _changed(row, True)


@router.post(
    "/activities/{pk}/roll/confirm",
    response={200: ChangedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Confirm a volunteer's hours, once (optionally adjusted within the cap)",
)
def confirm(request: HttpRequest, pk: int, payload: HoursIn) -> dict[str, Any]:
    viewer = _viewer(request)
    activity = _managed(viewer, pk)
    row = services.hours_confirm(
        viewer=viewer,
        actor=request.user,
        activity=activity,
        attendance=_row(viewer, activity, payload.attendance_id),
        hours=payload.hours,
        reason=payload.reason,
    )
    return _changed(row, True)


# --- records -------------------------------------------------------------------------------
@router.get("/mine", response=RecordOut, summary="My service record: activities and hours")
def my_record(request: HttpRequest) -> dict[str, Any]:
    record = selectors.my_record(viewer=_viewer(request))
    return {
        "confirmed_hours": str(record.confirmed_hours),
        "confirmed_count": record.confirmed_count,
        "activities": [
            {
                "activity_id": r.activity_id,
                "title": r.activity.title,
                "team_name": r.activity.team.name,
                "starts_at": r.activity.starts_at,
                "status": r.status,
                "hours": _dec(r.hours),
                "confirmed_hours": _dec(r.confirmed_hours),
            }
            for r in record.rows
        ],
    }
