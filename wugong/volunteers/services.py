"""Every write of volunteering (志愿服务). Each function checks its rule, runs in one
transaction and writes the audit trail there. Bad input raises a domain error and changes
nothing.

Quota: a sign-up locks the activity row (SELECT … FOR UPDATE) before counting, so sign-ups
arriving together on PostgreSQL are served one after another and never exceed the quota.
Confirmation locks the attendance row, so hours are confirmed — and ``deed_recorded`` sent —
once.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.core.signals import deed_recorded
from wugong.people.models import Person
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.volunteers import selectors
from wugong.volunteers.checkin import checkin_token_read
from wugong.volunteers.hours import hours_parse, length_hours, service_hours
from wugong.volunteers.models import (
    Activity,
    ActivityStatus,
    Attendance,
    AttendanceStatus,
    CheckMethod,
    HoursChange,
    Team,
    TeamKind,
    TeamMember,
)

# How long before the start a volunteer may check in (arriving early to set up).
EARLY_CHECKIN = dt.timedelta(hours=2)
MAX_CAP = Decimal("24.00")


def _require_manage(viewer: Viewer, place: Place) -> None:
    if not selectors.can_manage(viewer, place):
        raise PermissionDenied(_("您无权管理该地点的志愿服务。"))


def _clock() -> dt.datetime:
    """The current time (tests move it forward to serve hours)."""
    return timezone.now()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or _clock()


# --- teams ---------------------------------------------------------------------------------
@transaction.atomic
def team_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    name: str,
    kind: str,
    description: str = "",
    leader: Person | None = None,
) -> Team:
    """Set up a volunteer team (组建志愿服务队) of a village or community."""
    _require_manage(viewer, place)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写队名。"), field="name")
    if kind not in TeamKind.values:
        raise ValidationFailed(_("请选择服务队类型。"), field="kind")
    village_path = selectors.village_path_of(place)
    if Team.objects.filter(place=place, name=name).exists():
        raise ValidationFailed(_("该地点已有同名的服务队。"), field="name")
    team = Team.objects.create(
        name=name,
        kind=kind,
        place=place,
        place_path=place.path,
        village_path=village_path,
        description=(description or "").strip(),
        leader=leader,
    )
    if leader is not None:
        _member_add(team, leader, timezone.localdate())
    audit_event_record(
        actor=actor,
        action="volunteer.team_create",
        obj=team,
        place_path=team.place_path,
        changes={"name": name, "kind": kind},
    )
    return team


def _member_add(team: Team, person: Person, on: dt.date) -> bool:
    _row, created = TeamMember.objects.get_or_create(
        team=team, person=person, defaults={"joined_on": on}
    )
    if created and not person.is_volunteer:
        person.is_volunteer = True
        person.save(update_fields=["is_volunteer"])
    return created


def _person_in_village(person: Person, village_path: str) -> bool:
    household = person.household
    if household is not None and household.place_path.startswith(village_path):
        return True
    from wugong.people.models import RoleAssignment

    return RoleAssignment.objects.filter(
        person=person, active=True, place_path__startswith=village_path
    ).exists()


@transaction.atomic
def team_member_add(*, viewer: Viewer, actor: Any, team: Team, person: Person) -> bool:
    """Add a person of the team's village to the team (入队). Adding twice changes nothing."""
    _require_manage(viewer, team.place)
    if not _person_in_village(person, team.village_path):
        raise ValidationFailed(_("只能添加本村（社区）的居民入队。"), field="person")
    created = _member_add(team, person, timezone.localdate())
    if created:
        audit_event_record(
            actor=actor,
            action="volunteer.member_add",
            obj=team,
            place_path=team.place_path,
            changes={"person": person},
        )
    return created


@transaction.atomic
def team_member_remove(*, viewer: Viewer, actor: Any, team: Team, person: Person) -> bool:
    _require_manage(viewer, team.place)
    deleted, _rows = TeamMember.objects.filter(team=team, person=person).delete()
    if deleted:
        audit_event_record(
            actor=actor,
            action="volunteer.member_remove",
            obj=team,
            place_path=team.place_path,
            changes={"person": person},
        )
    return bool(deleted)


