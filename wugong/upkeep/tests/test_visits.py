"""Key-household visits (五天一见面): schedule, to-do lists, the visit form, scope, coverage,
temporary assistance."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from wugong.needs.models import Need, Source
from wugong.people import services as ps
from wugong.upkeep.models import Assistance, Visit, VisitDue, VisitInterval
from wugong.upkeep.tests.conftest import now, tick

pytestmark = pytest.mark.django_db


def _visit(client, household, key=None, **extra):  # type: ignore[no-untyped-def]
    data = {"idempotency_key": key or uuid.uuid4().hex, "how": "home", "found": "身体尚可"}
    data.update(extra)
    return client.post(reverse("upkeep:visit_new", args=[household.pk]), data)


def test_tagged_households_get_a_schedule_due_at_once(cast):  # type: ignore[no-untyped-def]
    """The scan puts every key household on the schedule, due at once, interval 5 days by
    default; a household whose tags are all removed leaves it."""
    c = cast.county
    tick(now())
    due = VisitDue.objects.get(household=c.households_a[0])
    assert due.interval_days == 5 and due.last_visited_at is None
    assert due.grid_id == c.grid_a.pk
    assert set(VisitDue.objects.values_list("household_id", flat=True)) == {
        c.households_a[0].pk,
        c.households_b[0].pk,
    }
    ps.key_tag_remove(household=c.households_b[0], tag="illness")
    tick(now())
    assert not VisitDue.objects.filter(household=c.households_b[0]).exists()


def test_interval_is_the_shortest_of_the_tags(cast):  # type: ignore[no-untyped-def]
    """Each tag has its interval; a household with several is visited as often as the most
    frequent one asks."""
    VisitInterval.objects.create(tag="dibao", days=10)
    VisitInterval.objects.create(tag="alone", days=3)
    tick(now())
    assert VisitDue.objects.get(household=cast.county.households_a[0]).interval_days == 3


def test_due_list_ordered_by_due_date_with_overdue_alert(cast, client_for):  # type: ignore[no-untyped-def]
    """A grid worker's to-do list is ordered by due date, overdue first, and says how many are
    overdue."""
    c = cast.county
    ps.key_tag_set(household=c.households_a[1], tag="alone", reason="", since=dt.date(2024, 1, 1))
    tick(now())
    VisitDue.objects.filter(household=c.households_a[0]).update(
        next_due_at=now() + dt.timedelta(days=2)
    )
    VisitDue.objects.filter(household=c.households_a[1]).update(
        next_due_at=now() - dt.timedelta(days=3)
    )
    client = client_for(cast.grid_a)
    page = client.get(reverse("upkeep:visit_todo"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("李建国") < html.index("王秀英")
    assert "1 户已逾期未走访" in html
    api = client.get("/api/v1/upkeep/visits/due").json()
    assert [i["household_id"] for i in api["items"]] == [
        c.households_a[1].pk,
        c.households_a[0].pk,
    ]
    assert api["overdue"] == 1 and api["items"][0]["overdue"] is True


def test_visit_moves_the_next_due_date(cast, client_for):  # type: ignore[no-untyped-def]
    """A visit sets last visited, and the next visit falls due one interval later."""
    c = cast.county
    tick(now())
    response = _visit(client_for(cast.grid_a), c.households_a[0])
    assert response.status_code == 302
    due = VisitDue.objects.get(household=c.households_a[0])
    assert due.last_visited_at is not None and due.visits == 1 and due.visits_on_time == 1
    from django.utils import timezone

    last = timezone.localdate(due.last_visited_at)
    assert timezone.localdate(due.next_due_at) == last + dt.timedelta(days=5)


def test_visit_form_sent_twice_is_one_visit(cast, client_for):  # type: ignore[no-untyped-def]
    """The form carries an idempotency key: sending it twice records one visit."""
    c = cast.county
    client = client_for(cast.grid_a)
    form = client.get(reverse("upkeep:visit_new", args=[c.households_a[0].pk]))
    key = form.context["key"]
    assert _visit(client, c.households_a[0], key=key).status_code == 302
    assert _visit(client, c.households_a[0], key=key).status_code == 302
    assert Visit.objects.filter(household=c.households_a[0]).count() == 1
    body = {"household_id": c.households_a[0].pk, "idempotency_key": "api-key-12345678"}
    first = client.post("/api/v1/upkeep/visits", body, content_type="application/json")
    again = client.post("/api/v1/upkeep/visits", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Visit.objects.filter(household=c.households_a[0]).count() == 2


def test_needs_raised_on_a_visit_enter_the_needs_list(cast, client_for):  # type: ignore[no-untyped-def]
    """Needs raised on a visit go into the needs list for the household's head, source 入户走访,
    recorded by the visitor."""
    c = cast.county
    _visit(client_for(cast.grid_a), c.households_a[0], needs=["门前路灯坏了", ""])
    need = Need.objects.get()
    assert need.source == Source.VISIT and need.reporter_id == c.households_a[0].head_id
    assert need.recorded_by == cast.grid_a
    assert list(Visit.objects.get().needs.all()) == [need]


def test_grid_worker_of_another_grid_cannot_see_or_record(cast, client_for):  # type: ignore[no-untyped-def]
    """Scope: the grid worker of 楼台 neither sees nor records a visit to a 双台 household."""
    c = cast.county
    tick(now())
    client = client_for(cast.grid_b)
    assert client.get(reverse("upkeep:visit_new", args=[c.households_a[0].pk])).status_code == 404
    assert _visit(client, c.households_a[0]).status_code == 404
    body = {"household_id": c.households_a[0].pk, "idempotency_key": "other-grid-1234"}
    api = client.post("/api/v1/upkeep/visits", body, content_type="application/json")
    assert api.status_code == 404
    assert not Visit.objects.exists()
    ids = [i["household_id"] for i in client.get("/api/v1/upkeep/visits/due").json()["items"]]
    assert ids == [c.households_b[0].pk]
    resident = client_for(cast.resident_a)
    assert _visit(resident, c.households_a[0]).status_code == 404


def test_centre_household_and_cadre_lists(cast, client_for):  # type: ignore[no-untyped-def]
    """A centre household sees its neighbours; a cadre the households they look after."""
    c = cast.county
    ps.key_tag_set(household=c.households_a[1], tag="alone", reason="", since=dt.date(2024, 1, 1))
    tick(now())
    centre = client_for(cast.centre).get("/api/v1/upkeep/visits/due").json()
    assert [i["household_id"] for i in centre["items"]] == [c.households_a[1].pk]
    cadre = client_for(cast.cadre_a)
    assert cadre.get("/api/v1/upkeep/visits/due").json()["items"] == []
    from wugong.people.rules import viewer_for
    from wugong.upkeep.visit_services import visit_cadre_assign

    visit_cadre_assign(
        viewer=viewer_for(cast.cadre_a),
        actor=cast.cadre_a,
        household=c.households_a[0],
        cadre=cast.cadre_a.person,
    )
    items = cadre.get("/api/v1/upkeep/visits/due").json()["items"]
    assert [i["household_id"] for i in items] == [c.households_a[0].pk]


def test_coverage_per_place(cast, client_for):  # type: ignore[no-untyped-def]
    """Coverage: the share of key households visited in time, per place below."""
    c = cast.county
    tick(now())
    VisitDue.objects.update(next_due_at=now() - dt.timedelta(days=1))
    _visit(client_for(cast.grid_a), c.households_a[0])
    client = client_for(cast.county_sup)
    data = client.get(f"/api/v1/upkeep/visits/coverage?place={c.county.pk}").json()
    assert data["total"]["key_households"] == 2
    assert data["total"]["in_time"] == 1 and data["total"]["share"] == 0.5
    by_town = {r["place"]: r for r in data["children"]}
    assert by_town["宝丰镇"]["share"] == 1.0 and by_town["麻家渡镇"]["overdue"] == 1
    page = client.get(reverse("upkeep:visit_coverage") + f"?place={c.county.pk}")
    assert page.status_code == 200 and "50.0%" in page.content.decode()
    other = client_for(cast.cadre_b).get(f"/api/v1/upkeep/visits/coverage?place={c.town_a.pk}")
    assert other.status_code == 404


def test_temporary_assistance_applied_on_a_visit_tracked_to_payment(cast, client_for):  # type: ignore[no-untyped-def]
    """Assistance asked for on a visit is applied for on the spot, approved by the village and
    recorded as paid; a grid worker cannot approve it."""
    c = cast.county
    _visit(
        client_for(cast.grid_a),
        c.households_a[0],
        assistance_yuan="800",
        assistance_reason="住院自付费用高",
    )
    row = Assistance.objects.get()
    assert row.amount_fen == 80000 and row.status == "applied" and row.visit is not None
    url = reverse("upkeep:assistance_act", args=[row.pk])
    client_for(cast.grid_a).post(url, {"action": "approve"})
    row.refresh_from_db()
    assert row.status == "applied"
    cadre = client_for(cast.cadre_a)
    cadre.post(url, {"action": "approve", "note": "情况属实"})
    cadre.post(url, {"action": "pay", "payment_ref": "MZ2026-001"})
    row.refresh_from_db()
    assert row.status == "paid" and row.paid_at and row.payment_ref == "MZ2026-001"
    assert client_for(cast.cadre_b).post(url, {"action": "pay"}).status_code == 404
