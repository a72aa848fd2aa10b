"""Problem reports (接诉即办): routing, deadlines, handling, escalation (by hand with a reason,
and by itself when overdue), answers, 1-5 star ratings, reopening, scope, figures."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from wugong.people.sms import OutboxSender
from wugong.upkeep.models import Report, ReportCategory, ReportPhoto, UpkeepNotice
from wugong.upkeep.tests.conftest import now, tick

pytestmark = pytest.mark.django_db


def _submit(client, category="street_light", text="村口路灯不亮", **extra):  # type: ignore[no-untyped-def]
    data = {"category": category, "text": text, **extra}
    return client.post(reverse("upkeep:report_new"), data)


def _act(client, report, action, **data):  # type: ignore[no-untyped-def]
    return client.post(reverse("upkeep:report_act", args=[report.pk, action]), data)


def test_report_is_routed_to_the_grid_and_village_with_category_deadlines(cast, client_for):  # type: ignore[no-untyped-def]
    """A resident's report at home goes to their grid and village; deadlines follow the
    category (general: respond in 24 h, answer in 7 days; emergency: respond in 1 h)."""
    c = cast.county
    response = _submit(client_for(cast.resident_a))
    report = Report.objects.get()
    assert response.status_code == 302
    assert report.grid_id == c.grid_a.pk and report.handler_place_id == c.village_a.pk
    assert report.respond_due_at - report.created_at == dt.timedelta(hours=24)
    assert report.resolve_due_at - report.created_at == dt.timedelta(days=7)
    _submit(client_for(cast.resident_a), category="emergency", text="山体滑坡")
    urgent = Report.objects.get(category__code="emergency")
    assert urgent.respond_due_at - urgent.created_at == dt.timedelta(hours=1)
    notified = set(UpkeepNotice.objects.values_list("person_id", flat=True))
    assert {cast.grid_a.person_id, cast.cadre_a.person_id} <= notified


def test_deadlines_are_configurable(cast, client_for):  # type: ignore[no-untyped-def]
    """Changing a category's deadlines applies to new reports."""
    ReportCategory.objects.filter(code="drainage").update(respond_hours=4, resolve_hours=48)
    _submit(client_for(cast.resident_a), category="drainage", text="沟渠堵了")
    report = Report.objects.get()
    assert report.resolve_due_at - report.created_at == dt.timedelta(hours=48)


def test_small_problem_handled_and_closed_locally(cast, client_for):  # type: ignore[no-untyped-def]
    """The grid worker responds and answers; the reporter is told by notice and SMS and rates
    it 5 stars, which closes it."""
    _submit(client_for(cast.resident_a))
    report = Report.objects.get()
    grid = client_for(cast.grid_a)
    assert _act(grid, report, "respond").status_code == 302
    assert _act(grid, report, "resolve", text="已更换灯泡").status_code == 302
    report.refresh_from_db()
    assert report.status == "resolved" and report.response_seconds is not None
    assert UpkeepNotice.objects.filter(person=cast.resident_a.person, text__contains="已更换灯泡")
    phone = cast.resident_a.person.phone
    assert any(p == phone and "已更换灯泡" in t for p, t in OutboxSender.outbox)
    resident = client_for(cast.resident_a)
    assert _act(resident, report, "rate", stars="5").status_code == 302
    report.refresh_from_db()
    assert report.status == "closed" and report.rating == 5