# --- activities ----------------------------------------------------------------------------
def _cap_clean(hours_cap: Any, starts_at: dt.datetime, ends_at: dt.datetime) -> Decimal | None:
    if hours_cap in (None, ""):
        return None
    cap = hours_parse(hours_cap)
    if cap is None or cap <= 0 or cap > MAX_CAP:
        raise ValidationFailed(
            _("时长上限应为大于0、不超过24的数字，最多两位小数，如 2.5。"), field="hours_cap"
        )
    return cap


def _activity_clean(
    *, team: Team, place: Place, title: str, starts_at: Any, ends_at: Any, quota: Any
) -> tuple[str, int]:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("请填写活动名称。"), field="title")
    if not isinstance(starts_at, dt.datetime):
        raise ValidationFailed(_("请填写开始时间。"), field="starts_at")
    if not isinstance(ends_at, dt.datetime):
        raise ValidationFailed(_("请填写结束时间。"), field="ends_at")
    if ends_at <= starts_at:
        raise ValidationFailed(_("结束时间须晚于开始时间。"), field="ends_at")
    if ends_at - starts_at > dt.timedelta(days=3):
        raise ValidationFailed(_("一次活动不能超过三天，请分开发布。"), field="ends_at")
    try:
        quota_n = int(quota)
    except (TypeError, ValueError):
        raise ValidationFailed(_("招募人数应为正整数。"), field="quota") from None
    if not 1 <= quota_n <= 10000:
        raise ValidationFailed(_("招募人数应在1到10000之间。"), field="quota")
    if not place.path.startswith(team.village_path):
        raise ValidationFailed(_("活动地点须在服务队所在的村（社区）内。"), field="place")
    return title, quota_n


@transaction.atomic
def activity_create(
    *,
    viewer: Viewer,
    actor: Any,
    team: Team,
    place: Place | None = None,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    quota: int,
    description: str = "",
    location: str = "",
    needs: str = "",
    hours_cap: Any = None,
    organiser: Person | None = None,
    idempotency_key: str | None = None,
) -> tuple[Activity, bool]:
    """Publish a volunteer activity (发布志愿活动), open for sign-up. The form's idempotency
    key makes a repeated submission return the first activity. Returns (activity, created)."""
    key = (idempotency_key or "").strip() or None
    if key is not None:
        existing = Activity.objects.filter(idempotency_key=key).first()
        if existing is not None:
            _require_manage(viewer, existing.place)
            return existing, False
    place = place or team.place
    _require_manage(viewer, place)
    title, quota_n = _activity_clean(
        team=team, place=place, title=title, starts_at=starts_at, ends_at=ends_at, quota=quota
    )
    cap = _cap_clean(hours_cap, starts_at, ends_at)
    if organiser is None and viewer.person_id:
        organiser = Person.objects.filter(pk=viewer.person_id).first()
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                team=team,
                title=title,
                description=(description or "").strip(),
                place=place,
                place_path=place.path,
                village_path=team.village_path,
                location=(location or "").strip(),
                starts_at=starts_at,
                ends_at=ends_at,
                needs=(needs or "").strip(),
                quota=quota_n,
                hours_cap=cap,
                organiser=organiser,
                idempotency_key=key,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        if key is None:
            raise
        return Activity.objects.get(idempotency_key=key), False
    audit_event_record(
        actor=actor,
        action="volunteer.activity_create",
        obj=activity,
        place_path=activity.place_path,
        changes={"title": title, "quota": quota_n, "hours_cap": cap},
    )
    return activity, True


