"""四议两公开: six steps in order, the lawful merge of the first two, rejection, pages and API."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.meetings import services
from wugong.meetings.models import DecisionStep, VillageDecision
from wugong.people.rules import viewer_for

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def road(county, cadre_a) -> VillageDecision:  # type: ignore[no-untyped-def]
    return services.village_decision_create(
        viewer=viewer_for(cadre_a), actor=cadre_a, place=county.village_a, title="硬化二组道路"
    )


def _step(user, decision, step, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("date", TODAY)
    kw.setdefault(
        "body",
        {1: "村党支部", 2: "村两委", 3: "党员大会", 4: "村民代表会议"}.get(step, "村务公开栏"),
    )
    kw.setdefault("outcome", "published" if step >= 5 else "passed")
    if step == 3:
        kw.setdefault("present", 10)
        kw.setdefault("expected", 15)
    if step == 4:
        kw.setdefault("present", 20)
        kw.setdefault("expected", 27)
    if step >= 5:
        kw.setdefault("note", "村务公开栏公示7天")
    return services.decision_step_record(
        viewer=viewer_for(user), actor=user, decision=decision, step=step, **kw
    )


def _posts(cadre, county, secretary, director):  # type: ignore[no-untyped-def]
    viewer = viewer_for(cadre)
    for post, person in (("party_secretary", secretary), ("committee_director", director)):
        services.village_post_set(
            viewer=viewer,
            actor=cadre,
            place=county.village_a,
            post=post,
            person=person,
            since=dt.date(2021, 1, 1),
        )


def test_six_steps_in_order_complete_the_procedure(county, cadre_a, road) -> None:
    """Recording steps 1 to 6 in order completes the procedure."""
    for n in range(1, 7):
        _step(cadre_a, road, n)
    road.refresh_from_db()
    assert road.status == "completed" and road.ended_at is not None
    assert list(road.steps.values_list("step", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_steps_cannot_be_skipped_or_repeated(county, cadre_a, road) -> None:
    """Step 3 before step 2 is refused, naming the step that is due; so is doing step 1 twice."""
    _step(cadre_a, road, 1)
    with pytest.raises(ValidationFailed, match="下一步应为第2步“两委会商议”") as e:
        _step(cadre_a, road, 3)
    assert e.value.code == "step_out_of_order"
    with pytest.raises(ValidationFailed, match="不能跳过"):
        _step(cadre_a, road, 1)
    assert road.steps.count() == 1


def test_merge_of_first_two_steps_needs_one_person_in_both_posts(county, cadre_a, road) -> None:
    """Steps 1 and 2 may be recorded together only when the party secretary is also the
    committee director (一肩挑); the merge names that person."""
    heads = [h.head for h in county.households_a]
    with pytest.raises(ValidationFailed, match="一肩挑") as e:
        _step(cadre_a, road, 1, merge_first_two=True)
    assert e.value.code == "merge_not_allowed"
    _posts(cadre_a, county, heads[0], heads[1])
    with pytest.raises(ValidationFailed, match="一肩挑"):
        _step(cadre_a, road, 1, merge_first_two=True)
    assert not road.steps.exists()
    _posts(cadre_a, county, heads[0], heads[0])
    rows = _step(cadre_a, road, 1, merge_first_two=True, body="村党支部、村两委")
    assert [r.step for r in rows] == [1, 2] and all(r.merged for r in rows)
    road.refresh_from_db()
    assert road.merged_first_two and road.merge_person == heads[0]
    _step(cadre_a, road, 3)  # the next step is now step 3


def test_merge_only_at_the_start(county, cadre_a, road) -> None:
    """The merge cannot be claimed once step 1 is recorded on its own."""
    head = county.households_a[0].head
    _posts(cadre_a, county, head, head)
    _step(cadre_a, road, 1)
    with pytest.raises(ValidationFailed, match="合并"):
        _step(cadre_a, road, 2, merge_first_two=True)


def test_a_rejected_resolution_ends_the_procedure(county, cadre_a, road) -> None:
    """When the representatives reject it, the matter ends as rejected: no publication of a
    resolution follows."""
    for n in (1, 2, 3):
        _step(cadre_a, road, n)
    _step(cadre_a, road, 4, outcome="rejected")
    road.refresh_from_db()
    assert road.status == "rejected"
    with pytest.raises(ValidationFailed, match="不能再记录步骤"):
        _step(cadre_a, road, 5)


def test_resolution_needs_a_quorum(county, cadre_a, road, meeting_of) -> None:
    """A resolution of a representatives' meeting short of two thirds is not valid, whether
    given by numbers or by the linked meeting's attendance."""
    for n in (1, 2, 3):
        _step(cadre_a, road, n)
    with pytest.raises(ValidationFailed, match="未达到法定人数") as e:
        _step(cadre_a, road, 4, present=17, expected=27)
    assert e.value.code == "no_quorum"
    viewer = viewer_for(cadre_a)
    reps = [h.head for h in county.households_a[:3]]
    for p in reps:
        services.representative_add(viewer=viewer, actor=cadre_a, place=county.village_a, person=p)
    meeting = meeting_of(cadre_a, "representatives", starts_at=timezone.now())
    services.meeting_status_set(viewer=viewer, actor=cadre_a, meeting=meeting, status="open")
    services.roll_call_mark(
        viewer=viewer, actor=cadre_a, meeting=meeting, present=True, person=reps[0]
    )
    with pytest.raises(ValidationFailed, match="未达到法定人数"):
        _step(cadre_a, road, 4, meeting=meeting, present=None, expected=None)
    services.roll_call_mark(
        viewer=viewer, actor=cadre_a, meeting=meeting, present=True, person=reps[1]
    )
    (row,) = _step(cadre_a, road, 4, meeting=meeting, present=None, expected=None, body="")
    assert (row.present, row.expected, row.meeting_id) == (2, 3, meeting.pk)


