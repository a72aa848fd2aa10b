"""Every write of 矛盾纠纷调解: receive a matter, name parties and mediators, record sessions
(with the agreement document), conclude, refer up (上交), follow up (回访); and the log of
each look at a matter's details.

Each action is keyword-only, runs in one transaction, checks who may act and writes its audit
event in the same transaction. A matter the viewer may not see answers NotFound, never a hint
that it exists. Handlers (``mediation.handle`` in the matter's place) do everything; a named
mediator may record sessions, conclude and follow up the matters naming them.
"""

import datetime as dt
import uuid
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.core.models import SensitiveAccess
from wugong.core.uploads import image_clean
from wugong.mediation.models import (
    Matter,
    MatterKind,
    MatterSource,
    MatterStatus,
    Mediator,
    Party,
    PartyRole,
    Session,
)
from wugong.mediation.selectors import matter_get, person_candidates
from wugong.people.models import Person
from wugong.people.rules import Viewer
from wugong.places.models import Place

AGREEMENT_MAX_BYTES = 10 * 1024 * 1024
SUMMARY_MAX = 5000
TEXT_MAX = 10000


# --- who may act -----------------------------------------------------------------------------
def handles(viewer: Viewer, matter: Matter) -> bool:
    return viewer.can_place("mediation.handle", matter.place)


def mediates(viewer: Viewer, matter: Matter) -> bool:
    return (
        bool(viewer.person_id)
        and Mediator.objects.filter(matter_id=matter.pk, person_id=viewer.person_id).exists()
    )


def _locked(viewer: Viewer, matter: Matter, *, mediator_may: bool) -> Matter:
    """The matter locked for update, if the viewer may see it and act on it."""
    matter_get(viewer=viewer, pk=matter.pk)  # NotFound for anyone who may not see it
    locked = (
        Matter.objects.select_for_update(of=("self",)).select_related("place").get(pk=matter.pk)
    )
    if handles(viewer, locked) or (mediator_may and mediates(viewer, locked)):
        return locked
    raise PermissionDenied(_("您无权办理该矛盾纠纷。"))


# --- cleaning --------------------------------------------------------------------------------
def _text(value: Any, *, field: str, what: str, required: bool, limit: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写%(what)s。") % {"what": what}, field=field)
    if len(text) > limit:
        raise ValidationFailed(
            _("%(what)s不能超过%(n)s字。") % {"what": what, "n": limit}, field=field
        )
    return text


def date_parse(value: Any, *, field: str, what: str, required: bool = True) -> dt.date | None:
    """A date from a form or the API: a date, or text like 2026-03-08."""
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            raise ValidationFailed(_("请填写%(what)s。") % {"what": what}, field=field)
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            _("%(what)s应为日期，如 2026-03-08。") % {"what": what}, field=field
        ) from None


def _not_future(day: dt.date, *, field: str, what: str) -> dt.date:
    if day > timezone.localdate():
        raise ValidationFailed(_("%(what)s不能晚于今天。") % {"what": what}, field=field)
    return day


def _choice(value: Any, choices: Any, *, field: str, what: str) -> str:
    value = str(value or "")
    if value not in choices.values:
        raise ValidationFailed(_("请选择%(what)s。") % {"what": what}, field=field)
    return value


def agreement_clean(upload: UploadedFile) -> tuple[File, str]:
    """The agreement document, checked by its content: a PDF must start as one; anything else
    must be an image, re-encoded without EXIF. Returns the file (random name) and its type."""
    if upload.size is not None and upload.size > AGREEMENT_MAX_BYTES:
        raise ValidationFailed(_("调解协议书不能超过10MB。"), field="agreement")
    upload.seek(0)
    head = upload.read(5)
    if head == b"%PDF-":
        upload.seek(0)
        data = upload.read(AGREEMENT_MAX_BYTES + 1)
        if len(data) > AGREEMENT_MAX_BYTES:
            raise ValidationFailed(_("调解协议书不能超过10MB。"), field="agreement")
        from django.core.files.base import ContentFile

        return ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"), "application/pdf"
    try:
        image = image_clean(upload, max_bytes=AGREEMENT_MAX_BYTES)
    except ValidationFailed:
        raise ValidationFailed(
            _("调解协议书应为 PDF 文件或照片（JPEG、PNG、WebP）。"), field="agreement"
        ) from None
    ext = image.name.rsplit(".", 1)[-1]
    kind = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[ext]
    image.name = f"{uuid.uuid4().hex}.{ext}"
    return image, kind