@transaction.atomic
def activity_update(
    *,
    viewer: Viewer,
    actor: Any,
    activity: Activity,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    quota: int,
    description: str = "",
    location: str = "",
    needs: str = "",
    hours_cap: Any = None,
) -> Activity:
    """Change an activity's details. The quota cannot drop below those already signed up."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_manage(viewer, activity.place)
    if activity.status in {ActivityStatus.FINISHED, ActivityStatus.CANCELLED}:
        raise ValidationFailed(_("活动已结束或已取消，不能再修改。"), code="activity_closed")
    title, quota_n = _activity_clean(
        team=activity.team,
        place=activity.place,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        quota=quota,
    )
    signed = selectors.signed_up_count(activity)
    if quota_n < signed:
        raise ValidationFailed(
            _("已有 %(n)s 人报名，招募人数不能少于报名人数。") % {"n": signed}, field="quota"
        )
    cap = _cap_clean(hours_cap, starts_at, ends_at)
    before = {
        "title": activity.title,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "quota": activity.quota,
        "hours_cap": activity.hours_cap,
    }
    activity.title, activity.starts_at, activity.ends_at = title, starts_at, ends_at
    activity.quota, activity.hours_cap = quota_n, cap
    activity.description = (description or "").strip()
    activity.location = (location or "").strip()
    activity.needs = (needs or "").strip()
    activity.save()
    audit_event_record(
        actor=actor,
        action="volunteer.activity_update",
        obj=activity,
        place_path=activity.place_path,
        changes={"before": before, "quota": quota_n, "hours_cap": cap},
    )
    return activity


# Which status an organiser may move an activity to, from which.
MOVES: dict[str, set[str]] = {
    ActivityStatus.UNDER_WAY: {ActivityStatus.OPEN},
    ActivityStatus.FINISHED: {ActivityStatus.OPEN, ActivityStatus.UNDER_WAY},
    ActivityStatus.CANCELLED: {ActivityStatus.OPEN, ActivityStatus.UNDER_WAY},
}


@transaction.atomic
def activity_status_set(*, viewer: Viewer, actor: Any, activity: Activity, status: str) -> Activity:
    """Start (开始), finish (结束) or cancel (取消) an activity."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_manage(viewer, activity.place)
    if status not in MOVES or activity.status not in MOVES[status]:
        raise ValidationFailed(
            _("活动当前为“%(status)s”，不能这样变更。") % {"status": activity.get_status_display()},
            field="status",
        )
    if (
        status == ActivityStatus.CANCELLED
        and activity.attendances.filter(confirmed_at__isnull=False).exists()
    ):
        raise ValidationFailed(_("已有确认的服务时长，活动不能取消。"), field="status")
    before = activity.status
    activity.status = status
    activity.save(update_fields=["status", "updated_at"])
    audit_event_record(
        actor=actor,
        action="volunteer.activity_status",
        obj=activity,
        place_path=activity.place_path,
        changes={"from": before, "to": status},
    )
    return activity


@transaction.atomic
def checkin_key_rotate(*, viewer: Viewer, actor: Any, activity: Activity) -> Activity:
    """Replace the activity's check-in key (换码): every QR shown so far stops working."""
    from wugong.volunteers.models import _checkin_key

    _require_manage(viewer, activity.place)
    activity.checkin_key = _checkin_key()
    activity.save(update_fields=["checkin_key", "updated_at"])
    audit_event_record(
        actor=actor, action="volunteer.checkin_rotate", obj=activity, place_path=activity.place_path
    )
    return activity


# --- sign-up -------------------------------------------------------------------------------
def _locked(activity: Activity) -> Activity:
    """The activity row, locked until the transaction ends (the quota's guard)."""
    return Activity.objects.select_for_update().select_related("place").get(pk=activity.pk)


def _join_locked(
    activity: Activity, person: Person, at: dt.datetime, *, late: bool = False
) -> tuple[Attendance, bool]:
    """Sign ``person`` up on a locked activity within its quota. ``late``: at check-in time,
    when sign-up is closed but a free place may still be taken. Returns (row, created)."""
    row = Attendance.objects.filter(activity=activity, person=person).first()
    if row is not None and row.is_active:
        return row, False
    if not late:
        if activity.status != ActivityStatus.OPEN:
            raise ValidationFailed(
                _("活动已%(status)s，不能报名。") % {"status": activity.get_status_display()},
                code="activity_closed",
            )
        if at >= activity.starts_at:
            raise ValidationFailed(_("活动已开始，报名已截止。"), code="activity_started")
    taken = activity.attendances.filter(status=AttendanceStatus.SIGNED_UP).count()
    if taken >= activity.quota:
        raise ValidationFailed(
            _("报名人数已满（%(quota)s 人），谢谢您的热心！") % {"quota": activity.quota},
            code="quota_full",
        )
    if row is None:
        row = Attendance.objects.create(
            activity=activity,
            person=person,
            household_id=person.household_id,
            place_path=activity.place_path,
            village_path=activity.village_path,
            signed_up_at=at,
        )
    else:  # signed up again after cancelling
        row.status, row.signed_up_at, row.cancelled_at = AttendanceStatus.SIGNED_UP, at, None
        row.household_id = person.household_id
        row.save(update_fields=["status", "signed_up_at", "cancelled_at", "household"])
    return row, True


def _require_visible(viewer: Viewer, activity: Activity) -> None:
    if not Activity.objects.filter(selectors.scope_q(viewer), pk=activity.pk).exists():
        raise NotFound(_("志愿活动不存在或不在您的范围内。"))


