"""Meetings through their public surface: quorum on real rolls, QR check-in, roll call,
notices, decisions, photos, and scope."""

import datetime as dt
import io

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.models import AuditEvent
from wugong.meetings import selectors, services
from wugong.meetings.checkin import checkin_token_make
from wugong.meetings.models import Attendance, Meeting, MeetingNotification
from wugong.people.rules import viewer_for
from wugong.people.sms import OutboxSender

pytestmark = pytest.mark.django_db


def _check(meeting):  # type: ignore[no-untyped-def]
    return selectors.quorum_status(meeting).checks


def _mark(user, meeting, **kw):  # type: ignore[no-untyped-def]
    return services.roll_call_mark(
        viewer=viewer_for(user), actor=user, meeting=meeting, present=kw.pop("present", True), **kw
    )


# --- quorum on real rolls --------------------------------------------------------------------
def test_assembly_counts_adults_only_and_half_is_not_enough(
    county, cadre_a, meeting_of, add_person
) -> None:
    """A village assembly needs MORE than half of the adult villagers (18+ by birth date):
    a minor is neither on the roll nor counted when present; exactly half is not a quorum."""
    heads = [h.head for h in county.households_a]  # four adults, born 1956
    minor = add_person(
        county.households_a[0], "王小明", dt.date.today() - dt.timedelta(days=365 * 10)
    )
    meeting = meeting_of(cadre_a, "village_assembly")
    for p in [heads[0], heads[1], minor]:
        _mark(cadre_a, meeting, person=p)
    adults, households = _check(meeting)
    assert (adults.eligible, adults.present, adults.met) == (4, 2, False)
    assert households.basis == "households" and households.present == 2
    assert not selectors.quorum_status(meeting).met
    _mark(cadre_a, meeting, person=heads[2])
    assert selectors.quorum_status(meeting).met


def test_assembly_is_quorate_with_two_thirds_of_households(county, cadre_a, meeting_of) -> None:
    """“或者本村三分之二以上的户的代表参加”: three of four households ticked as represented."""
    meeting = meeting_of(cadre_a, "village_assembly")
    for h in county.households_a[:2]:
        _mark(cadre_a, meeting, household=h)
    assert not selectors.quorum_status(meeting).met  # 2 < 8/3
    _mark(cadre_a, meeting, household=county.households_a[2])
    adults, households = _check(meeting)
    assert adults.present == 0 and households.met and selectors.quorum_status(meeting).met


def test_representatives_exactly_two_thirds_is_a_quorum(county, cadre_a, meeting_of) -> None:
    """A representatives' meeting of three members opens with two present (exactly 2/3)."""
    viewer = viewer_for(cadre_a)
    reps = [h.head for h in county.households_a[:3]]
    for p in reps:
        services.representative_add(viewer=viewer, actor=cadre_a, place=county.village_a, person=p)
    meeting = meeting_of(cadre_a, "representatives")
    _mark(cadre_a, meeting, person=reps[0])
    assert not selectors.quorum_status(meeting).met
    _mark(cadre_a, meeting, person=reps[1])
    (check,) = _check(meeting)
    assert (check.present, check.eligible, check.met) == (2, 3, True)
    # Someone not on the roll (a resident who is no representative) does not count.
    _mark(cadre_a, meeting, person=county.households_a[3].head)
    assert _check(meeting)[0].present == 2


def test_thresholds_are_configurable_per_meeting(county, cadre_a, meeting_of) -> None:
    """A body with stricter rules sets its own proportion: 3/4 of adults, more than."""
    meeting = meeting_of(cadre_a, "village_assembly", quorum=(3, 4, "at_least"))
    for h in county.households_a[:3]:
        _mark(cadre_a, meeting, person=h.head)
    assert _check(meeting)[0].met  # 3 ≥ 3/4 × 4
    services.meeting_quorum_set(
        viewer=viewer_for(cadre_a), actor=cadre_a, meeting=meeting, quorum=(3, 4, "more_than")
    )
    assert not _check(meeting)[0].met


