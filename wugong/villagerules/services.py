"""Every write of 村规民约: draft a version, edit the draft, adopt it by a vote that carried,
submit it for filing, accept or return the filing (the town), publish it.

Each action is keyword-only, runs in one transaction, checks its rule on the version's place and
writes its audit event in the same transaction. Publishing locks the place's versions and
supersedes the one in force; a partial unique index keeps one published version per place.
"""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.villagerules.models import RulesStatus, RulesVersion
from wugong.villagerules.selectors import RULE_PLACE_KINDS, rules_name, version_get
from wugong.voting.models import Vote, VoteMethod, VoteStatus

TEXT_MAX = 100_000
NOTE_MAX = 5_000


def _text(value: Any, *, field: str, what: str, required: bool, limit: int) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写%(what)s。") % {"what": what}, field=field)
    if len(text) > limit:
        raise ValidationFailed(
            _("%(what)s不能超过%(n)s字。") % {"what": what, "n": limit}, field=field
        )
    return text


def _locked(viewer: Viewer, version: RulesVersion, rule: str) -> RulesVersion:
    """The version locked, if the viewer may see it (else 404) and holds ``rule`` on it."""
    version_get(viewer=viewer, pk=version.pk)
    locked = (
        RulesVersion.objects.select_for_update(of=("self",))
        .select_related("place")
        .get(pk=version.pk)
    )
    if not viewer.can_place(rule, locked.place):
        if rule == "village_rules.file":
            raise PermissionDenied(_("只有村（社区）所在乡镇（街道）可以办理备案。"))
        raise PermissionDenied(_("您无权管理该地的村规民约。"))
    return locked


def _audit(actor: Any, action: str, version: RulesVersion, **changes: Any) -> None:
    audit_event_record(
        actor=actor,
        action=f"village_rules.{action}",
        obj=version,
        place_path=version.place_path,
        changes={"number": version.number, **changes},
    )


