"""API of the needs list at /api/v1/needs: scoped exactly as the pages are. Domain errors come
back as {code, detail, field} with their 4xx status (wugong/api.py)."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status as Reply

from wugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from wugong.needs import selectors, services
from wugong.needs.models import Category, EventKind, Need, NeedEvent, Status
from wugong.people.models import Person
from wugong.people.rules import Viewer, viewer_for

router = Router(tags=["needs"])


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class NeedOut(Schema):
    id: int
    title: str
    text: str
    place_id: int
    place_name: str
    category: str
    category_label: str
    urgency: str
    status: str
    status_label: str
    source: str
    reporter: str
    recorded_by: str
    recorded_line: str
    support_count: int = 0
    supported_by_me: bool = False
    merged_into: int | None
    answer: str
    answered_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_place_name(obj: Need) -> str:
        return obj.place.name

    @staticmethod
    def resolve_category_label(obj: Need) -> str:
        return str(Category(obj.category).label)

    @staticmethod
    def resolve_status_label(obj: Need) -> str:
        return str(Status(obj.status).label)

    @staticmethod
    def resolve_reporter(obj: Need) -> str:
        return obj.reporter.name

    @staticmethod
    def resolve_recorded_by(obj: Need) -> str:
        return selectors.recorded_by_name(obj)

    @staticmethod
    def resolve_recorded_line(obj: Need) -> str:
        recorder = selectors.recorded_by_name(obj)
        if not recorder:
            return ""
        return _("%(who)s代%(whom)s录入") % {"who": recorder, "whom": obj.reporter.name}

    @staticmethod
    def resolve_supported_by_me(obj: Need) -> bool:
        return bool(getattr(obj, "supported_by_me", False))

    @staticmethod
    def resolve_merged_into(obj: Need) -> int | None:
        return obj.merged_into_id


class EventOut(Schema):
    kind: str
    label: str
    actor: str
    on_behalf_of: str
    from_status: str
    to_status: str
    other: int | None
    text: str
    at: dt.datetime

    @staticmethod
    def resolve_label(obj: NeedEvent) -> str:
        return str(EventKind(obj.kind).label)

    @staticmethod
    def resolve_actor(obj: NeedEvent) -> str:
        return selectors.recorded_by_name_of(obj.actor)

    @staticmethod
    def resolve_on_behalf_of(obj: NeedEvent) -> str:
        return obj.on_behalf_of.name if obj.on_behalf_of else ""

    @staticmethod
    def resolve_other(obj: NeedEvent) -> int | None:
        return obj.other_id


class NeedDetailOut(NeedOut):
    follower_count: int = 0
    photos: list[str]
    merged_needs: list[int]
    events: list[EventOut]

    @staticmethod
    def resolve_photos(obj: Need) -> list[str]:
        return [reverse("needs:photo", args=[p.pk]) for p in obj.photos.all()]

    @staticmethod
    def resolve_merged_needs(obj: Need) -> list[int]:
        return [m.pk for m in obj.merged_needs.all()]

    @staticmethod
    def resolve_events(obj: Need) -> list[NeedEvent]:
        return list(obj.events.all())


class SupportOut(Schema):
    need_id: int
    support_count: int
    created: bool


class FollowIn(Schema):
    follow: bool = True


class ClassifyIn(Schema):
    category: str
    urgency: str
    place: int | None = None


class MergeIn(Schema):
    survivor: int


class StatusIn(Schema):
    status: str
    text: str = ""


class AnswerIn(Schema):
    text: str


class RecordIn(Schema):
    person: int
    text: str
    source: str
    place: int | None = None
    category: str = ""


class NoticeOut(Schema):
    id: int
    need_id: int
    text: str
    created_at: dt.datetime
    read_at: dt.datetime | None


def _get(viewer: Viewer, pk: int) -> Need:
    return selectors.need_get(viewer=viewer, pk=pk)


@router.get("/", response=list[NeedOut], summary="Needs in scope, filtered and searched")
@paginate(PageNumberPagination, page_size=20)
def need_list(
    request: HttpRequest,
    place: int | None = None,
    category: str = "",
    status: str = "",
    q: str = "",
) -> QuerySet[Need]:
    viewer = viewer_for(request.user)
    place_obj = selectors.need_place_get(viewer=viewer, place_id=place, rule="need.view")
    if category and category not in Category.values:
        raise ValidationFailed(_("未知的问题类别。"), field="category")
    if status and status not in Status.values:
        raise ValidationFailed(_("未知的状态。"), field="status")
    return selectors.need_list(
        viewer=viewer, place=place_obj, category=category, status=status, query=q[:100]
    )


@router.post(
    "/",
    response={201: NeedDetailOut, 400: ErrorOut, 403: ErrorOut},
    summary="Raise a need (multipart: text, place, photos)",
)
def need_submit(
    request: HttpRequest,
    text: Form[str] = "",
    place: Form[str] = "",
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Reply:
    viewer = viewer_for(request.user)
    need = services.need_submit(
        viewer=viewer,
        actor=request.user,
        text=text,
        place=selectors.need_place_get(viewer=viewer, place_id=place, rule="need.submit"),
        photos=photos or [],
    )
    return Reply(201, _get(viewer, need.pk))


@router.post(
    "/record",
    response={201: NeedDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Record a need for a resident (代录)",
)
def need_record(request: HttpRequest, payload: RecordIn) -> Reply:
    viewer = viewer_for(request.user)
    person = Person.objects.select_related("household").filter(pk=payload.person).first()
    if person is None or not viewer.can_person("need.record", person):
        raise NotFound(_("人员不存在或不在您可以代录的范围内。"), field="person")
    need = services.need_record(
        viewer=viewer,
        actor=request.user,
        on_behalf_of=person,
        text=payload.text,
        source=payload.source,
        category=payload.category,
        place=selectors.need_place_get(viewer=viewer, place_id=payload.place, rule="need.record"),
    )
    return Reply(201, _get(viewer, need.pk))


@router.get("/unanswered", response=list[NeedOut], summary="No answer after N days")
@paginate(PageNumberPagination, page_size=20)
def need_unanswered(request: HttpRequest, days: int = 7) -> QuerySet[Need]:
    viewer = viewer_for(request.user)
    if not viewer.has_rule("need.manage"):
        raise PermissionDenied(_("您无权查看这个清单。"))
    return selectors.unanswered(viewer=viewer, days=days)


@router.get("/notices", response=list[NoticeOut], summary="My notices")
@paginate(PageNumberPagination, page_size=20)
def notice_list(request: HttpRequest) -> list:
    return list(selectors.notifications(viewer=viewer_for(request.user)))


@router.get("/{pk}", response={200: NeedDetailOut, 404: ErrorOut})
def need_detail(request: HttpRequest, pk: int) -> Need:
    return _get(viewer_for(request.user), pk)


@router.post("/{pk}/support", response={200: SupportOut, 400: ErrorOut, 404: ErrorOut})
def need_support(request: HttpRequest, pk: int) -> dict:
    """ "Me too": once per person; repeating it changes nothing."""
    viewer = viewer_for(request.user)
    need, created = services.need_support(viewer=viewer, actor=request.user, need=_get(viewer, pk))
    need = _get(viewer, need.pk)
    return {"need_id": need.pk, "support_count": need.support_count, "created": created}


@router.post("/{pk}/follow", response={200: NeedDetailOut, 404: ErrorOut})
def need_follow(request: HttpRequest, pk: int, payload: FollowIn) -> Need:
    viewer = viewer_for(request.user)
    services.need_follow(
        viewer=viewer, actor=request.user, need=_get(viewer, pk), follow=payload.follow
    )
    return _get(viewer, pk)


@router.post(
    "/{pk}/classify", response={200: NeedDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def need_classify(request: HttpRequest, pk: int, payload: ClassifyIn) -> Need:
    viewer = viewer_for(request.user)
    need = _get(viewer, pk)
    services.need_classify(
        viewer=viewer,
        actor=request.user,
        need=need,
        category=payload.category,
        urgency=payload.urgency,
        place=selectors.need_place_get(viewer=viewer, place_id=payload.place, rule="need.manage"),
    )
    return _get(viewer, pk)


@router.post(
    "/{pk}/merge",
    response={200: NeedDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Merge this need into the survivor; returns the survivor",
)
def need_merge(request: HttpRequest, pk: int, payload: MergeIn) -> Need:
    viewer = viewer_for(request.user)
    need = _get(viewer, pk)
    survivor = _get(viewer, payload.survivor)
    services.need_merge(viewer=viewer, actor=request.user, duplicates=[need], survivor=survivor)
    return _get(viewer, survivor.pk)


@router.post(
    "/{pk}/status", response={200: NeedDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def need_status(request: HttpRequest, pk: int, payload: StatusIn) -> Need:
    viewer = viewer_for(request.user)
    services.need_status_change(
        viewer=viewer,
        actor=request.user,
        need=_get(viewer, pk),
        status=payload.status,
        text=payload.text,
    )
    return _get(viewer, pk)


@router.post(
    "/{pk}/answer", response={200: NeedDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def need_answer(request: HttpRequest, pk: int, payload: AnswerIn) -> Need:
    viewer = viewer_for(request.user)
    services.need_answer(
        viewer=viewer, actor=request.user, need=_get(viewer, pk), text=payload.text
    )
    return _get(viewer, pk)
