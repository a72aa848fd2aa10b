"""API of 效果共评 at /api/v1/evaluations: project ratings, satisfaction per place, yearly
rounds, ten-star campaigns and stars, awards. Published results need no sign-in, like the
pages; every write calls the same service as the page. Domain errors come back as
{code, detail, field} with their 4xx status (wugong/api.py)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status as Reply

from wugong.core.errors import NotFound
from wugong.evaluations import selectors, services
from wugong.evaluations.models import (
    Award,
    AwardBallot,
    Nomination,
    ProjectRating,
    RatingRound,
    StarAward,
    StarCampaign,
    StarDeclaration,
)
from wugong.evaluations.tally import StarSummary, VerdictSummary
from wugong.people.models import Household, Person

router = Router(tags=["evaluations"])


# --- schemas -----------------------------------------------------------------------------------
class SummaryOut(Schema):
    count: int
    total: int
    mean: str  # to one decimal, half up ("—" when none); exact: total / count
    distribution: dict[str, int]  # "1" … "5" stars: number of ratings


def _summary(s: StarSummary) -> SummaryOut:
    return SummaryOut(
        count=s.count,
        total=s.total,
        mean=s.mean_text,
        distribution={str(i + 1): n for i, n in enumerate(s.distribution)},
    )


class VerdictOut(Schema):
    count: int
    satisfied: int
    fairly: int
    dissatisfied: int
    rate: str  # (满意 + 基本满意) / count, percent to one decimal


def _verdict(v: VerdictSummary) -> VerdictOut:
    return VerdictOut(
        count=v.count,
        satisfied=v.satisfied,
        fairly=v.fairly,
        dissatisfied=v.dissatisfied,
        rate=v.rate_text,
    )


class ProjectRatingsOut(Schema):
    project_id: int
    stage: str
    open_stages: list[str]
    stages: dict[str, SummaryOut]


class RatingIn(Schema):
    stage: str
    stars: int
    comment: str = ""


class RatingOut(Schema):
    id: int
    project_id: int
    stage: str
    stars: int
    comment: str


class PlaceSatisfactionOut(Schema):
    place_id: int
    place: str
    projects: dict[str, SummaryOut]
    reports: SummaryOut
    rounds: VerdictOut


class PlaceSatisfactionListOut(Schema):
    total: PlaceSatisfactionOut
    children: list[PlaceSatisfactionOut]


def _place_out(p: selectors.PlaceSatisfaction) -> PlaceSatisfactionOut:
    return PlaceSatisfactionOut(
        place_id=p.place.pk,
        place=p.place.name,
        projects={k: _summary(v) for k, v in p.projects.items()},
        reports=_summary(p.reports),
        rounds=_verdict(p.rounds),
    )


class RoundIn(Schema):
    place_id: int
    year: int
    title: str = ""
    organisation_ids: list[int] = []


class SubjectOut(Schema):
    id: int
    name: str
    post: str
    person_id: int | None
    organisation_id: int | None
    result: VerdictOut | None = None


class RoundOut(Schema):
    id: int
    place_id: int
    year: int
    title: str
    status: str
    voters: int
    subjects: list[SubjectOut]


def _round_out(rnd: RatingRound) -> RoundOut:
    results = dict((s.pk, v) for s, v in selectors.round_results(rating_round=rnd))
    return RoundOut(
        id=rnd.pk,
        place_id=rnd.place_id,
        year=rnd.year,
        title=rnd.title,
        status=rnd.status,
        voters=selectors.round_voters(rating_round=rnd),
        subjects=[
            SubjectOut(
                id=s.pk,
                name=s.name,
                post=s.post,
                person_id=s.person_id,
                organisation_id=s.organisation_id,
                result=_verdict(results[s.pk]) if s.pk in results else None,
            )
            for s in rnd.subjects.order_by("sort", "id")
        ],
    )


class BallotIn(Schema):
    verdicts: dict[int, int]  # subject id → 2 满意, 1 基本满意, 0 不满意
    comment: str = ""


class CampaignIn(Schema):
    place_id: int
    year: int
    starts_on: dt.date
    title: str = ""
    hygiene_threshold: str | None = None


class CampaignOut(Schema):
    id: int
    place_id: int
    year: int
    title: str
    starts_on: dt.date
    hygiene_threshold: str
    areas: list[list[str]]
    status: str
    notice_id: int | None


def _campaign_out(c: StarCampaign) -> CampaignOut:
    return CampaignOut(
        id=c.pk,
        place_id=c.place_id,
        year=c.year,
        title=c.title,
        starts_on=c.starts_on,
        hygiene_threshold=str(c.hygiene_threshold),
        areas=c.areas,
        status=c.status,
        notice_id=c.notice_id,
    )


class DeclarationIn(Schema):
    household_id: int | None = None  # default: the caller's own household
    areas: dict[str, str]  # area code → note
    note: str = ""


class DeclaredOut(Schema):
    area: str
    note: str
    decided: bool | None
    agree: int
    disagree: int


class DeclarationOut(Schema):
    id: int
    campaign_id: int
    household_id: int
    status: str
    stars: list[DeclaredOut]
    hygiene_average: str | None


def _declaration_out(d: StarDeclaration) -> DeclarationOut:
    tally = selectors.review_tally(d)
    return DeclarationOut(
        id=d.pk,
        campaign_id=d.campaign_id,
        household_id=d.household_id,
        status=d.status,
        stars=[
            DeclaredOut(
                area=s.area,
                note=s.note,
                decided=s.decided,
                agree=tally.get(s.area, (0, 0))[0],
                disagree=tally.get(s.area, (0, 0))[1],
            )
            for s in d.stars.all()
        ],
        hygiene_average=None if d.hygiene_average is None else str(d.hygiene_average),
    )


class ReviewIn(Schema):
    opinions: dict[str, bool]  # area code → agree
    note: str = ""


class CheckIn(Schema):
    approved: list[str]
    note: str = ""


class NoticeIn(Schema):
    days: int | None = None


class StarOut(Schema):
    id: int
    household_id: int
    area: str
    area_name: str
    awarded_on: dt.date
    reviewed_on: dt.date | None
    revoked_on: dt.date | None
    revoke_reason: str


def _star_out(a: StarAward) -> StarOut:
    return StarOut(
        id=a.pk,
        household_id=a.household_id,
        area=a.area,
        area_name=a.area_name,
        awarded_on=a.awarded_on,
        reviewed_on=a.reviewed_on,
        revoked_on=a.revoked_on,
        revoke_reason=a.revoke_reason,
    )


class HouseholdStarsOut(Schema):
    household_id: int
    name: str
    stars: list[StarOut]
    revoked: list[StarOut]


class StarHouseholdOut(Schema):
    household_id: int
    name: str
    stars: list[str]


class RevokeIn(Schema):
    reason: str


class AwardIn(Schema):
    place_id: int
    title: str
    year: int
    nominee_kind: str
    seats: int = 3


class NominationIn(Schema):
    reason: str
    household_id: int | None = None
    person_id: int | None = None


class NominationOut(Schema):
    id: int
    name: str
    reason: str
    won: bool
    approvals: int | None


class AwardOut(Schema):
    id: int
    place_id: int
    title: str
    year: int
    nominee_kind: str
    seats: int
    status: str
    ballots: int
    nominations: list[NominationOut]


def _award_out(a: Award) -> AwardOut:
    return AwardOut(
        id=a.pk,
        place_id=a.place_id,
        title=a.title,
        year=a.year,
        nominee_kind=a.nominee_kind,
        seats=a.seats,
        status=a.status,
        ballots=a.ballots.count(),
        nominations=[
            NominationOut(id=n.pk, name=n.name, reason=n.reason, won=n.won, approvals=c)
            for n, c in selectors.award_results(award=a)
        ],
    )


class VoteIn(Schema):
    nomination_ids: list[int]


# --- lookups -----------------------------------------------------------------------------------
def _project(pk: int):  # type: ignore[no-untyped-def]
    from wugong.projects.selectors import project_get

    return project_get(pk=pk)


def _campaign(pk: int) -> StarCampaign:
    return selectors.campaign_get(pk=pk)


def _declaration(request: HttpRequest, pk: int) -> StarDeclaration:
    d = (
        StarDeclaration.objects.select_related("campaign", "household")
        .prefetch_related("stars", "reviews")
        .filter(pk=pk)
        .first()
    )
    v = request.viewer
    if d is None or not (
        v.household_id == d.household_id
        or v.can_household("stars.review", d.household)
        or v.can_household("stars.manage", d.household)
    ):
        raise NotFound("申报不存在或不在您的查看范围内。")
    return d


def _household(pk: int | None) -> Household:
    h = Household.objects.select_related("head").filter(pk=pk).first() if pk else None
    if h is None:
        raise NotFound("住户不存在。", field="household_id")
    return h


# --- project ratings ---------------------------------------------------------------------------
@router.get("/projects/{pk}/ratings", response=ProjectRatingsOut, auth=None)
def project_ratings(request: HttpRequest, pk: int) -> ProjectRatingsOut:
    """A project's ratings per stage: count, sum, mean to one decimal, stars distribution."""
    project = _project(pk)
    summary = selectors.project_rating_summary(project=project)
    return ProjectRatingsOut(
        project_id=project.pk,
        stage=project.stage,
        open_stages=services.open_stages(project),
        stages={k: _summary(v) for k, v in summary.items()},
    )


