"""Deeds done in other modules earn points by the village's rule table (issue 7 §3): a meeting
attended, a contribution to a project, volunteer hours confirmed, a Friday inspection scored;
each through the sending app's own surface, and none earns twice. ``wugong upkeep_tick``
expires points past their validity."""

import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from wugong.core.errors import ValidationFailed
from wugong.people.rules import viewer_for
from wugong.points import services
from wugong.points.models import Transaction
from wugong.points.selectors import household_balance

from .helpers import admin, rule

pytestmark = pytest.mark.django_db


def _as(user):  # type: ignore[no-untyped-def]
    return {"viewer": viewer_for(user), "actor": user}


def _awards(prefix: str) -> list[int]:
    """The points of every award whose source starts with ``prefix``."""
    return [
        sum(e.amount for e in t.entries.all() if e.amount > 0)
        for t in Transaction.objects.filter(source__startswith=prefix).order_by("pk")
    ]


# --- meetings ---------------------------------------------------------------------------------
def _assembly(cast):  # type: ignore[no-untyped-def]
    from wugong.meetings import services as ms

    return ms.meeting_create(
        **_as(cast.cadre_a),
        place=cast.county.village_a,
        kind="village_assembly",
        title="村民会议",
        starts_at=timezone.now() + dt.timedelta(days=1),
        location="村委会议室",
    )


