"""Every write of building together (发展共建). Each function is keyword-only, runs in one
transaction, checks the named rule on its target, and records an audit event.

Money arrives here in fen (views and the API parse yuan text with wugong.projects.money).
Every ledger write first locks the project row, so the overdraw check and concurrent
receipts are serialised per project and nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, F, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.signals import deed_recorded, record_published
from wugong.people.models import Household, Person
from wugong.people.rules import Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import path_ids
from wugong.projects.images import image_reencode
from wugong.projects.models import (
    SOURCE_OF_CONTRIBUTOR,
    TRANSITIONS,
    Contribution,
    ContributionKind,
    ContributorKind,
    Direction,
    EventKind,
    FundingLine,
    LedgerDocument,
    LedgerEntry,
    Milestone,
    PhotoPhase,
    Pledge,
    Programme,
    Project,
    ProjectEvent,
    ProjectPhoto,
    ProjectRollup,
    RequestStatus,
    Resource,
    ResourceCategory,
    ServiceRequest,
    SourceKind,
    SpendItem,
    Stage,
)
from wugong.projects.money import (
    fen_check,
    m2_to_mu,
    mu_to_m2,
    parse_quantity,
    times_fen,
    yuan,
)

DEFAULT_LABOUR_DAY_RATE_FEN = 15000  # ¥150 a person-day unless the programme says otherwise
MAX_DOCUMENTS = 9


# --- who may ----------------------------------------------------------------------------------
def can_manage(viewer: Viewer, project: Project) -> bool:
    return viewer.can_place("project.manage", project.place)


def _grassroots_path(place: Place) -> str:
    """The path of the village/community a place lies in (or the place itself if above)."""
    ids = path_ids(place.path)
    kinds = dict(Place.objects.filter(pk__in=ids).values_list("pk", "kind"))
    for i, pk in enumerate(ids):
        if kinds.get(pk) in GRASSROOTS_KINDS:
            return "/" + "/".join(str(x) for x in ids[: i + 1]) + "/"
    return place.path


def can_contribute(viewer: Viewer, project: Project) -> bool:
    """Anyone whose household or post lies in the project's village/community (or above it)."""
    if viewer.is_anonymous:
        return False
    anchor = _grassroots_path(project.place)
    return any(
        a.place_path.startswith(anchor) or anchor.startswith(a.place_path)
        for a in viewer.granting("project.contribute")
    )


def _require_manage(viewer: Viewer, project: Project) -> None:
    if not can_manage(viewer, project):
        raise PermissionDenied(_("您没有管理这个项目的权限。"))


def _lock(project: Project) -> Project:
    """The project row, locked until the transaction ends (serialises its ledger)."""
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("place", "programme")
        .get(pk=project.pk)
    )


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return ""
    person = getattr(actor, "person", None)
    return person.name if person else (actor.get_full_name() or actor.username)


def _event(
    project: Project, *, kind: str, actor: Any, on: dt.date, text: str = "", **kw: Any
) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project,
        kind=kind,
        on=on,
        text=text[:500],
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=_actor_name(actor),
        **kw,
    )


def _audit(actor: Any, action: str, obj: Any, project: Project, **changes: Any) -> None:
    audit_event_record(
        actor=actor, action=action, obj=obj, place_path=project.place_path, changes=changes
    )


def _text(value: str | None, *, field: str, label: str, max_len: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(value) > max_len:
        raise ValidationFailed(
            _("%(label)s不超过%(n)d个字。") % {"label": label, "n": max_len}, field=field
        )
    return value


def labour_day_rate(project: Project) -> int:
    """The value of one person-day: the project's own, the programme's, else the default."""
    if project.labour_day_rate_fen:
        return project.labour_day_rate_fen
    if project.programme_id and project.programme.labour_day_rate_fen:
        return project.programme.labour_day_rate_fen
    return int(getattr(settings, "WUGONG_LABOUR_DAY_RATE_FEN", DEFAULT_LABOUR_DAY_RATE_FEN))


# --- programmes -------------------------------------------------------------------------------
@transaction.atomic
def programme_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    name: str,
    residents_max_bp: int = 5000,
    government_min_bp: int = 5000,
    labour_day_rate_fen: int = DEFAULT_LABOUR_DAY_RATE_FEN,
) -> Programme:
    """A town's or county's funding programme with its matching rule (以奖代补)."""
    if not viewer.can_place("programme.manage", place):
        raise PermissionDenied(_("您没有设立资金政策的权限。"))
    name = _text(name, field="name", label=_("名称"), max_len=100, required=True)
    for value, field in ((residents_max_bp, "residents_max_bp"), (government_min_bp, "gov")):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10000:
            raise ValidationFailed(_("比例须在0%到100%之间。"), field=field)
    rate = fen_check(labour_day_rate_fen, field="labour_day_rate_fen")
    programme = Programme.objects.create(
        name=name,
        place=place,
        place_path=place.path,
        residents_max_bp=residents_max_bp,
        government_min_bp=government_min_bp,
        labour_day_rate_fen=rate,
    )
    audit_event_record(
        actor=actor,
        action="programme.create",
        obj=programme,
        place_path=place.path,
        changes={"name": name, "residents_max_bp": residents_max_bp, "gov_min": government_min_bp},
    )
    return programme


