"""Every write of problem reports (接诉即办).

A report is routed where it is: to the reporter's grid when it is at their own household's
place, and to the village or community that contains the place (the handler). Deadlines come
from the category (respond within, resolve within). A handler responds, answers or sends it a
level up with a reason ("大事难事上交"); a report past a deadline is sent up by the periodic
scan (``report_auto_escalate``). The reporter is answered and rates the handling (1-5 stars,
which closes it) or reopens it. Every step leaves a ReportEvent and an audit event; notices go
out after the commit (wugong/upkeep/tasks.py).
"""

import datetime as dt
import hashlib
import math
import re
import secrets
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.needs.selectors import need_scope
from wugong.people.models import Household, Person, RoleAssignment
from wugong.people.roles import ROLE_SCOPE, Role, Scope
from wugong.people.rules import RULES, Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import path_ids
from wugong.upkeep.models import (
    ApiClient,
    PlacePoint,
    Report,
    ReportCategory,
    ReportChannel,
    ReportEvent,
    ReportEventKind,
    ReportPhoto,
    ReportStatus,
)
from wugong.upkeep.photos import CleanPhoto, photos_clean

MAX_TEXT = 2000
REOPEN_DAYS = 30


# --- who handles ---------------------------------------------------------------------------------
def handles(viewer: Viewer, report: Report, rule: str = "report.handle") -> bool:
    """The viewer may act on the report at its current level: a grid worker on its grid's
    reports before any escalation, a place-scoped role when the handler lies in its place."""
    for a in viewer.granting(rule):
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING:
            return True
        if scope == Scope.PLACE and report.handler_path.startswith(a.place_path):
            return True
        if scope == Scope.GRID and a.grid_id and report.level == 0 and report.grid_id == a.grid_id:
            return True
    return False


def handler_place_for(place: Place) -> Place:
    """The village or community at or above the place; the place itself above that level."""
    ids = path_ids(place.path)
    kinds = dict(Place.objects.filter(pk__in=ids).values_list("pk", "kind"))
    for pk in reversed(ids):
        if kinds.get(pk) in GRASSROOTS_KINDS:
            return place if pk == place.pk else Place.objects.get(pk=pk)
    return place


def handler_people(report: Report) -> list[int]:
    """Who is told about a report at its level: the handler place's roles that handle reports,
    and the grid's workers before any escalation."""
    roles = set(RULES["report.handle"]) - {Role.SYSTEM_ADMIN, Role.GRID_WORKER}
    ids = set(
        RoleAssignment.objects.filter(
            active=True, place_id=report.handler_place_id, role__in=roles
        ).values_list("person_id", flat=True)
    )
    if report.level == 0 and report.grid_id:
        ids |= set(
            RoleAssignment.objects.filter(
                active=True, grid_id=report.grid_id, role=Role.GRID_WORKER
            ).values_list("person_id", flat=True)
        )
    return sorted(ids)


def _notify(report: Report, kind: str, text: str, *, to: str, sms: bool = False) -> None:
    """After the commit, leave notices (and texts) about the report."""
    from wugong.upkeep.tasks import report_notify

    args = {"report_id": report.pk, "key": kind, "text": str(text), "to": to, "sms": sms}
    transaction.on_commit(lambda: report_notify.enqueue(**args))


def _event(
    report: Report,
    kind: str,
    actor: Any,
    now: dt.datetime,
    text: str = "",
    from_place: Place | None = None,
    to_place: Place | None = None,
) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        text=text,
        from_place=from_place,
        to_place=to_place,
        at=now,
    )


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("handler_place").get(pk=report.pk)


def _text(text: str, field: str = "text", required: bool = True, what: str = "") -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed(what or _("请写下问题的内容。"), code="text_empty", field=field)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("内容太长了，请不超过%(n)d个字。") % {"n": MAX_TEXT}, code="text_long", field=field
        )
    return text


def category_get(code: str) -> ReportCategory:
    category = ReportCategory.objects.filter(code=code or "", active=True).first()
    if category is None:
        raise NotFound(_("未知的问题类别。"), code="service_code")
    return category


