"""Named permission rules (权限规则) and the scope of each viewer.

A rule names an action; it is granted by a set of roles. A viewer may perform it on a target
only through an assignment whose role grants the rule *and* whose scope holds the target: a
cadre of one village never reaches another village's households. Every page, API call and
export asks these rules; ``tests/test_rules_matrix.py`` covers every role against every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from wugong.people.roles import (
    ASSIGNABLE_BY,
    CADRE_ROLES,
    CHIEF_ROLES,
    ROLE_SCOPE,
    SUPERVISOR_ROLES,
    Role,
    Scope,
)
from wugong.places.paths import subtree_q

if TYPE_CHECKING:
    from wugong.people.models import Household, Person
    from wugong.places.models import Place

ALL_ROLES = frozenset(Role.values)

RULES: dict[str, frozenset[str]] = {
    # See a household, its members and its non-sensitive tags (masked identity data).
    "household.view": ALL_ROLES,
    # Add or change households, members and tags; record for a resident (代录).
    "household.edit": frozenset(CADRE_ROLES | {Role.GRID_WORKER, Role.SYSTEM_ADMIN}),
    # Unmask ID numbers, phones, and health/hardship tags (each look is logged).
    "person.view_sensitive": frozenset(
        {Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.GRID_WORKER}
    ),
    # Upload a roster of households (.xlsx).
    "roster.import": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Download the households in scope (.xlsx).
    "roster.export": frozenset(CADRE_ROLES | SUPERVISOR_ROLES | {Role.SYSTEM_ADMIN}),
    # Browse places and their figures.
    "place.view": ALL_ROLES,
    # Add places and micro-grids below one's own place.
    "place.manage": frozenset(
        {
            Role.VILLAGE_CADRE,
            Role.COMMUNITY_CADRE,
            Role.COUNTY_SUPERVISOR,
            Role.CITY_SUPERVISOR,
            Role.SYSTEM_ADMIN,
        }
    ),
    # Hand out roles at or below one's place (which roles: ASSIGNABLE_BY).
    "role.assign": frozenset(ASSIGNABLE_BY),
    # Read the audit trail of a place.
    "audit.view": frozenset(CADRE_ROLES | SUPERVISOR_ROLES | {Role.SYSTEM_ADMIN}),
    # Read who looked at whose sensitive data (oversight, not the lookers themselves).
    "sensitive_log.view": frozenset(SUPERVISOR_ROLES | {Role.SYSTEM_ADMIN}),
    # --- needs list (问题清单), wugong/needs: begin ----------------------------------------
    # Raise a need (提出问题).
    "need.submit": ALL_ROLES,
    # Record a need for a resident (代录): cadres, grid workers, centre households, chiefs.
    "need.record": frozenset(
        CADRE_ROLES
        | {
            Role.GRID_WORKER,
            Role.CENTRE_HOUSEHOLD,
            Role.BUILDING_CHIEF,
            Role.ESTATE_CHIEF,
            Role.STREET_CHIEF,
        }
    ),
    # Classify, merge, change status, answer or decline needs (分类研判、答复).
    "need.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # See needs: public within the village/community of one's household or assignment
    # (wugong.needs.selectors.need_scope widens the place to its village/community).
    "need.view": ALL_ROLES,
    # --- needs list: end -----------------------------------------------------------------
    # --- public notices (公示) and surveys (问卷), wugong/transparency + wugong/surveys: begin
    # Draft, publish and withdraw notices. Town supervisors only for notices of their town
    # itself (wugong.transparency.services narrows supervisors to their own place).
    "notice.manage": frozenset(CADRE_ROLES | {Role.TOWN_SUPERVISOR, Role.SYSTEM_ADMIN}),
    # Object (异议) to a published notice within its period: anyone whose household or role
    # lies in the notice's place subtree.
    "notice.object": ALL_ROLES,
    # Answer objections in public.
    "notice.answer": frozenset(CADRE_ROLES | {Role.TOWN_SUPERVISOR, Role.SYSTEM_ADMIN}),
    # Create surveys, edit questions, open/close them, see named answers.
    "survey.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Answer a survey of one's place.
    "survey.respond": ALL_ROLES,
    # --- public notices and surveys: end ---------------------------------------------------
    # --- votes (表决), wugong/voting: begin -------------------------------------------------
    # Create, open, close a vote; enter an offline tally; record a proxy; publish results.
    # Village/community cadres and work teams (the committee runs the ballot); not council
    # members, who propose and discuss but should not freeze the roll or count.
    "vote.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Cast a ballot: any role, and only if on the vote's frozen roll (checked by the service).
    "vote.cast": ALL_ROLES,
    # See published results: public within the place (wugong.voting.selectors.vote_visible_q).
    "vote.view": ALL_ROLES,
    # --- votes: end ----------------------------------------------------------------------
    # --- building together (发展共建), wugong/projects: begin ----------------------------------
    # Propose, plan and move micro-projects; funding plan; post receipts and spending; record
    # contributions for anyone (代录); order and dispatch services (派单).
    "project.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # See projects, timelines, open accounts and honour rolls (村务公开: public pages need no
    # sign-in; this rule is for the signed-in lists and the API).
    "project.view": ALL_ROLES,
    # Pledge money or record one's own contribution to a project of one's village/community
    # (wugong.projects.services.can_contribute checks the place).
    "project.contribute": ALL_ROLES,
    # Offer one's skills, labour, materials, equipment, venue or money (资源清单), take orders.
    "resource.offer": ALL_ROLES,
    # Set up a town's or county's funding programme and its matching rule (以奖代补).
    "programme.manage": frozenset(SUPERVISOR_ROLES | {Role.SYSTEM_ADMIN}),
    # --- building together: end --------------------------------------------------------------
    # --- meetings (会议) and 四议两公开, wugong/meetings: begin -----------------------------
    # Convene and run a meeting of a place: agenda, notice, roll call, minutes, decisions.
    "meeting.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Council members convene and run their own council's meetings (理事会、居民议事会) only.
    "meeting.manage_council": frozenset({Role.COUNCIL_MEMBER}),
    # See meetings: those of the places in scope, and of one's own village/community and above.
    "meeting.view": ALL_ROLES,
    # Check in by QR code: the service requires a resident of the place or a member of the roll.
    "meeting.attend": ALL_ROLES,
    # Run 四议两公开 and keep the village's roll of representatives and leading posts.
    "decision.manage": frozenset({Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.SYSTEM_ADMIN}),
    # See 四议两公开 procedures (村务公开): same scope as meetings.
    "decision.view": ALL_ROLES,
    # --- meetings: end ---------------------------------------------------------------------
    # --- common-ground conversations (最大公约数), wugong/consensus: begin ------------------
    # Create conversations, seed and moderate statements, compute, publish, import/export.
    "conversation.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Vote on and add statements: every role whose household or post lies in the
    # conversation's place (wugong.consensus.selectors.can_take_part).
    "conversation.take_part": ALL_ROLES,
    # --- common-ground conversations: end -----------------------------------------------
    # --- participatory budget rounds (参与式预算), wugong/budgeting: begin ------------------
    # Set up a round, add projects, open, enter paper ballots (代录), close, compute, publish,
    # import/export .pb: village and community cadres, work teams, the admin.
    "budget.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Cast a ballot: any role, and only if on the round's frozen roll (checked by the service).
    "budget.vote": ALL_ROLES,
    # See rounds and outcomes: everyone whose household or post lies in or above/below the
    # round's place (wugong.budgeting.selectors.round_visible_q).
    "budget.view": ALL_ROLES,
    # --- participatory budget rounds: end ----------------------------------------------------
    # --- managing together (建设共管), visits and problem reports, wugong/upkeep: begin -------
    # Record a key-household visit (五天一见面): cadres (their place), grid workers (their
    # grid), centre households (their neighbours), each within their household scope.
    "visit.record": frozenset(CADRE_ROLES | {Role.GRID_WORKER, Role.CENTRE_HOUSEHOLD}),
    # See to-do lists, visit logs and coverage figures (supervisors: coverage of their place).
    "visit.view": frozenset(
        CADRE_ROLES
        | SUPERVISOR_ROLES
        | {Role.GRID_WORKER, Role.CENTRE_HOUSEHOLD, Role.SYSTEM_ADMIN}
    ),
    # Approve or refuse temporary assistance (临时救助) applied for on a visit; record payment.
    "assistance.decide": frozenset(
        {Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.TOWN_SUPERVISOR, Role.SYSTEM_ADMIN}
    ),
    # Report a problem (接诉即办): anyone; cadres and grid workers also record for others.
    "report.submit": ALL_ROLES,
    # Respond to, answer and close reports at one's level: grid workers (their grid, before any
    # escalation), cadres (their village/community), town/county supervisors (escalated ones).
    "report.handle": frozenset(
        CADRE_ROLES
        | {Role.GRID_WORKER, Role.TOWN_SUPERVISOR, Role.COUNTY_SUPERVISOR, Role.SYSTEM_ADMIN}
    ),
    # Send a hard report a level up with a reason (大事难事上交).
    "report.escalate": frozenset(
        CADRE_ROLES | {Role.GRID_WORKER, Role.TOWN_SUPERVISOR, Role.SYSTEM_ADMIN}
    ),
    # --- managing together: end ------------------------------------------------------------
    # --- managing together: inspections, volunteers, mediation, village rules: begin -------
    # Checklist templates and weekly rounds (周五一检查) for a place.
    "inspection.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Score households or areas on a round, with photos (the inspectors of a place).
    "inspection.record": frozenset(
        CADRE_ROLES | CHIEF_ROLES | {Role.GRID_WORKER, Role.COUNCIL_MEMBER}
    ),
    # See results: one's own household's over time, the monthly ranking of one's group.
    "inspection.view": ALL_ROLES,
    # Teams and activities (志愿服务), check-in/out by the organiser, confirming hours.
    "volunteer.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Sign up for an activity, check in and out by its QR code, see one's own hours.
    "volunteer.join": ALL_ROLES,
    "volunteer.view": ALL_ROLES,
    # Disputes (矛盾纠纷调解): only those who handle them see them (named mediators: their own
    # matters, checked on the matter itself).
    "mediation.handle": frozenset({Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.TOWN_SUPERVISOR}),
    # Draft, adopt and publish village rules (村规民约); the town accepts their filing (备案).
    "village_rules.manage": frozenset(
        {Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.SYSTEM_ADMIN}
    ),
    "village_rules.file": frozenset({Role.TOWN_SUPERVISOR, Role.SYSTEM_ADMIN}),
    "village_rules.view": ALL_ROLES,
    # --- judging and sharing (效果共评, 成果共享): begin ----------------------------------------
    # Rate a project, one's report's handling, cadres and work teams (one rating per stage).
    "evaluation.rate": ALL_ROLES,
    # Open rating rounds (yearly ratings of cadres and work teams, satisfaction rounds).
    "evaluation.manage": frozenset(CADRE_ROLES | SUPERVISOR_ROLES | {Role.SYSTEM_ADMIN}),
    "evaluation.view": ALL_ROLES,
    # Ten-star households (十星级文明户): a household declares, representatives review, the
    # committee checks, awards and revokes.
    "stars.declare": ALL_ROLES,
    "stars.review": frozenset(CHIEF_ROLES | {Role.COUNCIL_MEMBER}),
    "stars.manage": frozenset({Role.VILLAGE_CADRE, Role.COMMUNITY_CADRE, Role.SYSTEM_ADMIN}),
    # Points (积分制): the rule table, confirming claims, dividends.
    "points.manage": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Claim points with a photo; see one's own balance and the leaderboard of one's group.
    "points.claim": ALL_ROLES,
    "points.view": ALL_ROLES,
    # The points supermarket's counter (积分超市): goods, stock, redemption.
    "points.counter": frozenset(CADRE_ROLES | {Role.SYSTEM_ADMIN}),
    # Pilot sites (试点): a site's team files monthly reports; supervisors run the sites.
    "pilot.report": frozenset(CADRE_ROLES),
    "pilot.manage": frozenset(SUPERVISOR_ROLES | {Role.SYSTEM_ADMIN}),
    "pilot.view": ALL_ROLES,
    # Dashboards (大屏): the figures of one's place and everything under it.
    "dashboard.view": frozenset(CADRE_ROLES | SUPERVISOR_ROLES | {Role.SYSTEM_ADMIN}),
    # --- judging and sharing: end -------------------------------------------------------------
}


@dataclass(frozen=True)
class Assignment:
    role: str
    place_id: int
    place_path: str
    grid_id: int | None = None


@dataclass(frozen=True)
class Viewer:
    """Who is asking, with the assignments that give them scope. Built once per request."""

    user_id: int | None
    person_id: int | None
    household_id: int | None
    assignments: tuple[Assignment, ...] = field(default_factory=tuple)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def roles(self) -> set[str]:
        return {a.role for a in self.assignments}

    def granting(self, rule: str) -> list[Assignment]:
        allowed = RULES[rule]
        return [a for a in self.assignments if a.role in allowed]

    def has_rule(self, rule: str) -> bool:
        """The viewer holds the rule somewhere (not yet: on a given target)."""
        return bool(self.granting(rule))

    # --- targets -----------------------------------------------------------------------------
    def can_household(self, rule: str, household: Household) -> bool:
        return any(self._holds_household(a, household) for a in self.granting(rule))

    def can_person(self, rule: str, person: Person) -> bool:
        if rule == "household.view" and person.id == self.person_id:
            return True
        household = person.household
        return household is not None and self.can_household(rule, household)

    def can_place(self, rule: str, place: Place) -> bool:
        return any(self._holds_place(a, place) for a in self.granting(rule))

    def covers_subtree(self, rule: str, place: Place) -> bool:
        """The viewer may ``rule`` everything under ``place`` (a place-scoped assignment at or
        above it), so place-wide figures may be read from rollups."""
        return any(
            ROLE_SCOPE[a.role] == Scope.EVERYTHING
            or (ROLE_SCOPE[a.role] == Scope.PLACE and place.path.startswith(a.place_path))
            for a in self.granting(rule)
        )

    def can_assign(self, role: str, place: Place) -> bool:
        return any(
            role in ASSIGNABLE_BY.get(a.role, set()) and self._holds_place(a, place)
            for a in self.granting("role.assign")
        )

    # --- querysets ---------------------------------------------------------------------------
    def household_q(self, rule: str = "household.view") -> Q:
        """A filter on Household for every household this viewer may ``rule``."""
        q = Q(pk__in=[])
        for a in self.granting(rule):
            if ROLE_SCOPE[a.role] == Scope.EVERYTHING:
                # Q(pk__in=[]) | Q() is Q(pk__in=[]): an empty Q must be returned, not OR-ed.
                return Q()
            q |= self._household_q(a)
        return q

    def place_q(self, rule: str = "place.view") -> Q:
        """A filter on Place: subtrees of place-scoped roles, the place of one's own household
        or grid for the others."""
        q = Q(pk__in=[])
        for a in self.granting(rule):
            scope = ROLE_SCOPE[a.role]
            if scope == Scope.EVERYTHING:
                return Q()
            q |= subtree_q(a.place_path) if scope == Scope.PLACE else Q(pk=a.place_id)
        return q

    def path_q(self, rule: str, field_name: str = "place_path") -> Q:
        """A filter on any row carrying a place path: place-scoped assignments only."""
        q = Q(pk__in=[])
        for a in self.granting(rule):
            scope = ROLE_SCOPE[a.role]
            if scope == Scope.EVERYTHING:
                return Q()
            if scope == Scope.PLACE:
                q |= subtree_q(a.place_path, field_name)
        return q

    # --- internals ---------------------------------------------------------------------------
    def _household_q(self, a: Assignment) -> Q:
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING:
            return Q()
        if scope == Scope.PLACE:
            return subtree_q(a.place_path, "place_path")
        if scope == Scope.GRID:
            return Q(grid_id=a.grid_id) if a.grid_id else Q(pk__in=[])
        if scope == Scope.NEIGHBOURS:
            if self.household_id is None:  # else centre_id=None would match every household
                return Q(pk__in=[])
            return Q(pk=self.household_id) | Q(centre_id=self.household_id)
        return Q(pk=self.household_id) if self.household_id else Q(pk__in=[])

    def _holds_household(self, a: Assignment, h: Household) -> bool:
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING:
            return True
        if scope == Scope.PLACE:
            return h.place_path.startswith(a.place_path)
        if scope == Scope.GRID:
            return a.grid_id is not None and h.grid_id == a.grid_id
        if scope == Scope.NEIGHBOURS:
            return self.household_id is not None and self.household_id in (h.pk, h.centre_id)
        return self.household_id is not None and h.pk == self.household_id

    def _holds_place(self, a: Assignment, place: Place) -> bool:
        scope = ROLE_SCOPE[a.role]
        if scope == Scope.EVERYTHING:
            return True
        if scope == Scope.PLACE:
            return place.path.startswith(a.place_path)
        return place.pk == a.place_id


ANONYMOUS = Viewer(user_id=None, person_id=None, household_id=None)


def viewer_for(user: Any) -> Viewer:
    """The viewer for a signed-in user: their active role assignments, plus the implicit
    resident role of the household they belong to. One query: the person, their household
    and their active assignments, joined."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    from django.db.models import FilteredRelation

    from wugong.people.models import Person

    assignments: list[Assignment] = []
    if user.is_superuser:
        assignments.append(Assignment(Role.SYSTEM_ADMIN, 0, "/"))
    person_id = household_id = None
    if user.person_id:
        rows = list(
            Person.objects.filter(pk=user.person_id)
            .annotate(active_role=FilteredRelation("roles", condition=Q(roles__active=True)))
            .values_list(
                "household_id",
                "household__place_id",
                "household__place_path",
                "active_role__role",
                "active_role__place_id",
                "active_role__place_path",
                "active_role__grid_id",
            )
            .order_by("active_role__id")
        )
        if rows:
            person_id = user.person_id
            household_id, home_place_id, home_path = rows[0][:3]
            assignments.extend(Assignment(*row[3:]) for row in rows if row[3] is not None)
            if household_id and not any(a.role == Role.RESIDENT for a in assignments):
                assignments.append(Assignment(Role.RESIDENT, home_place_id, home_path))
    return Viewer(
        user_id=user.pk,
        person_id=person_id,
        household_id=household_id,
        assignments=tuple(assignments),
    )


def is_cadre_like(viewer: Viewer) -> bool:
    return bool(viewer.roles & (CADRE_ROLES | SUPERVISOR_ROLES | {Role.SYSTEM_ADMIN}))