def test_step_dates_and_outcomes_are_checked(county, cadre_a, road) -> None:
    """No future dates, no date before the previous step, and publication steps only publish."""
    with pytest.raises(ValidationFailed, match="晚于今天"):
        _step(cadre_a, road, 1, date=TODAY + dt.timedelta(days=1))
    _step(cadre_a, road, 1)
    with pytest.raises(ValidationFailed, match="早于上一步"):
        _step(cadre_a, road, 2, date=TODAY - dt.timedelta(days=1))
    for n in (2, 3, 4):
        _step(cadre_a, road, n)
    with pytest.raises(ValidationFailed, match="已公开"):
        _step(cadre_a, road, 5, outcome="passed")


def test_other_village_cadre_cannot_run_the_procedure(
    county, cadre_a, cadre_b, road, client_for
) -> None:
    """楼台村's cadre neither sees nor advances 双台村's procedure (pages and API)."""
    with pytest.raises(PermissionDenied):
        _step(cadre_b, road, 1)
    client = client_for(cadre_b)
    assert client.get(f"/meetings/decisions/{road.pk}/").status_code == 404
    r = client.post(
        f"/api/v1/meetings/decisions/{road.pk}/steps",
        {"step": 1, "date": TODAY.isoformat(), "body": "党支部", "outcome": "passed"},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert not road.steps.exists()


def test_timeline_page_shows_the_next_step_form(county, cadre_a, road, client_for) -> None:
    """The page shows the six steps and the form of the next one; a skipped step is refused
    with a clear message; documents are stored with the step."""
    client = client_for(cadre_a)
    page = client.get(f"/meetings/decisions/{road.pk}/").content.decode()
    assert "党组织提议" in page and "实施结果公开" in page and "办理第 1 步" in page
    r = client.post(
        f"/meetings/decisions/{road.pk}/steps/",
        {"step": 2, "date": TODAY.isoformat(), "body": "村两委", "outcome": "passed"},
    )
    assert r.status_code == 400 and "下一步应为第1步" in r.content.decode()
    pdf = SimpleUploadedFile("提议.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    r = client.post(
        f"/meetings/decisions/{road.pk}/steps/",
        {
            "step": 1,
            "date": TODAY.isoformat(),
            "body": "村党支部",
            "outcome": "passed",
            "documents": [pdf],
        },
    )
    assert r.status_code == 302
    step = DecisionStep.objects.get(decision=road, step=1)
    doc = step.documents.get()
    assert doc.name == "提议.pdf"
    assert client.get(f"/meetings/decisions/{road.pk}/documents/{doc.pk}/").status_code == 200
    assert "办理第 2 步" in client.get(f"/meetings/decisions/{road.pk}/").content.decode()


def test_api_records_steps(county, cadre_a, client_for) -> None:
    """The API creates a matter and records its steps with the same rules."""
    client = client_for(cadre_a)
    r = client.post(
        "/api/v1/meetings/decisions",
        {"place_id": county.village_a.pk, "title": "村集体资金用于修路"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["next_step"] == 1
    pk = r.json()["id"]
    bad = client.post(
        f"/api/v1/meetings/decisions/{pk}/steps",
        {"step": 4, "date": TODAY.isoformat(), "body": "村民代表会议", "outcome": "passed"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "step_out_of_order"
    ok = client.post(
        f"/api/v1/meetings/decisions/{pk}/steps",
        {"step": 1, "date": TODAY.isoformat(), "body": "村党支部", "outcome": "passed"},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["next_step"] == 2


def test_demo_tells_the_story(county) -> None:
    """The demo adds a courtyard meeting with attendance, a quorate representatives' meeting,
    a road through all six steps and a second matter waiting for its resolution."""
    import random

    from wugong.core.demo import DemoContext
    from wugong.meetings import demo
    from wugong.meetings.models import Meeting
    from wugong.people import services as ps

    for n in range(6):
        head = ps.person_data_clean(name=f"村民{n}", sex="M", birth_date=dt.date(1970, 1, 1 + n))
        ps.household_create(place=county.group_a2, address=f"二组{n + 3}号", head=head)
    ctx = DemoContext(rng=random.Random(1), households=10, data={"villages": [county.village_a.pk]})
    demo.load(ctx)
    courtyard, reps = Meeting.objects.order_by("pk")
    assert courtyard.kind == "courtyard" and courtyard.attendance.exists()
    assert reps.quorum_record["met"] and reps.decisions.get().outcome == "passed"
    road, lights = VillageDecision.objects.order_by("pk")
    assert road.status == "completed" and road.merged_first_two
    assert lights.status == "in_progress" and lights.steps.count() == 3