def coordinates_clean(lat: Any, long: Any) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither; latitude in [-90, 90], longitude in [-180, 180]."""
    if lat in (None, "") and long in (None, ""):
        return None, None
    try:
        la, lo = Decimal(str(lat)), Decimal(str(long))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("坐标无效。"), code="coordinates", field="lat") from None
    if not (la.is_finite() and lo.is_finite() and -90 <= la <= 90 and -180 <= lo <= 180):
        raise ValidationFailed(_("坐标超出范围。"), code="coordinates", field="lat")
    return la.quantize(Decimal("0.000001")), lo.quantize(Decimal("0.000001"))


def place_for_point(lat: Decimal, long: Decimal) -> Place | None:
    """The village/community whose map point is nearest, within its radius."""
    best: tuple[float, PlacePoint] | None = None
    for point in PlacePoint.objects.select_related("place"):
        d = _distance_m(float(lat), float(long), float(point.lat), float(point.long))
        if d <= point.radius_m and (best is None or d < best[0]):
            best = (d, point)
    return best[1].place if best else None


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def _create(
    *,
    category: ReportCategory,
    text: str,
    place: Place,
    channel: str,
    now: dt.datetime,
    photos: list[CleanPhoto],
    grid_id: int | None = None,
    lat: Decimal | None = None,
    long: Decimal | None = None,
    address: str = "",
    reporter: Person | None = None,
    recorded_by: Any = None,
    api_client: ApiClient | None = None,
    contact: dict[str, str] | None = None,
    attributes: dict[str, str] | None = None,
    idempotency_key: str | None = None,
) -> Report:
    handler = handler_place_for(place)
    contact = contact or {}
    report = Report.objects.create(
        idempotency_key=idempotency_key,
        category=category,
        text=text,
        place=place,
        place_path=place.path,
        address=address[:200],
        lat=lat,
        long=long,
        grid_id=grid_id,
        handler_place=handler,
        handler_path=handler.path,
        channel=channel,
        reporter=reporter,
        recorded_by=recorded_by,
        api_client=api_client,
        contact_name=contact.get("name", "")[:60],
        contact_email=contact.get("email", "")[:120],
        contact_phone=contact.get("phone", "")[:20],
        attributes=attributes or {},
        respond_due_at=now + dt.timedelta(hours=category.respond_hours),
        resolve_due_at=now + dt.timedelta(hours=category.resolve_hours),
        created_at=now,
        updated_at=now,
    )
    for photo in photos:
        ReportPhoto.objects.create(
            report=report,
            file=photo.content,
            width=photo.width,
            height=photo.height,
            size=photo.content.size,
        )
    _event(report, ReportEventKind.SUBMITTED, recorded_by, now, to_place=handler)
    _notify(
        report,
        "new",
        _("新的问题报告 #%(id)s（%(cat)s），请在%(h)d小时内响应。")
        % {"id": report.pk, "cat": category.name, "h": category.respond_hours},
        to="handlers",
        sms=category.is_emergency,
    )
    return report


KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _report_for_key(key: str, viewer: Viewer, actor: Any) -> Report | None:
    """The report a form with this key already made; a key used by someone else is refused."""
    existing = Report.objects.filter(idempotency_key=key).first()
    if (
        existing is not None
        and existing.reporter_id != viewer.person_id
        and (
            existing.recorded_by_id is None or existing.recorded_by_id != getattr(actor, "pk", None)
        )
    ):
        raise ValidationFailed(_("提交标识已被使用。"), field="idempotency_key")
    return existing


@transaction.atomic
def report_submit(
    *,
    viewer: Viewer,
    actor: Any,
    category_code: str,
    text: str,
    place: Place | None = None,
    lat: Any = None,
    long: Any = None,
    address: str = "",
    photos: Sequence[UploadedFile] = (),
    on_behalf_of: Person | None = None,
    now: dt.datetime | None = None,
    idempotency_key: str = "",
) -> Report:
    """A resident reports a problem (反映问题): category, text, photos, and the place (by
    default their household's) or a map point; or a cadre/grid worker records one for a
    resident (代录). The form's ``idempotency_key`` makes a second submission (a bad network,
    an offline draft sent again) return the first report instead of a new one."""
    now = now or timezone.now()
    if not viewer.person_id or not viewer.has_rule("report.submit"):
        raise PermissionDenied(_("请先登录并关联本人信息，才能反映问题。"))
    key = idempotency_key.strip() or None
    if key is not None:
        if not KEY_RE.match(key):
            raise ValidationFailed(_("提交标识无效，请刷新页面后重试。"), field="idempotency_key")
        if (existing := _report_for_key(key, viewer, actor)) is not None:
            return existing
    reporter_id = viewer.person_id
    if on_behalf_of is not None:
        if not viewer.can_person("need.record", on_behalf_of):
            raise PermissionDenied(_("此人不在您可以代录的范围内。"))
        reporter_id = on_behalf_of.pk
    category = category_get(category_code)
    text = _text(text)
    la, lo = coordinates_clean(lat, long)
    cleaned = photos_clean(photos)
    reporter = Person.objects.select_related("household__place").get(pk=reporter_id)
    household: Household | None = reporter.household
    if place is None and la is not None:
        place = place_for_point(la, lo)  # type: ignore[arg-type]
    if place is None and household is not None:
        place = household.place
    if place is None:
        raise ValidationFailed(_("请选择问题所在的地点。"), code="place_missing", field="place")
    rule = "need.record" if on_behalf_of is not None else "need.submit"
    if not need_scope(viewer, rule).holds_path(place.path):
        raise ValidationFailed(
            _("所选地点不存在或不在您所在的村（社区）内。"), code="place_unknown", field="place"
        )
    grid_id = household.grid_id if household and household.place_id == place.pk else None
    try:
        with transaction.atomic():
            report = _create(
                category=category,
                text=text,
                place=place,
                channel=ReportChannel.RECORDED if on_behalf_of else ReportChannel.WEB,
                now=now,
                photos=cleaned,
                grid_id=grid_id,
                lat=la,
                long=lo,
                address=address.strip(),
                reporter=reporter,
                recorded_by=actor if on_behalf_of else None,
                idempotency_key=key,
            )
    except IntegrityError:  # the same form, sent twice at once: the other one won
        if key is None or (existing := _report_for_key(key, viewer, actor)) is None:
            raise
        return existing
    audit_event_record(
        actor=actor,
        action="report.submit",
        obj=report,
        on_behalf_of=on_behalf_of,
        place_path=place.path,
        changes={"category": category.code, "place": place, "photos": len(cleaned)},
    )
    return report


# --- Open311 ----------------------------------------------------------------------------------
def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, name: str, place: Place, actor: Any = None) -> tuple[ApiClient, str]:
    """A new Open311 client; returns it with its key, which is shown this once."""
    key = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name.strip()[:100], key_hash=api_key_hash(key), key_prefix=key[:8], place=place
    )
    audit_event_record(actor=actor, action="open311.client_create", obj=client)
    return client, key


def api_client_for_key(key: str) -> ApiClient | None:
    if not key:
        return None
    return (
        ApiClient.objects.select_related("place")
        .filter(key_hash=api_key_hash(key), active=True)
        .first()
    )


@transaction.atomic
def report_open311_create(
    *,
    client: ApiClient,
    service_code: str,
    description: str,
    lat: Any = None,
    long: Any = None,
    address_string: str = "",
    attributes: dict[str, str] | None = None,
    contact: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """A service request posted by an Open311 client (POST requests). Placed at the nearest
    village/community map point, else at a place named in the address, else at the client's
    place; nothing is written when anything is wrong."""
    now = now or timezone.now()
    if not service_code:
        raise ValidationFailed("service_code not provided", code="service_code")
    category = category_get(service_code)
    la, lo = coordinates_clean(lat, long)
    address_string = (address_string or "").strip()
    if la is None and not address_string:
        raise ValidationFailed(
            "location required: lat and long, or address_string", code="location"
        )
    text = _text(description, "description", what="description required")
    place = place_for_point(la, lo) if la is not None else None  # type: ignore[arg-type]
    within = Place.objects.filter(path__startswith=client.place.path)
    if place is not None and not place.path.startswith(client.place.path):
        place = None
    if place is None and address_string:
        names = within.filter(kind__in=GRASSROOTS_KINDS).values_list("pk", "name")
        hits = [(len(n), pk) for pk, n in names if n and n in address_string]
        place = within.get(pk=max(hits)[1]) if hits else None
    place = place or client.place
    report = _create(
        category=category,
        text=text,
        place=place,
        channel=ReportChannel.OPEN311,
        now=now,
        photos=[],
        lat=la,
        long=lo,
        address=address_string,
        api_client=client,
        contact=contact,
        attributes=attributes,
    )
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    audit_event_record(
        actor=None,
        action="report.open311_create",
        obj=report,
        place_path=place.path,
        changes={"client": client.name, "category": category.code, "place": place},
    )
    return report


# --- handling ---------------------------------------------------------------------------------
def _require_handler(viewer: Viewer, report: Report, rule: str = "report.handle") -> None:
    if not handles(viewer, report, rule):
        raise PermissionDenied(_("这个问题不在您这一级办理。"))


def _mark_responded(report: Report, now: dt.datetime) -> None:
    if report.responded_at is None:
        report.responded_at = now
        report.response_seconds = max(0, int((now - report.created_at).total_seconds()))


@transaction.atomic
def report_respond(
    *, viewer: Viewer, actor: Any, report: Report, note: str = "", now: dt.datetime | None = None
) -> Report:
    """Take the report on (响应受理): the reporter hears that it is being handled."""
    now = now or timezone.now()
    report = _locked(report)
    _require_handler(viewer, report)
    if report.status != ReportStatus.NEW:
        raise ValidationFailed(_("这个问题已经受理。"), code="state", field="status")
    _mark_responded(report, now)
    report.status = ReportStatus.IN_PROGRESS
    report.updated_at = now
    report.save(update_fields=["status", "responded_at", "response_seconds", "updated_at"])
    note = _text(note, "note", required=False)
    event = _event(report, ReportEventKind.RESPONDED, actor, now, note)
    audit_event_record(
        actor=actor, action="report.respond", obj=report, place_path=report.place_path
    )
    _notify(
        report,
        f"ev{event.pk}",
        _("您反映的问题 #%(id)s 已受理，正在办理。") % {"id": report.pk},
        to="reporter",
    )
    return report


def _escalate(report: Report, *, actor: Any, reason: str, now: dt.datetime, kind: str) -> Report:
    parent = report.handler_place.parent
    if parent is None:
        raise ValidationFailed(_("已是最高一级，不能再上交。"), code="top", field="reason")
    from_place = report.handler_place
    report.handler_place = parent
    report.handler_path = parent.path
    report.level += 1
    report.status = ReportStatus.NEW
    report.respond_due_at = now + dt.timedelta(hours=report.category.respond_hours)
    report.resolve_due_at = now + dt.timedelta(hours=report.category.resolve_hours)
    report.updated_at = now
    report.save(
        update_fields=[
            "handler_place",
            "handler_path",
            "level",
            "status",
            "respond_due_at",
            "resolve_due_at",
            "updated_at",
        ]
    )
    event = _event(report, kind, actor, now, reason, from_place=from_place, to_place=parent)
    audit_event_record(
        actor=actor,
        action=f"report.{kind}",
        obj=report,
        place_path=report.place_path,
        changes={"from": from_place, "to": parent, "reason": reason},
    )
    text = _("问题 #%(id)s 已从%(a)s上交%(b)s：%(r)s") % {
        "id": report.pk,
        "a": from_place.name,
        "b": parent.name,
        "r": reason,
    }
    _notify(report, f"ev{event.pk}", text, to="handlers", sms=True)
    _notify(report, f"ev{event.pk}", text, to="reporter")
    return report


@transaction.atomic
def report_escalate(
    *, viewer: Viewer, actor: Any, report: Report, reason: str, now: dt.datetime | None = None
) -> Report:
    """Send a hard report a level up with a reason (大事难事上交): village → town → county."""
    now = now or timezone.now()
    report = _locked(report)
    _require_handler(viewer, report, "report.escalate")
    if not report.is_open:
        raise ValidationFailed(_("已答复的问题不能上交，请先重新办理。"), code="state")
    reason = _text(reason, "reason", what=_("请写明上交的理由。"))
    return _escalate(report, actor=actor, reason=reason, now=now, kind=ReportEventKind.ESCALATED)


@transaction.atomic
def report_auto_escalate(*, report: Report, now: dt.datetime) -> Report | None:
    """A report past its deadline goes a level up by itself (逾期自动上交); at the top level
    it stays, and the scan alerts its handlers instead. Returns the report if it moved."""
    report = _locked(report)
    if report.status == ReportStatus.NEW and report.respond_due_at < now:
        reason = _("超过响应时限未响应，自动上交。")
    elif report.status == ReportStatus.IN_PROGRESS and report.resolve_due_at < now:
        reason = _("超过办结时限未办结，自动上交。")
    else:
        return None
    if report.handler_place.parent_id is None:
        return None
    return _escalate(
        report, actor=None, reason=str(reason), now=now, kind=ReportEventKind.AUTO_ESCALATED
    )


@transaction.atomic
def report_resolve(
    *, viewer: Viewer, actor: Any, report: Report, answer: str, now: dt.datetime | None = None
) -> Report:
    """Answer the reporter (答复): what was done. The reporter then rates it or reopens it."""
    now = now or timezone.now()
    report = _locked(report)
    _require_handler(viewer, report)
    if not report.is_open:
        raise ValidationFailed(_("这个问题已经答复过了。"), code="state", field="status")
    answer = _text(answer, "answer", what=_("请写下给报告人的答复。"))
    _mark_responded(report, now)
    report.status = ReportStatus.RESOLVED
    report.answer = answer
    report.resolved_at = now
    report.updated_at = now
    report.save(
        update_fields=[
            "status",
            "answer",
            "resolved_at",
            "responded_at",
            "response_seconds",
            "updated_at",
        ]
    )
    event = _event(report, ReportEventKind.RESOLVED, actor, now, answer)
    audit_event_record(
        actor=actor, action="report.resolve", obj=report, place_path=report.place_path
    )
    _notify(
        report,
        f"ev{event.pk}",
        _("您反映的问题 #%(id)s 已办理：%(a)s 请为办理结果打分。")
        % {"id": report.pk, "a": answer[:80]},
        to="reporter",
        sms=True,
    )
    return report


def _require_reporter(viewer: Viewer, report: Report) -> None:
    if not viewer.person_id or report.reporter_id != viewer.person_id:
        raise PermissionDenied(_("只有报告人本人可以评价。"))


@transaction.atomic
def report_rate(
    *,
    viewer: Viewer,
    actor: Any,
    report: Report,
    stars: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Report:
    """The reporter rates the handling, 1 to 5 stars (评价); that closes the report."""
    now = now or timezone.now()
    report = _locked(report)
    _require_reporter(viewer, report)
    if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
        raise ValidationFailed(_("请打1到5颗星。"), code="stars", field="stars")
    if report.status != ReportStatus.RESOLVED:
        raise ValidationFailed(_("问题答复后才能评价。"), code="state", field="status")
    report.rating = stars
    report.rating_comment = (comment or "").strip()[:300]
    report.status = ReportStatus.CLOSED
    report.closed_at = now
    report.updated_at = now
    report.save(update_fields=["rating", "rating_comment", "status", "closed_at", "updated_at"])
    _event(report, ReportEventKind.RATED, actor, now, f"{stars}★ {report.rating_comment}".strip())
    audit_event_record(
        actor=actor,
        action="report.rate",
        obj=report,
        place_path=report.place_path,
        changes={"stars": stars},
    )
    _notify(
        report,
        f"rated{report.reopen_count}",
        _("问题 #%(id)s 获评%(n)d星。") % {"id": report.pk, "n": stars},
        to="handlers",
    )
    return report


@transaction.atomic
def report_reopen(
    *, viewer: Viewer, actor: Any, report: Report, reason: str, now: dt.datetime | None = None
) -> Report:
    """Reopen an answered report (重新办理), by its reporter or a handler, within 30 days of
    the answer: it is handled again at the same level with a fresh deadline."""
    now = now or timezone.now()
    report = _locked(report)
    if report.reporter_id != viewer.person_id or not viewer.person_id:
        _require_handler(viewer, report)
    if report.is_open:
        raise ValidationFailed(_("这个问题正在办理中。"), code="state", field="status")
    if report.resolved_at and now - report.resolved_at > dt.timedelta(days=REOPEN_DAYS):
        raise ValidationFailed(_("答复已超过30天，请重新反映。"), code="too_late")
    reason = _text(reason, "reason", what=_("请写明重新办理的理由。"))
    report.status = ReportStatus.IN_PROGRESS
    report.reopen_count += 1
    report.rating = None
    report.rating_comment = ""
    report.closed_at = None
    report.resolve_due_at = now + dt.timedelta(hours=report.category.resolve_hours)
    report.updated_at = now
    report.save(
        update_fields=[
            "status",
            "reopen_count",
            "rating",
            "rating_comment",
            "closed_at",
            "resolve_due_at",
            "updated_at",
        ]
    )
    event = _event(report, ReportEventKind.REOPENED, actor, now, reason)
    audit_event_record(
        actor=actor,
        action="report.reopen",
        obj=report,
        place_path=report.place_path,
        changes={"reason": reason},
    )
    _notify(
        report,
        f"ev{event.pk}",
        _("问题 #%(id)s 重新办理：%(r)s") % {"id": report.pk, "r": reason[:80]},
        to="handlers",
        sms=True,
    )
    return report