@pytest.mark.parametrize("stars", ["0", "6", "x"])
def test_rating_outside_one_to_five_is_refused(cast, client_for, stars):  # type: ignore[no-untyped-def]
    """Only 1 to 5 stars: 0, 6 or garbage is refused and nothing changes."""
    _submit(client_for(cast.resident_a))
    report = Report.objects.get()
    _act(client_for(cast.cadre_a), report, "resolve", text="已修好")
    response = _act(client_for(cast.resident_a), report, "rate", stars=stars)
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.rating is None and report.status == "resolved"
    api = client_for(cast.resident_a).post(
        f"/api/v1/upkeep/reports/{report.pk}/rate",
        {"stars": 6},
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["field"] == "stars"


def test_only_the_reporter_rates(cast, client_for):  # type: ignore[no-untyped-def]
    _submit(client_for(cast.resident_a))
    report = Report.objects.get()
    _act(client_for(cast.cadre_a), report, "resolve", text="已修好")
    assert _act(client_for(cast.cadre_a), report, "rate", stars="5").status_code == 403


def test_escalation_needs_a_reason_and_goes_a_level_up(cast, client_for):  # type: ignore[no-untyped-def]
    """Hard problems go a level up with a reason (大事难事上交): village → town; then the
    village cadre can no longer handle it and the town supervisor can."""
    c = cast.county
    _submit(client_for(cast.resident_a), category="drainage", text="水渠堵塞，需挖机")
    report = Report.objects.get()
    cadre = client_for(cast.cadre_a)
    assert _act(cadre, report, "escalate", text="").status_code == 400
    report.refresh_from_db()
    assert report.handler_place_id == c.village_a.pk
    assert _act(cadre, report, "escalate", text="需要机械，村里无力解决").status_code == 302
    report.refresh_from_db()
    assert report.handler_place_id == c.town_a.pk and report.level == 1
    assert report.events.filter(kind="escalated", text__contains="需要机械").exists()
    assert _act(cadre, report, "resolve", text="x").status_code == 403
    assert _act(client_for(cast.grid_a), report, "resolve", text="x").status_code in {403, 404}
    town = client_for(cast.town_a)
    assert _act(town, report, "resolve", text="镇里派挖机疏通").status_code == 302
    assert cast.town_a.person_id in set(UpkeepNotice.objects.values_list("person_id", flat=True))


def test_overdue_reports_escalate_by_themselves_once(cast, client_for):  # type: ignore[no-untyped-def]
    """A report not responded to within its deadline goes a level up by itself at the next
    scan; running the scan again at the same time does nothing more."""
    c = cast.county
    _submit(client_for(cast.resident_a))
    report = Report.objects.get()
    tick(now() + dt.timedelta(hours=23))
    report.refresh_from_db()
    assert report.level == 0
    later = now() + dt.timedelta(hours=25)
    tick(later)
    tick(later)
    report.refresh_from_db()
    assert report.level == 1 and report.handler_place_id == c.town_a.pk
    assert report.events.filter(kind="auto_escalated").count() == 1
    # Past the town's deadline too: the county. At the top it stays, and is alerted once.
    tick(later + dt.timedelta(hours=25))
    report.refresh_from_db()
    assert report.handler_place_id == c.county.pk
    top = later + dt.timedelta(hours=50)
    tick(top)
    tick(top)
    report.refresh_from_db()
    assert report.handler_place_id == c.county.pk
    alerts = UpkeepNotice.objects.filter(key__contains=f"report:{report.pk}:late")
    assert alerts.count() == 1 and alerts.get().person_id == cast.county_sup.person_id


def test_reopening_after_an_answer(cast, client_for):  # type: ignore[no-untyped-def]
    """A reporter unhappy with the answer reopens it with a reason; it is handled again with
    a fresh deadline and the earlier rating cleared."""
    _submit(client_for(cast.resident_a))
    report = Report.objects.get()
    _act(client_for(cast.cadre_a), report, "resolve", text="已修好")
    resident = client_for(cast.resident_a)
    _act(resident, report, "rate", stars="2")
    assert _act(resident, report, "reopen", text="").status_code == 400
    assert _act(resident, report, "reopen", text="晚上还是不亮").status_code == 302
    report.refresh_from_db()
    assert report.status == "in_progress" and report.reopen_count == 1 and report.rating is None
    assert _act(client_for(cast.resident_b), report, "reopen", text="x").status_code == 404


def test_scope_of_reports(cast, client_for):  # type: ignore[no-untyped-def]
    """Another village's cadre, another grid's worker and other residents neither see nor
    handle a report."""
    _submit(client_for(cast.resident_a))
    report = Report.objects.get()
    for user in (cast.cadre_b, cast.grid_b, cast.resident_b):
        client = client_for(user)
        assert client.get(reverse("upkeep:report_detail", args=[report.pk])).status_code == 404
        assert _act(client, report, "respond").status_code == 404
        assert client.get(f"/api/v1/upkeep/reports/{report.pk}").status_code == 404
    report.refresh_from_db()
    assert report.status == "new"
    assert (
        client_for(cast.cadre_a).get(reverse("upkeep:report_detail", args=[report.pk])).status_code
        == 200
    )


def test_photos_are_reencoded_without_location(cast, client_for):  # type: ignore[no-untyped-def]
    """Uploaded photos are re-encoded as JPEG and lose their EXIF (GPS position included);
    something that is not an image is refused."""
    img = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (30.0, 15.0, 0.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    photo = SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")
    _submit(client_for(cast.resident_a), photos=photo)
    stored = ReportPhoto.objects.get()
    with Image.open(stored.file.path) as again:
        assert again.format == "JPEG" and not again.getexif()
    bad = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff not really", content_type="image/jpeg")
    assert _submit(client_for(cast.resident_a), photos=bad).status_code == 400
    assert Report.objects.count() == 1


def test_figures_per_place(cast, client_for):  # type: ignore[no-untyped-def]
    """Closure rate, response time and satisfaction per place."""
    c = cast.county
    resident = client_for(cast.resident_a)
    _submit(resident)
    _submit(resident, category="sanitation", text="垃圾没人收")
    first, _second = Report.objects.order_by("pk")
    _act(client_for(cast.cadre_a), first, "resolve", text="已修好")
    _act(resident, first, "rate", stars="4")
    data = client_for(cast.county_sup).get(f"/api/v1/upkeep/reports/figures?place={c.county.pk}")
    rows = {r["place"]: r for r in data.json()}
    assert rows["竹山县"]["total"] == 2 and rows["竹山县"]["closure_rate"] == 0.5
    assert rows["宝丰镇"]["avg_rating"] == 4.0 and rows["麻家渡镇"]["total"] == 0
    page = client_for(cast.county_sup).get(
        reverse("upkeep:report_figures") + f"?place={c.county.pk}"
    )
    assert page.status_code == 200 and "50.0%" in page.content.decode()