@router.post("/projects/{pk}/ratings", response={201: RatingOut})
def project_rate(request: HttpRequest, pk: int, data: RatingIn) -> Reply:
    """Rate a project at a stage (before/during/done/satisfied), 1–5 stars, once."""
    rating: ProjectRating = services.project_rate(
        viewer=request.viewer,
        actor=request.user,
        project=_project(pk),
        stage=data.stage,
        stars=data.stars,
        comment=data.comment,
    )
    return Reply(
        201,
        RatingOut(
            id=rating.pk,
            project_id=rating.project_id,
            stage=rating.stage,
            stars=rating.stars,
            comment=rating.comment,
        ),
    )


# --- satisfaction per place --------------------------------------------------------------------
@router.get("/places/{pk}/satisfaction", response=PlaceSatisfactionListOut, auth=None)
def place_satisfaction(request: HttpRequest, pk: int) -> PlaceSatisfactionListOut:
    """A place's satisfaction (projects by stage, report handling, closed rounds) and that of
    each place under it."""
    total, rows = selectors.place_satisfaction(place=selectors.place_get(pk=pk))
    return PlaceSatisfactionListOut(total=_place_out(total), children=[_place_out(r) for r in rows])


# --- yearly rounds -----------------------------------------------------------------------------
@router.post("/rounds", response={201: RoundOut})
def round_open(request: HttpRequest, data: RoundIn) -> Reply:
    rnd = services.round_open(
        viewer=request.viewer,
        actor=request.user,
        place=selectors.place_get(pk=data.place_id),
        year=data.year,
        title=data.title,
        organisation_ids=data.organisation_ids,
    )
    return Reply(201, _round_out(rnd))


