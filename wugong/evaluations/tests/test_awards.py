"""Configurable awards (最美庭院, 好婆婆, 好儿媳): nomination with a reason, an approval vote
among residents with one ballot per person, winners published."""

import pytest
from django.test import Client

from wugong.evaluations.models import Award, AwardBallot, Nomination
from wugong.evaluations.tally import approval_winners, star_summary, verdict_summary

pytestmark = pytest.mark.django_db
J = "application/json"


def create(client, place, **kw):  # type: ignore[no-untyped-def]
    body = {
        "place_id": place.pk,
        "title": "最美庭院",
        "year": 2025,
        "nominee_kind": "household",
        "seats": 1,
    }
    return client.post("/api/v1/evaluations/awards", {**body, **kw}, content_type=J)


def vote(client, award, ids):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/evaluations/awards/{award.pk}/ballot", {"nomination_ids": ids}, content_type=J
    )


def test_most_beautiful_courtyard_from_nomination_to_winner(cast, client_for):  # type: ignore[no-untyped-def]
    c = cast.county
    assert create(client_for(cast.resident_a), c.village_a).status_code == 403
    assert create(client_for(cast.cadre_b), c.village_a).status_code == 404
    assert create(client_for(cast.cadre_a), c.village_a).status_code == 201
    award = Award.objects.get()
    a, a2, a3 = (client_for(u) for u in (cast.resident_a, cast.resident_a2, cast.resident_a3))
    r = a.post(
        f"/evaluations/awards/{award.pk}/nominate/",
        {"household": c.households_a[1].pk, "reason": "房前屋后种满了花"},
    )
    assert r.status_code == 302
    r = a2.post(
        f"/evaluations/awards/{award.pk}/nominate/",
        {"household": c.households_a[1].pk, "reason": "干净"},
    )
    assert r.status_code == 400 and "已经被提名" in r.content.decode()
    r = a2.post(
        f"/evaluations/awards/{award.pk}/nominate/",
        {"household": c.households_a[0].pk, "reason": ""},
    )
    assert r.status_code == 400 and "提名理由" in r.content.decode()
    r = client_for(cast.cadre_a).post(
        f"/api/v1/evaluations/awards/{award.pk}/nominations",
        {"household_id": c.households_a[0].pk, "reason": "庭院整洁，瓜果满园"},
        content_type=J,
    )
    assert r.status_code == 201
    # Out of scope: a household of 楼台村, or a resident of 楼台村 nominating.
    r = a.post(
        f"/api/v1/evaluations/awards/{award.pk}/nominations",
        {"household_id": c.households_b[0].pk, "reason": "好"},
        content_type=J,
    )
    assert r.status_code == 404
    r = client_for(cast.resident_b).post(
        f"/api/v1/evaluations/awards/{award.pk}/nominations",
        {"household_id": c.households_a[2].pk, "reason": "好"},
        content_type=J,
    )
    assert r.status_code == 404
    n1, n2 = Nomination.objects.order_by("id")
    # No vote before nominations close; only the committee opens the vote.
    assert vote(a, award, [n1.pk]).json()["code"] == "closed"
    assert (
        client_for(cast.resident_a).post(f"/evaluations/awards/{award.pk}/open/").status_code == 403
    )
    assert client_for(cast.cadre_a).post(f"/evaluations/awards/{award.pk}/open/").status_code == 302
    assert vote(a, award, [n1.pk]).status_code == 201
    assert vote(a2, award, [n1.pk, n2.pk]).status_code == 201
    r = a3.post(f"/evaluations/awards/{award.pk}/vote/", {"nominations": [n1.pk]})
    assert r.status_code == 302
    # One ballot per person; out of scope; empty.
    r = vote(a, award, [n2.pk])
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    assert (
        a.post(f"/evaluations/awards/{award.pk}/vote/", {"nominations": [n2.pk]}).status_code == 400
    )
    assert vote(client_for(cast.resident_b), award, [n2.pk]).status_code == 404
    assert vote(client_for(cast.council_a), award, []).status_code == 400
    assert AwardBallot.objects.count() == 3
    # Counts are hidden until the result is published.
    assert all(
        n["approvals"] is None
        for n in Client().get(f"/api/v1/evaluations/awards/{award.pk}").json()["nominations"]
    )
    assert (
        client_for(cast.resident_a).post(f"/api/v1/evaluations/awards/{award.pk}/close").status_code
        == 403
    )
    r = client_for(cast.cadre_a).post(f"/api/v1/evaluations/awards/{award.pk}/close")
    assert r.status_code == 200
    got = {n["name"]: (n["approvals"], n["won"]) for n in r.json()["nominations"]}
    assert got == {"李建国户": (3, True), "王秀英户": (1, False)}
    page = Client().get(f"/evaluations/awards/{award.pk}/").content.decode()
    assert "当选" in page and "李建国户" in page and "房前屋后种满了花" in page


def test_person_award_nominates_people_of_the_village(cast, client_for):  # type: ignore[no-untyped-def]
    r = create(
        client_for(cast.cadre_a), cast.county.village_a, title="好婆婆", nominee_kind="person"
    )
    award = Award.objects.get(pk=r.json()["id"])
    wang = cast.county.households_a[0].head
    liu = cast.county.households_b[0].head
    url = f"/api/v1/evaluations/awards/{award.pk}/nominations"
    ok = client_for(cast.resident_a2).post(
        url, {"person_id": wang.pk, "reason": "照顾瘫痪的婆婆十年"}, content_type=J
    )
    assert ok.status_code == 201 and ok.json()["name"] == "王秀英"
    other = client_for(cast.resident_a2).post(
        url, {"person_id": liu.pk, "reason": "好"}, content_type=J
    )
    assert other.status_code == 404
    wrong_kind = client_for(cast.resident_a2).post(
        url, {"household_id": cast.county.households_a[1].pk, "reason": "好"}, content_type=J
    )
    assert wrong_kind.status_code == 400


def test_approval_winners_ties_and_empty():  # type: ignore[no-untyped-def]
    assert approval_winners({1: 5, 2: 3, 3: 3, 4: 1}, 2) == {1, 2, 3}
    assert approval_winners({1: 5, 2: 3, 3: 1}, 1) == {1}
    assert approval_winners({1: 0, 2: 0}, 1) == set()
    assert approval_winners({1: 2}, 3) == {1}
    assert approval_winners({}, 1) == set()


def test_star_and_verdict_summaries_are_exact():  # type: ignore[no-untyped-def]
    s = star_summary({5: 1, 4: 2, 9: 7})
    assert (s.count, s.total, s.distribution) == (3, 13, (0, 0, 0, 2, 1))
    assert s.mean_text == "4.3" and s.mean.numerator == 13 and s.mean.denominator == 3
    assert star_summary({}).mean_text == "—"
    assert star_summary({4: 1, 5: 1}).mean_text == "4.5"  # half up
    v = verdict_summary({2: 5, 1: 2, 0: 1})
    assert v.count == 8 and v.rate_text == "87.5%"
    assert verdict_summary({0: 3}).rate_text == "0.0%" and verdict_summary({}).rate_text == "—"
