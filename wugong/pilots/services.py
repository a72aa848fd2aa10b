"""Every write of 试点: sites, assessments against the standard checklist, monthly experience
reports (经验材料), their edits, publication to the case library and recommendation upwards."""

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.uploads import image_clean
from wugong.core.validators import normalize_phone
from wugong.people.models import Person
from wugong.people.roles import ROLE_SCOPE, Scope
from wugong.people.rules import Viewer
from wugong.pilots.models import (
    Assessment,
    AssessmentItem,
    Checklist,
    Report,
    ReportRevision,
    ReportStatus,
    Site,
    SiteStatus,
)
from wugong.pilots.scoring import REPORT_MAX_CHARS, month_start, report_length_warnings
from wugong.pilots.selectors import can_manage, can_report
from wugong.places.models import Place, PlaceKind
from wugong.places.paths import path_ids

SITE_KINDS = {PlaceKind.GROUP, PlaceKind.VILLAGE, PlaceKind.ESTATE, PlaceKind.COMMUNITY}


def _village_path(place: Place) -> str:
    """The path of the village or community at or above ``place``."""
    if place.kind in (PlaceKind.VILLAGE, PlaceKind.COMMUNITY):
        return place.path
    ids = path_ids(place.path)
    for p in Place.objects.filter(pk__in=ids).order_by("-depth"):
        if p.kind in (PlaceKind.VILLAGE, PlaceKind.COMMUNITY):
            return p.path
    return place.path


def checklist_for(place: Place) -> Checklist | None:
    """The active standard checklist for the place's kind (五有三无 / 六有三无)."""
    for c in Checklist.objects.filter(active=True).order_by("id"):
        if place.kind in (c.place_kinds or []):
            return c
    return None