@router.get("/rounds/{pk}", response=RoundOut, auth=None)
def round_detail(request: HttpRequest, pk: int) -> RoundOut:
    """A round with its subjects; each subject's result once the round is closed."""
    return _round_out(selectors.round_get(pk=pk))


@router.post("/rounds/{pk}/ballot", response={201: dict})
def round_ballot(request: HttpRequest, pk: int, data: BallotIn) -> Reply:
    rows = services.round_rate(
        viewer=request.viewer,
        actor=request.user,
        rating_round=selectors.round_get(pk=pk),
        verdicts=data.verdicts,
        comment=data.comment,
    )
    return Reply(201, {"rated": len(rows)})


@router.post("/rounds/{pk}/close", response=RoundOut)
def round_close(request: HttpRequest, pk: int) -> RoundOut:
    rnd = services.round_close(
        viewer=request.viewer, actor=request.user, rating_round=selectors.round_get(pk=pk)
    )
    return _round_out(rnd)


# --- ten-star households -----------------------------------------------------------------------
@router.post("/campaigns", response={201: CampaignOut})
def campaign_create(request: HttpRequest, data: CampaignIn) -> Reply:
    c = services.campaign_create(
        viewer=request.viewer,
        actor=request.user,
        place=selectors.place_get(pk=data.place_id),
        year=data.year,
        starts_on=data.starts_on,
        title=data.title,
        hygiene_threshold=data.hygiene_threshold,
    )
    return Reply(201, _campaign_out(c))


@router.get("/campaigns/{pk}", response=CampaignOut, auth=None)
def campaign_detail(request: HttpRequest, pk: int) -> CampaignOut:
    return _campaign_out(_campaign(pk))


@router.post("/campaigns/{pk}/declarations", response={201: DeclarationOut})
def declaration_submit(request: HttpRequest, pk: int, data: DeclarationIn) -> Reply:
    d = services.declaration_submit(
        viewer=request.viewer,
        actor=request.user,
        campaign=_campaign(pk),
        household=_household(data.household_id or request.viewer.household_id),
        areas=data.areas,
        note=data.note,
    )
    return Reply(201, _declaration_out(d))


@router.get("/declarations/{pk}", response=DeclarationOut)
def declaration_detail(request: HttpRequest, pk: int) -> DeclarationOut:
    return _declaration_out(_declaration(request, pk))


@router.post("/declarations/{pk}/review", response={201: DeclarationOut})
def declaration_review(request: HttpRequest, pk: int, data: ReviewIn) -> Reply:
    d = _declaration(request, pk)
    services.declaration_review(
        viewer=request.viewer,
        actor=request.user,
        declaration=d,
        opinions=data.opinions,
        note=data.note,
    )
    return Reply(201, _declaration_out(_declaration(request, pk)))


@router.post("/declarations/{pk}/check", response=DeclarationOut)
def declaration_check(request: HttpRequest, pk: int, data: CheckIn) -> DeclarationOut:
    d = _declaration(request, pk)
    services.declaration_check(
        viewer=request.viewer,
        actor=request.user,
        declaration=d,
        approved=data.approved,
        note=data.note,
    )
    return _declaration_out(_declaration(request, pk))


