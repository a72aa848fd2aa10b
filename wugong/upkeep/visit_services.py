"""Every write of key-household visits (五天一见面) and temporary assistance (临时救助).

The schedule (``VisitDue``, one row per key household) is kept here and nowhere else:
``visit_record`` moves the household's next due date on, ``visit_schedule_sync`` (run by the
periodic scan, wugong/upkeep/tasks.py) adds newly tagged households, drops untagged ones and
follows changes of tags, intervals, grids and centre households.
"""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.needs.models import Source
from wugong.needs.services import need_record
from wugong.people.models import Household, KeyHouseholdTag, Person
from wugong.people.roles import CADRE_ROLES, Role
from wugong.people.rules import Viewer
from wugong.upkeep.models import (
    Assistance,
    AssistanceStatus,
    Visit,
    VisitDue,
    VisitHow,
    VisitInterval,
)
from wugong.upkeep.models.visits import DEFAULT_VISIT_DAYS

MAX_TEXT = 2000
MAX_NEEDS = 5
MAX_ASSISTANCE_FEN = 5_000_000  # ¥50,000: above that it is not temporary assistance
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


# --- intervals and the schedule -----------------------------------------------------------------
def day_end(at: dt.datetime) -> dt.datetime:
    """A visit is due by the end of its day (local time): visited that day is in time."""
    return timezone.localtime(at).replace(hour=23, minute=59, second=59, microsecond=999999)


def interval_map() -> dict[str, int]:
    return dict(VisitInterval.objects.values_list("tag", "days"))


def interval_for(tags: Iterable[str], intervals: dict[str, int] | None = None) -> int | None:
    """The household's interval: the shortest of its tags' (None: not a key household)."""
    intervals = interval_map() if intervals is None else intervals
    days = [intervals.get(t, DEFAULT_VISIT_DAYS) for t in tags]
    return min(days) if days else None


def _interval_case(intervals: dict[str, int]) -> Case:
    return Case(
        *(When(tag=tag, then=Value(days)) for tag, days in sorted(intervals.items())),
        default=Value(DEFAULT_VISIT_DAYS),
        output_field=IntegerField(),
    )


@transaction.atomic
def visit_interval_set(*, viewer: Viewer, actor: Any, tag: str, days: int) -> VisitInterval:
    """Set how often households of one key tag are visited (system admin, or the admin site)."""
    if Role.SYSTEM_ADMIN not in viewer.roles:
        raise PermissionDenied(_("您无权修改走访间隔。"))
    if not 1 <= days <= 365:
        raise ValidationFailed(_("走访间隔应在1到365天之间。"), field="days")
    row, _created = VisitInterval.objects.update_or_create(tag=tag, defaults={"days": days})
    audit_event_record(actor=actor, action="visit.interval_set", obj=row, changes={"days": days})
    return row


