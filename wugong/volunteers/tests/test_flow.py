"""Volunteering through the pages and the API: publish, sign up within the quota, check in and
out by QR or by the organiser, hours capped, confirmed once with one deed_recorded; scope."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from wugong.people.rules import viewer_for
from wugong.volunteers import services
from wugong.volunteers.checkin import checkin_token_make
from wugong.volunteers.models import Activity, Attendance, HoursChange
from wugong.volunteers.selectors import village_volunteer_totals

API = "/api/v1/volunteers"


def _local(t: dt.datetime) -> str:
    return timezone.localtime(t).strftime("%Y-%m-%dT%H:%M")


def _token_from_page(client, activity) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/volunteers/{activity.pk}/")
    assert page.status_code == 200
    m = re.search(r"/volunteers/checkin/([^/\"<\s]+)/", page.context["checkin_url"])
    assert m, page.context.get("checkin_url")
    return m.group(1)


def _post_json(client, url, body=None):  # type: ignore[no-untyped-def]
    return client.post(url, body or {}, content_type="application/json")


@pytest.mark.django_db
def test_full_flow_through_the_pages(cast, team_a, client_for, clock, deeds):
    """A cadre publishes (twice-submitted form: one activity), a resident signs up, checks in
    and out by the QR, the organiser confirms: hours capped at 2.5, one deed of exactly 2.50."""
    cadre = client_for(cast.cadre_a)
    start = (timezone.now() + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    form = {
        "team": team_a.pk,
        "title": "清理河道垃圾",
        "location": "村委会门口",
        "starts_at": _local(start),
        "ends_at": _local(start + dt.timedelta(hours=3)),
        "needs": "手套、火钳",
        "quota": 5,
        "hours_cap": "2.5",
        "idempotency_key": "k-123",
    }
    r1 = cadre.post("/volunteers/new/", form)
    r2 = cadre.post("/volunteers/new/", form)
    assert r1.status_code == r2.status_code == 302
    assert Activity.objects.count() == 1
    activity = Activity.objects.get()
    assert activity.hours_cap == Decimal("2.50")
    assert activity.village_path == cast.county.village_a.path

    resident = client_for(cast.resident_a)
    listing = resident.get("/volunteers/")
    assert "清理河道垃圾" in listing.content.decode()
    assert resident.post(f"/volunteers/{activity.pk}/signup/").status_code == 302
    assert "您已报名" in resident.get(f"/volunteers/{activity.pk}/").content.decode()

    token = _token_from_page(cadre, activity)
    url = f"/volunteers/checkin/{token}/"
    assert "我到了，签到" in resident.get(url).content.decode()
    clock.at(start + dt.timedelta(minutes=5))
    done = resident.post(url, {"action": "in"})
    assert "签到成功" in done.content.decode()
    again = resident.post(url, {"action": "in"})
    assert "无需重复签到" in again.content.decode()
    assert Attendance.objects.get().checked_in_at == start + dt.timedelta(minutes=5)
    assert "服务结束，签退" in resident.get(url).content.decode()

    clock.advance(hours=3)
    out = resident.post(url, {"action": "out"})
    assert "本次服务 2.50 小时" in out.content.decode()
    row = Attendance.objects.get()
    assert row.hours == Decimal("2.50") and isinstance(row.hours, Decimal)
    assert deeds == []  # nothing earned before confirmation

    assert (
        cadre.post(f"/volunteers/{activity.pk}/roll/confirm/", {"attendance": row.pk}).status_code
        == 302
    )
    second = cadre.post(f"/volunteers/{activity.pk}/roll/confirm/", {"attendance": row.pk})
    assert second.status_code == 400
    assert "不能重复确认" in second.content.decode()
    person = cast.resident_a.person
    assert deeds == [
        {
            "action": "volunteer.hours",
            "place": activity.place,
            "person_id": person.pk,
            "household_id": person.household_id,
            "quantity": Decimal("2.50"),
            "source": f"volunteers.attendance:{row.pk}",
            "occurred_on": timezone.localdate(start + dt.timedelta(minutes=5)),
            "actor": cast.cadre_a,
        }
    ]
    assert isinstance(deeds[0]["quantity"], Decimal)

    mine = resident.get("/volunteers/mine/").content.decode()
    assert "2.50" in mine and "清理河道垃圾" in mine
    record = resident.get(f"{API}/mine").json()
    assert record["confirmed_hours"] == "2.50"
    assert record["confirmed_count"] == 1


@pytest.mark.django_db
def test_full_flow_through_the_api_with_the_organiser_marking(
    cast, make_activity, client_for, clock, deeds
):
    """The organiser checks a volunteer in and out by hand and confirms an adjusted figure
    with a reason kept in the history."""
    activity = make_activity(length=3)
    cadre, resident = client_for(cast.cadre_a), client_for(cast.resident_a)
    assert _post_json(resident, f"{API}/activities/{activity.pk}/signup").json()["changed"]
    detail = resident.get(f"{API}/activities/{activity.pk}").json()
    assert detail["signed_up"] == 1 and detail["mine"]["signed_up"] is True
    assert detail["hours_cap"] == "3.00"

    clock.at(activity.starts_at)
    person_id = cast.resident_a.person_id
    r = _post_json(cadre, f"{API}/activities/{activity.pk}/roll/check-in", {"person_id": person_id})
    assert r.status_code == 200 and r.json()["changed"] is True
    att = r.json()["attendance"]["id"]
    clock.advance(hours=1, minutes=45)
    r = _post_json(cadre, f"{API}/activities/{activity.pk}/roll/check-out", {"attendance_id": att})
    assert r.json()["attendance"]["hours"] == "1.75"

    no_reason = _post_json(
        cadre, f"{API}/activities/{activity.pk}/roll/confirm", {"attendance_id": att, "hours": "2"}
    )
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    ok = _post_json(
        cadre,
        f"{API}/activities/{activity.pk}/roll/confirm",
        {"attendance_id": att, "hours": "2", "reason": "提前到场布置"},
    )
    assert ok.status_code == 200
    assert ok.json()["attendance"]["confirmed_hours"] == "2.00"
    change = HoursChange.objects.get()
    assert (change.hours_before, change.hours_after, change.reason) == (
        Decimal("1.75"),
        Decimal("2.00"),
        "提前到场布置",
    )
    again = _post_json(
        cadre, f"{API}/activities/{activity.pk}/roll/confirm", {"attendance_id": att}
    )
    assert again.status_code == 400 and again.json()["code"] == "confirmed"
    assert [d["quantity"] for d in deeds] == [Decimal("2.00")]
    roll = cadre.get(f"{API}/activities/{activity.pk}/roll").json()
    assert [(x["person_id"], x["confirmed_hours"]) for x in roll] == [(person_id, "2.00")]


@pytest.mark.django_db
def test_quota_is_kept_and_a_cancelled_place_is_freed(
    cast, make_activity, make_user, client_for, clock
):
    activity = make_activity(quota=2)
    a = client_for(cast.resident_a)
    a2 = client_for(cast.resident_a2)
    third_user = make_user("resident", cast.county.group_a1, household=cast.county.households_a[1])
    third = client_for(third_user)
    assert _post_json(a, f"{API}/activities/{activity.pk}/signup").status_code == 200
    # signing up twice takes one place
    assert _post_json(a, f"{API}/activities/{activity.pk}/signup").json()["changed"] is False
    assert _post_json(a2, f"{API}/activities/{activity.pk}/signup").status_code == 200
    full = _post_json(third, f"{API}/activities/{activity.pk}/signup")
    assert full.status_code == 400 and full.json()["code"] == "quota_full"
    assert "已满" in full.json()["detail"]
    page = third.post(f"/volunteers/{activity.pk}/signup/")
    assert page.status_code == 400 and "报名人数已满" in page.content.decode()
    assert Attendance.objects.filter(activity=activity).count() == 2

    assert _post_json(a2, f"{API}/activities/{activity.pk}/cancel").status_code == 200
    assert _post_json(third, f"{API}/activities/{activity.pk}/signup").status_code == 200
    # after the start, nobody may withdraw
    clock.at(activity.starts_at + dt.timedelta(minutes=1))
    late = _post_json(third, f"{API}/activities/{activity.pk}/cancel")
    assert late.status_code == 400 and late.json()["code"] == "activity_started"


@pytest.mark.django_db
def test_check_out_before_check_in_is_refused(cast, make_activity, client_for, clock):
    activity = make_activity()
    resident, cadre = client_for(cast.resident_a), client_for(cast.cadre_a)
    _post_json(resident, f"{API}/activities/{activity.pk}/signup")
    row = Attendance.objects.get()
    token = checkin_token_make(activity)
    r = _post_json(resident, f"{API}/checkout", {"token": token})
    assert r.status_code == 400 and r.json()["code"] == "not_checked_in"
    assert "还没有签到，不能签退" in r.json()["detail"]
    r = _post_json(
        cadre, f"{API}/activities/{activity.pk}/roll/check-out", {"attendance_id": row.pk}
    )
    assert r.status_code == 400 and r.json()["code"] == "not_checked_in"
    page = resident.post(f"/volunteers/checkin/{token}/", {"action": "out"})
    assert page.status_code == 400 and "还没有签到，不能签退" in page.content.decode()
    row.refresh_from_db()
    assert row.checked_out_at is None and row.hours is None
    # one who never signed up cannot check out either
    other = client_for(cast.resident_a2)
    assert _post_json(other, f"{API}/checkout", {"token": token}).status_code == 400


@pytest.mark.django_db
def test_hours_beyond_the_cap_are_refused(cast, make_activity, client_for, clock, deeds):
    activity = make_activity(length=3, hours_cap="2.5")
    cadre = client_for(cast.cadre_a)
    clock.at(activity.starts_at)
    r = _post_json(
        cadre,
        f"{API}/activities/{activity.pk}/roll/check-in",
        {"person_id": cast.resident_a.person_id},
    )
    att = r.json()["attendance"]["id"]
    url = f"{API}/activities/{activity.pk}/roll/hours"
    over = _post_json(cadre, url, {"attendance_id": att, "hours": "3.5", "reason": "忘记签退"})
    assert over.status_code == 400
    assert over.json() == {
        "code": "hours_over_cap",
        "detail": "服务时长 3.50 小时超过了本活动的上限 2.50 小时，请核实后重新填写。",
        "field": "hours",
    }
    for bad in ["2.555", "abc", "0", "-1"]:
        r = _post_json(cadre, url, {"attendance_id": att, "hours": bad, "reason": "x"})
        assert r.status_code == 400, bad
    page = cadre.post(
        f"/volunteers/{activity.pk}/roll/hours/", {"attendance": att, "hours": "9", "reason": "x"}
    )
    assert page.status_code == 400 and "超过了本活动的上限 2.50 小时" in page.content.decode()
    confirm = _post_json(
        cadre,
        f"{API}/activities/{activity.pk}/roll/confirm",
        {"attendance_id": att, "hours": "2.6", "reason": "加班"},
    )
    assert confirm.status_code == 400 and confirm.json()["code"] == "hours_over_cap"
    row = Attendance.objects.get(pk=att)
    assert row.hours is None and row.confirmed_at is None
    assert not HoursChange.objects.exists() and deeds == []
    # within the cap, entered by hand with a reason: accepted and kept in the history
    ok = _post_json(cadre, url, {"attendance_id": att, "hours": "2.5", "reason": "忘记签退"})
    assert ok.status_code == 200 and ok.json()["attendance"]["hours"] == "2.50"
    assert HoursChange.objects.get().reason == "忘记签退"


@pytest.mark.django_db
def test_qr_tokens_tampered_expired_or_replaced_are_refused(cast, make_activity, client_for, clock):
    activity = make_activity()
    resident = client_for(cast.resident_a)
    clock.at(activity.starts_at)
    good = checkin_token_make(activity)
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    r = _post_json(resident, f"{API}/checkin", {"token": tampered})
    assert r.status_code == 400 and r.json()["code"] == "checkin_invalid"
    expired = checkin_token_make(activity, now=timezone.now() - dt.timedelta(hours=3))
    r = _post_json(resident, f"{API}/checkin", {"token": expired})
    assert r.status_code == 400 and r.json()["code"] == "checkin_expired"
    page = resident.post(f"/volunteers/checkin/{expired}/", {"action": "in"})
    assert page.status_code == 400 and "签到码已过期" in page.content.decode()
    # a meeting's token (another salt) is no activity's token
    from django.core import signing

    forged = signing.dumps(
        {"a": activity.pk, "k": activity.checkin_key, "e": 2**40}, salt="wugong.meetings.checkin"
    )
    assert (
        _post_json(resident, f"{API}/checkin", {"token": forged}).json()["code"]
        == "checkin_invalid"
    )
    services.checkin_key_rotate(
        viewer=viewer_for(cast.cadre_a), actor=cast.cadre_a, activity=activity
    )
    r = _post_json(resident, f"{API}/checkin", {"token": good})
    assert r.status_code == 400 and r.json()["code"] == "checkin_void"
    assert not Attendance.objects.exists()
    fresh = checkin_token_make(Activity.objects.get(pk=activity.pk))
    r = _post_json(resident, f"{API}/checkin", {"token": fresh})
    assert r.status_code == 200 and r.json()["changed"] is True


@pytest.mark.django_db
def test_scope_other_village_gets_404_and_residents_see_only_their_own(
    cast, make_activity, client_for, clock
):
    activity = make_activity()
    cadre_b, resident_b = client_for(cast.cadre_b), client_for(cast.resident_b)
    for client in (cadre_b, resident_b):
        assert client.get(f"/volunteers/{activity.pk}/").status_code == 404
        assert client.get(f"{API}/activities/{activity.pk}").status_code == 404
        assert "清理河道垃圾" not in client.get("/volunteers/").content.decode()
        assert client.get(f"{API}/activities").json() == []
        assert _post_json(client, f"{API}/activities/{activity.pk}/signup").status_code == 404
    assert cadre_b.get(f"/volunteers/{activity.pk}/edit/").status_code == 404
    assert (
        cadre_b.post(f"/volunteers/{activity.pk}/roll/confirm/", {"attendance": 1}).status_code
        == 404
    )
    assert cadre_b.get(f"/volunteers/teams/{activity.team_id}/").status_code == 404
    # residents of 双台村 (any group) see the activity; only the organiser sees the names
    a, a2 = client_for(cast.resident_a), client_for(cast.resident_a2)
    assert _post_json(a, f"{API}/activities/{activity.pk}/signup").status_code == 200
    assert _post_json(a2, f"{API}/activities/{activity.pk}/signup").status_code == 200
    # a resident of 楼台村 cannot check in with 双台村's code
    clock.at(activity.starts_at)
    r = _post_json(resident_b, f"{API}/checkin", {"token": checkin_token_make(activity)})
    assert r.status_code == 403
    assert Attendance.objects.filter(person=cast.resident_b.person).count() == 0
    name_a = cast.resident_a.person.name
    assert name_a not in a2.get(f"/volunteers/{activity.pk}/").content.decode()
    assert name_a in client_for(cast.cadre_a).get(f"/volunteers/{activity.pk}/").content.decode()
    assert a2.get(f"{API}/activities/{activity.pk}/roll").status_code == 403
    row_a = Attendance.objects.get(person=cast.resident_a.person)
    r = _post_json(a2, f"{API}/activities/{activity.pk}/roll/confirm", {"attendance_id": row_a.pk})
    assert r.status_code == 403
    mine = a2.get(f"{API}/mine").json()
    assert len(mine["activities"]) == 1
    assert name_a not in a2.get("/volunteers/mine/").content.decode()
    # a resident cannot publish or run activities
    assert a.get("/volunteers/new/").status_code == 403
    assert a.post(f"/volunteers/{activity.pk}/status/", {"status": "cancelled"}).status_code == 403
    assert Activity.objects.get().status == "open"


@pytest.mark.django_db
def test_village_volunteer_totals_are_exact(cast, team_a, county, deeds):
    """Distinct volunteers with confirmed hours and their total per village, one key per
    village under the prefix; unconfirmed hours do not count."""
    base = timezone.now() - dt.timedelta(days=3)
    cadre_a, cadre_b = viewer_for(cast.cadre_a), viewer_for(cast.cadre_b)
    team_b = services.team_create(
        viewer=cadre_b,
        actor=cast.cadre_b,
        place=county.village_b,
        name="巾帼志愿服务队",
        kind="women",
    )

    def run(viewer, actor, team, place, people, hours_each, confirm=True):  # type: ignore[no-untyped-def]
        act, _ = services.activity_create(
            viewer=viewer,
            actor=actor,
            team=team,
            place=place,
            title="活动",
            starts_at=base,
            ends_at=base + dt.timedelta(hours=4),
            quota=10,
        )
        for person, hours in zip(people, hours_each, strict=True):
            row, _ = services.organiser_check_in(
                viewer=viewer, actor=actor, activity=act, person=person, now=base
            )
            services.organiser_check_out(
                viewer=viewer,
                actor=actor,
                activity=act,
                attendance=row,
                now=base + dt.timedelta(minutes=int(hours * 60)),
            )
            if confirm:
                services.hours_confirm(viewer=viewer, actor=actor, activity=act, attendance=row)

    p1, p2 = cast.resident_a.person, cast.resident_a2.person
    p3 = cast.resident_b.person
    run(cadre_a, cast.cadre_a, team_a, county.village_a, [p1, p2], [2.5, 1.25])
    run(cadre_a, cast.cadre_a, team_a, county.group_a1, [p1], [3])  # same volunteer again
    run(cadre_a, cast.cadre_a, team_a, county.village_a, [p2], [1], confirm=False)
    run(cadre_b, cast.cadre_b, team_b, county.village_b, [p3], [0.5])

    assert village_volunteer_totals(path_prefix=county.county.path) == {
        county.village_a.path: (2, Decimal("6.75")),
        county.village_b.path: (1, Decimal("0.50")),
    }
    assert village_volunteer_totals(path_prefix=county.town_a.path) == {
        county.village_a.path: (2, Decimal("6.75"))
    }
    assert village_volunteer_totals(path_prefix=county.village_b.path) == {
        county.village_b.path: (1, Decimal("0.50"))
    }
    assert village_volunteer_totals(path_prefix=county.community.path) == {}
    assert all(
        str(h) == format(h, ".2f")
        for _n, h in village_volunteer_totals(path_prefix=county.county.path).values()
    )
    assert sum(d["quantity"] for d in deeds) == Decimal("7.25")


@pytest.mark.django_db
def test_team_pages_and_activity_editing(cast, make_activity, client_for, clock):
    """A cadre forms a team, finds a resident by name and adds them; the quota cannot drop
    below those signed up; residents see the teams of their village but not the members'
    hours."""
    cadre = client_for(cast.cadre_a)
    r = cadre.post(
        "/volunteers/teams/",
        {"place": cast.county.village_a.pk, "name": "巾帼志愿服务队", "kind": "women"},
    )
    assert r.status_code == 302
    from wugong.volunteers.models import Team, TeamMember

    team = Team.objects.get(name="巾帼志愿服务队")
    dup = cadre.post(
        "/volunteers/teams/",
        {"place": cast.county.village_a.pk, "name": "巾帼志愿服务队", "kind": "women"},
    )
    assert dup.status_code == 400 and "同名" in dup.content.decode()
    person = cast.resident_a.person
    found = cadre.get(f"/volunteers/teams/{team.pk}/", {"q": person.name}).content.decode()
    assert person.name in found
    assert (
        cadre.post(f"/volunteers/teams/{team.pk}/members/", {"person": person.pk}).status_code
        == 302
    )
    assert TeamMember.objects.filter(team=team, person=person).exists()
    person.refresh_from_db()
    assert person.is_volunteer
    # someone of 楼台村 cannot be added to 双台村's team
    other = cast.resident_b.person
    r = cadre.post(f"/volunteers/teams/{team.pk}/members/", {"person": other.pk})
    assert r.status_code == 400 and not TeamMember.objects.filter(person=other).exists()

    resident = client_for(cast.resident_a2)
    assert "巾帼志愿服务队" in resident.get("/volunteers/teams/").content.decode()
    page = resident.get(f"/volunteers/teams/{team.pk}/").content.decode()
    assert person.name not in page

    activity = make_activity(quota=3)
    _post_json(client_for(cast.resident_a), f"{API}/activities/{activity.pk}/signup")
    _post_json(resident, f"{API}/activities/{activity.pk}/signup")
    assert cadre.get(f"/volunteers/{activity.pk}/edit/").status_code == 200
    form = {
        "title": "清理河道垃圾（改）",
        "starts_at": _local(activity.starts_at),
        "ends_at": _local(activity.ends_at),
        "quota": 1,
        "hours_cap": "",
    }
    r = cadre.post(f"/volunteers/{activity.pk}/edit/", form)
    assert r.status_code == 400 and "不能少于报名人数" in r.content.decode()
    r = cadre.post(f"/volunteers/{activity.pk}/edit/", {**form, "quota": 4, "hours_cap": "1.5"})
    assert r.status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.quota, activity.hours_cap) == (
        "清理河道垃圾（改）",
        4,
        Decimal("1.50"),
    )
    assert resident.get(f"/volunteers/{activity.pk}/edit/").status_code == 403
