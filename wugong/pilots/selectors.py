"""Reads of 试点, scoped to the viewer. Sites and the case library (案例库) are public; reports
not yet in the library are seen by the site's team and supervisors in scope."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.core.validators import mask_phone
from wugong.people.rules import Viewer
from wugong.pilots.models import Assessment, Report, ReportStatus, Site, SiteStatus
from wugong.pilots.scoring import DEFAULT_DUE_DAY, checklist_score, report_due
from wugong.places.paths import subtree_q


def active_site_paths(*, path_prefix: str) -> set[str]:
    """The place_path of every village/community under ``path_prefix`` with at least one
    active site (a site at a group or estate counts for its village or community)."""
    return set(
        Site.objects.filter(subtree_q(path_prefix, "village_path"), status=SiteStatus.ACTIVE)
        .values_list("village_path", flat=True)
        .distinct()
    )


def due_day() -> int:
    return int(getattr(settings, "WUGONG_PILOT_REPORT_DAY", DEFAULT_DUE_DAY))


# --- who may do what on a site --------------------------------------------------------------
def can_manage(viewer: Viewer, site: Site) -> bool:
    return viewer.can_place("pilot.manage", site.place)


def can_report(viewer: Viewer, site: Site) -> bool:
    return viewer.can_place("pilot.report", site.place)


def sees_contact(viewer: Viewer, site: Site) -> bool:
    """The author's phone is shown to the site's team and supervisors, masked to others."""
    return can_manage(viewer, site) or can_report(viewer, site)


def staff_q(viewer: Viewer, field: str = "place_path") -> Q:
    return viewer.path_q("pilot.manage", field) | viewer.path_q("pilot.report", field)


# --- sites ----------------------------------------------------------------------------------
def sites_list(*, status: str = "", under: str = "") -> QuerySet[Site]:
    qs = Site.objects.select_related("place")
    if status:
        qs = qs.filter(status=status)
    if under:
        qs = qs.filter(subtree_q(under))
    return qs.order_by("place_path", "id")


def site_get(*, pk: int) -> Site:
    site = Site.objects.select_related("place").filter(pk=pk).first()
    if site is None:
        raise NotFound(_("试点不存在。"))
    return site


@dataclass(frozen=True)
class Score:
    assessed_on: dt.date
    met: int
    total: int
    percent: object


def site_score(site: Site) -> Score | None:
    """The site's score: its latest assessment."""
    a = Assessment.objects.filter(site=site).order_by("-assessed_on", "-id").first()
    if a is None:
        return None
    return Score(
        a.assessed_on, a.met_count, a.item_count, checklist_score(a.met_count, a.item_count)
    )


def site_assessments(site: Site) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(site=site)
        .select_related("checklist")
        .prefetch_related("items__item")
        .order_by("-assessed_on", "-id")
    )


# --- reports --------------------------------------------------------------------------------
def site_reports(*, viewer: Viewer, site: Site) -> QuerySet[Report]:
    qs = Report.objects.filter(site=site).order_by("-month")
    if sees_contact(viewer, site):
        return qs
    return qs.filter(status=ReportStatus.PUBLISHED)


def report_get(*, viewer: Viewer, pk: int) -> Report:
    """A report: anyone once in the case library, else only the team and supervisors in scope
    (404 for the others, like a missing one)."""
    report = Report.objects.select_related("site__place").filter(pk=pk).first()
    if report is None or (
        report.status != ReportStatus.PUBLISHED and not sees_contact(viewer, report.site)
    ):
        raise NotFound(_("经验材料不存在。"))
    return report


def report_phone(viewer: Viewer, report: Report) -> str:
    if sees_contact(viewer, report.site):
        return report.author_phone
    return mask_phone(report.author_phone)


def reports_in_scope(*, viewer: Viewer) -> QuerySet[Report]:
    return (
        Report.objects.filter(staff_q(viewer))
        .select_related("site__place")
        .order_by("-month", "place_path")
    )


def reports_recommended(*, viewer: Viewer) -> QuerySet[Report]:
    """Reports recommended to a place in the supervisor's scope (推荐到本级的材料)."""
    return (
        Report.objects.exclude(recommended_to=None)
        .filter(viewer.path_q("pilot.manage", "recommended_to_path"))
        .select_related("site__place", "recommended_to")
        .order_by("-recommended_at")
    )


def case_library(*, query: str = "") -> QuerySet[Report]:
    qs = Report.objects.filter(status=ReportStatus.PUBLISHED).select_related("site__place")
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(body__icontains=query))
    return qs.order_by("-published_at", "-id")


@dataclass(frozen=True)
class Overdue:
    month: dt.date
    due_day: int
    past_due: bool
    sites: list[Site]


def overdue_sites(*, viewer: Viewer, today: dt.date) -> Overdue:
    """Active sites in scope, started before the awaited month ended, with no report for it:
    listed once this month's due day has passed (未按月报送)."""
    day = due_day()
    month, past = report_due(today, day)
    if not past:
        return Overdue(month, day, False, [])
    filed = Report.objects.filter(site=OuterRef("pk"), month=month)
    this_month = today.replace(day=1)
    sites = (
        Site.objects.filter(staff_q(viewer), status=SiteStatus.ACTIVE, started_on__lt=this_month)
        .filter(~Exists(filed))
        .select_related("place")
        .order_by("place_path")
    )
    return Overdue(month, day, True, list(sites))