# --- sites ----------------------------------------------------------------------------------
@transaction.atomic
def site_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    name: str,
    started_on: dt.date,
    team: Sequence[int] = (),
) -> Site:
    """Set up a pilot site (办点) at a group, village, estate or community in scope."""
    if not viewer.can_place("pilot.manage", place):
        raise PermissionDenied(_("您无权在该地点设立试点。"))
    if place.kind not in SITE_KINDS:
        raise ValidationFailed(_("试点应设在村民小组、村、小区或社区。"), field="place")
    name = (name or "").strip() or place.name
    if len(name) > 100:
        raise ValidationFailed(_("试点名称不超过100个字。"), field="name")
    if started_on > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationFailed(_("开始日期不正确。"), field="started_on")
    members = list(Person.objects.filter(pk__in=list(team)))
    if len(members) != len(set(team)):
        raise ValidationFailed(_("工作队成员不存在。"), field="team")
    if Site.objects.filter(place=place, status=SiteStatus.ACTIVE).exists():
        raise ValidationFailed(_("该地点已有进行中的试点。"), field="place")
    try:
        with transaction.atomic():
            site = Site.objects.create(
                place=place,
                place_path=place.path,
                village_path=_village_path(place),
                name=name,
                started_on=started_on,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:  # a second request raced the check above
        raise ValidationFailed(_("该地点已有进行中的试点。"), field="place") from None
    site.team.set(members)
    audit_event_record(
        actor=actor,
        action="pilot.site_create",
        obj=site,
        place_path=place.path,
        changes={"name": name, "started_on": started_on, "team": [m.pk for m in members]},
    )
    return site


@transaction.atomic
def site_finish(*, viewer: Viewer, actor: Any, site: Site, on: dt.date | None = None) -> Site:
    """Close a site (结束试点); it stays listed, no longer counted as active."""
    site = Site.objects.select_for_update().select_related("place").get(pk=site.pk)
    if not can_manage(viewer, site):
        raise PermissionDenied(_("您无权管理该试点。"))
    if site.status != SiteStatus.ACTIVE:
        raise ValidationFailed(_("该试点已经结束。"))
    on = on or timezone.localdate()
    if on < site.started_on:
        raise ValidationFailed(_("结束日期不能早于开始日期。"), field="finished_on")
    site.status, site.finished_on = SiteStatus.FINISHED, on
    site.save(update_fields=["status", "finished_on"])
    audit_event_record(
        actor=actor,
        action="pilot.site_finish",
        obj=site,
        place_path=site.place_path,
        changes={"finished_on": on},
    )
    return site


# --- assessments ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemResult:
    met: bool
    note: str = ""
    photo: Any = None


@transaction.atomic
def assessment_record(
    *,
    viewer: Viewer,
    actor: Any,
    site: Site,
    assessed_on: dt.date,
    results: Mapping[int, ItemResult],
    note: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> Assessment:
    """Assess a site against its checklist: every standard met or not, with a note and an
    optional evidence photo. Supervisors and the site's team may assess."""
    if idempotency_key is not None:
        done = Assessment.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            return done
    site = Site.objects.select_related("place").get(pk=site.pk)
    if not (can_manage(viewer, site) or can_report(viewer, site)):
        raise PermissionDenied(_("您无权评估该试点。"))
    if site.status != SiteStatus.ACTIVE:
        raise ValidationFailed(_("试点已结束，不能再评估。"))
    if assessed_on > timezone.localdate() or assessed_on < site.started_on:
        raise ValidationFailed(_("评估日期应在试点开始之后、今天之前。"), field="assessed_on")
    checklist = checklist_for(site.place)
    if checklist is None:
        raise ValidationFailed(_("该类地点没有适用的标准清单。"))
    items = list(checklist.items.filter(active=True).order_by("position"))
    wanted = {i.pk for i in items}
    given = {int(k) for k in results}
    if given - wanted:
        raise ValidationFailed(_("评估含有不属于本清单的项目。"), field="results")
    if wanted - given:
        raise ValidationFailed(_("请逐项评估清单中的每一项。"), field="results")
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(_("总体说明不超过2000个字。"), field="note")
    cleaned: dict[int, tuple[ItemResult, Any]] = {}
    for item in items:
        r = results.get(item.pk) or results.get(str(item.pk))  # type: ignore[call-overload]
        if len(r.note or "") > 500:
            raise ValidationFailed(_("每项说明不超过500个字。"), field="results")
        cleaned[item.pk] = (r, image_clean(r.photo) if r.photo else None)
    met = sum(1 for r, _p in cleaned.values() if r.met)
    assessment = Assessment.objects.create(
        site=site,
        checklist=checklist,
        assessed_on=assessed_on,
        met_count=met,
        item_count=len(items),
        note=note,
        assessed_by=actor if getattr(actor, "pk", None) else None,
        idempotency_key=idempotency_key,
    )
    for item in items:
        r, photo = cleaned[item.pk]
        row = AssessmentItem(
            assessment=assessment, item=item, met=bool(r.met), note=(r.note or "").strip()
        )
        if photo is not None:
            row.photo.save(photo.name, photo, save=False)
        row.save()
    audit_event_record(
        actor=actor,
        action="pilot.assess",
        obj=assessment,
        place_path=site.place_path,
        changes={"site": site.pk, "met": met, "total": len(items), "on": assessed_on},
    )
    return assessment


# --- experience reports (经验材料) -----------------------------------------------------------
def _clean_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 100:
        raise ValidationFailed(_("请填写标题（不超过100个字）。"), field="title")
    if not body:
        raise ValidationFailed(_("经验材料正文不能为空。"), field="body")
    if len(body) > REPORT_MAX_CHARS:
        raise ValidationFailed(
            _("经验材料不能超过%(n)d字（现有%(m)d字），请精简。")
            % {"n": REPORT_MAX_CHARS, "m": len(body)},
            field="body",
        )
    return title, body


@dataclass(frozen=True)
class Filed:
    report: Report
    warnings: list[str]
    created: bool


def length_messages(warnings: list[str]) -> list[str]:
    out = []
    for w in warnings:
        if w.startswith("short:"):
            out.append(
                _("材料只有%(n)s字，明显少于要求的2500字左右，建议补充具体做法、成效和数据。")
                % {"n": w.split(":", 1)[1]}
            )
    return out


@transaction.atomic
def report_file(
    *,
    viewer: Viewer,
    actor: Any,
    site: Site,
    month: dt.date,
    title: str,
    body: str,
    author_name: str,
    author_phone: str,
    idempotency_key: uuid.UUID | None = None,
) -> Filed:
    """File the monthly experience report of a site (按月报送). One per site and month; the
    author's name and phone are required (经验材料后附撰写人联系方式)."""
    if idempotency_key is not None:
        done = Report.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            return Filed(done, [], False)
    site = Site.objects.select_related("place").get(pk=site.pk)
    if not can_report(viewer, site):
        raise PermissionDenied(_("只有试点工作队可以报送经验材料。"))
    if site.status != SiteStatus.ACTIVE:
        raise ValidationFailed(_("试点已结束，不再报送经验材料。"))
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationFailed(_("不能报送以后月份的材料。"), field="month")
    if month < month_start(site.started_on):
        raise ValidationFailed(_("该月份早于试点开始日期。"), field="month")
    title, body = _clean_text(title, body)
    author_name = (author_name or "").strip()
    if not author_name or len(author_name) > 50:
        raise ValidationFailed(_("请填写撰写人姓名。"), field="author_name")
    phone = normalize_phone(author_phone)
    if Report.objects.filter(site=site, month=month).exists():
        raise ValidationFailed(
            _("本试点%(m)s的经验材料已经报送，如需修改请联系督导。")
            % {"m": month.strftime("%Y-%m")},
            field="month",
        )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                site=site,
                place_path=site.place_path,
                month=month,
                title=title,
                body=body,
                author_name=author_name,
                author_phone=phone,
                filed_by=actor if getattr(actor, "pk", None) else None,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        raise ValidationFailed(_("本月的经验材料已经报送。"), field="month") from None
    audit_event_record(
        actor=actor,
        action="pilot.report_file",
        obj=report,
        place_path=site.place_path,
        changes={"site": site.pk, "month": month, "title": title, "chars": len(body)},
    )
    return Filed(report, report_length_warnings(body), True)


def _report_for_manage(viewer: Viewer, report: Report) -> Report:
    report = Report.objects.select_for_update().select_related("site__place").get(pk=report.pk)
    if not can_manage(viewer, report.site):
        raise PermissionDenied(_("只有督导可以修改、发布和推荐经验材料。"))
    return report


@transaction.atomic
def report_edit(*, viewer: Viewer, actor: Any, report: Report, title: str, body: str) -> Filed:
    """A supervisor edits a report (修改); the text before the edit is kept as a revision."""
    report = _report_for_manage(viewer, report)
    title, body = _clean_text(title, body)
    if title == report.title and body == report.body:
        return Filed(report, report_length_warnings(body), False)
    ReportRevision.objects.create(
        report=report,
        version=report.version,
        title=report.title,
        body=report.body,
        edited_by=actor if getattr(actor, "pk", None) else None,
    )
    report.title, report.body, report.version = title, body, report.version + 1
    report.save(update_fields=["title", "body", "version"])
    audit_event_record(
        actor=actor,
        action="pilot.report_edit",
        obj=report,
        place_path=report.place_path,
        changes={"version": report.version, "title": title, "chars": len(body)},
    )
    return Filed(report, report_length_warnings(body), False)


@transaction.atomic
def report_publish(*, viewer: Viewer, actor: Any, report: Report) -> Report:
    """Publish a report to the public case library (案例库)."""
    report = _report_for_manage(viewer, report)
    if report.status == ReportStatus.PUBLISHED:
        raise ValidationFailed(_("这篇材料已在案例库中。"))
    report.status, report.published_at = ReportStatus.PUBLISHED, timezone.now()
    report.save(update_fields=["status", "published_at"])
    audit_event_record(
        actor=actor, action="pilot.report_publish", obj=report, place_path=report.place_path
    )
    return report


def recommend_target(viewer: Viewer, place: Place) -> Place | None:
    """The next level above the supervisor's own: the parent of the deepest place from which
    the viewer manages ``place`` (a town supervisor recommends to the county)."""
    best: Place | None = None
    for a in viewer.granting("pilot.manage"):
        if ROLE_SCOPE[a.role] == Scope.EVERYTHING:
            continue
        if place.path.startswith(a.place_path) and (
            best is None or len(a.place_path) > len(best.path)
        ):
            best = Place.objects.get(pk=a.place_id)
    if best is None:  # the admin: from the town or street above the site
        ids = path_ids(place.path)
        towns = Place.objects.filter(pk__in=ids, kind__in=[PlaceKind.TOWN, PlaceKind.STREET])
        best = towns.first()
    if best is None or best.parent_id is None:
        return None
    return Place.objects.get(pk=best.parent_id)


@transaction.atomic
def report_recommend(*, viewer: Viewer, actor: Any, report: Report) -> Report:
    """Recommend a report upwards (向上级推荐): it appears on the next level's list."""
    report = _report_for_manage(viewer, report)
    if report.recommended_to_id is not None:
        raise ValidationFailed(_("这篇材料已经推荐过了。"))
    target = recommend_target(viewer, report.site.place)
    if target is None:
        raise ValidationFailed(_("已是最高一级，无处推荐。"))
    report.recommended_to = target
    report.recommended_to_path = target.path
    report.recommended_at = timezone.now()
    report.recommended_by = actor if getattr(actor, "pk", None) else None
    report.save(
        update_fields=["recommended_to", "recommended_to_path", "recommended_at", "recommended_by"]
    )
    audit_event_record(
        actor=actor,
        action="pilot.report_recommend",
        obj=report,
        place_path=report.place_path,
        changes={"to": target},
    )
    return report
