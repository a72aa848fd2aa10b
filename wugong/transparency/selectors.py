"""Reads of public notices. The public page needs no sign-in (村务公开) and shows nothing
personal beyond what a notice itself publishes: objectors appear as their surname and two
asterisks (王**), whatever the length of their name, and objection photos only to managers."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.errors import NotFound
from wugong.people.rules import Viewer
from wugong.places.models import Place
from wugong.places.paths import subtree_q
from wugong.transparency.models import Notice, NoticePhase, NoticeStatus, Objection
from wugong.transparency.pdf import NoticePrint
from wugong.transparency.services import can_manage_notice_place, notice_hash


def mask_name(name: str) -> str:
    """王秀英 → 王**; 欧阳娜娜 → 欧**. The same two stars for every name, so the mask does not
    reveal the name's length."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else "**"


def absolute_url(request: HttpRequest | None, path: str) -> str:
    """An absolute URL for ``path``: settings.SITE_URL (e.g. https://wugong.example.cn) when
    set, as printed notices must point to the public address; else from the request."""
    site = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if site:
        return site + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def _public_q(now: dt.datetime) -> Q:
    """Notices the public sees: published and started, or withdrawn after publication."""
    return Q(status=NoticeStatus.PUBLISHED, starts_at__lte=now) | Q(status=NoticeStatus.WITHDRAWN)


@dataclass
class PlaceNotices:
    current: list[Notice]
    past: list[Notice]


def place_notices_public(
    *, place: Place, now: dt.datetime | None = None, past_limit: int = 50
) -> PlaceNotices:
    """The public notice board of a place (and the places under it): notices in their period
    now, then ended and withdrawn ones, newest first. Two queries."""
    now = now or timezone.now()
    base = (
        Notice.objects.filter(subtree_q(place.path, "place_path"))
        .filter(_public_q(now))
        .select_related("place")
        .annotate(objection_count=Count("objections"))
        .defer("body")
    )
    current = list(
        base.filter(status=NoticeStatus.PUBLISHED, ends_at__gt=now).order_by("ends_at", "-id")
    )
    past = list(
        base.filter(Q(status=NoticeStatus.WITHDRAWN) | Q(ends_at__lte=now)).order_by(
            "-ends_at", "-id"
        )[:past_limit]
    )
    return PlaceNotices(current=current, past=past)


def notice_get(*, viewer: Viewer, pk: int, now: dt.datetime | None = None) -> Notice:
    """A notice as its page shows it: public once published (and started); drafts and notices
    not yet started only to those who manage them."""
    now = now or timezone.now()
    notice = (
        Notice.objects.select_related("place", "subject_type")
        .prefetch_related("attachments")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise NotFound(_("公示不存在。"))
    if notice.phase_at(now) in {NoticePhase.DRAFT, NoticePhase.UPCOMING} and not (
        can_manage_notice_place(viewer, notice.place)
    ):
        raise NotFound(_("公示不存在。"))
    return notice


@dataclass
class ObjectionView:
    id: int
    objector: str
    text: str
    created_at: dt.datetime
    has_photo: bool
    photo_url: str
    answer: str
    answered_at: dt.datetime | None


def notice_objections(*, notice: Notice, show_photos: bool = False) -> list[ObjectionView]:
    """The objections to a notice with their answers, objectors masked."""
    rows = (
        Objection.objects.filter(notice=notice)
        .select_related("person")
        .order_by("created_at", "id")
    )
    return [
        ObjectionView(
            id=o.pk,
            objector=mask_name(o.person.name),
            text=o.text,
            created_at=o.created_at,
            has_photo=bool(o.photo),
            photo_url=o.photo.url if (o.photo and show_photos) else "",
            answer=o.answer,
            answered_at=o.answered_at,
        )
        for o in rows
    ]


def notices_managed(*, viewer: Viewer) -> QuerySet[Notice]:
    """Notices in places the viewer may manage (the cadre's list), drafts first."""
    return (
        Notice.objects.filter(viewer.path_q("notice.manage"))
        .select_related("place")
        .annotate(
            objection_count=Count("objections"),
            unanswered=Count("objections", filter=Q(objections__answered_at__isnull=True)),
        )
        .order_by("-created_at", "-id")
    )


def manageable_places(*, viewer: Viewer) -> list[Place]:
    """Places where the viewer may publish notices (villages, communities, towns, groups)."""
    qs = Place.objects.filter(viewer.place_q("notice.manage")).order_by("path")[:500]
    return [p for p in qs if can_manage_notice_place(viewer, p)]


def notice_url(notice: Notice) -> str:
    return reverse("transparency:notice_detail", args=[notice.pk])


def notice_period_text(notice: Notice) -> str:
    if not notice.starts_at or not notice.ends_at:
        return _("尚未发布")
    fmt = "%Y-%m-%d %H:%M"
    return _("%(start)s 至 %(end)s") % {
        "start": timezone.localtime(notice.starts_at).strftime(fmt),
        "end": timezone.localtime(notice.ends_at).strftime(fmt),
    }


def notice_print(*, notice: Notice, url: str, verify_url: str = "") -> NoticePrint:
    """What the printed notice shows (with its hash-chain link once published)."""
    from wugong.transparency.chain import link_for_key

    link = link_for_key(f"notice:{notice.pk}")
    note = ""
    if notice.status == NoticeStatus.WITHDRAWN:
        note = _("本公示已于%(at)s撤回：%(reason)s") % {
            "at": timezone.localtime(notice.withdrawn_at).strftime("%Y-%m-%d"),
            "reason": notice.withdraw_reason,
        }
    elif notice.status == NoticeStatus.DRAFT:
        note = _("草稿，尚未发布")
    return NoticePrint(
        title=notice.title,
        kind=str(notice.get_kind_display()),
        place=notice.place.name,
        issuer=notice.issuer,
        body=notice.body,
        period=notice_period_text(notice),
        content_hash=notice.content_hash or _("（发布后生成）"),
        url=url,
        attachments=[a.name for a in notice.attachments.all()],
        status_note=note,
        chain_hash=link.hash if link else "",
        verify_url=f"{verify_url}?hash={link.hash}" if link and verify_url else verify_url,
    )


def notice_hash_matches(notice: Notice) -> bool:
    """The stored hash still matches the text: shown on the page as a check anyone can read."""
    return bool(notice.content_hash) and notice_hash(notice) == notice.content_hash


def notice_facts(notice: Notice, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    phase = notice.phase_at(now)
    return {
        "phase": phase,
        "phase_label": NoticePhase(phase).label,
        "period": notice_period_text(notice),
        "is_current": phase == NoticePhase.CURRENT,
    }
