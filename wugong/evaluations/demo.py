"""The demo's part of 效果共评, all through the services (audit events are real):

* residents of each demo project's village rate it at the stages now open (可行吗, 进展顺利吗,
  做得好吗, 满意吗);
* a closed yearly round of the cadres and work team of the printed resident's village;
* a ten-star campaign there: declarations, a council member's review, the committee's check
  (the hygiene star only where the Friday inspections reach the threshold), the public notice
  (dated back so its period has ended), stars awarded — the printed resident's household among
  them — and one star revoked with a reason;
* 最美庭院 with nominations, an approval vote and its winners.

Defensive about what earlier parts left in ctx.data: everything is found in the database.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from wugong.core.demo import DemoContext
from wugong.evaluations import services
from wugong.evaluations.models import DeclarationStatus, StarArea, StarAward, StarCampaign
from wugong.evaluations.selectors import village_of
from wugong.people.models import Household, Person, RoleAssignment, User
from wugong.people.roles import Role
from wugong.people.rules import Assignment, Viewer
from wugong.places.models import GRASSROOTS_KINDS, Place
from wugong.places.paths import subtree_q
from wugong.projects.models import Project
from wugong.transparency.models import Notice
from wugong.transparency.services import notice_hash

RATERS_PER_PROJECT = 8


def _resident(person: Person) -> Viewer:
    h = person.household
    assert h is not None
    return Viewer(
        user_id=None,
        person_id=person.pk,
        household_id=h.pk,
        assignments=(Assignment(Role.RESIDENT, h.place_id, h.place_path),),
    )


def _holder(place: Place, roles: tuple[str, ...]) -> tuple[Viewer, Any] | None:
    row = (
        RoleAssignment.objects.filter(place=place, role__in=roles, active=True)
        .select_related("person")
        .order_by("id")
        .first()
    )
    if row is None:
        return None
    viewer = Viewer(
        user_id=None,
        person_id=row.person_id,
        household_id=row.person.household_id,
        assignments=(Assignment(row.role, row.place_id, row.place_path),),
    )
    return viewer, User.objects.filter(person_id=row.person_id).first()


def _council(village: Place) -> list[Viewer]:
    """The council members (representatives) of a village, as viewers."""
    rows = (
        RoleAssignment.objects.filter(place=village, role=Role.COUNCIL_MEMBER, active=True)
        .select_related("person")
        .order_by("id")[:3]
    )
    return [
        Viewer(
            user_id=None,
            person_id=r.person_id,
            household_id=r.person.household_id,
            assignments=(Assignment(r.role, r.place_id, r.place_path),),
        )
        for r in rows
    ]


def _people(village: Place, n: int, rng: random.Random) -> list[Person]:
    """Up to ``n`` residents of a village (adults with a household there), in a fixed order."""
    rows = list(
        Person.objects.filter(subtree_q(village.path, "household__place_path"))
        .select_related("household")
        .order_by("id")[: n * 4]
    )
    rng.shuffle(rows)
    return rows[:n]


def _stars(rng: random.Random, good: float = 0.8) -> int:
    return rng.choice([4, 5, 5]) if rng.random() < good else rng.choice([2, 3, 3, 4])


def load(ctx: DemoContext) -> None:
    rng = ctx.rng
    ids = ctx.data.get("projects") or list(
        Project.objects.order_by("id").values_list("pk", flat=True)[:6]
    )
    for project in Project.objects.filter(pk__in=ids).select_related("place").order_by("id"):
        _rate_project(project, rng)
    person = _printed_resident(ctx)
    if person is None or person.household is None:
        return
    village = village_of(person.household.place)
    if village is None or village.kind not in GRASSROOTS_KINDS:
        return
    cadre = _holder(village, (Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE))
    if cadre is None:
        return
    _round(village, cadre, rng)
    campaign = _campaign(village, cadre, person, rng)
    if campaign is not None:
        ctx.data["star_campaign"] = campaign.pk
    _award(village, cadre, person, rng)


def _printed_resident(ctx: DemoContext) -> Person | None:
    pid = ctx.data.get("role_people", {}).get(Role.RESIDENT)
    qs = Person.objects.select_related("household__place")
    person = qs.filter(pk=pid).first() if pid else None
    return person or qs.filter(household__isnull=False).order_by("id").first()


def _rate_project(project: Project, rng: random.Random) -> None:
    stages = services.open_stages(project)
    village = village_of(project.place) or project.place
    for person in _people(village, RATERS_PER_PROJECT, rng):
        viewer = _resident(person)
        for stage in stages:
            if rng.random() < 0.85:
                services.project_rate(
                    viewer=viewer,
                    actor=None,
                    project=project,
                    stage=stage,
                    stars=_stars(rng),
                    comment=rng.choice(["", "", "", "群众出了力，干得好", "希望加装路灯"]),
                )


def _round(village: Place, cadre: tuple[Viewer, Any], rng: random.Random) -> None:
    viewer, actor = cadre
    year = timezone.localdate().year - 1
    rnd = services.round_open(viewer=viewer, actor=actor, place=village, year=year)
    subjects = list(rnd.subjects.all())
    for person in _people(village, 12, rng):
        verdicts = {
            s.pk: rng.choice([2, 2, 2, 1, 1, 0]) for s in subjects if s.person_id != person.pk
        }
        if verdicts:
            services.round_rate(
                viewer=_resident(person), actor=None, rating_round=rnd, verdicts=verdicts
            )
    services.round_close(viewer=viewer, actor=actor, rating_round=rnd)


def _campaign(
    village: Place, cadre: tuple[Viewer, Any], printed: Person, rng: random.Random
) -> StarCampaign | None:
    viewer, actor = cadre
    today = timezone.localdate()
    campaign = services.campaign_create(
        viewer=viewer,
        actor=actor,
        place=village,
        year=today.year,
        starts_on=today - dt.timedelta(days=60),
    )
    neighbours = (
        Household.objects.filter(subtree_q(village.path, "place_path"))
        .exclude(pk=printed.household_id)
        .order_by("id")[:5]
    )
    households = [printed.household, *neighbours]
    codes = [c for c, _n in campaign.areas]
    declarations = []
    for h in households:
        member = Person.objects.filter(household=h).select_related("household").first()
        if member is None:
            continue
        chosen = [c for c in codes if rng.random() < 0.75] or codes[:3]
        if h.pk == printed.household_id:
            chosen = sorted(set(chosen) | {StarArea.THOUGHT, StarArea.LAW, StarArea.HYGIENE})
        declarations.append(
            services.declaration_submit(
                viewer=_resident(member),
                actor=None,
                campaign=campaign,
                household=h,
                areas={c: "" for c in chosen},
            )
        )
    reviewers = _council(village)
    for d in declarations:
        areas = list(d.stars.values_list("area", flat=True))
        reviewer = next((r for r in reviewers if r.household_id != d.household_id), None)
        if reviewer is None:
            continue  # no representative to review it: it waits
        services.declaration_review(
            viewer=reviewer,
            actor=None,
            declaration=d,
            opinions={a: rng.random() < 0.9 for a in areas},
        )
        agreed = {r.area for r in d.reviews.all() if r.agree}
        average = services.hygiene_average(household_id=d.household_id, since=campaign.starts_on)
        if average is None or average < campaign.hygiene_threshold:
            agreed.discard(StarArea.HYGIENE)
        services.declaration_check(viewer=viewer, actor=actor, declaration=d, approved=agreed)
    if not campaign.declarations.filter(status=DeclarationStatus.CHECKED).exists():
        return campaign
    campaign = services.campaign_notice(viewer=viewer, actor=actor, campaign=campaign, days=7)
    _move_back(campaign.notice_id, days=10)
    services.campaign_award(viewer=viewer, actor=actor, campaign=campaign)
    # Periodic review: one neighbour's star kept, one revoked with the reason on record.
    others = StarAward.objects.filter(campaign=campaign).exclude(household_id=printed.household_id)
    first = others.order_by("id").first()
    if first is not None:
        services.star_revoke(
            viewer=viewer,
            actor=actor,
            award=first,
            reason="复评时发现院内乱堆柴草，整改后可重新申报",
        )
    kept = others.filter(revoked_on__isnull=True).order_by("id").first()
    if kept is not None:
        services.star_confirm(viewer=viewer, actor=actor, award=kept)
    return campaign


def _move_back(notice_id: int | None, *, days: int) -> None:
    """Date the notice ``days`` earlier, re-hashed (a past notice, as the transparency demo
    does), so the demo can award after its period."""
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None:
        return
    delta = dt.timedelta(days=days)
    notice.starts_at -= delta
    notice.ends_at -= delta
    notice.published_at = (notice.published_at or timezone.now()) - delta
    notice.content_hash = notice_hash(notice)
    Notice.objects.filter(pk=notice.pk).update(
        starts_at=notice.starts_at,
        ends_at=notice.ends_at,
        published_at=notice.published_at,
        content_hash=notice.content_hash,
    )


def _award(village: Place, cadre: tuple[Viewer, Any], printed: Person, rng: random.Random) -> None:
    viewer, actor = cadre
    award = services.award_create(
        viewer=viewer,
        actor=actor,
        place=village,
        title="最美庭院",
        year=timezone.localdate().year,
        nominee_kind="household",
        seats=2,
    )
    reasons = ["房前屋后干净整洁，种满了花", "庭院硬化绿化，菜园整齐", "自家院子改成了邻里小花园"]
    households = list(
        Household.objects.filter(subtree_q(village.path, "place_path"))
        .select_related("head")
        .order_by("id")[1:5]
    )
    nominators = _people(village, len(households), rng)
    nominations = []
    for h, by in zip(households, nominators, strict=False):
        nominations.append(
            services.nomination_submit(
                viewer=_resident(by),
                actor=None,
                award=award,
                household=h,
                reason=rng.choice(reasons),
            )
        )
    if not nominations:
        return
    services.award_open_vote(viewer=viewer, actor=actor, award=award)
    for person in _people(village, 16, rng):
        ids = [n.pk for n in nominations if rng.random() < 0.45] or [nominations[0].pk]
        services.award_vote(viewer=_resident(person), actor=None, award=award, nomination_ids=ids)
    services.award_close(viewer=viewer, actor=actor, award=award)