# --- receive ---------------------------------------------------------------------------------
@transaction.atomic
def matter_receive(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    kind: str,
    summary: str,
    received_on: Any,
    source: str,
    idempotency_key: str = "",
) -> tuple[Matter, bool]:
    """Receive a dispute (受理). Sent twice with the same key, it is received once."""
    if not viewer.can_place("mediation.handle", place):
        raise NotFound(_("该地点不存在。"), field="place")
    key = idempotency_key.strip()[:64] or None
    if key:
        existing = Matter.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.place_id != place.pk:
                raise ValidationFailed(
                    _("表单标识重复，请刷新后重新填写。"), field="idempotency_key"
                )
            return existing, False
    kind = _choice(kind, MatterKind, field="kind", what=_("纠纷类型"))
    source = _choice(source, MatterSource, field="source", what=_("来源"))
    summary = _text(summary, field="summary", what=_("纠纷概要"), required=True, limit=SUMMARY_MAX)
    day = date_parse(received_on, field="received_on", what=_("受理日期"))
    assert day is not None
    _not_future(day, field="received_on", what=_("受理日期"))
    try:
        with transaction.atomic():
            matter = Matter.objects.create(
                place=place,
                place_path=place.path,
                kind=kind,
                summary=summary,
                received_on=day,
                source=source,
                idempotency_key=key,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:  # the same form, sent twice at once
        existing = Matter.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False
    audit_event_record(
        actor=actor,
        action="mediation.matter_receive",
        obj=matter,
        place_path=matter.place_path,
        changes={"kind": kind, "source": source, "received_on": day},
    )
    return matter, True


# --- parties and mediators -------------------------------------------------------------------
def _person_for(matter: Matter, person_id: Any, field: str) -> Person:
    try:
        pk = int(person_id)
    except (TypeError, ValueError):
        raise ValidationFailed(_("请选择人员。"), field=field) from None
    person = person_candidates(place_path=matter.place_path, query="", limit=None)
    found = Person.objects.filter(pk=pk, pk__in=person.values("pk")).first()
    if found is None:
        raise ValidationFailed(_("该人员不在本地名册中。"), field=field)
    return found


@transaction.atomic
def party_add(
    *,
    viewer: Viewer,
    actor: Any,
    matter: Matter,
    role: str,
    person_id: Any = None,
    name: str = "",
    note: str = "",
) -> Party:
    """Name a party (当事人): a person of the roster (``person_id``) or an outsider (``name``)."""
    matter = _locked(viewer, matter, mediator_may=False)
    role = _choice(role, PartyRole, field="role", what=_("当事人身份"))
    note = _text(note, field="note", what=_("备注"), required=False, limit=200)
    person = None
    if person_id not in (None, ""):
        person = _person_for(matter, person_id, "person")
        if Party.objects.filter(matter=matter, person=person).exists():
            raise ValidationFailed(_("此人已是该纠纷的当事人。"), field="person")
        name = person.name
    else:
        name = _text(name, field="name", what=_("当事人姓名"), required=True, limit=50)
    party = Party.objects.create(matter=matter, person=person, name=name, role=role, note=note)
    audit_event_record(
        actor=actor,
        action="mediation.party_add",
        obj=matter,
        place_path=matter.place_path,
        changes={"party": party.pk, "role": role, "person": person.pk if person else None},
    )
    return party


@transaction.atomic
def party_remove(*, viewer: Viewer, actor: Any, matter: Matter, party_id: int) -> None:
    matter = _locked(viewer, matter, mediator_may=False)
    party = Party.objects.filter(matter=matter, pk=party_id).first()
    if party is None:
        raise NotFound(_("该当事人不存在。"), field="party")
    party.delete()
    audit_event_record(
        actor=actor,
        action="mediation.party_remove",
        obj=matter,
        place_path=matter.place_path,
        changes={"party": party_id},
    )


@transaction.atomic
def mediator_add(*, viewer: Viewer, actor: Any, matter: Matter, person_id: Any) -> Mediator:
    """Name a mediator (调解员). Any person of the place (or a post at, under or above it) may
    mediate; being named lets them see this matter, no cadre role needed."""
    matter = _locked(viewer, matter, mediator_may=False)
    person = _person_for(matter, person_id, "person")
    if Mediator.objects.filter(matter=matter, person=person).exists():
        raise ValidationFailed(_("此人已是该纠纷的调解员。"), field="person")
    if Party.objects.filter(matter=matter, person=person).exists():
        raise ValidationFailed(_("当事人不能担任本纠纷的调解员。"), field="person")
    mediator = Mediator.objects.create(matter=matter, person=person)
    audit_event_record(
        actor=actor,
        action="mediation.mediator_add",
        obj=matter,
        place_path=matter.place_path,
        changes={"person": person.pk},
    )
    return mediator


@transaction.atomic
def mediator_remove(*, viewer: Viewer, actor: Any, matter: Matter, person_id: int) -> None:
    matter = _locked(viewer, matter, mediator_may=False)
    deleted, _rows = Mediator.objects.filter(matter=matter, person_id=person_id).delete()
    if not deleted:
        raise NotFound(_("该调解员不存在。"), field="person")
    audit_event_record(
        actor=actor,
        action="mediation.mediator_remove",
        obj=matter,
        place_path=matter.place_path,
        changes={"person": person_id},
    )


# --- sessions --------------------------------------------------------------------------------
@transaction.atomic
def session_record(
    *,
    viewer: Viewer,
    actor: Any,
    matter: Matter,
    held_on: Any,
    attended: str = "",
    notes: str = "",
    outcome: str = "",
    agreement: UploadedFile | None = None,
    idempotency_key: str = "",
) -> tuple[Session, bool]:
    """Record a sitting (调解记录); the first one puts a received matter in mediation."""
    matter = _locked(viewer, matter, mediator_may=True)
    key = idempotency_key.strip()[:64] or None
    if key:
        existing = Session.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.matter_id != matter.pk:
                raise ValidationFailed(
                    _("表单标识重复，请刷新后重新填写。"), field="idempotency_key"
                )
            return existing, False
    if not matter.is_open:
        raise ValidationFailed(_("该纠纷已结案或已上交，不能再记录调解。"), code="closed")
    day = date_parse(held_on, field="held_on", what=_("调解日期"))
    assert day is not None
    _not_future(day, field="held_on", what=_("调解日期"))
    if day < matter.received_on:
        raise ValidationFailed(_("调解日期不能早于受理日期。"), field="held_on")
    attended = _text(attended, field="attended", what=_("参加人员"), required=False)
    notes = _text(notes, field="notes", what=_("调解经过"), required=True)
    outcome = _text(outcome, field="outcome", what=_("本次结果"), required=False)
    document, kind = agreement_clean(agreement) if agreement else (None, "")
    session = Session(
        matter=matter,
        held_on=day,
        attended=attended,
        notes=notes,
        outcome=outcome,
        agreement_type=kind,
        idempotency_key=key,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    if document is not None:
        session.agreement.save(document.name, document, save=False)
    session.save()
    if matter.status == MatterStatus.RECEIVED:
        matter.status = MatterStatus.MEDIATING
        matter.save(update_fields=["status", "updated_at"])
    audit_event_record(
        actor=actor,
        action="mediation.session_record",
        obj=matter,
        place_path=matter.place_path,
        changes={"session": session.pk, "held_on": day, "agreement": bool(document)},
    )
    return session, True


@transaction.atomic
def agreement_attach(
    *, viewer: Viewer, actor: Any, session: Session, agreement: UploadedFile
) -> Session:
    """Attach (or replace) the agreement document of a session."""
    matter = _locked(viewer, session.matter, mediator_may=True)
    session = Session.objects.select_for_update().get(pk=session.pk, matter=matter)
    document, kind = agreement_clean(agreement)
    session.agreement.save(document.name, document, save=False)
    session.agreement_type = kind
    session.save(update_fields=["agreement", "agreement_type"])
    audit_event_record(
        actor=actor,
        action="mediation.agreement_attach",
        obj=matter,
        place_path=matter.place_path,
        changes={"session": session.pk, "type": kind},
    )
    return session


# --- conclude, refer, follow up --------------------------------------------------------------
@transaction.atomic
def matter_conclude(
    *,
    viewer: Viewer,
    actor: Any,
    matter: Matter,
    agreed: bool,
    outcome: str,
    concluded_on: Any = None,
    follow_up_on: Any = None,
) -> Matter:
    """End the mediation: agreed (调解成功) or not agreed (调解未成), with a follow-up date."""
    matter = _locked(viewer, matter, mediator_may=True)
    if matter.status != MatterStatus.MEDIATING:
        raise ValidationFailed(
            _("只有调解中的纠纷可以结案，请先记录调解经过。"), code="not_mediating"
        )
    outcome = _text(outcome, field="outcome", what=_("调解结果"), required=True)
    day = date_parse(concluded_on, field="concluded_on", what=_("结案日期"), required=False)
    day = _not_future(day or timezone.localdate(), field="concluded_on", what=_("结案日期"))
    if day < matter.received_on:
        raise ValidationFailed(_("结案日期不能早于受理日期。"), field="concluded_on")
    follow = date_parse(follow_up_on, field="follow_up_on", what=_("回访日期"), required=False)
    if follow is not None and follow < day:
        raise ValidationFailed(_("回访日期不能早于结案日期。"), field="follow_up_on")
    matter.status = MatterStatus.AGREED if agreed else MatterStatus.NOT_AGREED
    matter.outcome = outcome
    matter.concluded_on = day
    matter.follow_up_on = follow
    matter.save(update_fields=["status", "outcome", "concluded_on", "follow_up_on", "updated_at"])
    audit_event_record(
        actor=actor,
        action="mediation.matter_conclude",
        obj=matter,
        place_path=matter.place_path,
        changes={"status": matter.status, "concluded_on": day, "follow_up_on": follow},
    )
    return matter


@transaction.atomic
def matter_refer(
    *, viewer: Viewer, actor: Any, matter: Matter, reason: str, referred_to: str = ""
) -> Matter:
    """Send a dispute the village cannot settle a level up (大事难事上交), with the reason."""
    matter = _locked(viewer, matter, mediator_may=False)
    if matter.status not in {
        MatterStatus.RECEIVED,
        MatterStatus.MEDIATING,
        MatterStatus.NOT_AGREED,
    }:
        raise ValidationFailed(_("该纠纷已调解成功或已上交，不能上交。"), code="not_referable")
    reason = _text(reason, field="reason", what=_("上交理由"), required=True)
    referred_to = _text(
        referred_to, field="referred_to", what=_("上交单位"), required=False, limit=100
    )
    matter.status = MatterStatus.REFERRED
    matter.referred_reason = reason
    matter.referred_to = referred_to
    matter.concluded_on = matter.concluded_on or timezone.localdate()
    matter.follow_up_on = None
    matter.save(
        update_fields=[
            "status",
            "referred_reason",
            "referred_to",
            "concluded_on",
            "follow_up_on",
            "updated_at",
        ]
    )
    audit_event_record(
        actor=actor,
        action="mediation.matter_refer",
        obj=matter,
        place_path=matter.place_path,
        changes={"referred_to": referred_to, "reason": reason},
    )
    return matter


@transaction.atomic
def matter_follow_up(
    *, viewer: Viewer, actor: Any, matter: Matter, note: str, followed_up_on: Any = None
) -> Matter:
    """Record the follow-up visit (回访): is the agreement kept, has the dispute come back?"""
    matter = _locked(viewer, matter, mediator_may=True)
    if matter.status not in {MatterStatus.AGREED, MatterStatus.NOT_AGREED}:
        raise ValidationFailed(_("只有已结案的纠纷可以回访。"), code="not_concluded")
    note = _text(note, field="note", what=_("回访情况"), required=True)
    day = date_parse(followed_up_on, field="followed_up_on", what=_("回访日期"), required=False)
    day = _not_future(day or timezone.localdate(), field="followed_up_on", what=_("回访日期"))
    if matter.concluded_on and day < matter.concluded_on:
        raise ValidationFailed(_("回访日期不能早于结案日期。"), field="followed_up_on")
    matter.status = MatterStatus.FOLLOWED_UP
    matter.followed_up_on = day
    matter.follow_up_note = note
    matter.save(update_fields=["status", "followed_up_on", "follow_up_note", "updated_at"])
    audit_event_record(
        actor=actor,
        action="mediation.matter_follow_up",
        obj=matter,
        place_path=matter.place_path,
        changes={"followed_up_on": day},
    )
    return matter


# --- looks -----------------------------------------------------------------------------------
@transaction.atomic
def matter_view_log(*, viewer: Viewer, actor: Any, matter: Matter, channel: str) -> None:
    """Log one look at a matter's details, as a look at sensitive personal data: a
    SensitiveAccess row per party of the roster (so oversight sees it under that person), and an
    audit event for the matter itself (outsiders among the parties have no person row)."""
    if not getattr(actor, "pk", None):
        return
    people = list(
        Party.objects.filter(matter=matter, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    SensitiveAccess.objects.bulk_create(
        [
            SensitiveAccess(viewer=actor, person_id=pid, field="mediation", channel=channel)
            for pid in people
        ]
    )
    audit_event_record(
        actor=actor,
        action="mediation.matter_view",
        obj=matter,
        place_path=matter.place_path,
        changes={"channel": channel, "parties": people},
    )