def _viewer_person(viewer: Viewer, rule: str = "volunteer.join") -> Person:
    if not viewer.person_id or not viewer.has_rule(rule):
        raise PermissionDenied(_("请用本人账号登录后再报名。"))
    return Person.objects.select_related("household").get(pk=viewer.person_id)


@transaction.atomic
def signup_create(
    *, viewer: Viewer, actor: Any, activity: Activity, now: dt.datetime | None = None
) -> tuple[Attendance, bool]:
    """A resident signs up (报名) for an activity of their village, within its quota.
    Signing up twice changes nothing. Returns (attendance, created)."""
    person = _viewer_person(viewer)
    _require_visible(viewer, activity)
    activity = _locked(activity)
    row, created = _join_locked(activity, person, _now(now))
    if created:
        audit_event_record(
            actor=actor,
            action="volunteer.signup",
            obj=activity,
            place_path=activity.place_path,
            changes={"person": person},
        )
    return row, created


@transaction.atomic
def signup_cancel(
    *, viewer: Viewer, actor: Any, activity: Activity, now: dt.datetime | None = None
) -> Attendance:
    """A volunteer withdraws their own sign-up (取消报名) before the activity starts."""
    person = _viewer_person(viewer)
    activity = _locked(activity)
    row = Attendance.objects.filter(activity=activity, person=person).first()
    if row is None or not row.is_active:
        raise ValidationFailed(_("您没有报名这个活动。"), code="not_signed_up")
    at = _now(now)
    if at >= activity.starts_at or row.checked_in_at is not None:
        raise ValidationFailed(_("活动已开始，不能再取消报名。"), code="activity_started")
    row.status, row.cancelled_at = AttendanceStatus.CANCELLED, at
    row.save(update_fields=["status", "cancelled_at"])
    audit_event_record(
        actor=actor,
        action="volunteer.signup_cancel",
        obj=activity,
        place_path=activity.place_path,
        changes={"person": person},
    )
    return row


# --- check-in and check-out ----------------------------------------------------------------
def _check_in(
    activity: Activity, person: Person, at: dt.datetime, method: str
) -> tuple[Attendance, bool]:
    """Check ``person`` in on a locked activity (signing them up if a place is free). A second
    check-in changes nothing. Returns (row, checked in now)."""
    if not activity.accepts_attendance:
        raise ValidationFailed(
            _("活动已%(status)s，不能签到。") % {"status": activity.get_status_display()},
            code="activity_closed",
        )
    if at < activity.starts_at - EARLY_CHECKIN:
        raise ValidationFailed(_("活动还没开始，请在开始前两小时内签到。"), code="too_early")
    row, _joined = _join_locked(activity, person, at, late=True)
    if row.checked_in_at is not None:
        return row, False
    row.checked_in_at, row.check_in_method = at, method
    row.save(update_fields=["checked_in_at", "check_in_method"])
    return row, True


def _check_out(row: Attendance, at: dt.datetime, method: str) -> bool:
    """Check a row out, recording its hours under the cap. A second check-out changes
    nothing. Returns whether it was checked out now."""
    if row.checked_in_at is None or not row.is_active:
        raise ValidationFailed(_("还没有签到，不能签退。"), code="not_checked_in")
    if row.checked_out_at is not None:
        return False
    if row.is_confirmed:
        raise ValidationFailed(_("服务时长已确认，不能再签退。"), code="confirmed")
    if at < row.checked_in_at:
        raise ValidationFailed(_("签退时间不能早于签到时间。"), field="checked_out_at")
    row.checked_out_at, row.check_out_method = at, method
    row.hours = service_hours(row.checked_in_at, at, row.activity.cap)
    row.save(update_fields=["checked_out_at", "check_out_method", "hours"])
    return True


def _token_activity(token: str, now: dt.datetime | None) -> Activity:
    activity_id, key = checkin_token_read(token, now=now)
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None or activity.checkin_key != key:
        raise ValidationFailed(
            _("签到码已作废，请扫描组织人手机上最新的二维码。"),
            code="checkin_void",
            field="token",
        )
    return activity


def token_activity(*, token: str, now: dt.datetime | None = None) -> Activity:
    """The activity a genuine, current token is for (the check-in page's heading)."""
    return _token_activity(token, now)