def test_meeting_attended_by_qr_and_roll_call_earns_once(cast, client_for):
    """2 points for attending: a resident's QR check-in earns their household 2, a second scan
    nothing; a cadre's roll call of another household earns it 2, ticking it again nothing."""
    from wugong.meetings.checkin import checkin_token_make

    c = cast.county
    rule(c.village_a, "meeting.attended", 2, basis="flat")
    meeting = _assembly(cast)
    h0, h1 = c.households_a[0], c.households_a[1]
    phone = client_for(cast.resident_a)
    url = f"/meetings/checkin/{checkin_token_make(meeting)}/"
    assert "签到成功" in phone.post(url).content.decode()
    assert household_balance(household_id=h0.pk) == 2
    assert "您已签到" in phone.post(url).content.decode()
    assert household_balance(household_id=h0.pk) == 2

    cadre = client_for(cast.cadre_a)
    mark = f"/meetings/{meeting.pk}/roll/mark/"
    r = cadre.post(mark, {"household": h1.pk, "present": "1"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert household_balance(household_id=h1.pk) == 2
    cadre.post(mark, {"household": h1.pk, "present": "1"}, HTTP_HX_REQUEST="true")
    assert household_balance(household_id=h1.pk) == 2
    assert household_balance(household_id=h0.pk) == 2
    assert _awards("meetings.attendance:") == [2, 2]


def test_roll_call_untick_and_tick_again_does_not_earn_twice(cast, client_for):
    """A cadre's mis-tap corrected (present, absent, present again) is still one attendance of
    one meeting: the household ends with the points of one attendance."""
    c = cast.county
    rule(c.village_a, "meeting.attended", 2, basis="flat")
    meeting = _assembly(cast)
    h1 = c.households_a[1]
    cadre = client_for(cast.cadre_a)
    mark = f"/meetings/{meeting.pk}/roll/mark/"
    for present in ("1", "0", "1"):
        cadre.post(mark, {"household": h1.pk, "present": present}, HTTP_HX_REQUEST="true")
    assert household_balance(household_id=h1.pk) == 2


# --- projects ---------------------------------------------------------------------------------
def _project(cast, on=dt.date(2025, 4, 1)):  # type: ignore[no-untyped-def]
    """A project of 双台村 walked to fundraising through the projects services."""
    from wugong.projects import services as ps

    me = _as(cast.cadre_a)
    p = ps.project_propose(
        **me, place=cast.county.village_a, title="村口小广场", motion="村民代表会议决议", on=on
    )
    p = ps.project_plan(
        **me,
        project=p,
        scope="平整场地、铺砖",
        plan="群众投工投劳",
        budget_fen=1_000_000,
        tender_estimate_fen=10_000_000,
        responsible="村主任",
        on=on + dt.timedelta(days=3),
    )
    return ps.project_stage_change(
        **me, project=p, stage="fundraising", on=on + dt.timedelta(days=5)
    )


def test_project_money_and_labour_earn_and_a_fulfilled_order_earns_once(cast, client_for):
    """1 point a yuan and 5 a labour day: ¥150 given by a household through the API earns it
    150; a resident's offered labour, dispatched and fulfilled for 2 days, earns 10; fulfilling
    the same order again is refused and earns nothing; materials earn nothing."""
    from wugong.projects import services as ps

    c = cast.county
    rule(c.village_a, "project.money", 1)
    rule(c.village_a, "project.labour", 5)
    h0, h1 = c.households_a[0], c.households_a[1]
    p = _project(cast)
    cadre = client_for(cast.cadre_a)
    r = cadre.post(
        f"/api/v1/projects/{p.pk}/contributions",
        {"kind": "money", "contributor_kind": "household", "household": h1.pk, "amount_fen": 15000},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert household_balance(household_id=h1.pk) == 150
    r = cadre.post(
        f"/api/v1/projects/{p.pk}/contributions",
        {
            "kind": "material",
            "contributor_kind": "household",
            "household": h1.pk,
            "item": "水泥",
            "quantity": "2",
            "unit": "吨",
            "unit_price_fen": 45000,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert household_balance(household_id=h1.pk) == 150

    me = _as(cast.cadre_a)
    offer = ps.resource_offer(
        **_as(cast.resident_a),
        place=c.village_a,
        giver=ps.Giver(kind="person", person=cast.resident_a.person),
        category="labour",
        title="能出工",
    )
    order = ps.request_order(**me, project=p, category="labour", title="铺砖两天")
    order = ps.request_dispatch(**me, request=order, resource=offer)
    ps.request_fulfil(**me, request=order, kind="labour", person_days="2")
    assert household_balance(household_id=h0.pk) == 10
    with pytest.raises(ValidationFailed):
        ps.request_fulfil(**me, request=order, kind="labour", person_days="2")
    assert household_balance(household_id=h0.pk) == 10
    assert household_balance(household_id=h1.pk) == 150
    assert _awards("projects.contribution:") == [150, 10]


# --- volunteers -------------------------------------------------------------------------------
def test_volunteer_hours_confirmed_earn_once(cast):
    """2 points an hour: a volunteer checked in and out by the organiser after 2.5 hours,
    confirmed, earns the household 5; confirming again is refused and earns nothing."""
    from wugong.volunteers import services as vs

    c = cast.county
    rule(c.village_a, "volunteer.hours", 2)
    me = _as(cast.cadre_a)
    team = vs.team_create(**me, place=c.village_a, name="党员先锋队", kind="party")
    start = timezone.now() + dt.timedelta(hours=1)
    activity, _created = vs.activity_create(
        **me,
        team=team,
        title="清理河道垃圾",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        quota=5,
        hours_cap=None,
        needs="手套",
    )
    row, _done = vs.organiser_check_in(
        **me, activity=activity, person=cast.resident_a.person, now=start
    )
    vs.organiser_check_out(
        **me, activity=activity, attendance=row, now=start + dt.timedelta(hours=2, minutes=30)
    )
    h0 = c.households_a[0]
    assert household_balance(household_id=h0.pk) == 0  # checked out, not yet confirmed
    vs.hours_confirm(**me, activity=activity, attendance=row)
    assert household_balance(household_id=h0.pk) == 5
    with pytest.raises(ValidationFailed) as e:
        vs.hours_confirm(**me, activity=activity, attendance=row)
    assert e.value.code == "confirmed"
    assert household_balance(household_id=h0.pk) == 5
    assert _awards("volunteers.attendance:") == [5]


# --- inspections ------------------------------------------------------------------------------
def test_inspection_score_earns_once_per_sheet(cast, make_user, client_for):
    """5 points for 90 % or more: a grid worker's sheet of 95 % earns the household 5; the
    same form sent again returns that sheet and earns nothing; a household scored 80 % earns
    nothing."""
    from wugong.inspections.models import Checklist, Round, ScoreSheet
    from wugong.inspections.services import checklist_defaults_ensure

    c = cast.county
    rule(c.village_a, "inspection.scored", 5, basis="flat", min_quantity="90")
    checklist_defaults_ensure()
    hygiene = Checklist.objects.get(place_path="", name="农户环境卫生检查表")
    rnd = Round.objects.create(
        place=c.village_a,
        place_path=c.village_a.path,
        checklist=hygiene,
        date=timezone.localdate(),
    )
    items = list(hygiene.items.all())
    assert sum(i.max_score for i in items) == 100

    def form(minus: int, key: str) -> dict[str, str]:
        data = {}
        for i in items:  # ``minus`` points off, taken from the first items
            off = min(minus, i.max_score)
            data[f"item_{i.pk}"], minus = str(i.max_score - off), minus - off
        return {"idempotency_key": key, "remark": "", **data}

    inspector = client_for(make_user("grid_worker", c.village_a, grid=c.grid_a))
    h0, h1 = c.households_a[0], c.households_a[1]
    key = uuid.uuid4().hex
    url = reverse("inspections:score", args=[rnd.pk, h0.pk])
    assert inspector.post(url, form(5, key)).status_code in (200, 302)
    assert ScoreSheet.objects.get(household=h0).percent == 95
    assert household_balance(household_id=h0.pk) == 5
    assert inspector.post(url, form(5, key)).status_code in (200, 302)
    assert ScoreSheet.objects.filter(household=h0).count() == 1
    assert household_balance(household_id=h0.pk) == 5
    url1 = reverse("inspections:score", args=[rnd.pk, h1.pk])
    assert inspector.post(url1, form(20, uuid.uuid4().hex)).status_code in (200, 302)
    assert ScoreSheet.objects.get(household=h1).percent == 80
    assert household_balance(household_id=h1.pk) == 0
    assert _awards("inspections.sheet:") == [5]


# --- expiry by the periodic tick ------------------------------------------------------------------
def test_upkeep_tick_expires_points_past_their_validity(cast):
    """Points valid one year: labour given in 2024 (4 days, 20 points) expires when the tick
    runs on 2026-01-01; labour of 2025 (2 days, 10 points) stays; a second run changes nothing."""
    from wugong.projects import services as ps

    c = cast.county
    services.settings_save(
        viewer=admin(), actor=None, village=c.village_a, account_basis="household", expiry_years=1
    )
    rule(c.village_a, "project.labour", 5)
    h1 = c.households_a[1]
    p = _project(cast, on=dt.date(2024, 3, 1))
    me = _as(cast.cadre_a)
    for days, on in (("4", dt.date(2024, 6, 1)), ("2", dt.date(2025, 6, 1))):
        ps.contribution_record(
            **me,
            project=p,
            kind="labour",
            giver=ps.Giver(kind="household", household=h1),
            person_days=days,
            given_on=on,
        )
    assert household_balance(household_id=h1.pk) == 30

    def tick(at: str) -> str:
        out = io.StringIO()
        call_command("upkeep_tick", "--run", "--at", at, stdout=out)
        return out.getvalue()

    assert "points_expired=0" in tick("2025-12-31T08:00:00+08:00")
    assert household_balance(household_id=h1.pk) == 30
    assert "points_expired=20" in tick("2026-01-01T08:00:00+08:00")
    assert household_balance(household_id=h1.pk) == 10
    assert "points_expired=0" in tick("2026-01-01T08:00:00+08:00")
    assert household_balance(household_id=h1.pk) == 10
    assert Transaction.objects.filter(kind="expiry").count() == 1