def visit_schedule_sync(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Bring the schedule in line with the households' tags, grids and centre households. Set-
    based: a handful of statements whatever the county's size. Idempotent."""
    now = now or timezone.now()
    intervals = interval_map()
    has_tag = Exists(KeyHouseholdTag.objects.filter(household_id=OuterRef("household_id")))
    with transaction.atomic():
        dropped, _rows = VisitDue.objects.filter(~has_tag).delete()
        # Newly tagged households: due at once (a first visit).
        new = (
            Household.objects.filter(
                Exists(KeyHouseholdTag.objects.filter(household_id=OuterRef("pk"))),
                ~Exists(VisitDue.objects.filter(household_id=OuterRef("pk"))),
            )
            .annotate(
                days=Subquery(
                    KeyHouseholdTag.objects.filter(household_id=OuterRef("pk"))
                    .annotate(d=_interval_case(intervals))
                    .order_by("d")
                    .values("d")[:1]
                )
            )
            .values_list("pk", "place_path", "grid_id", "centre_id", "days")
        )
        created = VisitDue.objects.bulk_create(
            (
                VisitDue(
                    household_id=pk,
                    place_path=path,
                    grid_id=grid,
                    centre_id=centre,
                    interval_days=days,
                    next_due_at=day_end(now),
                )
                for pk, path, grid, centre, days in new.iterator(chunk_size=2000)
            ),
            batch_size=2000,
        )
        # The household moved, or changed grid or centre household.
        moved = 0
        for field, source in (
            ("place_path", "household__place_path"),
            ("grid_id", "household__grid_id"),
            ("centre_id", "household__centre_id"),
        ):
            differs = (
                Q(**{f"{field}__isnull": True}, **{f"{source}__isnull": False})
                | Q(**{f"{field}__isnull": False}, **{f"{source}__isnull": True})
                | (Q(**{f"{field}__isnull": False}) & ~Q(**{field: F(source)}))
            )
            pks = list(VisitDue.objects.filter(differs).values_list("pk", flat=True)[:100_000])
            for chunk_start in range(0, len(pks), 500):
                chunk = pks[chunk_start : chunk_start + 500]
                moved += VisitDue.objects.filter(pk__in=chunk).update(
                    **{
                        field: Subquery(
                            Household.objects.filter(pk=OuterRef("household_id")).values(
                                source.split("__", 1)[1]
                            )[:1]
                        )
                    }
                )
        # Tags or intervals changed: a new interval, and the due date measured from the last
        # visit (never later than it was for a household not yet visited).
        current = Subquery(
            KeyHouseholdTag.objects.filter(household_id=OuterRef("household_id"))
            .annotate(d=_interval_case(intervals))
            .order_by("d")
            .values("d")[:1]
        )
        changed = 0
        rows = (
            VisitDue.objects.annotate(days=current)
            .exclude(interval_days=F("days"))
            .values_list("pk", "days", "last_visited_at", "next_due_at")
        )
        for pk, days, last, due in list(rows[:100_000]):
            next_due = day_end(last + dt.timedelta(days=days)) if last else min(due, day_end(now))
            VisitDue.objects.filter(pk=pk).update(interval_days=days, next_due_at=next_due)
            changed += 1
    return {"added": len(created), "dropped": dropped, "moved": moved, "interval": changed}


def _visitor_role(viewer: Viewer, household: Household) -> str:
    for a in viewer.granting("visit.record"):
        if viewer._holds_household(a, household):
            return a.role
    return ""


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationFailed(
            _("内容太长了，请不超过%(n)d个字。") % {"n": MAX_TEXT}, code="text_long", field=field
        )
    return value


@transaction.atomic
def visit_record(
    *,
    viewer: Viewer,
    actor: Any,
    household: Household,
    idempotency_key: str,
    how: str = VisitHow.HOME,
    found: str = "",
    help_given: str = "",
    needs: Sequence[str] = (),
    assistance_fen: int | None = None,
    assistance_reason: str = "",
    visited_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[Visit, bool]:
    """Record a visit to a key household (走访): what was found, the help given, the needs
    raised (each entered in the needs list, source 入户走访, for the household's head) and, if
    asked for on the spot, temporary assistance. The form's ``idempotency_key`` makes a
    second submission return the first visit (``created`` False) instead of a new one."""
    now = now or timezone.now()
    key = (idempotency_key or "").strip()
    if not KEY_RE.match(key):
        raise ValidationFailed(_("提交标识无效，请刷新页面后重试。"), field="idempotency_key")
    existing = Visit.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.household_id != household.pk or existing.visitor_id != viewer.person_id:
            raise ValidationFailed(_("提交标识已被使用。"), field="idempotency_key")
        return existing, False
    if not viewer.can_household("visit.record", household):
        raise NotFound(_("住户不存在或不在您的走访范围内。"))
    if not viewer.person_id:
        raise PermissionDenied(_("请先关联本人信息。"))
    if how not in VisitHow.values:
        raise ValidationFailed(_("请选择走访方式。"), field="how")
    visited_at = visited_at or now
    if visited_at > now + dt.timedelta(minutes=10):
        raise ValidationFailed(_("走访时间不能晚于现在。"), field="visited_at")
    if visited_at < now - dt.timedelta(days=30):
        raise ValidationFailed(_("只能补录30天内的走访。"), field="visited_at")
    found = _text(found, "found")
    help_given = _text(help_given, "help_given")
    need_texts = [t.strip() for t in needs if t and t.strip()]
    if len(need_texts) > MAX_NEEDS:
        raise ValidationFailed(_("一次走访最多记录5个问题。"), field="needs")
    due = VisitDue.objects.select_for_update().filter(household=household).first()
    on_time = due is None or visited_at <= due.next_due_at
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                household=household,
                place_path=household.place_path,
                visitor_id=viewer.person_id,
                visitor_role=_visitor_role(viewer, household),
                recorded_by=actor if getattr(actor, "pk", None) else None,
                how=how,
                visited_at=visited_at,
                due_at=due.next_due_at if due else None,
                on_time=on_time,
                found=found,
                help_given=help_given,
                idempotency_key=key,
            )
    except IntegrityError:  # the same form, sent twice at once: the other one won
        return Visit.objects.get(idempotency_key=key), False
    if need_texts:
        head = household.head or Person.objects.filter(household=household).first()
        if head is None:
            raise ValidationFailed(_("该住户没有登记人员，无法记录问题。"), field="needs")
        for text in need_texts:
            need = need_record(
                viewer=viewer,
                actor=actor,
                on_behalf_of=head,
                text=text,
                source=Source.VISIT,
                place=household.place,
            )
            visit.needs.add(need)
    if due is None:
        days = interval_for(household.tags.values_list("tag", flat=True))
        if days is not None:
            due = VisitDue.objects.create(
                household=household,
                place_path=household.place_path,
                grid_id=household.grid_id,
                centre_id=household.centre_id,
                interval_days=days,
                next_due_at=day_end(visited_at),
            )
    if due is not None and (due.last_visited_at is None or visited_at > due.last_visited_at):
        due.last_visited_at = visited_at
        due.next_due_at = day_end(visited_at + dt.timedelta(days=due.interval_days))
        due.visits += 1
        due.visits_on_time += int(on_time)
        due.save(
            update_fields=[
                "last_visited_at",
                "next_due_at",
                "visits",
                "visits_on_time",
                "updated_at",
            ]
        )
    elif due is not None:  # an older visit entered late: counted, the schedule stays
        VisitDue.objects.filter(pk=due.pk).update(
            visits=F("visits") + 1, visits_on_time=F("visits_on_time") + int(on_time)
        )
    if assistance_fen:
        assistance_apply(
            viewer=viewer,
            actor=actor,
            household=household,
            amount_fen=assistance_fen,
            reason=assistance_reason,
            visit=visit,
            now=now,
        )
    audit_event_record(
        actor=actor,
        action="visit.record",
        obj=visit,
        place_path=household.place_path,
        changes={
            "household": household,
            "how": how,
            "on_time": on_time,
            "needs": len(need_texts),
            "assistance_fen": assistance_fen or 0,
        },
    )
    return visit, True


@transaction.atomic
def visit_cadre_assign(
    *, viewer: Viewer, actor: Any, household: Household, cadre: Person | None
) -> VisitDue:
    """Name the cadre who looks after a key household (干部包户); None clears it."""
    if not viewer.can_household("household.edit", household):
        raise NotFound(_("住户不存在或不在您的管辖范围内。"))
    due = VisitDue.objects.select_for_update().filter(household=household).first()
    if due is None:
        raise ValidationFailed(_("该住户不是重点户，无需安排走访。"), field="household")
    if cadre is not None:
        holds = cadre.roles.filter(active=True, role__in=CADRE_ROLES).values_list(
            "place_path", flat=True
        )
        if not any(household.place_path.startswith(p) for p in holds):
            raise ValidationFailed(_("所选人员不是该住户所在地的干部。"), field="cadre")
    due.cadre = cadre
    due.save(update_fields=["cadre", "updated_at"])
    audit_event_record(
        actor=actor,
        action="visit.cadre_assign",
        obj=household,
        place_path=household.place_path,
        changes={"cadre": cadre},
    )
    return due


# --- temporary assistance (临时救助) ---------------------------------------------------------
@transaction.atomic
def assistance_apply(
    *,
    viewer: Viewer,
    actor: Any,
    household: Household,
    amount_fen: int,
    reason: str,
    visit: Visit | None = None,
    now: dt.datetime | None = None,
) -> Assistance:
    """Apply for temporary assistance on the spot (现场申请), for a household one may visit."""
    if not viewer.can_household("visit.record", household):
        raise NotFound(_("住户不存在或不在您的走访范围内。"))
    if not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_ASSISTANCE_FEN:
        raise ValidationFailed(_("救助金额应在0.01元到50000元之间。"), field="assistance_fen")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请写明救助事由。"), field="assistance_reason")
    row = Assistance.objects.create(
        household=household,
        place_path=household.place_path,
        visit=visit,
        amount_fen=amount_fen,
        reason=reason[:MAX_TEXT],
        applied_by=actor,
        applied_at=now or timezone.now(),
    )
    audit_event_record(
        actor=actor,
        action="assistance.apply",
        obj=row,
        place_path=household.place_path,
        changes={"household": household, "amount_fen": amount_fen},
    )
    return row


def _decider(viewer: Viewer, row: Assistance) -> None:
    if not any(
        a.role == Role.SYSTEM_ADMIN or row.place_path.startswith(a.place_path)
        for a in viewer.granting("assistance.decide")
    ):
        raise PermissionDenied(_("您无权审批这笔救助。"))


@transaction.atomic
def assistance_decide(
    *,
    viewer: Viewer,
    actor: Any,
    assistance: Assistance,
    approve: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> Assistance:
    """Approve or refuse an application (审批); a refusal needs a reason."""
    row = Assistance.objects.select_for_update().get(pk=assistance.pk)
    _decider(viewer, row)
    if row.status != AssistanceStatus.APPLIED:
        raise ValidationFailed(_("这笔救助已经审批过了。"), code="state", field="status")
    note = (note or "").strip()[:300]
    if not approve and not note:
        raise ValidationFailed(_("不予批准时请写明理由。"), field="note")
    row.status = AssistanceStatus.APPROVED if approve else AssistanceStatus.REJECTED
    row.decided_by = actor
    row.decided_at = now or timezone.now()
    row.decision_note = note
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_event_record(
        actor=actor,
        action="assistance.decide",
        obj=row,
        place_path=row.place_path,
        changes={"status": row.status, "note": note},
    )
    return row


@transaction.atomic
def assistance_pay(
    *,
    viewer: Viewer,
    actor: Any,
    assistance: Assistance,
    payment_ref: str,
    now: dt.datetime | None = None,
) -> Assistance:
    """Record that approved assistance was paid (已发放), with the voucher number."""
    row = Assistance.objects.select_for_update().get(pk=assistance.pk)
    _decider(viewer, row)
    if row.status != AssistanceStatus.APPROVED:
        raise ValidationFailed(_("只有已批准的救助才能登记发放。"), code="state", field="status")
    ref = (payment_ref or "").strip()[:64]
    if not ref:
        raise ValidationFailed(_("请填写发放凭证号。"), field="payment_ref")
    row.status = AssistanceStatus.PAID
    row.paid_at = now or timezone.now()
    row.payment_ref = ref
    row.save(update_fields=["status", "paid_at", "payment_ref"])
    audit_event_record(
        actor=actor,
        action="assistance.pay",
        obj=row,
        place_path=row.place_path,
        changes={"payment_ref": ref},
    )
    return row
