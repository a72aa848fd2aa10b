"""Every write to meetings and to 四议两公开. Each function checks the rule, runs in one
transaction and writes its audit event in it."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.i18n import public_language
from wugong.core.signals import deed_recorded
from wugong.core.uploads import image_clean
from wugong.meetings import selectors
from wugong.meetings.checkin import checkin_token_read
from wugong.meetings.files import DOCUMENT_KINDS, IMAGE_KINDS, MAX_UPLOAD_BYTES, upload_check
from wugong.meetings.models import (
    COUNCIL_KINDS,
    AgendaItem,
    Attendance,
    AttendanceMethod,
    Comparison,
    DecisionOutcome,
    DecisionStep,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingNotification,
    MeetingPhoto,
    MeetingStatus,
    Post,
    ProcedureStatus,
    QuorumBasis,
    Representative,
    Step,
    StepDocument,
    StepOutcome,
    VillageDecision,
    VillagePost,
)
from wugong.meetings.quorum import QuorumResult, preset_for
from wugong.people.models import Household, Organisation, OrganisationKind, Person
from wugong.people.rules import Viewer
from wugong.places.models import Place, PlaceKind
from wugong.voting import tally

MAX_PHOTOS = 20
MAX_DOCUMENTS_PER_STEP = 10

# Where each kind of meeting is held (村民会议 in a village, 居民会议 in a community …).
KIND_PLACES: dict[str, set[str]] = {
    MeetingKind.VILLAGE_ASSEMBLY: {PlaceKind.VILLAGE},
    MeetingKind.REPRESENTATIVES: {PlaceKind.VILLAGE, PlaceKind.COMMUNITY},
    MeetingKind.RESIDENTS_MEETING: {PlaceKind.COMMUNITY},
    MeetingKind.PARTY_BRANCH: {PlaceKind.VILLAGE, PlaceKind.COMMUNITY},
    MeetingKind.TWO_COMMITTEES: {PlaceKind.VILLAGE, PlaceKind.COMMUNITY},
    MeetingKind.PARTY_MEMBERS: {PlaceKind.VILLAGE, PlaceKind.COMMUNITY},
}
MEETING_PLACE_KINDS = {
    PlaceKind.VILLAGE,
    PlaceKind.COMMUNITY,
    PlaceKind.GROUP,
    PlaceKind.ESTATE,
    PlaceKind.BUILDING,
}
# Meetings that may carry step 4 of 四议两公开 (the resolution).
RESOLVING_KINDS = {
    MeetingKind.REPRESENTATIVES,
    MeetingKind.VILLAGE_ASSEMBLY,
    MeetingKind.RESIDENTS_MEETING,
}


# --- helpers -------------------------------------------------------------------------------
def _require_manage(viewer: Viewer, place: Place, kind: str) -> None:
    if not selectors.can_manage(viewer, place, kind):
        raise PermissionDenied(_("您无权管理该地点的会议。"))


def _text(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            _("%(label)s不能超过%(n)d个字。") % {"label": label, "n": max_length}, field=field
        )
    return value


def fraction_parse(text: str, *, field: str = "quorum") -> tuple[int, int]:
    """Read a proportion typed as “2/3” or “1/2” into (numerator, denominator)."""
    try:
        num_s, den_s = (text or "").replace("／", "/").split("/")
        num, den = int(num_s.strip()), int(den_s.strip())
    except ValueError:
        raise ValidationFailed(
            _("比例应写成分数，例如 1/2 或 2/3。"), code="bad_fraction", field=field
        ) from None
    return num, den


def _threshold_check(num: Any, den: Any, comparison: str, *, field: str) -> tuple[int, int, str]:
    if (
        isinstance(num, bool)
        or isinstance(den, bool)
        or not isinstance(num, int)
        or not isinstance(den, int)
        or not 0 < num <= den <= 100
    ):
        raise ValidationFailed(
            _("法定人数比例应为大于0、不大于1的分数（分母不超过100），例如 2/3。"),
            code="bad_fraction",
            field=field,
        )
    if comparison not in Comparison.values:
        raise ValidationFailed(_("请选择“超过”或“以上（含本数）”。"), field=field)
    g = Fraction(num, den)
    return g.numerator, g.denominator, comparison


def _quorum_record(result: QuorumResult) -> dict[str, Any]:
    return selectors.quorum_as_dict(result)


# --- meetings ------------------------------------------------------------------------------
@transaction.atomic
def meeting_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    location: str,
    convener: Person | None = None,
    organisation: Organisation | None = None,
    quorum: tuple[int, int, str] | None = None,
    alt_quorum: tuple[int, int, str] | None = None,
) -> Meeting:
    """Convene a meeting (召集会议). Its quorum follows the law for its kind unless ``quorum``
    (and, for an assembly, ``alt_quorum``) give this body's own proportion."""
    if kind not in MeetingKind.values:
        raise ValidationFailed(_("请选择会议类型。"), field="kind")
    _require_manage(viewer, place, kind)
    allowed = KIND_PLACES.get(kind, MEETING_PLACE_KINDS)
    if place.kind not in allowed:
        raise ValidationFailed(
            _("%(kind)s应在%(places)s召开。")
            % {
                "kind": MeetingKind(kind).label,
                "places": "、".join(str(PlaceKind(k).label) for k in sorted(allowed)),
            },
            field="place",
        )
    title = _text(title, field="title", label=_("会议名称"), max_length=100)
    location = _text(location, field="location", label=_("开会地点"), max_length=100)
    if not isinstance(starts_at, dt.datetime) or timezone.is_naive(starts_at):
        raise ValidationFailed(_("请填写开会时间。"), field="starts_at")
    preset = preset_for(kind)
    if kind in COUNCIL_KINDS:
        if organisation is None or organisation.kind != OrganisationKind.COUNCIL:
            raise ValidationFailed(_("请选择召开会议的理事会（议事会）。"), field="organisation")
        if not organisation.places.filter(pk=place.pk).exists():
            raise ValidationFailed(_("所选理事会（议事会）不属于该地点。"), field="organisation")
    else:
        organisation = None
    fields: dict[str, Any] = {"quorum_basis": preset.basis, "legal_basis": preset.legal_basis}
    if preset.threshold is not None:
        t = preset.threshold
        num, den, comp = quorum or (t.fraction.numerator, t.fraction.denominator, t.comparison)
        num, den, comp = _threshold_check(num, den, comp, field="quorum")
        fields.update(quorum_num=num, quorum_den=den, quorum_comparison=comp)
        if quorum is not None:
            fields["legal_basis"] = _("本次会议按议事规则设定的法定人数。") + preset.legal_basis
    if preset.alt_threshold is not None:
        t = preset.alt_threshold
        num, den, comp = alt_quorum or (t.fraction.numerator, t.fraction.denominator, t.comparison)
        num, den, comp = _threshold_check(num, den, comp, field="alt_quorum")
        fields.update(
            alt_quorum_basis=preset.alt_basis,
            alt_quorum_num=num,
            alt_quorum_den=den,
            alt_quorum_comparison=comp,
        )
    if convener is None and viewer.person_id:
        convener = Person.objects.filter(pk=viewer.person_id).first()
    meeting = Meeting.objects.create(
        kind=kind,
        title=title,
        place=place,
        place_path=place.path,
        starts_at=starts_at,
        location=location,
        convener=convener,
        organisation=organisation,
        created_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    audit_event_record(
        actor=actor,
        action="meeting.create",
        obj=meeting,
        place_path=place.path,
        changes={"kind": kind, "title": title, "starts_at": starts_at, **fields},
    )
    return meeting


@transaction.atomic
def meeting_quorum_set(
    *,
    viewer: Viewer,
    actor: Any,
    meeting: Meeting,
    quorum: tuple[int, int, str],
    alt_quorum: tuple[int, int, str] | None = None,
) -> Meeting:
    """Change a meeting's quorum proportions (by its body's rules) before it closes."""
    _require_manage(viewer, meeting.place, meeting.kind)
    if not meeting.accepts_attendance:
        raise ValidationFailed(_("会议已结束或已取消，不能再修改法定人数。"))
    if meeting.quorum_basis == QuorumBasis.NONE:
        raise ValidationFailed(_("该类会议不计法定人数。"), field="quorum")
    num, den, comp = _threshold_check(*quorum, field="quorum")
    meeting.quorum_num, meeting.quorum_den, meeting.quorum_comparison = num, den, comp
    update = ["quorum_num", "quorum_den", "quorum_comparison", "legal_basis", "updated_at"]
    if meeting.alt_quorum_basis and alt_quorum is not None:
        a_num, a_den, a_comp = _threshold_check(*alt_quorum, field="alt_quorum")
        meeting.alt_quorum_num, meeting.alt_quorum_den = a_num, a_den
        meeting.alt_quorum_comparison = a_comp
        update += ["alt_quorum_num", "alt_quorum_den", "alt_quorum_comparison"]
    preset = preset_for(meeting.kind)
    meeting.legal_basis = _("本次会议按议事规则设定的法定人数。") + preset.legal_basis
    meeting.save(update_fields=update)
    audit_event_record(
        actor=actor,
        action="meeting.quorum_set",
        obj=meeting,
        place_path=meeting.place_path,
        changes={"quorum": quorum, "alt_quorum": alt_quorum},
    )
    return meeting


STATUS_MOVES = {
    MeetingStatus.SCHEDULED: {MeetingStatus.OPEN, MeetingStatus.CANCELLED},
    MeetingStatus.OPEN: {MeetingStatus.CLOSED},
    MeetingStatus.CLOSED: set(),
    MeetingStatus.CANCELLED: set(),
}


@transaction.atomic
def meeting_status_set(*, viewer: Viewer, actor: Any, meeting: Meeting, status: str) -> Meeting:
    """Open (开会), close (散会) or cancel a meeting. Closing keeps the quorum as it stood."""
    _require_manage(viewer, meeting.place, meeting.kind)
    current = (
        Meeting.objects.select_for_update().values_list("status", flat=True).get(pk=meeting.pk)
    )
    if status not in STATUS_MOVES.get(current, set()):
        raise ValidationFailed(
            _("会议当前为“%(now)s”，不能改为“%(to)s”。")
            % {
                "now": MeetingStatus(current).label,
                "to": MeetingStatus(status).label if status in MeetingStatus.values else status,
            },
            field="status",
        )
    update = ["status", "updated_at"]
    meeting.status = status
    if status == MeetingStatus.CLOSED:
        meeting.quorum_record = _quorum_record(selectors.quorum_status(meeting))
        update.append("quorum_record")
    meeting.save(update_fields=update)
    audit_event_record(
        actor=actor,
        action="meeting.status",
        obj=meeting,
        place_path=meeting.place_path,
        changes={"status": status, "quorum": meeting.quorum_record},
    )
    return meeting


@transaction.atomic
def agenda_item_add(
    *, viewer: Viewer, actor: Any, meeting: Meeting, text: str = "", need: Any = None
) -> AgendaItem:
    """Put an item on the agenda (议程): a need from the list, or a motion in words."""
    _require_manage(viewer, meeting.place, meeting.kind)
    if meeting.status in {MeetingStatus.CLOSED, MeetingStatus.CANCELLED}:
        raise ValidationFailed(_("会议已结束或已取消，不能再增加议程。"))
    text = _text(text, field="text", label=_("议题"), max_length=300, required=need is None)
    related = need is None or (
        need.place_path.startswith(meeting.place_path)
        or meeting.place_path.startswith(need.place_path)
    )
    if not related:
        raise ValidationFailed(_("所选问题不属于本次会议的地点。"), field="need")
    last = meeting.agenda.order_by("-position").values_list("position", flat=True).first() or 0
    item = AgendaItem.objects.create(meeting=meeting, position=last + 1, need=need, text=text)
    audit_event_record(
        actor=actor,
        action="meeting.agenda_add",
        obj=meeting,
        place_path=meeting.place_path,
        changes={"position": item.position, "need": need, "text": text},
    )
    return item


def notice_text(meeting: Meeting) -> str:
    with public_language():
        return _notice_text(meeting)


def _notice_text(meeting: Meeting) -> str:
    when = timezone.localtime(meeting.starts_at).strftime("%m月%d日 %H:%M")
    return _(
        "【五共】%(place)s定于%(when)s在%(location)s召开%(kind)s：%(title)s。"
        "请准时参加，到会后扫码签到。"
    ) % {
        "place": meeting.place.name,
        "when": when,
        "location": meeting.location,
        "kind": MeetingKind(meeting.kind).label,
        "title": meeting.title,
    }


@transaction.atomic
def meeting_notice_send(*, viewer: Viewer, actor: Any, meeting: Meeting) -> int:
    """Send the notice in advance (会前通知): an in-app notice to everyone invited, and an SMS
    to those with a phone (after commit). Sending again reaches only those not yet told.
    Returns how many were newly told."""
    _require_manage(viewer, meeting.place, meeting.kind)
    if meeting.status != MeetingStatus.SCHEDULED or meeting.starts_at <= timezone.now():
        raise ValidationFailed(_("会议已开始或已结束，不能再发会前通知。"), code="too_late")
    text = notice_text(meeting)
    told = set(
        MeetingNotification.objects.filter(meeting=meeting).values_list("person_id", flat=True)
    )
    new_ids = [pk for pk in selectors.invitee_ids(meeting) if pk not in told]
    MeetingNotification.objects.bulk_create(
        MeetingNotification(meeting=meeting, person_id=pk, text=text[:300]) for pk in new_ids
    )
    meeting.notice_sent_at = timezone.now()
    meeting.save(update_fields=["notice_sent_at", "updated_at"])
    audit_event_record(
        actor=actor,
        action="meeting.notice",
        obj=meeting,
        place_path=meeting.place_path,
        changes={"invited": len(new_ids)},
    )
    if new_ids:
        from wugong.meetings.tasks import meeting_notice_sms

        transaction.on_commit(
            lambda: meeting_notice_sms.enqueue(meeting_id=meeting.pk, person_ids=new_ids, text=text)
        )
    return len(new_ids)


@transaction.atomic
def checkin_key_rotate(*, viewer: Viewer, actor: Any, meeting: Meeting) -> Meeting:
    """Replace the meeting's check-in key (换码): every QR shown so far stops working."""
    from wugong.meetings.models import _checkin_key

    _require_manage(viewer, meeting.place, meeting.kind)
    meeting.checkin_key = _checkin_key()
    meeting.save(update_fields=["checkin_key", "updated_at"])
    audit_event_record(
        actor=actor, action="meeting.checkin_rotate", obj=meeting, place_path=meeting.place_path
    )
    return meeting


@transaction.atomic
def attendance_check_in(*, viewer: Viewer, actor: Any, token: str) -> tuple[Attendance, bool]:
    """A resident checks in by scanning the meeting's QR (扫码签到). Checking in twice changes
    nothing. Returns (attendance, created)."""
    meeting_id, key = checkin_token_read(token)
    meeting = Meeting.objects.select_related("place").filter(pk=meeting_id).first()
    if meeting is None or meeting.checkin_key != key:
        raise ValidationFailed(
            _("签到码已作废，请扫描会场上最新的二维码。"), code="checkin_void", field="token"
        )
    if not meeting.accepts_attendance:
        raise ValidationFailed(_("会议已结束或已取消，不能再签到。"), code="meeting_closed")
    if not viewer.person_id or not viewer.has_rule("meeting.attend"):
        raise PermissionDenied(_("请用本人账号登录后再签到。"))
    person = Person.objects.select_related("household").get(pk=viewer.person_id)
    if not selectors.may_attend(meeting, person):
        raise PermissionDenied(
            _("您不是%(place)s的居民，也不在本次会议的名单中，不能签到。")
            % {"place": meeting.place.name},
            code="not_invited",
        )
    attendance, created = Attendance.objects.get_or_create(
        meeting=meeting,
        person=person,
        defaults={
            "household": person.household,
            "method": AttendanceMethod.QR,
            "recorded_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    if created:
        _deed_attended(attendance, actor)
        audit_event_record(
            actor=actor,
            action="meeting.check_in",
            obj=meeting,
            place_path=meeting.place_path,
            changes={"person": person},
        )
    return attendance, created


@transaction.atomic
def roll_call_mark(
    *,
    viewer: Viewer,
    actor: Any,
    meeting: Meeting,
    present: bool,
    person: Person | None = None,
    household: Household | None = None,
) -> bool:
    """A cadre's roll call (点名): mark one person, or one household's representative (户代表),
    present or not. Returns whether anything changed."""
    _require_manage(viewer, meeting.place, meeting.kind)
    if not meeting.accepts_attendance:
        raise ValidationFailed(_("会议已结束或已取消，不能再点名。"), code="meeting_closed")
    if (person is None) == (household is None):
        raise ValidationFailed(_("请选择一位人员或一户。"), field="person")
    recorder = actor if getattr(actor, "pk", None) else None
    if person is not None:
        if not selectors.may_attend(meeting, person):
            raise ValidationFailed(
                _("此人不是本地居民，也不在本次会议的名单中。"), code="not_invited", field="person"
            )
        lookup: dict[str, Any] = {"person": person}
        defaults: dict[str, Any] = {"household": person.household}
    else:
        assert household is not None
        if not household.place_path.startswith(meeting.place_path):
            raise ValidationFailed(
                _("该户不属于本次会议的地点。"), code="not_invited", field="household"
            )
        lookup, defaults = {"person": None, "household": household}, {}
    if present:
        defaults.update(method=AttendanceMethod.ROLL_CALL, recorded_by=recorder)
        _row, changed = Attendance.objects.get_or_create(
            meeting=meeting, **lookup, defaults=defaults
        )
        if changed:
            _deed_attended(_row, actor)
    else:
        changed = Attendance.objects.filter(meeting=meeting, **lookup).delete()[0] > 0
    if changed:
        audit_event_record(
            actor=actor,
            action="meeting.roll_call",
            obj=meeting,
            place_path=meeting.place_path,
            on_behalf_of=person,
            changes={"person": person, "household": household, "present": present},
        )
    return changed


@transaction.atomic
def meeting_minutes_save(*, viewer: Viewer, actor: Any, meeting: Meeting, minutes: str) -> Meeting:
    """Write the minutes (会议记录)."""
    _require_manage(viewer, meeting.place, meeting.kind)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationFailed(_("会议已取消。"))
    meeting.minutes = _text(
        minutes, field="minutes", label=_("会议记录"), max_length=20000, required=False
    )
    meeting.save(update_fields=["minutes", "updated_at"])
    audit_event_record(
        actor=actor,
        action="meeting.minutes",
        obj=meeting,
        place_path=meeting.place_path,
        changes={"length": len(meeting.minutes)},
    )
    return meeting


@transaction.atomic
def meeting_photo_add(
    *, viewer: Viewer, actor: Any, meeting: Meeting, upload: UploadedFile
) -> MeetingPhoto:
    """Add a photo of the meeting (JPG, PNG or WebP, at most 5 MB; twenty at most)."""
    _require_manage(viewer, meeting.place, meeting.kind)
    if upload is None or not upload.size:
        raise ValidationFailed(_("请选择要上传的文件。"), field="photo")
    if meeting.photos.count() >= MAX_PHOTOS:
        raise ValidationFailed(
            _("每次会议最多上传%(n)d张照片。") % {"n": MAX_PHOTOS}, field="photo"
        )
    # Decoded and re-encoded: no EXIF, no GPS position of the courtyard is kept.
    try:
        clean = image_clean(upload, max_bytes=MAX_UPLOAD_BYTES)
    except ValidationFailed as e:
        raise ValidationFailed(e.message, code=e.code, field="photo") from e
    ext = clean.name.rsplit(".", 1)[-1]
    photo = MeetingPhoto(meeting=meeting, content_type=IMAGE_KINDS[ext], size=clean.size)
    photo.file.save(f"photo.{ext}", clean, save=False)
    photo.save()
    audit_event_record(
        actor=actor,
        action="meeting.photo_add",
        obj=meeting,
        place_path=meeting.place_path,
        changes={"photo": photo.pk, "size": upload.size},
    )
    return photo


@transaction.atomic
def meeting_decision_record(
    *,
    viewer: Viewer,
    actor: Any,
    meeting: Meeting,
    text: str,
    agenda_item: AgendaItem | None = None,
    outcome: str = "",
    votes_for: int | None = None,
    votes_against: int | None = None,
    votes_abstain: int | None = None,
    vote: Any = None,
) -> MeetingDecision:
    """Record a decision of the meeting (会议决定), on a motion of its agenda or on its own.

    With counts (for, against, abstain) the outcome follows the law: the quorum must be met and
    more than half of those present must agree (到会人员的过半数). Without counts — a courtyard
    meeting's consensus, or a matter put off — the outcome is stated.
    """
    _require_manage(viewer, meeting.place, meeting.kind)
    if meeting.status not in {MeetingStatus.OPEN, MeetingStatus.CLOSED}:
        raise ValidationFailed(_("会议开始后才能记录决定。"), code="not_held")
    text = _text(text, field="text", label=_("决定内容"), max_length=2000)
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationFailed(_("所选议题不属于本次会议。"), field="agenda_item")
    if vote is not None and not vote.place_path.startswith(meeting.place_path):
        raise ValidationFailed(_("所选表决不属于本次会议的地点。"), field="vote")
    explanation = ""
    counts = (votes_for, votes_against, votes_abstain)
    if any(c is not None for c in counts):
        if votes_for is None or votes_against is None:
            raise ValidationFailed(_("请填写赞成票数和反对票数。"), field="votes_for")
        votes_abstain = votes_abstain or 0
        given = [c for c in counts if c is not None]
        if any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in given):
            raise ValidationFailed(_("票数应为不小于0的整数。"), field="votes_for")
        present = selectors.headcount(meeting)
        cast = votes_for + votes_against + votes_abstain
        if cast > present:
            raise ValidationFailed(
                _("赞成、反对、弃权合计%(cast)d票，超过到会人数%(present)d人，请重新清点。")
                % {"cast": cast, "present": present},
                code="counts_exceed_present",
                field="votes_for",
            )
        quorum = selectors.quorum_status(meeting)
        need = tally.MAJORITY.minimum_count(present)
        if quorum.required and not quorum.met:
            outcome = DecisionOutcome.NO_QUORUM
        elif present and tally.MAJORITY.is_met(votes_for, present):
            outcome = DecisionOutcome.PASSED
        else:
            outcome = DecisionOutcome.REJECTED
        explanation = _(
            "到会%(present)d人；赞成%(for)d票、反对%(against)d票、弃权%(abstain)d票。"
            "须经到会人员过半数（至少%(need)d票）同意。结果：%(outcome)s。"
        ) % {
            "present": present,
            "for": votes_for,
            "against": votes_against,
            "abstain": votes_abstain,
            "need": need,
            "outcome": DecisionOutcome(outcome).label,
        }
    elif outcome not in DecisionOutcome.values:
        raise ValidationFailed(_("请选择结果，或填写赞成、反对、弃权票数。"), field="outcome")
    decision = MeetingDecision.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        text=text,
        outcome=outcome,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain if votes_for is not None else None,
        explanation=explanation,
        vote=vote,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_event_record(
        actor=actor,
        action="meeting.decision",
        obj=meeting,
        place_path=meeting.place_path,
        changes={"decision": decision.pk, "outcome": outcome, "counts": counts},
    )
    return decision


# --- the roll of representatives and the leading posts -------------------------------------
def _require_village(place: Place) -> None:
    if place.kind not in {PlaceKind.VILLAGE, PlaceKind.COMMUNITY}:
        raise ValidationFailed(_("请选择一个村或社区。"), field="place")


@transaction.atomic
def representative_add(
    *, viewer: Viewer, actor: Any, place: Place, person: Person, note: str = ""
) -> Representative:
    """Put a person on the village's roll of representatives (村民代表会议组成人员)."""
    _require_village(place)
    if not viewer.can_place("meeting.manage", place):
        raise PermissionDenied(_("您无权管理该村（社区）的村民代表名单。"))
    if person.household is None or not person.household.place_path.startswith(place.path):
        raise ValidationFailed(_("村民代表应是本村（社区）居民。"), field="person")
    if Representative.objects.filter(place=place, person=person, active=True).exists():
        raise ValidationFailed(_("此人已在村民代表名单中。"), field="person")
    seat = Representative.objects.create(
        place=place,
        place_path=place.path,
        person=person,
        note=_text(note, field="note", label=_("说明"), max_length=100, required=False),
    )
    audit_event_record(
        actor=actor,
        action="meeting.representative_add",
        obj=seat,
        place_path=place.path,
        changes={"person": person},
    )
    return seat


@transaction.atomic
def representative_end(*, viewer: Viewer, actor: Any, seat: Representative) -> None:
    if not viewer.can_place("meeting.manage", seat.place):
        raise PermissionDenied(_("您无权管理该村（社区）的村民代表名单。"))
    if not seat.active:
        raise ValidationFailed(_("此人已不在村民代表名单中。"))
    seat.active = False
    seat.save(update_fields=["active"])
    audit_event_record(
        actor=actor, action="meeting.representative_end", obj=seat, place_path=seat.place_path
    )


@transaction.atomic
def village_post_set(
    *, viewer: Viewer, actor: Any, place: Place, post: str, person: Person, since: dt.date
) -> VillagePost:
    """Record who holds a leading post (党组织书记 or 村委会主任) of a village."""
    _require_village(place)
    if not viewer.can_place("decision.manage", place):
        raise PermissionDenied(_("您无权登记该村（社区）的主要职务。"))
    if post not in Post.values:
        raise ValidationFailed(_("请选择职务。"), field="post")
    if person.household is None or not person.household.place_path.startswith(place.path):
        raise ValidationFailed(_("任职人应是本村（社区）居民。"), field="person")
    if since > timezone.localdate():
        raise ValidationFailed(_("任职日期不能晚于今天。"), field="since")
    row, _created = VillagePost.objects.update_or_create(
        place=place,
        post=post,
        defaults={"person": person, "since": since, "place_path": place.path},
    )
    audit_event_record(
        actor=actor,
        action="decision.post_set",
        obj=row,
        place_path=place.path,
        changes={"post": post, "person": person, "since": since},
    )
    return row


# --- 四议两公开 ------------------------------------------------------------------------------
@transaction.atomic
def village_decision_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    title: str,
    description: str = "",
    need: Any = None,
) -> VillageDecision:
    """Open a matter for 四议两公开 (e.g. a road, a use of collective funds)."""
    _require_village(place)
    if not viewer.can_place("decision.manage", place):
        raise PermissionDenied(_("您无权在该村（社区）发起四议两公开事项。"))
    title = _text(title, field="title", label=_("事项"), max_length=100)
    description = _text(
        description, field="description", label=_("事项说明"), max_length=5000, required=False
    )
    if need is not None and not need.place_path.startswith(place.path):
        raise ValidationFailed(_("所选问题不属于该村（社区）。"), field="need")
    decision = VillageDecision.objects.create(
        place=place,
        place_path=place.path,
        title=title,
        description=description,
        need=need,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_event_record(
        actor=actor,
        action="decision.create",
        obj=decision,
        place_path=place.path,
        changes={"title": title, "need": need},
    )
    return decision


# Bodies that count a quorum for a step recorded by numbers (without a linked meeting).
STEP_QUORUM = {
    Step.REVIEW: tally.MAJORITY,  # party members: more than half
}
RESOLVING_BODIES = {
    "村民代表会议": tally.VILLAGERS_REPRESENTATIVES_MEETING.quorum,
    "村民会议": tally.VILLAGE_ASSEMBLY.quorum,
    "居民会议": tally.RESIDENTS_MEETING.quorum,
}


@transaction.atomic
def decision_step_record(
    *,
    viewer: Viewer,
    actor: Any,
    decision: VillageDecision,
    step: int,
    date: dt.date,
    body: str,
    outcome: str,
    present: int | None = None,
    expected: int | None = None,
    meeting: Meeting | None = None,
    note: str = "",
    documents: Sequence[UploadedFile] = (),
    merge_first_two: bool = False,
) -> list[DecisionStep]:
    """Record the next step of 四议两公开. Steps go in order and none is skipped; the only
    exception is the lawful merge of steps 1 and 2 when one person is both party secretary and
    committee director (“一肩挑”), which records both at once and names that person. A step
    that fails (a proposal dropped, a resolution rejected) ends the procedure as rejected;
    publishing the result of carrying it out completes it. Returns the step rows written."""
    if not viewer.can_place("decision.manage", decision.place):
        raise PermissionDenied(_("您无权办理该村（社区）的四议两公开事项。"))
    decision = VillageDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != ProcedureStatus.IN_PROGRESS:
        raise ValidationFailed(
            _("该事项已%(status)s，不能再记录步骤。")
            % {"status": ProcedureStatus(decision.status).label},
            code="procedure_ended",
        )
    last = decision.steps.order_by("-step").first()
    expected_step = (last.step + 1) if last else Step.PROPOSE
    merge_person = None
    if merge_first_two:
        if step != Step.PROPOSE or last is not None:
            raise ValidationFailed(
                _("只有第一步尚未办理时，才能将第一、二步合并办理。"),
                code="merge_not_allowed",
                field="merge_first_two",
            )
        merge_person = selectors.merge_holder(decision.place)
        if merge_person is None:
            raise ValidationFailed(
                _(
                    "只有村党组织书记和村委会主任由同一人担任（“一肩挑”）时，"
                    "才能将第一、二步合并办理；请先登记两个职务的任职人。"
                ),
                code="merge_not_allowed",
                field="merge_first_two",
            )
    if step not in Step.values or step != expected_step:
        raise ValidationFailed(
            _("不能跳过或提前办理：下一步应为第%(n)d步“%(label)s”。")
            % {"n": expected_step, "label": Step(expected_step).label},
            code="step_out_of_order",
            field="step",
        )
    if not isinstance(date, dt.date):
        raise ValidationFailed(_("请填写日期。"), field="date")
    if date > timezone.localdate():
        raise ValidationFailed(_("日期不能晚于今天：请在办理后再记录。"), field="date")
    if last is not None and date < last.date:
        raise ValidationFailed(
            _("日期不能早于上一步（%(date)s）。") % {"date": last.date.isoformat()}, field="date"
        )
    publishing = step in {Step.PUBLISH_RESOLUTION, Step.PUBLISH_RESULT}
    allowed = {StepOutcome.PUBLISHED} if publishing else {StepOutcome.PASSED, StepOutcome.REJECTED}
    if outcome not in allowed:
        raise ValidationFailed(
            _("公开步骤的结果只能是“已公开”。") if publishing else _("请选择“通过”或“未通过”。"),
            field="outcome",
        )
    if meeting is not None:
        meeting = Meeting.objects.get(pk=meeting.pk)
        if not meeting.place_path.startswith(decision.place_path):
            raise ValidationFailed(_("所选会议不属于该村（社区）。"), field="meeting")
        if meeting.status not in {MeetingStatus.OPEN, MeetingStatus.CLOSED}:
            raise ValidationFailed(_("所选会议尚未召开。"), field="meeting")
        if step == Step.RESOLVE and meeting.kind not in RESOLVING_KINDS:
            raise ValidationFailed(
                _("第四步须由村民代表会议或村民会议决议。"), code="wrong_body", field="meeting"
            )
        body = body or meeting.title
        quorum = (
            selectors.quorum_status(meeting)
            if meeting.status == MeetingStatus.OPEN or not meeting.quorum_record
            else None
        )
        if quorum is not None:
            met, first = quorum.met, (quorum.checks[0] if quorum.checks else None)
            fig = (first.present, first.eligible) if first else (None, None)
        else:
            record = meeting.quorum_record or {}
            met = bool(record.get("met"))
            checks = record.get("checks") or []
            fig = (checks[0]["present"], checks[0]["eligible"]) if checks else (None, None)
        if fig[0] is not None:
            present, expected = fig
        has_rule = meeting.quorum_basis != QuorumBasis.NONE
        if has_rule and not met and outcome == StepOutcome.PASSED:
            raise ValidationFailed(
                _("所选会议未达到法定人数，不能作出有效决议。"), code="no_quorum", field="meeting"
            )
    body = _text(body, field="body", label=_("会议或机构"), max_length=100)
    if step == Step.RESOLVE and meeting is None and body not in RESOLVING_BODIES:
        raise ValidationFailed(
            _("第四步须由村民代表会议或村民会议决议。"), code="wrong_body", field="body"
        )
    if (present is None) != (expected is None):
        raise ValidationFailed(_("请同时填写实到和应到人数。"), field="present")
    if (
        present is not None
        and expected is not None
        and (present < 0 or expected <= 0 or present > expected)
    ):
        raise ValidationFailed(_("实到人数应在0到应到人数之间。"), field="present")
    if meeting is None and outcome == StepOutcome.PASSED:
        threshold = RESOLVING_BODIES.get(body) if step == Step.RESOLVE else STEP_QUORUM.get(step)
        if threshold is not None:
            if present is None or expected is None:
                raise ValidationFailed(
                    _("请填写实到和应到人数，或选择所开的会议。"), field="present"
                )
            if not threshold.is_met(present, expected):
                raise ValidationFailed(
                    _("实到%(p)d人、应到%(e)d人，未达到法定人数（%(rule)s），不能作出有效决议。")
                    % {"p": present, "e": expected, "rule": threshold.label},
                    code="no_quorum",
                    field="present",
                )
    note = _text(note, field="note", label=_("说明"), max_length=5000, required=publishing)
    checked = []
    if len(documents) > MAX_DOCUMENTS_PER_STEP:
        raise ValidationFailed(
            _("每一步最多上传%(n)d个文件。") % {"n": MAX_DOCUMENTS_PER_STEP}, field="documents"
        )
    for upload in documents:
        checked.append((upload, *upload_check(upload, kinds=DOCUMENT_KINDS, field="documents")))
    steps = [step] if not merge_first_two else [Step.PROPOSE, Step.DISCUSS]
    rows = []
    for n in steps:
        row = DecisionStep.objects.create(
            decision=decision,
            step=n,
            date=date,
            body=body,
            present=present,
            expected=expected,
            meeting=meeting,
            outcome=outcome,
            note=note,
            merged=merge_first_two,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        rows.append(row)
    for upload, ext, content_type in checked:
        doc = StepDocument(
            step=rows[-1],
            name=(upload.name or "file")[-100:],
            content_type=content_type,
            size=upload.size,
        )
        doc.file.save(f"document.{ext}", upload, save=False)
        doc.save()
    update = []
    if merge_first_two:
        decision.merged_first_two = True
        decision.merge_person = merge_person
        update += ["merged_first_two", "merge_person"]
    if outcome == StepOutcome.REJECTED:
        decision.status = ProcedureStatus.REJECTED
    elif steps[-1] == Step.PUBLISH_RESULT:
        decision.status = ProcedureStatus.COMPLETED
    if decision.status != ProcedureStatus.IN_PROGRESS:
        decision.ended_at = timezone.now()
        update += ["status", "ended_at"]
    if update:
        decision.save(update_fields=update)
    audit_event_record(
        actor=actor,
        action="decision.step",
        obj=decision,
        place_path=decision.place_path,
        changes={
            "steps": steps,
            "outcome": outcome,
            "date": date,
            "meeting": meeting,
            "present": present,
            "expected": expected,
            "merged_with": merge_person,
            "documents": len(checked),
        },
    )
    return rows


def _deed_attended(attendance: Attendance, actor: Any) -> None:
    """A meeting attended is a good deed that may earn points (积分, wugong/points)."""
    deed_recorded.send(
        sender=Attendance,
        action="meeting.attended",
        place=attendance.meeting.place,
        person_id=attendance.person_id,
        household_id=attendance.household_id,
        quantity=Decimal(1),
        # Keyed by meeting and attendee, not by the attendance row: unticking someone at roll
        # call deletes the row, and ticking them again must not earn a second time.
        source=(
            f"meetings.attendance:{attendance.meeting_id}:"
            f"{'p' if attendance.person_id else 'h'}"
            f"{attendance.person_id or attendance.household_id}"
        ),
        occurred_on=timezone.localtime(attendance.meeting.starts_at).date(),
        actor=actor if getattr(actor, "pk", None) else None,
    )