# --- lifecycle --------------------------------------------------------------------------------
@transaction.atomic
def project_propose(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    title: str,
    summary: str = "",
    need: Any = None,
    motion: str = "",
    programme: Programme | None = None,
    on: dt.date | None = None,
) -> Project:
    """Propose a project from a decided need or a motion (议题/决议)."""
    if not viewer.can_place("project.manage", place):
        raise PermissionDenied(_("您没有在这个地点立项的权限。"))
    title = _text(title, field="title", label=_("项目名称"), max_len=100, required=True)
    summary = _text(summary, field="summary", label=_("简介"), max_len=5000, required=False)
    motion = _text(motion, field="motion", label=_("来源决议"), max_len=200, required=False)
    if need is None and not motion:
        raise ValidationFailed(_("项目须来自已决定的问题或一项决议。"), code="origin", field="need")
    if need is not None:
        from wugong.needs.models import Status as NeedStatus

        if need.status not in (NeedStatus.DECIDED, NeedStatus.IN_PROJECT):
            raise ValidationFailed(
                _("只有“已决定”的问题才能立项。"), code="need_not_decided", field="need"
            )
        if not need.place_path.startswith(_grassroots_path(place)) and not place.path.startswith(
            need.place_path
        ):
            raise ValidationFailed(_("问题不在这个地点。"), code="need_place", field="need")
    if programme is not None and not place.path.startswith(programme.place_path):
        raise ValidationFailed(_("资金政策不适用于这个地点。"), field="programme")
    project = Project.objects.create(
        title=title,
        summary=summary,
        place=place,
        place_path=place.path,
        programme=programme,
        need=need,
        motion=motion,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    ProjectRollup.objects.create(project=project, place_path=place.path, stage=project.stage)
    origin = motion or (f"#{need.pk} {need.title}" if need else "")
    _event(
        project,
        kind=EventKind.STAGE,
        actor=actor,
        on=_today(on),
        to_stage=Stage.PROPOSED,
        text=_("提议立项：%(o)s") % {"o": origin},
    )
    _audit(actor, "project.propose", project, project, title=title, need=need, motion=motion)
    if need is not None and need.status == NeedStatus.DECIDED:
        from wugong.needs.services import need_status_change

        need_status_change(viewer=viewer, actor=actor, need=need, status=NeedStatus.IN_PROJECT)
    return project


@transaction.atomic
def project_plan(
    *,
    viewer: Viewer,
    actor: Any,
    project: Project,
    scope: str,
    plan: str,
    budget_fen: int,
    tender_estimate_fen: int,
    responsible: str,
    place: Place | None = None,
    labour_day_rate_fen: int | None = None,
    on: dt.date | None = None,
) -> Project:
    """Set the plan: scope, place, budget, the conventional tender estimate, how it will be
    done and who is responsible. Allowed until building starts."""
    _require_manage(viewer, project)
    project = _lock(project)
    if project.stage not in (Stage.PROPOSED, Stage.PLANNED, Stage.FUNDRAISING):
        raise ValidationFailed(_("项目已开工，方案不能再改。"), code="stage", field="plan")
    scope = _text(scope, field="scope", label=_("建设内容"), max_len=5000, required=True)
    plan = _text(plan, field="plan", label=_("实施方案"), max_len=10000, required=True)
    responsible = _text(
        responsible, field="responsible", label=_("负责人"), max_len=100, required=True
    )
    budget = fen_check(budget_fen, field="budget")
    tender = fen_check(tender_estimate_fen, field="tender_estimate")
    rate = fen_check(labour_day_rate_fen, field="labour_day_rate") if labour_day_rate_fen else None
    if place is not None and place.pk != project.place_id:
        if not viewer.can_place("project.manage", place):
            raise PermissionDenied(_("您没有在这个地点立项的权限。"))
        if project.ledger.exists() or project.contributions.exists():
            raise ValidationFailed(_("已有账目或贡献的项目不能改地点。"), field="place")
        project.place, project.place_path = place, place.path
        ProjectRollup.objects.filter(pk=project.pk).update(place_path=place.path)
    project.scope, project.plan, project.responsible = scope, plan, responsible
    project.budget_fen, project.tender_estimate_fen = budget, tender
    project.labour_day_rate_fen = rate
    project.save(
        update_fields=[
            "scope",
            "plan",
            "responsible",
            "budget_fen",
            "tender_estimate_fen",
            "labour_day_rate_fen",
            "place",
            "place_path",
        ]
    )
    _event(
        project,
        kind=EventKind.PLAN,
        actor=actor,
        on=_today(on),
        text=_("方案：预算%(b)s，常规招标估价%(t)s，负责人%(r)s")
        % {"b": yuan(budget), "t": yuan(tender), "r": responsible},
    )
    _audit(
        actor,
        "project.plan",
        project,
        project,
        budget_fen=budget,
        tender_estimate_fen=tender,
        responsible=responsible,
    )
    if project.stage == Stage.PROPOSED:
        _stage_move(project, Stage.PLANNED, actor=actor, on=_today(on), text="")
    return project


def _stage_move(project: Project, stage: str, *, actor: Any, on: dt.date, text: str) -> None:
    old = project.stage
    project.stage = stage
    project.save(update_fields=["stage"])
    ProjectRollup.objects.filter(pk=project.pk).update(stage=stage)
    _event(
        project, kind=EventKind.STAGE, actor=actor, on=on, from_stage=old, to_stage=stage, text=text
    )
    _audit(actor, "project.stage", project, project, **{"from": old, "to": stage, "on": on})


@transaction.atomic
def project_stage_change(
    *,
    viewer: Viewer,
    actor: Any,
    project: Project,
    stage: str,
    on: dt.date | None = None,
    text: str = "",
    acceptance_for: int = 0,
    acceptance_against: int = 0,
    caretaker: str = "",
) -> Project:
    """Move a project along its lifecycle (see models.TRANSITIONS), dated as it happened.

    * planned: the plan is complete (use project_plan);
    * building: the start date is ``on``;
    * accepted: residents' acceptance check (群众验收) — a verdict text and more residents
      for than against; the finish date is ``on`` unless already set;
    * upkeep: who looks after it (管护人)."""
    _require_manage(viewer, project)
    project = _lock(project)
    on = _today(on)
    text = _text(text, field="text", label=_("说明"), max_len=500, required=False)
    if stage not in Stage.values:
        raise ValidationFailed(_("未知的阶段。"), code="stage", field="stage")
    if stage not in TRANSITIONS[project.stage]:
        raise ValidationFailed(
            _("不能从“%(a)s”改为“%(b)s”。")
            % {"a": Stage(project.stage).label, "b": Stage(stage).label},
            code="transition",
            field="stage",
        )
    fields: list[str] = []
    if stage == Stage.PLANNED:
        missing = not (project.scope and project.plan and project.responsible)
        if missing or project.budget_fen is None or project.tender_estimate_fen is None:
            raise ValidationFailed(
                _("请先填写建设内容、预算、常规招标估价、实施方案和负责人。"),
                code="plan_incomplete",
                field="plan",
            )
    elif stage == Stage.BUILDING:
        project.started_on = on
        fields.append("started_on")
    elif stage == Stage.ACCEPTED:
        for value in (acceptance_for, acceptance_against):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationFailed(_("验收人数须为非负整数。"), field="acceptance_for")
        if not text:
            raise ValidationFailed(_("请填写群众验收意见。"), code="acceptance_text", field="text")
        if acceptance_for <= acceptance_against:
            raise ValidationFailed(
                _("群众验收未通过：同意的人数须多于不同意的人数。"),
                code="acceptance_failed",
                field="acceptance_for",
            )
        if project.started_on and on < project.started_on:
            raise ValidationFailed(_("验收日期不能早于开工日期。"), field="on")
        project.accepted_on = on
        project.finished_on = project.finished_on or on
        project.acceptance_note = text
        project.acceptance_for, project.acceptance_against = acceptance_for, acceptance_against
        project.progress_pct = 100
        fields += [
            "accepted_on",
            "finished_on",
            "acceptance_note",
            "acceptance_for",
            "acceptance_against",
            "progress_pct",
        ]
        text = _("群众验收：%(f)d人同意，%(a)d人不同意。%(t)s") % {
            "f": acceptance_for,
            "a": acceptance_against,
            "t": text,
        }
    elif stage == Stage.UPKEEP:
        caretaker = _text(
            caretaker, field="caretaker", label=_("管护人"), max_len=100, required=True
        )
        project.caretaker = caretaker
        fields.append("caretaker")
        text = (_("管护人：%(c)s。") % {"c": caretaker}) + text
    if fields:
        project.save(update_fields=fields)
    _stage_move(project, stage, actor=actor, on=on, text=text)
    return project


@transaction.atomic
def project_progress(
    *,
    viewer: Viewer,
    actor: Any,
    project: Project,
    progress_pct: int,
    on: dt.date | None = None,
    text: str = "",
    finished: bool = False,
) -> Project:
    """Report progress while building (0–100 %); ``finished`` records the finish date."""
    _require_manage(viewer, project)
    project = _lock(project)
    if project.stage != Stage.BUILDING:
        raise ValidationFailed(_("只有建设中的项目才能报进度。"), code="stage", field="progress")
    if isinstance(progress_pct, bool) or not isinstance(progress_pct, int):
        raise ValidationFailed(_("进度须为0到100的整数。"), field="progress")
    if not 0 <= progress_pct <= 100:
        raise ValidationFailed(_("进度须为0到100的整数。"), field="progress")
    on = _today(on)
    text = _text(text, field="text", label=_("说明"), max_len=400, required=False)
    project.progress_pct = progress_pct
    fields = ["progress_pct"]
    if finished:
        project.finished_on = on
        fields.append("finished_on")
    project.save(update_fields=fields)
    _event(
        project,
        kind=EventKind.PROGRESS,
        actor=actor,
        on=on,
        text=(_("进度%(p)d%%") % {"p": progress_pct}) + (f"：{text}" if text else ""),
    )
    _audit(actor, "project.progress", project, project, progress=progress_pct, on=on)
    return project


@transaction.atomic
def milestone_add(
    *, viewer: Viewer, actor: Any, project: Project, title: str, due_on: dt.date | None = None
) -> Milestone:
    _require_manage(viewer, project)
    title = _text(title, field="title", label=_("节点"), max_len=100, required=True)
    milestone = Milestone.objects.create(project=project, title=title, due_on=due_on)
    _audit(actor, "project.milestone_add", milestone, project, title=title, due_on=due_on)
    return milestone


@transaction.atomic
def milestone_done(
    *, viewer: Viewer, actor: Any, milestone: Milestone, on: dt.date | None = None
) -> Milestone:
    project = milestone.project
    _require_manage(viewer, project)
    on = _today(on)
    milestone.done_on = on
    milestone.save(update_fields=["done_on"])
    _event(project, kind=EventKind.MILESTONE, actor=actor, on=on, text=milestone.title)
    _audit(actor, "project.milestone_done", milestone, project, on=on)
    return milestone


@transaction.atomic
def photo_add(
    *,
    viewer: Viewer,
    actor: Any,
    project: Project,
    phase: str,
    taken_on: dt.date | None,
    upload: UploadedFile,
    caption: str = "",
) -> ProjectPhoto:
    """A dated before/during/after photo, re-encoded (no EXIF)."""
    _require_manage(viewer, project)
    if phase not in PhotoPhase.values:
        raise ValidationFailed(_("请选择照片阶段（建设前、建设中、建成后）。"), field="phase")
    if taken_on is None:
        raise ValidationFailed(_("请填写拍摄日期。"), field="taken_on")
    caption = _text(caption, field="caption", label=_("说明"), max_len=200, required=False)
    content = image_reencode(upload, field="photo")
    photo = ProjectPhoto(project=project, phase=phase, taken_on=taken_on, caption=caption)
    photo.file.save(content.name, content, save=False)
    photo.save()
    _event(
        project,
        kind=EventKind.PHOTO,
        actor=actor,
        on=taken_on,
        text=f"{PhotoPhase(phase).label}{('：' + caption) if caption else ''}",
    )
    _audit(actor, "project.photo_add", photo, project, phase=phase, taken_on=taken_on)
    return photo


# --- funding plan -----------------------------------------------------------------------------
@transaction.atomic
def funding_line_add(
    *,
    viewer: Viewer,
    actor: Any,
    project: Project,
    source_kind: str,
    planned_fen: int,
    source_name: str = "",
) -> FundingLine:
    """A line of the funding plan (government money by department)."""
    _require_manage(viewer, project)
    if source_kind not in SourceKind.values:
        raise ValidationFailed(_("请选择资金来源。"), field="source_kind")
    amount = fen_check(planned_fen, field="planned")
    name = _text(source_name, field="source_name", label=_("部门或单位"), max_len=100,
                 required=source_kind == SourceKind.GOVERNMENT)  # fmt: skip
    line = FundingLine.objects.create(
        project=project, source_kind=source_kind, source_name=name, planned_fen=amount
    )
    _audit(actor, "project.funding_add", line, project, source=source_kind, planned_fen=amount)
    return line


@transaction.atomic
def funding_line_remove(*, viewer: Viewer, actor: Any, line: FundingLine) -> None:
    project = line.project
    _require_manage(viewer, project)
    _audit(actor, "project.funding_remove", line, project, planned_fen=line.planned_fen)
    line.delete()


# --- contributors -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Giver:
    """Who gives: kind and name; for residents optionally the person or household."""

    kind: str
    name: str = ""
    person: Person | None = None
    household: Household | None = None
    anonymous: bool = False

    def fields(self) -> dict[str, Any]:
        if self.kind not in ContributorKind.values:
            raise ValidationFailed(_("请选择出资方类型。"), field="contributor_kind")
        name = (self.name or "").strip()
        if not name and self.person is not None:
            name = self.person.name
        if not name and self.household is not None:
            head = self.household.head
            name = _("%(n)s户") % {"n": head.name} if head else self.household.address
        if not name:
            raise ValidationFailed(_("请填写出资方名称。"), field="contributor_name")
        if len(name) > 100:
            raise ValidationFailed(_("出资方名称不超过100个字。"), field="contributor_name")
        household = self.household
        if household is None and self.person is not None:
            household = self.person.household
        return {
            "contributor_kind": self.kind,
            "contributor_name": name,
            "person": self.person,
            "household": household,
            "anonymous": bool(self.anonymous),
        }


def _shown(who: dict[str, Any]) -> str:
    """The name for texts everyone reads (memos): 爱心人士 for who asked to stay anonymous."""
    return _("爱心人士（匿名）") if who.get("anonymous") else who["contributor_name"]


def _own_giver(viewer: Viewer, giver: Giver) -> bool:
    """A resident acting for themselves or their own household."""
    if giver.person is not None and giver.person.pk == viewer.person_id:
        return True
    return giver.household is not None and giver.household.pk == viewer.household_id


def _require_record(viewer: Viewer, project: Project, giver: Giver) -> None:
    """Cadres record for anyone (代录); a resident in the place only for themselves."""
    if can_manage(viewer, project):
        return
    residents = (ContributorKind.PERSON, ContributorKind.HOUSEHOLD)
    if can_contribute(viewer, project) and giver.kind in residents and _own_giver(viewer, giver):
        return
    raise PermissionDenied(_("您没有为这个项目登记的权限。"))


# --- pledges and the ledger -------------------------------------------------------------------
def ledger_balance(project_id: int) -> int:
    """Money in minus money out: derived from the entries every time (one indexed sum)."""
    total = LedgerEntry.objects.filter(project_id=project_id).aggregate(
        b=Sum(
            Case(
                When(direction=Direction.IN, then=F("amount_fen")),
                default=-F("amount_fen"),
            )
        )
    )["b"]
    return int(total or 0)


def pledge_received(pledge: Pledge) -> int:
    return int(LedgerEntry.objects.filter(pledge=pledge).aggregate(s=Sum("amount_fen"))["s"] or 0)


@transaction.atomic
def pledge_make(
    *,
    viewer: Viewer,
    actor: Any,
    project: Project,
    giver: Giver,
    amount_fen: int,
    pledged_on: dt.date | None = None,
    source_kind: str = "",
) -> Pledge:
    """A promise of money (认捐): nothing enters the accounts until it is received."""
    _require_record(viewer, project, giver)
    project = _lock(project)
    if project.stage in (Stage.UPKEEP, Stage.CANCELLED):
        raise ValidationFailed(_("项目已结束，不再认捐。"), code="stage", field="amount")
    amount = fen_check(amount_fen, field="amount")
    who = giver.fields()
    source = source_kind or SOURCE_OF_CONTRIBUTOR[giver.kind]
    if source not in SourceKind.values:
        raise ValidationFailed(_("请选择资金来源。"), field="source_kind")
    pledge = Pledge.objects.create(
        project=project,
        source_kind=source,
        amount_fen=amount,
        pledged_on=_today(pledged_on),
        created_by=actor if getattr(actor, "pk", None) else None,
        **who,
    )
    _audit(
        actor,
        "project.pledge",
        pledge,
        project,
        amount_fen=amount,
        contributor=who["contributor_name"],
        on_behalf=not _own_giver(viewer, giver),
    )
    return pledge


_ROLLUP_IN = {
    SourceKind.GOVERNMENT: "in_government_fen",
    SourceKind.ENTERPRISE: "in_enterprise_fen",
    SourceKind.RESIDENTS: "in_residents_fen",
    SourceKind.COLLECTIVE: "in_collective_fen",
    SourceKind.OTHER: "in_other_fen",
}


def _rollup_add(project: Project, **deltas: Any) -> None:
    deltas = {k: v for k, v in deltas.items() if v}
    if deltas:
        ProjectRollup.objects.filter(pk=project.pk).update(
            **{k: F(k) + v for k, v in deltas.items()}
        )


def _post(
    project: Project,
    *,
    actor: Any,
    direction: str,
    amount_fen: int,
    memo: str,
    occurred_on: dt.date,
    source_kind: str = "",
    item: str = "",
    who: dict[str, Any] | None = None,
    pledge: Pledge | None = None,
    reverses: LedgerEntry | None = None,
    documents: list[UploadedFile] | None = None,
) -> LedgerEntry:
    """Write one entry (the project row is locked by the caller) and move the rollup."""
    who = who or {"contributor_kind": "", "contributor_name": ""}
    entry = LedgerEntry.objects.create(
        project=project,
        direction=direction,
        amount_fen=amount_fen,
        source_kind=source_kind,
        item=item,
        memo=memo,
        pledge=pledge,
        reverses=reverses,
        occurred_on=occurred_on,
        created_by=actor if getattr(actor, "pk", None) else None,
        **who,
    )
    for upload in documents or []:
        content = image_reencode(upload, field="documents")
        doc = LedgerDocument(entry=entry)
        doc.file.save(content.name, content, save=False)
        doc.save()
    if direction == Direction.IN:
        _rollup_add(project, **{_ROLLUP_IN[source_kind]: amount_fen})
    else:
        _rollup_add(project, out_fen=amount_fen)
    record_published.send(  # chained by hash (wugong/transparency/chain.py)
        sender=LedgerEntry,
        kind="money.entry",
        place=project.place,
        key=f"money.entry:{entry.pk}",
        payload={
            "entry": entry.pk,
            "project": project.pk,
            "direction": direction,
            "amount_fen": amount_fen,
            "source": source_kind,
            "occurred_on": str(occurred_on),
        },
    )
    return entry


def _check_documents(documents: list[UploadedFile] | None) -> list[UploadedFile]:
    documents = [d for d in (documents or []) if d]
    if len(documents) > MAX_DOCUMENTS:
        raise ValidationFailed(_("票据最多%(n)d张。") % {"n": MAX_DOCUMENTS}, field="documents")
    return documents


def _check_open(project: Project) -> None:
    if project.stage in (Stage.PROPOSED, Stage.CANCELLED):
        raise ValidationFailed(_("项目尚未规划或已终止，不能记账。"), code="stage", field="amount")


@transaction.atomic
def receipt_post(
    *,
    viewer: Viewer,
    actor: Any,
    project: Project,
    amount_fen: int,
    source_kind: str = "",
    giver: Giver | None = None,
    pledge: Pledge | None = None,
    memo: str = "",
    occurred_on: dt.date | None = None,
    confirm_over_pledge: bool = False,
    documents: list[UploadedFile] | None = None,
) -> LedgerEntry:
    """Money in (收款). Against a pledge, the payer is the pledger; a receipt beyond what is
    still owed on the pledge needs ``confirm_over_pledge``."""
    _require_manage(viewer, project)
    project = _lock(project)
    _check_open(project)
    amount = fen_check(amount_fen, field="amount")
    documents = _check_documents(documents)
    if pledge is not None:
        if pledge.project_id != project.pk:
            raise ValidationFailed(_("这笔认捐不属于本项目。"), field="pledge")
        pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
        owed = pledge.amount_fen - pledge_received(pledge)
        if amount > owed and not confirm_over_pledge:
            raise ValidationFailed(
                _(
                    "实收%(a)s超过认捐尚未到账的%(o)s（认捐%(p)s）。"
                    "如确为多收，请勾选“确认超出认捐”后再提交。"
                )
                % {"a": yuan(amount), "o": yuan(max(owed, 0)), "p": yuan(pledge.amount_fen)},
                code="over_pledge",
                field="amount",
            )
        who = {
            "contributor_kind": pledge.contributor_kind,
            "contributor_name": pledge.contributor_name,
            "person": pledge.person,
            "household": pledge.household,
            "anonymous": pledge.anonymous,
        }
        source = pledge.source_kind
    else:
        if giver is None:
            raise ValidationFailed(_("请填写出资方。"), field="contributor_name")
        who = giver.fields()
        source = source_kind or SOURCE_OF_CONTRIBUTOR[giver.kind]
    if source not in SourceKind.values:
        raise ValidationFailed(_("请选择资金来源。"), field="source_kind")
    memo = _text(memo, field="memo", label=_("摘要"), max_len=200, required=False)
    if not memo:
        memo = _("收到%(w)s%(s)s") % {"w": _shown(who), "s": SourceKind(source).label}
    entry = _post(
        project,
        actor=actor,
        direction=Direction.IN,
        amount_fen=amount,
        memo=memo,
        occurred_on=_today(occurred_on),
        source_kind=source,
        who=who,
        pledge=pledge,
        documents=documents,
    )
    _audit(
        actor,
        "project.receipt",
        entry,
        project,
        amount_fen=amount,
        source=source,
        pledge=pledge,
        over_pledge_confirmed=bool(pledge and confirm_over_pledge),
    )
    return entry


@transaction.atomic
def spending_post(
    *,
    viewer: Viewer,
    actor: Any,
    project: Project,
    amount_fen: int,
    item: str,
    memo: str,
    occurred_on: dt.date | None = None,
    documents: list[UploadedFile] | None = None,
) -> LedgerEntry:
    """Money out (支出) for an item, never beyond the money received."""
    _require_manage(viewer, project)
    project = _lock(project)
    _check_open(project)
    amount = fen_check(amount_fen, field="amount")
    if item not in SpendItem.values:
        raise ValidationFailed(_("请选择支出项目。"), field="item")
    memo = _text(memo, field="memo", label=_("摘要"), max_len=200, required=True)
    documents = _check_documents(documents)
    _check_overdraw(project, amount)
    entry = _post(
        project,
        actor=actor,
        direction=Direction.OUT,
        amount_fen=amount,
        memo=memo,
        occurred_on=_today(occurred_on),
        item=item,
        documents=documents,
    )
    _audit(actor, "project.spending", entry, project, amount_fen=amount, item=item)
    return entry


def _check_overdraw(project: Project, amount: int) -> None:
    balance = ledger_balance(project.pk)
    if amount > balance:
        raise ValidationFailed(
            _("余额不足：账上还有%(b)s，这笔支出%(a)s会透支。")
            % {"b": yuan(balance), "a": yuan(amount)},
            code="overdraw",
            field="amount",
        )


@transaction.atomic
def entry_reverse(
    *, viewer: Viewer, actor: Any, entry: LedgerEntry, reason: str, on: dt.date | None = None
) -> LedgerEntry:
    """Correct a posted entry with a reversing one (红字冲正): same lines, opposite amount.
    Reversing income that is already spent would overdraw and is refused."""
    project = entry.project
    _require_manage(viewer, project)
    project = _lock(project)
    reason = _text(reason, field="reason", label=_("冲正原因"), max_len=150, required=True)
    entry = LedgerEntry.objects.get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise ValidationFailed(_("冲正账目不能再冲正。"), code="reversal", field="entry")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationFailed(_("这笔账目已经冲正过了。"), code="reversed", field="entry")
    if entry.direction == Direction.IN:
        _check_overdraw(project, entry.amount_fen)
    reversal = _post(
        project,
        actor=actor,
        direction=entry.direction,
        amount_fen=-entry.amount_fen,
        memo=_("冲正#%(n)d：%(r)s") % {"n": entry.pk, "r": reason},
        occurred_on=_today(on),
        source_kind=entry.source_kind,
        item=entry.item,
        who={
            "contributor_kind": entry.contributor_kind,
            "contributor_name": entry.contributor_name,
            "person": entry.person,
            "household": entry.household,
            "anonymous": entry.anonymous,
        },
        pledge=entry.pledge,
        reverses=entry,
    )
    gift = Contribution.objects.filter(entry=entry).first()
    if gift is not None:  # the gift is withdrawn with its money
        _rollup_add(project, contributions=-1)
    _audit(actor, "project.reverse", reversal, project, reverses=entry.pk, reason=reason)
    return reversal


def entry_edit(*, viewer: Viewer, actor: Any, entry: LedgerEntry, **changes: Any) -> None:
    """Posted entries are never changed: the answer is always a refusal (nothing is written)."""
    raise ValidationFailed(
        _("已入账的账目不能修改或删除；如有差错，请登记一笔冲正（红字）账目后重新入账。"),
        code="posted",
        field="entry",
    )


# --- contributions ----------------------------------------------------------------------------
@transaction.atomic
def contribution_record(
    *,
    viewer: Viewer,
    actor: Any,
    project: Project,
    kind: str,
    giver: Giver,
    given_on: dt.date | None = None,
    amount_fen: int | None = None,
    item: str = "",
    quantity: Any = None,
    unit: str = "",
    unit_price_fen: int | None = None,
    person_days: Any = None,
    person_times: int | None = None,
    land_mu: Any = None,
    land_m2: Any = None,
    hours: Any = None,
    wages_fen: int | None = None,
    value_fen: int | None = None,
    note: str = "",
    resource: Resource | None = None,
) -> Contribution:
    """Record a contribution of any kind with its value:

    * money (捐款): ``amount_fen``; also posted to the ledger as income;
    * materials (捐物): item, quantity, unit, valued at the stated ``unit_price_fen``;
    * labour (投工投劳): person-days (valued at the day rate) and/or person-times (a
      person-time without days counts as one day);
    * land (让地): mu or m² (the other is computed), value as stated (may be 0);
    * demolition (拆除): what was removed, how many, value as stated (may be 0);
    * 以工代赈: hours and wages; the wages are paid out of the project's money."""
    _require_record(viewer, project, giver)
    project = _lock(project)
    if project.stage in (Stage.UPKEEP, Stage.CANCELLED):
        raise ValidationFailed(_("项目已结束，不再登记贡献。"), code="stage", field="kind")
    if kind not in ContributionKind.values:
        raise ValidationFailed(_("请选择贡献类型。"), field="kind")
    who = giver.fields()
    on = _today(given_on)
    item = _text(item, field="item", label=_("物品或内容"), max_len=100, required=False)
    unit = _text(unit, field="unit", label=_("单位"), max_len=12, required=False)
    note = _text(note, field="note", label=_("备注"), max_len=200, required=False)
    row: dict[str, Any] = {"item": item, "unit": unit, "note": note}
    rollup: dict[str, Any] = {"contributions": 1}
    entry = None
    if kind == ContributionKind.MONEY:
        _check_open(project)
        amount = fen_check(amount_fen, field="amount")
        row["value_fen"] = amount
        source = SOURCE_OF_CONTRIBUTOR[giver.kind]
        entry = _post(
            project,
            actor=actor,
            direction=Direction.IN,
            amount_fen=amount,
            memo=_("%(w)s捐款") % {"w": _shown(who)},
            occurred_on=on,
            source_kind=source,
            who=who,
        )
    elif kind == ContributionKind.MATERIAL:
        if not item:
            raise ValidationFailed(_("请填写捐赠的物品。"), field="item")
        qty = parse_quantity(quantity, field="quantity", label=_("数量"))
        if not unit:
            raise ValidationFailed(_("请填写单位。"), field="unit")
        price = fen_check(unit_price_fen, field="unit_price", allow_zero=True)
        row.update(quantity=qty, unit_price_fen=price, value_fen=times_fen(qty, price))
        rollup["material_fen"] = row["value_fen"]
    elif kind == ContributionKind.LABOUR:
        days = (
            parse_quantity(person_days, field="person_days", label=_("工日"))
            if person_days not in (None, "")
            else None
        )
        times = None
        if person_times not in (None, ""):
            try:
                times = int(str(person_times).strip())
            except ValueError:
                raise ValidationFailed(_("人次须为整数。"), field="person_times") from None
            if times <= 0:
                raise ValidationFailed(_("人次须大于零。"), field="person_times")
        if days is None and times is None:
            raise ValidationFailed(_("请填写工日或人次。"), field="person_days")
        if days is None:
            days = Decimal(times or 0)
        rate = labour_day_rate(project)
        row.update(person_days=days, person_times=times, value_fen=times_fen(days, rate))
        row["note"] = note or _("按每工日%(r)s折价") % {"r": yuan(rate)}
        rollup.update(labour_fen=row["value_fen"], labour_days=days, labour_times=times or 0)
    elif kind == ContributionKind.LAND:
        if land_mu not in (None, ""):
            mu = parse_quantity(land_mu, field="land_mu", label=_("面积"))
            m2 = mu_to_m2(mu)
        elif land_m2 not in (None, ""):
            m2 = parse_quantity(land_m2, field="land_m2", label=_("面积"))
            mu = m2_to_mu(m2)
        else:
            raise ValidationFailed(_("请填写让出的面积（亩或平方米）。"), field="land_mu")
        stated = fen_check(value_fen or 0, field="value", allow_zero=True)
        row.update(land_mu=mu, land_m2=m2, value_fen=stated, item=item or _("土地"))
        rollup.update(land_fen=stated, land_m2=m2)
    elif kind == ContributionKind.DEMOLITION:
        if not item:
            raise ValidationFailed(_("请填写拆除了什么（如猪圈、花坛）。"), field="item")
        qty = parse_quantity(quantity if quantity not in (None, "") else 1, field="quantity",
                             label=_("数量"))  # fmt: skip
        stated = fen_check(value_fen or 0, field="value", allow_zero=True)
        row.update(quantity=qty, unit=unit or _("处"), value_fen=stated)
        rollup["demolition_fen"] = stated
    elif kind == ContributionKind.WORK_RELIEF:
        hrs = parse_quantity(hours, field="hours", label=_("工时"))
        wages = fen_check(wages_fen, field="wages")
        _check_open(project)
        _check_overdraw(project, wages)
        row.update(hours=hrs, wages_fen=wages, value_fen=0)
        entry = _post(
            project,
            actor=actor,
            direction=Direction.OUT,
            amount_fen=wages,
            memo=_("以工代赈工资：%(w)s %(h)s小时") % {"w": _shown(who), "h": hrs},
            occurred_on=on,
            item=SpendItem.WORK_RELIEF,
            who=who,
        )
    contribution = Contribution.objects.create(
        project=project,
        place_path=project.place_path,
        kind=kind,
        given_on=on,
        entry=entry,
        resource=resource,
        created_by=actor if getattr(actor, "pk", None) else None,
        **who,
        **row,
    )
    _rollup_add(project, **rollup)
    if kind in (ContributionKind.LABOUR, ContributionKind.MONEY) and (
        who["person"] or who["household"]
    ):  # a contribution is a good deed that may earn points (积分, wugong/points)
        labour = kind == ContributionKind.LABOUR
        deed_recorded.send(
            sender=Contribution,
            action="project.labour" if labour else "project.money",
            place=project.place,
            person_id=getattr(who["person"], "pk", None),
            household_id=getattr(who["household"], "pk", None),
            quantity=contribution.person_days if labour else Decimal(contribution.value_fen) / 100,
            source=f"projects.contribution:{contribution.pk}",
            occurred_on=on,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    _audit(
        actor,
        "project.contribution",
        contribution,
        project,
        kind=kind,
        value_fen=contribution.value_fen,
        contributor=who["contributor_name"],
        on_behalf=not _own_giver(viewer, giver),
    )
    return contribution


# --- resources and service requests (点单、接单、派单) -------------------------------------------
@transaction.atomic
def resource_offer(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    giver: Giver,
    category: str,
    title: str,
    detail: str = "",
) -> Resource:
    """Offer something on the resources list: one's own for residents, any unit's for cadres."""
    if not viewer.has_rule("resource.offer") or viewer.is_anonymous:
        raise PermissionDenied(_("请先登录。"))
    own = _own_giver(viewer, giver)
    if not (viewer.can_place("project.manage", place) or (own and _place_near(viewer, place))):
        raise PermissionDenied(_("您只能登记本人在本村（社区）的资源。"))
    if category not in ResourceCategory.values:
        raise ValidationFailed(_("请选择资源类别。"), field="category")
    title = _text(title, field="title", label=_("资源内容"), max_len=100, required=True)
    detail = _text(detail, field="detail", label=_("说明"), max_len=2000, required=False)
    resource = Resource.objects.create(
        place=place,
        place_path=place.path,
        category=category,
        title=title,
        detail=detail,
        created_by=actor if getattr(actor, "pk", None) else None,
        **giver.fields(),
    )
    audit_event_record(
        actor=actor,
        action="resource.offer",
        obj=resource,
        place_path=place.path,
        changes={"category": category, "title": title},
    )
    return resource


def _place_near(viewer: Viewer, place: Place) -> bool:
    anchor = _grassroots_path(place)
    return any(
        a.place_path.startswith(anchor) or anchor.startswith(a.place_path)
        for a in viewer.granting("resource.offer")
    )


@transaction.atomic
def resource_withdraw(*, viewer: Viewer, actor: Any, resource: Resource) -> Resource:
    mine = resource.person_id is not None and resource.person_id == viewer.person_id
    if not (mine or viewer.can_place("project.manage", resource.place)):
        raise PermissionDenied(_("您不能撤下这项资源。"))
    resource.available = False
    resource.save(update_fields=["available"])
    audit_event_record(
        actor=actor, action="resource.withdraw", obj=resource, place_path=resource.place_path
    )
    return resource


@transaction.atomic
def request_order(
    *, viewer: Viewer, actor: Any, project: Project, category: str, title: str
) -> ServiceRequest:
    """点单: the project asks for a service or a thing."""
    _require_manage(viewer, project)
    if category not in ResourceCategory.values:
        raise ValidationFailed(_("请选择类别。"), field="category")
    title = _text(title, field="title", label=_("需要什么"), max_len=100, required=True)
    req = ServiceRequest.objects.create(
        project=project,
        category=category,
        title=title,
        ordered_by=actor if getattr(actor, "pk", None) else None,
    )
    _audit(actor, "project.request_order", req, project, category=category, title=title)
    return req


def _request_locked(req: ServiceRequest) -> ServiceRequest:
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("project__place")
        .get(pk=req.pk)
    )


@transaction.atomic
def request_take(
    *, viewer: Viewer, actor: Any, request: ServiceRequest, resource: Resource
) -> ServiceRequest:
    """接单: the holder of a resource takes an open request."""
    req = _request_locked(request)
    if req.status != RequestStatus.ORDERED:
        raise ValidationFailed(_("这张单已经有人接了。"), code="taken", field="request")
    mine = resource.person_id is not None and resource.person_id == viewer.person_id
    if not mine:
        raise PermissionDenied(_("只能用本人登记的资源接单。"))
    if not resource.available:
        raise ValidationFailed(_("这项资源已撤下。"), field="resource")
    req.resource, req.status = resource, RequestStatus.TAKEN
    req.save(update_fields=["resource", "status", "updated_at"])
    _audit(actor, "project.request_take", req, req.project, resource=resource.pk)
    return req


@transaction.atomic
def request_dispatch(
    *, viewer: Viewer, actor: Any, request: ServiceRequest, resource: Resource
) -> ServiceRequest:
    """派单: a cadre sends an open request to a resource on the list."""
    req = _request_locked(request)
    _require_manage(viewer, req.project)
    if req.status != RequestStatus.ORDERED:
        raise ValidationFailed(_("这张单已经有人接了。"), code="taken", field="request")
    if not resource.available:
        raise ValidationFailed(_("这项资源已撤下。"), field="resource")
    req.resource, req.status = resource, RequestStatus.DISPATCHED
    req.save(update_fields=["resource", "status", "updated_at"])
    _audit(actor, "project.request_dispatch", req, req.project, resource=resource.pk)
    return req


@transaction.atomic
def request_fulfil(
    *, viewer: Viewer, actor: Any, request: ServiceRequest, kind: str, **measures: Any
) -> Contribution:
    """The service was given: the resource's use becomes a contribution of its holder."""
    req = _request_locked(request)
    _require_manage(viewer, req.project)
    if req.status not in (RequestStatus.TAKEN, RequestStatus.DISPATCHED) or req.resource is None:
        raise ValidationFailed(_("这张单还没有人接。"), code="open", field="request")
    res = req.resource
    giver = Giver(
        kind=res.contributor_kind,
        name=res.contributor_name,
        person=res.person,
        household=res.household,
        anonymous=res.anonymous,
    )
    measures.setdefault("item", req.title)
    contribution = contribution_record(
        viewer=viewer,
        actor=actor,
        project=req.project,
        kind=kind,
        giver=giver,
        resource=res,
        **measures,
    )
    req.contribution, req.status = contribution, RequestStatus.DONE
    req.save(update_fields=["contribution", "status", "updated_at"])
    _audit(actor, "project.request_done", req, req.project, contribution=contribution.pk)
    return contribution


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# --- the rollup read model --------------------------------------------------------------------
def rollup_figures(project_id: int) -> dict[str, Any]:
    """The rollup's figures computed from the facts (ledger and contributions)."""
    figures: dict[str, Any] = {f: 0 for f in _ROLLUP_IN.values()}
    ins = (
        LedgerEntry.objects.filter(project_id=project_id, direction=Direction.IN)
        .values("source_kind")
        .annotate(s=Sum("amount_fen"))
        .order_by()
    )
    for row in ins:
        figures[_ROLLUP_IN[row["source_kind"]]] = int(row["s"] or 0)
    figures["out_fen"] = int(
        LedgerEntry.objects.filter(project_id=project_id, direction=Direction.OUT).aggregate(
            s=Sum("amount_fen")
        )["s"]
        or 0
    )
    gifts = Contribution.objects.filter(project_id=project_id).exclude(
        entry__reversed_by__isnull=False
    )
    by_kind = {
        r["kind"]: r
        for r in gifts.values("kind")
        .annotate(
            v=Sum("value_fen"),
            d=Sum("person_days"),
            t=Sum("person_times"),
            m2=Sum("land_m2"),
        )
        .order_by()
    }

    def get(kind: str, key: str) -> Any:
        return (by_kind.get(kind) or {}).get(key) or 0

    figures.update(
        material_fen=int(get("material", "v")),
        labour_fen=int(get("labour", "v")),
        land_fen=int(get("land", "v")),
        demolition_fen=int(get("demolition", "v")),
        labour_days=_dec(get("labour", "d")),
        labour_times=int(get("labour", "t")),
        land_m2=_dec(get("land", "m2")),
        contributions=gifts.count(),
    )
    return figures


@transaction.atomic
def rollup_rebuild(*, project: Project) -> None:
    """Recompute a project's rollup from its facts (after a repair or an import)."""
    project = _lock(project)
    ProjectRollup.objects.update_or_create(
        project=project,
        defaults={
            "place_path": project.place_path,
            "stage": project.stage,
            **rollup_figures(project.pk),
        },
    )
