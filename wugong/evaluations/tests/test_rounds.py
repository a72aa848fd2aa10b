"""Yearly ratings of cadres and work teams (干部/工作队年度测评): opened by evaluation.manage,
one verdict per person per subject, results published when the round closes."""

import pytest
from django.test import Client

from wugong.evaluations.models import RatingRound, RoundRating

pytestmark = pytest.mark.django_db


def open_round(client, place, **kw):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/evaluations/rounds",
        {"place_id": place.pk, "year": 2025, **kw},
        content_type="application/json",
    )


def ballot(client, rnd_id, verdicts):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/evaluations/rounds/{rnd_id}/ballot",
        {"verdicts": verdicts},
        content_type="application/json",
    )


def test_cadre_opens_a_round_of_the_villages_cadres_and_work_team(cast, client_for):  # type: ignore[no-untyped-def]
    r = client_for(cast.cadre_a).post(
        f"/evaluations/rounds/new/?place={cast.county.village_a.pk}", {"year": "2025"}
    )
    assert r.status_code == 302
    rnd = RatingRound.objects.get()
    assert rnd.title == "2025年度双台村干部和工作队测评" and rnd.status == "open"
    subjects = {s.person_id: s.post for s in rnd.subjects.all()}
    assert subjects == {cast.cadre_a.person_id: "村干部", cast.team_a.person_id: "工作队员"}


def test_only_managers_in_scope_open_and_close(cast, client_for):  # type: ignore[no-untyped-def]
    va = cast.county.village_a
    assert open_round(client_for(cast.resident_a), va).status_code == 403
    assert open_round(client_for(cast.council_a), va).status_code == 403
    assert open_round(client_for(cast.cadre_b), va).status_code == 404
    assert not RatingRound.objects.exists()
    assert open_round(client_for(cast.town_a), va).status_code == 201  # the town supervises it
    rnd_id = RatingRound.objects.get().pk
    assert (
        client_for(cast.resident_a).post(f"/api/v1/evaluations/rounds/{rnd_id}/close").status_code
        == 403
    )
    assert (
        client_for(cast.cadre_b).post(f"/api/v1/evaluations/rounds/{rnd_id}/close").status_code
        == 404
    )
    assert RatingRound.objects.get().status == "open"


def test_one_verdict_per_person_per_subject_and_results_when_closed(cast, client_for):  # type: ignore[no-untyped-def]
    r = open_round(client_for(cast.cadre_a), cast.county.village_a)
    body = r.json()
    rnd_id = body["id"]
    ids = {s["person_id"]: s["id"] for s in body["subjects"]}
    cadre, team = ids[cast.cadre_a.person_id], ids[cast.team_a.person_id]
    a, a2, a3 = (client_for(u) for u in (cast.resident_a, cast.resident_a2, cast.resident_a3))
    assert ballot(a, rnd_id, {cadre: 2, team: 1}).status_code == 201
    assert ballot(a2, rnd_id, {cadre: 0}).status_code == 201
    assert ballot(a3, rnd_id, {cadre: 2, team: 0}).status_code == 201
    # A second verdict on the same subject is refused, and nothing of that ballot is kept.
    r = ballot(a2, rnd_id, {cadre: 2, team: 2})
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    # Later, the subject not yet rated may still be rated.
    assert ballot(a2, rnd_id, {team: 2}).status_code == 201
    # Outside the scale, out of scope, oneself.
    r = ballot(a, rnd_id, {team: 3})
    assert r.status_code == 400 and r.json()["code"] in {"out_of_scale", "duplicate"}
    r = ballot(client_for(cast.council_a), rnd_id, {cadre: 5})
    assert r.status_code == 400 and r.json()["code"] == "out_of_scale"
    assert ballot(client_for(cast.resident_b), rnd_id, {cadre: 2}).status_code == 404
    r = ballot(client_for(cast.cadre_a), rnd_id, {cadre: 2})
    assert r.status_code == 400 and r.json()["code"] == "self"
    assert RoundRating.objects.count() == 6
    # While open, no result is shown.
    public = Client().get(f"/api/v1/evaluations/rounds/{rnd_id}").json()
    assert all(s["result"] is None for s in public["subjects"]) and public["voters"] == 3
    closed = client_for(cast.cadre_a).post(f"/api/v1/evaluations/rounds/{rnd_id}/close")
    assert closed.status_code == 200
    results = {
        s["id"]: s["result"]
        for s in Client().get(f"/api/v1/evaluations/rounds/{rnd_id}").json()["subjects"]
    }
    assert results[cadre] == {
        "count": 3,
        "satisfied": 2,
        "fairly": 0,
        "dissatisfied": 1,
        "rate": "66.7%",
    }
    assert results[team]["count"] == 3 and results[team]["rate"] == "66.7%"
    # Closed: no more ballots; the page shows the results to anyone.
    assert ballot(client_for(cast.council_a), rnd_id, {cadre: 2}).json()["code"] == "closed"
    page = Client().get(f"/evaluations/rounds/{rnd_id}/").content.decode()
    assert "66.7%" in page and "测评结果" in page


def test_ballot_page_for_a_resident(cast, client_for):  # type: ignore[no-untyped-def]
    body = open_round(client_for(cast.cadre_a), cast.county.village_a).json()
    rnd_id = body["id"]
    client = client_for(cast.resident_a)
    page = client.get(f"/evaluations/rounds/{rnd_id}/").content.decode()
    assert "基本满意" in page
    first = body["subjects"][0]["id"]
    r = client.post(f"/evaluations/rounds/{rnd_id}/rate/", {f"subject_{first}": "1"})
    assert r.status_code == 302
    again = client.post(f"/evaluations/rounds/{rnd_id}/rate/", {f"subject_{first}": "2"})
    assert again.status_code == 400 and "只能评价一次" in again.content.decode()
    assert RoundRating.objects.get().verdict == 1
