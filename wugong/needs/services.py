"""Every write to the needs list. Each service checks its rule, runs in one transaction, leaves
a NeedEvent (the history residents see) and an audit event, and tells the reporter and the
followers through ``transaction.on_commit`` (wugong/needs/tasks.py).

Merging (合并同类问题): the duplicates get status "merged" and point at the survivor; their
history, photos and "me too" rows stay where they are. The survivor receives, once per person,
a "me too" from everyone who raised or supported a duplicate (``carried_from`` records where it
came from) and a follow from everyone who followed or raised one, so counts never double and
everyone hears the outcome. Needs merged earlier into a duplicate are re-pointed at the
survivor, so ``merged_into`` is always one step from a live need.
"""

import re
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.core.uploads import image_clean
from wugong.needs import search
from wugong.needs.models import (
    REPLIED_STATUSES,
    TRANSITIONS,
    Category,
    EventKind,
    Need,
    NeedEvent,
    NeedFollower,
    NeedPhoto,
    NeedSupport,
    NeedToken,
    Notification,
    Source,
    Status,
    Urgency,
)
from wugong.needs.selectors import manages_path, need_scope
from wugong.needs.tasks import need_notify
from wugong.people.models import Household, Person
from wugong.people.rules import Viewer
from wugong.places.models import Place

MAX_TEXT = 2000
MAX_TITLE = 30
MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 5 * 1024 * 1024