@transaction.atomic
def version_create(
    *,
    viewer: Viewer,
    actor: Any,
    place: Place,
    text: str,
    change_note: str = "",
    title: str = "",
) -> RulesVersion:
    """Draft a new version (草稿) of a village's or community's rules."""
    if not viewer.can_place("village_rules.manage", place):
        raise NotFound(_("该地点不存在。"), field="place")
    if place.kind not in RULE_PLACE_KINDS:
        raise ValidationFailed(_("村规民约、居民公约只能由村或社区制定。"), field="place")
    text = _text(text, field="text", what=_("全文"), required=True, limit=TEXT_MAX)
    note = _text(
        change_note, field="change_note", what=_("修订说明"), required=False, limit=NOTE_MAX
    )
    title = _text(title, field="title", what=_("标题"), required=False, limit=100)
    # Lock the place's row so two drafts started at once get different numbers.
    Place.objects.select_for_update().filter(pk=place.pk).first()
    number = (RulesVersion.objects.filter(place=place).aggregate(n=Max("number"))["n"] or 0) + 1
    version = RulesVersion.objects.create(
        place=place,
        place_path=place.path,
        number=number,
        title=title or f"{place.name}{rules_name(place)}",
        text=text,
        change_note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _audit(actor, "create", version)
    return version


@transaction.atomic
def version_edit(
    *,
    viewer: Viewer,
    actor: Any,
    version: RulesVersion,
    text: str,
    change_note: str = "",
    title: str = "",
) -> RulesVersion:
    version = _locked(viewer, version, "village_rules.manage")
    if version.status != RulesStatus.DRAFT:
        raise ValidationFailed(_("只有草稿可以修改；已通过的版本请另拟修订稿。"), code="not_draft")
    version.text = _text(text, field="text", what=_("全文"), required=True, limit=TEXT_MAX)
    version.change_note = _text(
        change_note, field="change_note", what=_("修订说明"), required=False, limit=NOTE_MAX
    )
    version.title = _text(title, field="title", what=_("标题"), required=False, limit=100) or (
        version.title
    )
    version.save(update_fields=["text", "change_note", "title", "updated_at"])
    _audit(actor, "edit", version)
    return version


def vote_carried_check(vote: Vote, version: RulesVersion) -> dict[str, Any]:
    """The vote adopting a version: of the same place, a motion, closed or published, carried.
    Returns its result; raises ValidationFailed (field "vote") saying why not otherwise."""
    if vote.place_id != version.place_id:
        raise ValidationFailed(_("表决必须是本村（社区）的表决。"), field="vote")
    if vote.method not in {VoteMethod.MOTION}:
        raise ValidationFailed(_("通过村规民约的表决应为赞成/反对/弃权表决。"), field="vote")
    if vote.status not in {VoteStatus.CLOSED, VoteStatus.PUBLISHED}:
        raise ValidationFailed(_("该表决尚未截止，不能据此通过。"), code="vote_open", field="vote")
    result = vote.result
    if result is None:
        from wugong.voting.selectors import vote_result

        result = vote_result(vote=vote)
    if result.get("outcome") != "passed":
        label = result.get("outcome_label") or _("未通过")
        raise ValidationFailed(
            _("该表决结果为“%(outcome)s”，不能据此通过。") % {"outcome": label},
            code="vote_not_carried",
            field="vote",
        )
    return result


@transaction.atomic
def version_adopt(
    *, viewer: Viewer, actor: Any, version: RulesVersion, vote_id: Any
) -> RulesVersion:
    """Adopt a draft (表决通过) by the vote of the place that carried it."""
    version = _locked(viewer, version, "village_rules.manage")
    if version.status != RulesStatus.DRAFT:
        raise ValidationFailed(_("只有草稿可以表决通过。"), code="not_draft")
    try:
        pk = int(vote_id)
    except (TypeError, ValueError):
        raise ValidationFailed(_("请选择通过该版本的表决。"), field="vote") from None
    vote = Vote.objects.filter(pk=pk).first()
    if vote is None:
        raise ValidationFailed(_("该表决不存在。"), field="vote")
    result = vote_carried_check(vote, version)
    if RulesVersion.objects.filter(vote=vote).exclude(pk=version.pk).exists():
        raise ValidationFailed(_("该表决已用于通过另一版本。"), field="vote")
    version.vote = vote
    version.status = RulesStatus.ADOPTED
    version.adopted_at = timezone.now()
    try:
        with transaction.atomic():
            version.save(update_fields=["vote", "status", "adopted_at", "updated_at"])
    except IntegrityError:
        raise ValidationFailed(_("该表决已用于通过另一版本。"), field="vote") from None
    _audit(actor, "adopt", version, vote=vote.pk, outcome=result.get("outcome", ""))
    return version


@transaction.atomic
def version_submit(*, viewer: Viewer, actor: Any, version: RulesVersion) -> RulesVersion:
    """Send an adopted version to the town for filing (报乡镇备案)."""
    version = _locked(viewer, version, "village_rules.manage")
    if version.status != RulesStatus.ADOPTED:
        raise ValidationFailed(_("只有已表决通过的版本可以报备。"), code="not_adopted")
    version.status = RulesStatus.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at", "updated_at"])
    _audit(actor, "submit", version)
    return version


@transaction.atomic
def filing_accept(
    *,
    viewer: Viewer,
    actor: Any,
    version: RulesVersion,
    filing_number: str,
    filed_on: Any = None,
) -> RulesVersion:
    """The town accepts the filing (予以备案) with its number and date."""
    version = _locked(viewer, version, "village_rules.file")
    if version.status != RulesStatus.SUBMITTED:
        raise ValidationFailed(_("只有报备审查中的版本可以备案。"), code="not_submitted")
    number = _text(filing_number, field="filing_number", what=_("备案号"), required=True, limit=50)
    day = _date(filed_on) or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationFailed(_("备案日期不能晚于今天。"), field="filed_on")
    version.status = RulesStatus.FILED
    version.filing_number = number
    version.filed_on = day
    version.filed_by = actor if getattr(actor, "pk", None) else None
    version.return_reason = ""
    version.save(
        update_fields=[
            "status",
            "filing_number",
            "filed_on",
            "filed_by",
            "return_reason",
            "updated_at",
        ]
    )
    _audit(actor, "file_accept", version, filing_number=number, filed_on=day)
    return version


@transaction.atomic
def filing_return(
    *, viewer: Viewer, actor: Any, version: RulesVersion, reason: str
) -> RulesVersion:
    """The town returns the filing (退回) with a reason; the village may submit it again."""
    version = _locked(viewer, version, "village_rules.file")
    if version.status != RulesStatus.SUBMITTED:
        raise ValidationFailed(_("只有报备审查中的版本可以退回。"), code="not_submitted")
    reason = _text(reason, field="reason", what=_("退回理由"), required=True, limit=NOTE_MAX)
    version.status = RulesStatus.ADOPTED
    version.return_reason = reason
    version.save(update_fields=["status", "return_reason", "updated_at"])
    _audit(actor, "file_return", version, reason=reason)
    return version


@transaction.atomic
def version_publish(*, viewer: Viewer, actor: Any, version: RulesVersion) -> RulesVersion:
    """Publish a filed version (公布施行); the one in force before is superseded (废止)."""
    # The place's row first: publications of one place queue here, before any version is
    # locked, so two of them never hold each other's rows.
    Place.objects.select_for_update().filter(pk=version.place_id).first()
    target = _locked(viewer, version, "village_rules.manage")
    if target.status != RulesStatus.FILED:
        raise ValidationFailed(_("只有已备案的版本可以公布。"), code="not_filed")
    now = timezone.now()
    rows = list(RulesVersion.objects.select_for_update().filter(place_id=target.place_id))
    before = [r for r in rows if r.status == RulesStatus.PUBLISHED]
    for old in before:
        old.status = RulesStatus.SUPERSEDED
        old.superseded_at = now
        old.save(update_fields=["status", "superseded_at", "updated_at"])
        _audit(actor, "supersede", old, by=target.pk)
    target.status = RulesStatus.PUBLISHED
    target.published_at = now
    try:
        with transaction.atomic():
            target.save(update_fields=["status", "published_at", "updated_at"])
    except IntegrityError:
        raise ValidationFailed(_("该地已有现行版本，请刷新后重试。"), code="conflict") from None
    _audit(actor, "publish", target, superseded=[o.pk for o in before])
    return target


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(_("备案日期应为日期，如 2026-03-08。"), field="filed_on") from None