@router.post("/campaigns/{pk}/notice", response=CampaignOut)
def campaign_notice(request: HttpRequest, pk: int, data: NoticeIn) -> CampaignOut:
    c = services.campaign_notice(
        viewer=request.viewer, actor=request.user, campaign=_campaign(pk), days=data.days
    )
    return _campaign_out(c)


@router.post("/campaigns/{pk}/award", response=list[StarOut])
def campaign_award(request: HttpRequest, pk: int) -> list[StarOut]:
    awards = services.campaign_award(
        viewer=request.viewer, actor=request.user, campaign=_campaign(pk)
    )
    return [_star_out(a) for a in awards]


@router.get("/households/{pk}/stars", response=HouseholdStarsOut)
def household_stars(request: HttpRequest, pk: int) -> HouseholdStarsOut:
    """A household's stars (its own members, or cadres in scope)."""
    h = selectors.household_for(viewer=request.viewer, pk=pk)
    held, revoked = selectors.household_stars(household=h)
    return HouseholdStarsOut(
        household_id=h.pk,
        name=selectors.household_name(h),
        stars=[_star_out(a) for a in held],
        revoked=[_star_out(a) for a in revoked],
    )


@router.get("/places/{pk}/stars", response=list[StarHouseholdOut], auth=None)
def place_stars(request: HttpRequest, pk: int) -> list[StarHouseholdOut]:
    """The star households of a place: names of households and their stars only."""
    rows = selectors.star_households(place=selectors.place_get(pk=pk))
    return [
        StarHouseholdOut(
            household_id=r.household.pk, name=r.name, stars=[a.area_name for a in r.stars]
        )
        for r in rows
    ]


def _star(pk: int) -> StarAward:
    a = StarAward.objects.select_related("household").filter(pk=pk).first()
    if a is None:
        raise NotFound("星级不存在。")
    return a


@router.post("/stars/{pk}/revoke", response=StarOut)
def star_revoke(request: HttpRequest, pk: int, data: RevokeIn) -> StarOut:
    a = services.star_revoke(
        viewer=request.viewer, actor=request.user, award=_star(pk), reason=data.reason
    )
    return _star_out(a)


@router.post("/stars/{pk}/confirm", response=StarOut)
def star_confirm(request: HttpRequest, pk: int) -> StarOut:
    return _star_out(
        services.star_confirm(viewer=request.viewer, actor=request.user, award=_star(pk))
    )


# --- awards ------------------------------------------------------------------------------------
@router.post("/awards", response={201: AwardOut})
def award_create(request: HttpRequest, data: AwardIn) -> Reply:
    a = services.award_create(
        viewer=request.viewer,
        actor=request.user,
        place=selectors.place_get(pk=data.place_id),
        title=data.title,
        year=data.year,
        nominee_kind=data.nominee_kind,
        seats=data.seats,
    )
    return Reply(201, _award_out(a))


@router.get("/awards/{pk}", response=AwardOut, auth=None)
def award_detail(request: HttpRequest, pk: int) -> AwardOut:
    """An award with its nominations; approvals and winners once it is closed."""
    return _award_out(selectors.award_get(pk=pk))


@router.post("/awards/{pk}/nominations", response={201: dict})
def award_nominate(request: HttpRequest, pk: int, data: NominationIn) -> Reply:
    household = _household(data.household_id) if data.household_id else None
    person = None
    if data.person_id:
        person = Person.objects.select_related("household").filter(pk=data.person_id).first()
        if person is None:
            raise NotFound("此人不存在。", field="person_id")
    n: Nomination = services.nomination_submit(
        viewer=request.viewer,
        actor=request.user,
        award=selectors.award_get(pk=pk),
        reason=data.reason,
        household=household,
        person=person,
    )
    return Reply(201, {"id": n.pk, "name": n.name})


@router.post("/awards/{pk}/open-vote", response=AwardOut)
def award_open_vote(request: HttpRequest, pk: int) -> AwardOut:
    a = services.award_open_vote(
        viewer=request.viewer, actor=request.user, award=selectors.award_get(pk=pk)
    )
    return _award_out(a)


@router.post("/awards/{pk}/ballot", response={201: dict})
def award_vote(request: HttpRequest, pk: int, data: VoteIn) -> Reply:
    ballot: AwardBallot = services.award_vote(
        viewer=request.viewer,
        actor=request.user,
        award=selectors.award_get(pk=pk),
        nomination_ids=data.nomination_ids,
    )
    return Reply(201, {"id": ballot.pk})


@router.post("/awards/{pk}/close", response=AwardOut)
def award_close(request: HttpRequest, pk: int) -> AwardOut:
    a = services.award_close(
        viewer=request.viewer, actor=request.user, award=selectors.award_get(pk=pk)
    )
    return _award_out(a)