# --- checks ----------------------------------------------------------------------------------
def text_clean(text: str, title: str = "") -> tuple[str, str]:
    """The need's text and title (the first line of the text when no title is given)."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("请写下您遇到的问题或需要。"), code="text_empty", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("内容太长了，请不超过%(n)d个字。") % {"n": MAX_TEXT}, code="text_long", field="text"
        )
    title = (title or "").strip() or text.splitlines()[0].strip()
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    return text, title


CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def photos_clean(photos: Sequence[UploadedFile]) -> list[tuple[ContentFile, str]]:
    """At most nine photos, each an image (read from its content) of 5 MB or less, re-encoded
    so that no EXIF — above all the GPS position of a resident's home — is ever stored.
    Raises ValidationFailed naming the photo; nothing is kept of a refused batch."""
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(
            _("最多上传%(n)d张照片。") % {"n": MAX_PHOTOS}, code="photos_many", field="photos"
        )
    cleaned = []
    for photo in photos:
        name = (photo.name or "")[:40]
        try:
            clean = image_clean(photo, max_bytes=MAX_PHOTO_BYTES)
        except ValidationFailed as e:
            raise ValidationFailed(
                _("“%(name)s”：%(why)s") % {"name": name, "why": e.message},
                code="photo_too_large" if e.code == "too_large" else "photo_type",
                field="photos",
            ) from e
        ext = clean.name.rsplit(".", 1)[-1]
        cleaned.append((clean, CONTENT_TYPES.get(ext, "image/png")))
    return cleaned


def _require_manage(viewer: Viewer, need: Need) -> None:
    if not manages_path(viewer, need.place_path):
        raise PermissionDenied(_("您无权处理这个问题。"))


def _require_visible(viewer: Viewer, need: Need) -> None:
    scope = need_scope(viewer)
    if not (
        scope.everything or scope.holds_path(need.place_path) or need.place_id in scope.above_ids
    ):
        raise NotFound(_("问题不存在或不在您的查看范围内。"))


def _locked(need: Need) -> Need:
    """The need re-read inside the transaction, locked against concurrent changes."""
    return Need.objects.select_for_update().get(pk=need.pk)


def _notify(
    need: Need,
    text: str,
    *,
    exclude_person_id: int | None = None,
    sms: bool = False,
    person_ids: list[int] | None = None,
) -> None:
    """After the commit, notify the reporter and followers (or ``person_ids``)."""
    kwargs = {
        "need_id": need.pk,
        "text": str(text),
        "exclude_person_id": exclude_person_id,
        "sms": sms,
        "person_ids": person_ids,
    }
    transaction.on_commit(lambda: need_notify.enqueue(**kwargs))


def _person_id(actor: Any) -> int | None:
    return getattr(actor, "person_id", None)


def _tokens_write(need: Need) -> None:
    NeedToken.objects.filter(need=need).delete()
    NeedToken.objects.bulk_create(
        NeedToken(need=need, token=gram)
        for gram in sorted(search.bigrams(f"{need.title}\n{need.text}"))
    )


def _create(
    *,
    text: str,
    title: str,
    place: Place,
    reporter_id: int,
    source: str,
    photos: list[tuple[ContentFile, str]],
    category: str = Category.OTHER,
    urgency: str = Urgency.NORMAL,
    recorded_by: Any = None,
    idempotency_key: str | None = None,
) -> Need:
    need = Need.objects.create(
        idempotency_key=idempotency_key,
        title=title,
        text=text,
        place=place,
        place_path=place.path,
        category=category,
        urgency=urgency,
        source=source,
        reporter_id=reporter_id,
        recorded_by=recorded_by,
        search_text=search.normalize(f"{title}\n{text}"),
    )
    _tokens_write(need)
    for photo, content_type in photos:
        photo.name = f"{uuid.uuid4().hex}.{photo.name.rsplit('.', 1)[-1]}"
        NeedPhoto.objects.create(
            need=need, file=photo, content_type=content_type, size=photo.size or 0
        )
    return need


# --- raising needs ---------------------------------------------------------------------------
IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _need_for_key(key: str, reporter_id: int) -> Need | None:
    """The need a form with this key already raised; a key used by someone else is refused."""
    existing = Need.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.reporter_id != reporter_id:
        raise ValidationFailed(_("提交标识已被使用。"), field="idempotency_key")
    return existing


@transaction.atomic
def need_submit(
    *,
    viewer: Viewer,
    actor: Any,
    text: str,
    place: Place | None = None,
    photos: Sequence[UploadedFile] = (),
    title: str = "",
    category: str = "",
    idempotency_key: str = "",
) -> Need:
    """A resident raises a need from their phone (提出问题). The reporter is the signed-in
    person; the place is their household's unless they chose another in their village.

    The form's ``idempotency_key`` makes a second submission (a bad network, an offline draft
    sent again) return the first need instead of raising a new one."""
    if not viewer.person_id or not viewer.has_rule("need.submit"):
        raise PermissionDenied(_("请先登录并关联本人信息，才能提出问题。"))
    key = idempotency_key.strip() or None
    if key is not None:
        if not IDEMPOTENCY_KEY_RE.match(key):
            raise ValidationFailed(_("提交标识无效，请刷新页面后重试。"), field="idempotency_key")
        if (existing := _need_for_key(key, viewer.person_id)) is not None:
            return existing
    text, title = text_clean(text, title)
    cleaned = photos_clean(photos)
    if category and category not in Category.values:
        raise ValidationFailed(_("未知的问题类别。"), field="category")
    if place is None and viewer.household_id:
        place = Household.objects.select_related("place").get(pk=viewer.household_id).place
    if place is None:
        raise ValidationFailed(_("请选择问题所在的地点。"), code="place_missing", field="place")
    if not need_scope(viewer, "need.submit").holds_path(place.path):
        raise ValidationFailed(
            _("所选地点不存在或不在您所在的村（社区）内。"), code="place_unknown", field="place"
        )
    try:
        with transaction.atomic():
            need = _create(
                text=text,
                title=title,
                place=place,
                reporter_id=viewer.person_id,
                source=Source.ONLINE,
                photos=cleaned,
                category=category or Category.OTHER,
                idempotency_key=key,
            )
    except IntegrityError:  # the same form, sent twice at once: the other one won
        if key is None or (existing := _need_for_key(key, viewer.person_id)) is None:
            raise
        return existing
    NeedEvent.objects.create(
        need=need, kind=EventKind.SUBMITTED, actor=actor, to_status=need.status
    )
    audit_event_record(
        actor=actor,
        action="need.submit",
        obj=need,
        place_path=place.path,
        changes={"title": title, "place": place, "photos": len(cleaned)},
    )
    return need


@transaction.atomic
def need_record(
    *,
    viewer: Viewer,
    actor: Any,
    on_behalf_of: Person,
    text: str,
    source: str,
    place: Place | None = None,
    photos: Sequence[UploadedFile] = (),
    title: str = "",
    category: str = "",
) -> Need:
    """A cadre, grid worker, chief or centre household records a need for a resident (代录),
    heard on a visit, at a courtyard meeting, in a survey or from the suggestion box. The
    resident is the reporter; the recorder is shown beside them wherever the need is shown."""
    if not viewer.has_rule("need.record"):
        raise PermissionDenied(_("您无权代录问题。"))
    if not viewer.can_person("need.record", on_behalf_of):
        raise PermissionDenied(_("此人不在您可以代录的范围内。"))
    if source not in Source.values:
        raise ValidationFailed(_("请选择问题的来源。"), code="source", field="source")
    if category and category not in Category.values:
        raise ValidationFailed(_("未知的问题类别。"), field="category")
    text, title = text_clean(text, title)
    cleaned = photos_clean(photos)
    if place is None and on_behalf_of.household_id:
        place = Household.objects.select_related("place").get(pk=on_behalf_of.household_id).place
    if place is None:
        raise ValidationFailed(_("请选择问题所在的地点。"), code="place_missing", field="place")
    if not need_scope(viewer, "need.record").holds_path(place.path):
        raise ValidationFailed(
            _("所选地点不存在或不在您所在的村（社区）内。"), code="place_unknown", field="place"
        )
    need = _create(
        text=text,
        title=title,
        place=place,
        reporter_id=on_behalf_of.pk,
        source=source,
        photos=cleaned,
        category=category or Category.OTHER,
        recorded_by=actor,
    )
    NeedEvent.objects.create(
        need=need,
        kind=EventKind.RECORDED,
        actor=actor,
        on_behalf_of=on_behalf_of,
        to_status=need.status,
        text=Source(source).label,
    )
    audit_event_record(
        actor=actor,
        action="need.record",
        obj=need,
        on_behalf_of=on_behalf_of,
        place_path=place.path,
        changes={"title": title, "place": place, "source": source, "photos": len(cleaned)},
    )
    return need


# --- residents' reactions --------------------------------------------------------------------
@transaction.atomic
def need_support(*, viewer: Viewer, actor: Any, need: Need) -> tuple[Need, bool]:
    """ "Me too" (我也需要): at most once per person, however often it is sent (the database
    holds the rule). Supporting a merged need supports the need it was merged into. Supporters
    also follow the need, so they hear the answer. Returns the need supported and whether this
    was a new "me too"."""
    if not viewer.person_id:
        raise PermissionDenied(_("请先登录并关联本人信息。"))
    _require_visible(viewer, need)
    if need.merged_into_id:
        need = need.merged_into  # type: ignore[assignment]
    if need.reporter_id == viewer.person_id:
        raise ValidationFailed(
            _("这是您自己提出的问题，已经算上您了。"), code="own_need", field="need"
        )
    _row, created = NeedSupport.objects.get_or_create(need=need, person_id=viewer.person_id)
    if created:
        NeedFollower.objects.get_or_create(need=need, person_id=viewer.person_id)
        audit_event_record(actor=actor, action="need.support", obj=need, place_path=need.place_path)
    return need, created


@transaction.atomic
def need_follow(*, viewer: Viewer, actor: Any, need: Need, follow: bool = True) -> bool:
    """Follow (关注) or stop following a need (a merged need: the need it was merged into);
    returns whether anything changed."""
    if not viewer.person_id:
        raise PermissionDenied(_("请先登录并关联本人信息。"))
    _require_visible(viewer, need)
    if need.merged_into_id:
        need = need.merged_into  # type: ignore[assignment]
    if follow:
        _row, changed = NeedFollower.objects.get_or_create(need=need, person_id=viewer.person_id)
    else:
        changed = bool(
            NeedFollower.objects.filter(need=need, person_id=viewer.person_id).delete()[0]
        )
    if changed:
        audit_event_record(
            actor=actor,
            action="need.follow" if follow else "need.unfollow",
            obj=need,
            place_path=need.place_path,
        )
    return changed


# --- cadres' work ------------------------------------------------------------------------------
@transaction.atomic
def need_classify(
    *,
    viewer: Viewer,
    actor: Any,
    need: Need,
    category: str,
    urgency: str,
    place: Place | None = None,
) -> Need:
    """Sort a need (分类研判): its category, urgency and, if it was put at the wrong place,
    the right place (within the manager's own scope)."""
    _require_manage(viewer, need)
    need = _locked(need)
    if need.status == Status.MERGED:
        raise ValidationFailed(_("这个问题已合并，请处理合并后的问题。"), code="merged")
    if category not in Category.values:
        raise ValidationFailed(_("请选择问题类别。"), field="category")
    if urgency not in Urgency.values:
        raise ValidationFailed(_("请选择紧急程度。"), field="urgency")
    place = place or need.place
    if not manages_path(viewer, place.path):
        raise ValidationFailed(
            _("所选地点不在您的管辖范围内。"), code="place_unknown", field="place"
        )
    before = {"category": need.category, "urgency": need.urgency, "place": need.place_id}
    need.category, need.urgency, need.place, need.place_path = category, urgency, place, place.path
    need.save(update_fields=["category", "urgency", "place", "place_path", "updated_at"])
    summary = _("类别：%(c)s；紧急程度：%(u)s；地点：%(p)s") % {
        "c": Category(category).label,
        "u": Urgency(urgency).label,
        "p": place.name,
    }
    NeedEvent.objects.create(need=need, kind=EventKind.CLASSIFIED, actor=actor, text=summary)
    audit_event_record(
        actor=actor,
        action="need.classify",
        obj=need,
        place_path=place.path,
        changes={"before": before, "category": category, "urgency": urgency, "place": place},
    )
    _notify(
        need,
        _("您关注的问题“%(t)s”已分类：%(s)s。") % {"t": need.title, "s": summary},
        exclude_person_id=_person_id(actor),
    )
    return need


@transaction.atomic
def need_status_change(
    *, viewer: Viewer, actor: Any, need: Need, status: str, text: str = ""
) -> Need:
    """Move a need along (see models.TRANSITIONS). Answering needs the answer and declining
    (婉拒) needs the reason: both are sent to the reporter, also by SMS."""
    _require_manage(viewer, need)
    need = _locked(need)
    text = (text or "").strip()
    if status not in Status.values or status == Status.MERGED:
        raise ValidationFailed(_("未知的状态。"), code="status", field="status")
    if status not in TRANSITIONS[need.status]:
        raise ValidationFailed(
            _("不能从“%(a)s”改为“%(b)s”。")
            % {"a": Status(need.status).label, "b": Status(status).label},
            code="transition",
            field="status",
        )
    if status == Status.DECLINED and not text:
        raise ValidationFailed(_("婉拒须向提出人说明理由。"), code="reason_required", field="text")
    if status == Status.ANSWERED and not text:
        raise ValidationFailed(_("请填写答复内容。"), code="answer_required", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(_("说明太长了，请不超过%(n)d个字。") % {"n": MAX_TEXT}, field="text")
    old = need.status
    need.status = status
    fields = ["status", "updated_at"]
    if status in REPLIED_STATUSES:
        need.answer, need.answered_by, need.answered_at = text, actor, timezone.now()
        fields += ["answer", "answered_by", "answered_at"]
    elif old in REPLIED_STATUSES:  # reopened: waiting for a reply again
        need.answer, need.answered_by, need.answered_at = "", None, None
        fields += ["answer", "answered_by", "answered_at"]
    need.save(update_fields=fields)
    NeedEvent.objects.create(
        need=need,
        kind=EventKind.ANSWERED if status == Status.ANSWERED else EventKind.STATUS,
        actor=actor,
        from_status=old,
        to_status=status,
        text=text,
    )
    audit_event_record(
        actor=actor,
        action="need.status",
        obj=need,
        place_path=need.place_path,
        changes={"from": old, "to": status, "text": text},
    )
    if status == Status.ANSWERED:
        notice = _("您的问题“%(t)s”有了答复：%(a)s") % {"t": need.title, "a": text}
    elif status == Status.DECLINED:
        notice = _("您的问题“%(t)s”暂不能解决，理由：%(a)s") % {"t": need.title, "a": text}
    else:
        notice = _("您关注的问题“%(t)s”状态变为：%(s)s。") % {
            "t": need.title,
            "s": Status(status).label,
        }
        if text:
            notice += text
    _notify(need, notice, exclude_person_id=_person_id(actor), sms=status in REPLIED_STATUSES)
    return need


def need_answer(*, viewer: Viewer, actor: Any, need: Need, text: str) -> Need:
    """Answer a need (答复): every reporter gets an answer."""
    return need_status_change(
        viewer=viewer, actor=actor, need=need, status=Status.ANSWERED, text=text
    )


@transaction.atomic
def need_merge(*, viewer: Viewer, actor: Any, duplicates: Sequence[Need], survivor: Need) -> Need:
    """Merge duplicates into a survivor (合并同类问题); see the module docstring."""
    if not duplicates:
        raise ValidationFailed(_("请选择要合并的问题。"), field="duplicates")
    _require_manage(viewer, survivor)
    for dup in duplicates:
        _require_manage(viewer, dup)
    survivor = _locked(survivor)
    if survivor.status == Status.MERGED:
        raise ValidationFailed(
            _("问题 #%(n)d 已合并到 #%(m)d，请直接合并到 #%(m)d。")
            % {"n": survivor.pk, "m": survivor.merged_into_id},
            code="survivor_merged",
            field="survivor",
        )
    dups = []
    for dup in sorted({d.pk: d for d in duplicates}.values(), key=lambda d: d.pk):
        if dup.pk == survivor.pk:
            raise ValidationFailed(
                _("不能把问题合并到它自己。"), code="merge_self", field="survivor"
            )
        dup = _locked(dup)
        if dup.status == Status.MERGED:
            raise ValidationFailed(
                _("问题 #%(n)d 已经合并过了。") % {"n": dup.pk},
                code="already_merged",
                field="duplicates",
            )
        dups.append(dup)

    supporters = set(NeedSupport.objects.filter(need=survivor).values_list("person_id", flat=True))
    supporters.add(survivor.reporter_id)  # the reporter is never their own "me too"
    followers = set(NeedFollower.objects.filter(need=survivor).values_list("person_id", flat=True))
    followers.add(survivor.reporter_id)
    told_of_survivor = sorted(followers)  # the duplicates' people hear of their own need
    new_supports: list[NeedSupport] = []
    new_follows: list[NeedFollower] = []
    for dup in dups:
        dup_people = {
            dup.reporter_id,
            *NeedSupport.objects.filter(need=dup).values_list("person_id", flat=True),
        }
        for pk in sorted(dup_people - supporters):
            new_supports.append(NeedSupport(need=survivor, person_id=pk, carried_from=dup))
        supporters |= dup_people
        dup_followers = {
            dup.reporter_id,
            *NeedFollower.objects.filter(need=dup).values_list("person_id", flat=True),
        }
        for pk in sorted(dup_followers - followers):
            new_follows.append(NeedFollower(need=survivor, person_id=pk))
        followers |= dup_followers
    NeedSupport.objects.bulk_create(new_supports)
    NeedFollower.objects.bulk_create(new_follows)

    for dup in dups:
        # Needs merged earlier into this duplicate now point at the survivor (one hop).
        Need.objects.filter(merged_into=dup).update(merged_into=survivor)
        old = dup.status
        dup.status, dup.merged_into = Status.MERGED, survivor
        dup.save(update_fields=["status", "merged_into", "updated_at"])
        NeedEvent.objects.create(
            need=dup,
            kind=EventKind.MERGED_INTO,
            actor=actor,
            from_status=old,
            to_status=Status.MERGED,
            other=survivor,
        )
        NeedEvent.objects.create(need=survivor, kind=EventKind.MERGED_FROM, actor=actor, other=dup)
        audit_event_record(
            actor=actor,
            action="need.merge",
            obj=dup,
            place_path=dup.place_path,
            changes={"into": survivor, "from_status": old},
        )
        _notify(
            dup,
            _("您关注的问题“%(t)s”与问题 #%(n)d“%(s)s”是同一件事，已合并，后续进展请看 #%(n)d。")
            % {"t": dup.title, "n": survivor.pk, "s": survivor.title},
            exclude_person_id=_person_id(actor),
        )
    audit_event_record(
        actor=actor,
        action="need.merge_into",
        obj=survivor,
        place_path=survivor.place_path,
        changes={"merged": [d.pk for d in dups], "supports_added": len(new_supports)},
    )
    _notify(
        survivor,
        _("问题“%(t)s”合并了%(k)d条相同的问题，现在共有%(n)d人也需要。")
        % {"t": survivor.title, "k": len(dups), "n": len(supporters) - 1},
        exclude_person_id=_person_id(actor),
        person_ids=told_of_survivor,
    )
    return survivor


# --- notices ---------------------------------------------------------------------------------
def notifications_mark_read(*, viewer: Viewer, pks: Sequence[int] | None = None) -> int:
    """Mark the viewer's notices read (all, or the given ones). A read mark is the viewer's
    own bookkeeping, not a change to shared state, so it is not audited."""
    if not viewer.person_id:
        return 0
    qs = Notification.objects.filter(person_id=viewer.person_id, read_at__isnull=True)
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    return qs.update(read_at=timezone.now())
