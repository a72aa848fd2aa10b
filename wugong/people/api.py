"""API: sign-in, households and people — scoped and masked exactly as the pages are."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from wugong.core.errors import NotFound, ValidationFailed
from wugong.core.http import client_address
from wugong.people import selectors, services, signin
from wugong.people.models import Household, KeyTag
from wugong.people.rules import viewer_for
from wugong.places.models import Place

router = Router()


class CodeRequestIn(Schema):
    phone: str


class CodeVerifyIn(Schema):
    phone: str
    code: str


class MessageOut(Schema):
    detail: str


class ErrorOut(Schema):
    code: str
    detail: str
    field: str = ""


class TokenOut(Schema):
    token: str
    user_id: int
    name: str


@router.post(
    "/auth/code",
    auth=None,
    response={202: MessageOut, 400: ErrorOut, 429: ErrorOut},
    tags=["sign-in"],
    summary="Send a sign-in code by SMS",
)
def auth_code(request: HttpRequest, payload: CodeRequestIn) -> Status[MessageOut]:
    signin.sign_in_code_request(phone=payload.phone, address=client_address(request))
    return Status(202, MessageOut(detail=_("如该手机号已登记，验证码已发送。")))


@router.post(
    "/auth/verify",
    auth=None,
    response={200: TokenOut, 400: ErrorOut, 429: ErrorOut},
    tags=["sign-in"],
    summary="Exchange a code for a bearer token",
)
def auth_verify(request: HttpRequest, payload: CodeVerifyIn) -> TokenOut:
    user = signin.sign_in_code_verify(
        phone=payload.phone, code=payload.code, address=client_address(request)
    )
    return TokenOut(
        token=signin.api_token_issue(user=user),
        user_id=user.pk,
        name=user.person.name if user.person else user.username,
    )


class RoleOut(Schema):
    role: str
    place_id: int


class MeOut(Schema):
    user_id: int
    person_id: int | None
    household_id: int | None
    roles: list[RoleOut]


@router.get("/me", response=MeOut, tags=["sign-in"])
def me(request: HttpRequest) -> MeOut:
    v = viewer_for(request.user)
    return MeOut(
        user_id=request.user.pk,
        person_id=v.person_id,
        household_id=v.household_id,
        roles=[RoleOut(role=a.role, place_id=a.place_id) for a in v.assignments],
    )


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_year: int | None
    relation: str
    phone: str
    id_number: str
    is_party_member: bool
    is_volunteer: bool


class TagOut(Schema):
    tag: str
    label: str
    since: str


class HouseholdOut(Schema):
    id: int
    address: str
    place_id: int
    place_name: str
    head: str
    unit: str
    floor: int | None
    floor_area: str | None
    tags: list[TagOut]
    hidden_tags: int


class HouseholdDetailOut(HouseholdOut):
    members: list[PersonOut]


def _household_out(h: Household) -> dict:
    shown, hidden = selectors.tags_visible(list(h.tags.all()))
    return {
        "id": h.pk,
        "address": h.address,
        "place_id": h.place_id,
        "place_name": h.place.name,
        "head": h.head.name if h.head else "",
        "unit": h.unit,
        "floor": h.floor,
        "floor_area": str(h.floor_area) if h.floor_area is not None else None,
        "tags": [
            {"tag": t.tag, "label": str(KeyTag(t.tag).label), "since": t.since.isoformat()}
            for t in shown
        ],
        "hidden_tags": hidden,
    }


@router.get(
    "/households",
    response=list[HouseholdOut],
    tags=["households"],
    summary="Households in scope, by pinyin (masked)",
)
@paginate(PageNumberPagination, page_size=20)
def household_list(
    request: HttpRequest, place: int | None = None, q: str = "", tag: str = ""
) -> list[dict]:
    viewer = viewer_for(request.user)
    place_obj = None
    if place is not None:
        place_obj = Place.objects.filter(viewer.place_q(), pk=place).first()
        if place_obj is None:
            raise Http404(_("地点不存在或不在您的管辖范围内。"))
    if tag and tag not in KeyTag.values:
        raise ValidationFailed(_("未知的重点户类别：%(tag)s") % {"tag": tag}, field="tag")
    # Filtering by a sensitive tag is itself a look at it: only roles allowed to see it, and
    # each household shown is logged, as on the page.
    rule = selectors.household_list_rule(tag)
    qs = selectors.household_list(viewer=viewer, place=place_obj, query=q, tag=tag, rule=rule)

    def shown(households: list[Household]) -> None:
        if rule == "person.view_sensitive":
            services.sensitive_list_logged(user=request.user, households=households, field="tags")

    return _HouseholdPage(qs, shown)  # type: ignore[return-value]


class _HouseholdPage:
    """The households in scope, turned into API rows only when the paginator slices out its
    page: one page is read from the database, not every household in scope."""

    def __init__(self, qs: QuerySet[Household], shown: Callable[[list[Household]], None]):
        self.qs = qs
        self.shown = shown

    def __len__(self) -> int:
        return self.qs.values("id").count()

    def __getitem__(self, page: slice) -> list[dict]:
        # Ids from the index first, then only those rows (see selectors.household_page).
        ids = list(self.qs.values_list("id", flat=True)[page])
        by_id = self.qs.in_bulk(ids)
        households = [by_id[i] for i in ids if i in by_id]
        self.shown(households)
        return [_household_out(h) for h in households]


@router.get("/households/{pk}", response=HouseholdDetailOut, tags=["households"])
def household_detail(request: HttpRequest, pk: int) -> dict:
    try:
        h = selectors.household_get(viewer=viewer_for(request.user), pk=pk)
    except NotFound as e:
        raise Http404(str(e)) from e
    return {
        **_household_out(h),
        "members": [selectors.person_masked(p).__dict__ for p in h.members.all()],
    }


@router.get("/people/{pk}", response=PersonOut, tags=["households"])
def person_detail(request: HttpRequest, pk: int) -> dict:
    person = selectors.person_get(viewer=viewer_for(request.user), pk=pk)
    return selectors.person_masked(person).__dict__


class RevealIn(Schema):
    field: str


class RevealOut(Schema):
    field: str
    value: str | list[TagOut]


@router.post(
    "/people/{pk}/reveal",
    response={200: RevealOut, 403: ErrorOut, 400: ErrorOut},
    tags=["households"],
    summary="Unmask one sensitive field (logged)",
)
def person_reveal(request: HttpRequest, pk: int, payload: RevealIn) -> dict:
    # Out of view and missing answer alike (404): nothing tells which ids exist.
    person = selectors.person_get(viewer=viewer_for(request.user), pk=pk)
    value = services.sensitive_reveal(
        viewer=viewer_for(request.user),
        user=request.user,
        person=person,
        field=payload.field,
        channel="api",
    )
    if payload.field == "tags":
        value = [
            {"tag": t.tag, "label": str(KeyTag(t.tag).label), "since": t.since.isoformat()}
            for t in value
        ]
    return {"field": payload.field, "value": value}