def test_courtyard_meeting_counts_no_quorum(county, cadre_a, meeting_of, client_for) -> None:
    """A courtyard meeting (院场会) at a group has no quorum rule; the page says so."""
    meeting = meeting_of(cadre_a, "courtyard", place=county.group_a1, title="一组院场会")
    assert not selectors.quorum_status(meeting).required
    page = client_for(cadre_a).get(f"/meetings/{meeting.pk}/")
    assert "本类会议不计法定人数" in page.content.decode()


def test_meeting_page_polls_the_live_quorum(county, cadre_a, meeting_of, client_for) -> None:
    """The meeting page shows present/required with the legal basis and polls every 5 s."""
    meeting = meeting_of(cadre_a, "village_assembly", title="村民会议")
    _mark(cadre_a, meeting, person=county.households_a[0].head)
    client = client_for(cadre_a)
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'hx-trigger="every 5s"' in html and "第二十二条" in html
    assert "1 / 3" in html  # one present; more than half of four adults is three
    fragment = client.get(f"/meetings/{meeting.pk}/quorum/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "<svg" in html  # the check-in QR, for the cadre running the meeting


# --- QR check-in -----------------------------------------------------------------------------
def test_qr_check_in_once_and_idempotent(county, cadre_a, meeting_of, user_of, client_for) -> None:
    """A resident signed in on their phone checks in with the meeting's token; a second scan
    changes nothing."""
    meeting = meeting_of(cadre_a, "village_assembly")
    resident = user_of(county.households_a[1].head)
    client = client_for(resident)
    url = f"/meetings/checkin/{checkin_token_make(meeting)}/"
    assert "我到会了" in client.get(url).content.decode()
    first = client.post(url)
    assert first.status_code == 200 and "签到成功" in first.content.decode()
    again = client.post(url)
    assert "您已签到" in again.content.decode()
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert _check(meeting)[0].present == 1
    assert AuditEvent.objects.filter(action="meeting.check_in").count() == 1


def test_expired_forged_or_voided_token_is_refused(
    county, cadre_a, meeting_of, user_of, client_for
) -> None:
    """An expired token, a forged one, and one voided by 换码 are refused; nobody is checked in."""
    meeting = meeting_of(cadre_a, "village_assembly")
    client = client_for(user_of(county.households_a[1].head))
    old = checkin_token_make(meeting, now=timezone.now() - dt.timedelta(hours=3))
    r = client.post(f"/meetings/checkin/{old}/")
    assert r.status_code == 400 and "签到码已过期" in r.content.decode()
    forged = signing.dumps({"m": meeting.pk, "k": meeting.checkin_key, "e": 2**40}, salt="x")
    r = client.post(f"/meetings/checkin/{forged}/")
    assert r.status_code == 400 and "签到码无效" in r.content.decode()
    token = checkin_token_make(meeting)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.post(f"/meetings/checkin/{tampered}/").status_code == 400
    services.checkin_key_rotate(viewer=viewer_for(cadre_a), actor=cadre_a, meeting=meeting)
    r = client.post(f"/meetings/checkin/{token}/")
    assert r.status_code == 400 and "已作废" in r.content.decode()
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_resident_of_another_village_cannot_check_in(
    county, cadre_a, meeting_of, user_of, client_for
) -> None:
    """A resident of 楼台村 holding 双台村's QR is refused with a clear message."""
    meeting = meeting_of(cadre_a, "village_assembly")
    outsider = user_of(county.households_b[0].head)
    r = client_for(outsider).post(f"/meetings/checkin/{checkin_token_make(meeting)}/")
    assert r.status_code == 403 and "不是双台村的居民" in r.content.decode()
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_check_in_by_api_and_after_closing(
    county, cadre_a, meeting_of, user_of, client_for
) -> None:
    """The API checks in the same way; once the meeting is closed check-in is refused."""
    meeting = meeting_of(cadre_a, "village_assembly")
    client = client_for(user_of(county.households_a[2].head))
    token = checkin_token_make(meeting)
    r = client.post("/api/v1/meetings/checkin", {"token": token}, content_type="application/json")
    assert r.status_code == 200 and r.json() == {"meeting_id": meeting.pk, "created": True}
    viewer = viewer_for(cadre_a)
    services.meeting_status_set(viewer=viewer, actor=cadre_a, meeting=meeting, status="open")
    services.meeting_status_set(viewer=viewer, actor=cadre_a, meeting=meeting, status="closed")
    r = client.post("/api/v1/meetings/checkin", {"token": token}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "meeting_closed"
    meeting.refresh_from_db()
    assert meeting.quorum_record["checks"][0]["present"] == 1  # kept as it stood


# --- roll call -------------------------------------------------------------------------------
def test_roll_call_page_ticks_and_unticks(county, cadre_a, meeting_of, client_for) -> None:
    """The roll-call page lists households and members; a tap marks present, another unmarks."""
    meeting = meeting_of(cadre_a, "village_assembly")
    client = client_for(cadre_a)
    page = client.get(f"/meetings/{meeting.pk}/roll/").content.decode()
    assert "王秀英" in page and "本户到会" in page and "刘长春" not in page
    head = county.households_a[0].head
    r = client.post(
        f"/meetings/{meeting.pk}/roll/mark/",
        {"person": head.pk, "present": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and "已到" in r.content.decode()
    assert Attendance.objects.filter(meeting=meeting, person=head, method="roll_call").exists()
    client.post(f"/meetings/{meeting.pk}/roll/mark/", {"person": head.pk, "present": "0"})
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_roll_call_refuses_outsiders(county, cadre_a, meeting_of, client_for) -> None:
    """A household or person of another village cannot be ticked at 双台村's meeting."""
    meeting = meeting_of(cadre_a, "village_assembly")
    client = client_for(cadre_a)
    r = client.post(
        f"/meetings/{meeting.pk}/roll/mark/",
        {"household": county.households_b[0].pk, "present": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 400 and "该户不属于本次会议的地点" in r.content.decode()
    with pytest.raises(ValidationFailed):
        _mark(cadre_a, meeting, person=county.households_b[0].head)
    assert not Attendance.objects.filter(meeting=meeting).exists()


# --- notice, decisions, minutes, photos ------------------------------------------------------
def test_notice_reaches_the_roll_in_app_and_by_sms(
    county, cadre_a, meeting_of, client_for, django_capture_on_commit_callbacks
) -> None:
    """The notice goes to every adult of the village (in-app and SMS); sending again tells
    nobody twice."""
    meeting = meeting_of(cadre_a, "village_assembly", title="修路议事")
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for(cadre_a).post(f"/meetings/{meeting.pk}/notice/")
    assert r.status_code == 302
    assert MeetingNotification.objects.filter(meeting=meeting).count() == 4
    assert len(OutboxSender.outbox) == 4 and "修路议事" in OutboxSender.outbox[0][1]
    assert MeetingNotification.objects.filter(meeting=meeting, sms=True).count() == 4
    assert (
        services.meeting_notice_send(viewer=viewer_for(cadre_a), actor=cadre_a, meeting=meeting)
        == 0
    )
    assert len(OutboxSender.outbox) == 4


def test_notice_after_the_start_is_refused(county, cadre_a, meeting_of) -> None:
    """A notice is sent in advance: not for a meeting that has already begun."""
    meeting = meeting_of(cadre_a, "courtyard", starts_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationFailed, match="会前通知"):
        services.meeting_notice_send(viewer=viewer_for(cadre_a), actor=cadre_a, meeting=meeting)


def test_decision_by_show_of_hands_follows_the_law(county, cadre_a, meeting_of, client_for) -> None:
    """With counts, a decision passes with more than half of those present; counts above the
    number present are refused with a clear message and nothing is saved."""
    meeting = meeting_of(cadre_a, "village_assembly")
    for h in county.households_a[:3]:
        _mark(cadre_a, meeting, person=h.head)
    viewer = viewer_for(cadre_a)
    services.meeting_status_set(viewer=viewer, actor=cadre_a, meeting=meeting, status="open")
    item = services.agenda_item_add(viewer=viewer, actor=cadre_a, meeting=meeting, text="硬化村道")
    client = client_for(cadre_a)
    bad = client.post(
        f"/meetings/{meeting.pk}/decisions/",
        {"text": "同意硬化", "agenda_item": item.pk, "votes_for": 3, "votes_against": 1},
    )
    assert bad.status_code == 400 and "超过到会人数3人" in bad.content.decode()
    assert not meeting.decisions.exists()
    client.post(
        f"/meetings/{meeting.pk}/decisions/",
        {"text": "同意硬化", "agenda_item": item.pk, "votes_for": 2, "votes_against": 1},
    )
    decision = meeting.decisions.get()
    assert decision.outcome == "passed" and "至少2票" in decision.explanation
    split = services.meeting_decision_record(
        viewer=viewer,
        actor=cadre_a,
        meeting=meeting,
        text="另议",
        votes_for=1,
        votes_against=1,
        votes_abstain=1,
    )
    assert split.outcome == "rejected"


def test_photos_are_checked_by_content_and_size(county, cadre_a, meeting_of, client_for) -> None:
    """JPG/PNG/WebP up to 5 MB only, judged by the bytes, not the name; a fake header that
    does not decode is refused too."""
    meeting = meeting_of(cadre_a, "courtyard")
    client = client_for(cadre_a)
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (90, 90, 200)).save(buf, "PNG")
    png = SimpleUploadedFile("a.png", buf.getvalue(), content_type="image/png")
    assert client.post(f"/meetings/{meeting.pk}/photos/", {"photo": png}).status_code == 302
    fake = SimpleUploadedFile("b.jpg", b"MZ not an image", content_type="image/jpeg")
    r = client.post(f"/meetings/{meeting.pk}/photos/", {"photo": fake})
    assert r.status_code == 400 and "只能上传照片" in r.content.decode()
    big = SimpleUploadedFile(
        "c.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), content_type="image/jpeg"
    )
    r = client.post(f"/meetings/{meeting.pk}/photos/", {"photo": big})
    assert r.status_code == 400 and "5 MB" in r.content.decode()
    head_only = SimpleUploadedFile("d.jpg", b"\xff\xd8\xff" + b"0" * 64, content_type="image/jpeg")
    r = client.post(f"/meetings/{meeting.pk}/photos/", {"photo": head_only})
    assert r.status_code == 400 and "只能上传照片" in r.content.decode()
    assert meeting.photos.count() == 1
    photo = meeting.photos.get()
    assert client.get(f"/meetings/{meeting.pk}/photos/{photo.pk}/").status_code == 200


def test_minutes_are_saved(county, cadre_a, meeting_of, client_for) -> None:
    meeting = meeting_of(cadre_a, "courtyard")
    client_for(cadre_a).post(f"/meetings/{meeting.pk}/minutes/", {"minutes": "大家同意先修水渠。"})
    meeting.refresh_from_db()
    assert meeting.minutes == "大家同意先修水渠。"


# --- creating and scope ----------------------------------------------------------------------
def test_bad_input_gets_a_chinese_message_and_changes_nothing(county, cadre_a, client_for) -> None:
    """A village assembly cannot be held at a group; a bad proportion is explained."""
    client = client_for(cadre_a)
    r = client.post(
        "/meetings/new/",
        {
            "place": county.group_a1.pk,
            "kind": "village_assembly",
            "title": "村民会议",
            "starts_at": "2030-05-01T09:00",
            "location": "村部",
        },
    )
    assert r.status_code == 400 and "村民会议应在村召开" in r.content.decode()
    r = client.post(
        "/api/v1/meetings/",
        {
            "place_id": county.village_a.pk,
            "kind": "representatives",
            "title": "代表会",
            "starts_at": "2030-05-01T09:00:00+08:00",
            "location": "村部",
            "quorum": "3/2",
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and "不大于1的分数" in r.json()["detail"]
    assert not Meeting.objects.exists()


def test_cadre_of_another_village_cannot_see_or_manage(
    county, cadre_a, cadre_b, meeting_of, client_for
) -> None:
    """楼台村's cadre reaches 双台村's meeting neither through the pages nor the API."""
    meeting = meeting_of(cadre_a, "village_assembly", title="双台村修路会")
    client = client_for(cadre_b)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client.post(f"/meetings/{meeting.pk}/status/", {"status": "open"}).status_code == 404
    assert (
        client.post(
            f"/meetings/{meeting.pk}/roll/mark/",
            {"household": county.households_a[0].pk, "present": "1"},
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/meetings/{meeting.pk}").status_code == 404
    r = client.post(
        f"/api/v1/meetings/{meeting.pk}/attendance",
        {"household_id": county.households_a[0].pk},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = client.post(
        "/api/v1/meetings/",
        {
            "place_id": county.village_a.pk,
            "kind": "courtyard",
            "title": "x",
            "starts_at": "2030-05-01T09:00:00+08:00",
            "location": "x",
        },
        content_type="application/json",
    )
    assert r.status_code == 404
    assert meeting.title not in client.get("/meetings/").content.decode()
    meeting.refresh_from_db()
    assert meeting.status == "scheduled" and not Attendance.objects.exists()


def test_supervisor_sees_but_cannot_manage(
    county, cadre_a, make_user, meeting_of, client_for
) -> None:
    """The town's supervisor may look at a village meeting but not run it."""
    meeting = meeting_of(cadre_a, "village_assembly")
    client = client_for(make_user("town_supervisor", county.town_a))
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.post(f"/meetings/{meeting.pk}/status/", {"status": "open"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.meeting_status_set(
            viewer=viewer_for(make_user("town_supervisor", county.town_a)),
            actor=None,
            meeting=meeting,
            status="open",
        )


def test_resident_sees_own_village_meetings_only(
    county, cadre_a, cadre_b, meeting_of, user_of, client_for
) -> None:
    """A resident of 双台村 一组 sees the village's meetings, not 楼台村's, and no QR."""
    here = meeting_of(cadre_a, "village_assembly", title="双台村村民会议")
    there = meeting_of(cadre_b, "village_assembly", place=county.village_b, title="楼台村村民会议")
    client = client_for(user_of(county.households_a[0].head))
    listing = client.get("/meetings/").content.decode()
    assert "双台村村民会议" in listing and "楼台村村民会议" not in listing
    page = client.get(f"/meetings/{here.pk}/").content.decode()
    assert "<svg" not in page
    assert client.get(f"/meetings/{there.pk}/").status_code == 404


def test_council_members_run_only_their_council(county, make_user, client_for) -> None:
    """A council member convenes the council's meeting (quorum over its members) but not a
    village assembly."""
    from wugong.people import services as ps

    council = ps.organisation_create(
        name="双台村村民理事会", kind="council", places=[county.village_a]
    )
    for h in county.households_a[:2]:
        ps.membership_add(organisation=council, person=h.head)
    member = make_user("council_member", county.village_a)
    viewer = viewer_for(member)
    meeting = services.meeting_create(
        viewer=viewer,
        actor=member,
        place=county.village_a,
        kind="council",
        title="理事会议事",
        starts_at=timezone.now() + dt.timedelta(days=1),
        location="祠堂",
        organisation=council,
    )
    (check,) = selectors.quorum_status(meeting).checks
    assert (check.basis, check.eligible) == ("members", 2)
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            viewer=viewer,
            actor=member,
            place=county.village_a,
            kind="village_assembly",
            title="x",
            starts_at=timezone.now(),
            location="x",
        )


def test_meeting_list_does_not_grow_queries_with_meetings(
    county, cadre_a, meeting_of, client_for
) -> None:
    """The list page costs the same number of queries for one meeting as for six."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meeting_of(cadre_a, "courtyard", place=county.group_a1)
    client = client_for(cadre_a)
    client.get("/meetings/")
    with CaptureQueriesContext(connection) as one:
        client.get("/meetings/")
    for _ in range(5):
        meeting_of(cadre_a, "village_assembly")
    with CaptureQueriesContext(connection) as six:
        page = client.get("/meetings/")
    assert page.content.decode().count('href="/meetings/') >= 6
    assert len(six) == len(one)


def test_invited_resident_sees_the_notice(county, cadre_a, meeting_of, user_of, client_for) -> None:
    """After the notice, an invited resident finds it at the top of the meetings page."""
    meeting = meeting_of(cadre_a, "village_assembly", title="冬季水利议事")
    services.meeting_notice_send(viewer=viewer_for(cadre_a), actor=cadre_a, meeting=meeting)
    page = client_for(user_of(county.households_a[3].head)).get("/meetings/").content.decode()
    assert "会议通知" in page and "冬季水利议事" in page
