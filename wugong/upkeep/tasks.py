"""Background work of 建设共管 (django-tasks): notices about reports, and the periodic scan
that produces visit reminders, overdue alerts and automatic escalations.

``wugong upkeep_tick`` enqueues ``upkeep_scan`` (a worker runs it; run the command from cron
every few minutes). Everything the scan sends carries a de-duplication key (UpkeepNotice.key),
and escalation moves the deadline on, so running it twice sends nothing twice.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from wugong.people.models import Household, RoleAssignment
from wugong.people.roles import Role
from wugong.upkeep.models import Report, ReportStatus, VisitDue
from wugong.upkeep.notices import notice_deliver


@task()
def report_notify(*, report_id: int, key: str, text: str, to: str, sms: bool = False) -> int:
    """Tell the reporter or the handlers at the report's current level about a change."""
    from wugong.upkeep.report_services import handler_people

    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return 0
    people = [report.reporter_id] if to == "reporter" and report.reporter_id else []
    if to == "handlers":
        people = handler_people(report)
    url = reverse("upkeep:report_detail", args=[report.pk])
    return sum(
        notice_deliver(
            person_id=pk, key=f"report:{report.pk}:{key}:{pk}", text=text, url=url, sms=sms
        )
        for pk in people
    )


def visit_reminders(*, now: dt.datetime) -> int:
    """Once a day per visitor: how many of their households are due today and how many are
    overdue (五天一见面). Grid workers by grid, centre households by neighbours, cadres by the
    households they look after."""
    from wugong.upkeep.visit_services import day_end

    end_of_day = day_end(now)
    due = VisitDue.objects.filter(next_due_at__lte=end_of_day)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # person -> [due today, overdue]

    def add(person_id: int | None, late: int, total: int) -> None:
        if person_id:
            counts[person_id][0] += total - late
            counts[person_id][1] += late

    late_q = Count("next_due_at", filter=Q(next_due_at__lt=now))
    by_grid = due.exclude(grid=None).values("grid_id").annotate(n=Count("next_due_at"), late=late_q)
    grid_rows = {r["grid_id"]: r for r in by_grid.order_by()}
    workers = RoleAssignment.objects.filter(
        active=True, role=Role.GRID_WORKER, grid_id__in=list(grid_rows)
    ).values_list("grid_id", "person_id")
    for grid_id, person_id in workers:
        add(person_id, grid_rows[grid_id]["late"], grid_rows[grid_id]["n"])
    by_centre = (
        due.exclude(centre=None).values("centre_id").annotate(n=Count("next_due_at"), late=late_q)
    )
    centre_rows = {r["centre_id"]: r for r in by_centre.order_by()}
    heads = Household.objects.filter(pk__in=list(centre_rows)).values_list("pk", "head_id")
    for centre_id, head_id in heads:
        add(head_id, centre_rows[centre_id]["late"], centre_rows[centre_id]["n"])
    by_cadre = (
        due.exclude(cadre=None).values("cadre_id").annotate(n=Count("next_due_at"), late=late_q)
    )
    for r in by_cadre.order_by():
        add(r["cadre_id"], r["late"], r["n"])
    day = timezone.localdate(now).isoformat()
    url = reverse("upkeep:visit_todo")
    sent = 0
    for person_id, (today, late) in sorted(counts.items()):
        if late:
            text = _("走访提醒：今天有%(d)d户重点户应走访，另有%(l)d户已逾期，请尽快上门。") % {
                "d": today,
                "l": late,
            }
        else:
            text = _("走访提醒：今天有%(d)d户重点户应走访（五天一见面）。") % {"d": today}
        sent += notice_deliver(
            person_id=person_id, key=f"visits:{person_id}:{day}", text=text, url=url, sms=True
        )
    return sent


def report_deadlines(*, now: dt.datetime) -> tuple[int, int]:
    """Reports past a deadline go a level up; at the top level their handlers are alerted
    once per deadline. Returns (escalated, alerted)."""
    from wugong.upkeep.report_services import handler_people, report_auto_escalate

    late = Report.objects.filter(
        Q(status=ReportStatus.NEW, respond_due_at__lt=now)
        | Q(status=ReportStatus.IN_PROGRESS, resolve_due_at__lt=now)
    ).select_related("handler_place")
    escalated = alerted = 0
    for report in late.order_by("pk").iterator(chunk_size=500):
        if report_auto_escalate(report=report, now=now) is not None:
            escalated += 1
            continue
        deadline = (
            report.respond_due_at if report.status == ReportStatus.NEW else report.resolve_due_at
        )
        text = _("问题 #%(id)s 已超过办理时限，请尽快办理。") % {"id": report.pk}
        url = reverse("upkeep:report_detail", args=[report.pk])
        for pk in handler_people(report):
            key = f"report:{report.pk}:late:{report.status}:{deadline.isoformat()}:{pk}"
            alerted += notice_deliver(person_id=pk, key=key, text=text, url=url, sms=True)
    return escalated, alerted


@task()
def upkeep_scan(*, now: str | None = None) -> dict[str, int]:
    """The periodic scan: sync the visit schedule, remind visitors, escalate or alert overdue
    reports. ``now`` (ISO 8601) fixes the clock, for tests and replays."""
    from wugong.upkeep.visit_services import visit_schedule_sync

    at = dt.datetime.fromisoformat(now) if now else timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    result = visit_schedule_sync(now=at)
    result["visit_reminders"] = visit_reminders(now=at)
    result["escalated"], result["alerted"] = report_deadlines(now=at)
    return result