@transaction.atomic
def qr_check_in(
    *, viewer: Viewer, actor: Any, token: str, now: dt.datetime | None = None
) -> tuple[Attendance, bool]:
    """A volunteer checks in by scanning the activity's QR (扫码签到). Someone who did not
    sign up takes a free place if there is one. Returns (attendance, checked in now)."""
    activity = _token_activity(token, now)
    person = _viewer_person(viewer)
    if not Activity.objects.filter(selectors.scope_q(viewer), pk=activity.pk).exists():
        raise PermissionDenied(_("这是其他村（社区）的活动，不能签到。"), code="not_in_scope")
    activity = _locked(activity)
    row, done = _check_in(activity, person, _now(now), CheckMethod.QR)
    if done:
        audit_event_record(
            actor=actor,
            action="volunteer.check_in",
            obj=activity,
            place_path=activity.place_path,
            changes={"person": person, "method": CheckMethod.QR},
        )
    return row, done


@transaction.atomic
def qr_check_out(
    *, viewer: Viewer, actor: Any, token: str, now: dt.datetime | None = None
) -> tuple[Attendance, bool]:
    """A volunteer checks out by scanning the QR again (扫码签退). Refused before check-in."""
    activity = _token_activity(token, now)
    person = _viewer_person(viewer)
    row = (
        Attendance.objects.select_for_update()
        .select_related("activity")
        .filter(activity=activity, person=person)
        .first()
    )
    if row is None:
        raise ValidationFailed(_("还没有签到，不能签退。"), code="not_checked_in")
    done = _check_out(row, _now(now), CheckMethod.QR)
    if done:
        audit_event_record(
            actor=actor,
            action="volunteer.check_out",
            obj=activity,
            place_path=activity.place_path,
            changes={"person": person, "hours": row.hours, "method": CheckMethod.QR},
        )
    return row, done


@transaction.atomic
def organiser_check_in(
    *,
    viewer: Viewer,
    actor: Any,
    activity: Activity,
    person: Person,
    now: dt.datetime | None = None,
) -> tuple[Attendance, bool]:
    """The organiser marks a volunteer present (代为签到), also one who did not sign up,
    within the quota; the volunteer must live in the activity's village."""
    _require_manage(viewer, activity.place)
    if not _person_in_village(person, activity.village_path):
        raise ValidationFailed(_("只能为本村（社区）的居民登记。"), field="person")
    activity = _locked(activity)
    row, done = _check_in(activity, person, _now(now), CheckMethod.ORGANISER)
    if done:
        audit_event_record(
            actor=actor,
            action="volunteer.check_in",
            obj=activity,
            place_path=activity.place_path,
            changes={"person": person, "method": CheckMethod.ORGANISER},
        )
    return row, done


@transaction.atomic
def organiser_check_out(
    *,
    viewer: Viewer,
    actor: Any,
    activity: Activity,
    attendance: Attendance,
    now: dt.datetime | None = None,
) -> tuple[Attendance, bool]:
    """The organiser checks a volunteer out (代为签退). Refused before check-in."""
    _require_manage(viewer, activity.place)
    row = (
        Attendance.objects.select_for_update()
        .select_related("activity", "person")
        .filter(pk=attendance.pk, activity_id=activity.pk)
        .first()
    )
    if row is None:
        raise NotFound(_("该志愿者不在本活动名单中。"))
    done = _check_out(row, _now(now), CheckMethod.ORGANISER)
    if done:
        audit_event_record(
            actor=actor,
            action="volunteer.check_out",
            obj=activity,
            place_path=activity.place_path,
            changes={"person": row.person, "hours": row.hours, "method": CheckMethod.ORGANISER},
        )
    return row, done


def _hours_clean(value: Any, cap: Decimal, field: str = "hours") -> Decimal:
    hours = hours_parse(value)
    if hours is None:
        raise ValidationFailed(
            _("服务时长应为数字，最多两位小数，如 2.5。"), code="hours_invalid", field=field
        )
    if hours <= 0:
        raise ValidationFailed(_("服务时长须大于0。"), code="hours_invalid", field=field)
    if hours > cap:
        raise ValidationFailed(
            _("服务时长 %(hours)s 小时超过了本活动的上限 %(cap)s 小时，请核实后重新填写。")
            % {"hours": hours, "cap": cap},
            code="hours_over_cap",
            field=field,
        )
    return hours


@transaction.atomic
def hours_enter(
    *,
    viewer: Viewer,
    actor: Any,
    activity: Activity,
    attendance: Attendance,
    hours: Any,
    reason: str,
    now: dt.datetime | None = None,
) -> Attendance:
    """The organiser enters a volunteer's hours by hand (手工录入时长), e.g. for one who
    forgot to check out. Needs a check-in and a reason; never beyond the activity's cap."""
    _require_manage(viewer, activity.place)
    row = (
        Attendance.objects.select_for_update()
        .select_related("activity")
        .filter(pk=attendance.pk, activity_id=activity.pk)
        .first()
    )
    if row is None:
        raise NotFound(_("该志愿者不在本活动名单中。"))
    if row.checked_in_at is None or not row.is_active:
        raise ValidationFailed(_("还没有签到，不能录入服务时长。"), code="not_checked_in")
    if row.is_confirmed:
        raise ValidationFailed(_("服务时长已确认，不能再修改。"), code="confirmed")
    value = _hours_clean(hours, row.activity.cap)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写手工录入的原因。"), field="reason")
    before = row.hours
    row.hours = value
    row.save(update_fields=["hours"])
    HoursChange.objects.create(
        attendance=row,
        hours_before=before,
        hours_after=value,
        reason=reason[:200],
        changed_by=actor if getattr(actor, "pk", None) else None,
        changed_at=_now(now),
    )
    audit_event_record(
        actor=actor,
        action="volunteer.hours_enter",
        obj=activity,
        place_path=activity.place_path,
        changes={"attendance": row.pk, "before": before, "after": value, "reason": reason},
    )
    return row


@transaction.atomic
def hours_confirm(
    *,
    viewer: Viewer,
    actor: Any,
    activity: Activity,
    attendance: Attendance,
    hours: Any = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Attendance:
    """The organiser confirms a volunteer's hours (确认服务时长), as recorded or adjusted
    within the cap with a reason kept in the history. Once per attendance: the confirmation
    sends ``deed_recorded`` (action "volunteer.hours") inside this transaction."""
    _require_manage(viewer, activity.place)
    row = (
        Attendance.objects.select_for_update()
        .select_related("activity__place", "person")
        .filter(pk=attendance.pk, activity_id=activity.pk)
        .first()
    )
    if row is None:
        raise NotFound(_("该志愿者不在本活动名单中。"))
    if row.is_confirmed:
        raise ValidationFailed(_("该志愿者的服务时长已经确认过，不能重复确认。"), code="confirmed")
    if row.activity.status == ActivityStatus.CANCELLED:
        raise ValidationFailed(_("活动已取消，不能确认时长。"), code="activity_closed")
    if not row.is_active or row.checked_in_at is None:
        raise ValidationFailed(_("还没有签到，不能确认服务时长。"), code="not_checked_in")
    cap = row.activity.cap
    value = row.hours
    reason = (reason or "").strip()
    if hours not in (None, ""):
        value = _hours_clean(hours, cap)
    if value is None:
        raise ValidationFailed(
            _("还没有签退，请先签退或填写服务时长。"), code="not_checked_out", field="hours"
        )
    if value != row.hours and not reason:
        raise ValidationFailed(_("调整服务时长须填写原因。"), field="reason")
    at = _now(now)
    if value != row.hours:
        HoursChange.objects.create(
            attendance=row,
            hours_before=row.hours,
            hours_after=value,
            reason=reason[:200],
            changed_by=actor if getattr(actor, "pk", None) else None,
            changed_at=at,
        )
        row.hours = value
    row.confirmed_hours = value
    row.confirmed_at = at
    row.confirmed_by = actor if getattr(actor, "pk", None) else None
    row.save(update_fields=["hours", "confirmed_hours", "confirmed_at", "confirmed_by"])
    audit_event_record(
        actor=actor,
        action="volunteer.hours_confirm",
        obj=row.activity,
        place_path=row.place_path,
        changes={"attendance": row.pk, "person": row.person, "hours": value, "reason": reason},
    )
    deed_recorded.send(
        sender=Attendance,
        action="volunteer.hours",
        place=row.activity.place,
        person_id=row.person_id,
        household_id=row.household_id,
        quantity=value,
        source=f"volunteers.attendance:{row.pk}",
        occurred_on=timezone.localdate(row.checked_in_at),
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return row


def activity_length(activity: Activity) -> Decimal:
    return length_hours(activity.starts_at, activity.ends_at)
