"""What a budget round refuses: projects over the budget, ballots outside the limits, a second
ballot for the same person, ballots outside the window, and anyone out of scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from wugong.budgeting.models import Ballot, BudgetRound, RollEntry
from wugong.budgeting.tests.test_rounds_flow import add_project, create_round, errors_of, window


@pytest.fixture
def cadre_a(county, make_user):  # type: ignore[no-untyped-def]
    return make_user("village_cadre", county.village_a)


@pytest.fixture
def cadre_b(county, make_user):  # type: ignore[no-untyped-def]
    """A village cadre of 楼台村."""
    return make_user("village_cadre", county.village_b)


@pytest.fixture
def residents_a(county, make_user):  # type: ignore[no-untyped-def]
    return [make_user("resident", h.place, household=h) for h in county.households_a]


@pytest.fixture
def open_round(county, cadre_a, client_for):  # type: ignore[no-untyped-def]
    """open_round(**fields) -> an open round of 双台村 with projects A ¥600, B ¥300, C ¥500."""

    def make(**fields):  # type: ignore[no-untyped-def]
        cadre = client_for(cadre_a)
        budget_round = create_round(cadre, county.village_a, **fields)
        for title, cost in (("茶园路", "600"), ("路灯", "300"), ("LED大屏", "500")):
            assert add_project(cadre, budget_round, title, cost).status_code == 302
        response = cadre.post(f"/budgets/{budget_round.pk}/open/")
        assert response.status_code == 302
        budget_round.refresh_from_db()
        assert budget_round.status == "open", [str(m) for m in response.wsgi_request._messages]
        return budget_round, list(budget_round.projects.order_by("id"))

    return make


def test_project_over_budget_refused(county, cadre_a, client_for):
    """A project costing more than the whole budget (fund + matching) is refused, saying so in
    Chinese; one costing exactly the budget is accepted. The API refuses it the same way."""
    cadre = client_for(cadre_a)
    budget_round = create_round(cadre, county.village_a)
    response = add_project(cadre, budget_round, "村委会LED大屏", "1200.01")
    assert response.status_code == 200
    assert "估算费用¥1,200.01，超过了本次全部预算¥1,200.00，不能作为候选项目" in errors_of(response)
    assert not budget_round.projects.exists()
    assert add_project(cadre, budget_round, "茶园路", "1200").status_code == 302
    api = cadre.post(
        f"/api/v1/budgets/{budget_round.pk}/projects",
        {"title": "大屏", "cost": 120001},
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["code"] == "over_budget"
    # Lowering the budget below a project's cost is refused too.
    edit = cadre.post(
        f"/budgets/{budget_round.pk}/edit/",
        {
            "title": "改",
            "fund": "800",
            "matching": "300",
            "matching_source": "镇财政配套",
            "ballot_kind": "approval",
            "min_choices": "0",
            "rule": "mes",
            **window(),
        },
    )
    assert "茶园路" in errors_of(edit) and BudgetRound.objects.get(pk=budget_round.pk).fund == 90000


def test_approval_ballot_limits(open_round, residents_a, client_for):
    """With "at least 1, at most 2", three approvals or none are refused and nothing is
    stored; two are accepted. The page shows the count against the limits as one ticks."""
    budget_round, (a, b, c) = open_round(min_choices="1", max_choices="2")
    voter = client_for(residents_a[0])
    url = f"/budgets/{budget_round.pk}/ballot/"
    too_many = voter.post(url, {"p": [a.pk, b.pk, c.pk]})
    assert too_many.status_code == 400
    assert "最多只能选2项，您选了3项" in errors_of(too_many)
    too_few = voter.post(url, {})
    assert "至少要选1项，您选了0项" in errors_of(too_few)
    assert not Ballot.objects.filter(round=budget_round).exists()
    live = voter.post(f"/budgets/{budget_round.pk}/ballot/preview/", {"p": [a.pk, b.pk, c.pk]})
    live_text = re.sub(r"\s+", "", live.content.decode())
    assert "已选3项" in live_text and "最多只能选2项" in live_text
    assert voter.post(url, {"p": [a.pk, b.pk]}).status_code == 200
    assert Ballot.objects.filter(round=budget_round).count() == 1


def test_points_ballot_must_spread_exactly_ten(open_round, residents_a, client_for):
    """An Aarau-style ballot: 10 points to spread, all of them. 9 or 11 points are refused;
    the +/- steppers move one point at a time and show what is left."""
    budget_round, (a, b, c) = open_round(ballot_kind="points", total_points="10")
    voter = client_for(residents_a[0])
    url = f"/budgets/{budget_round.pk}/ballot/"
    nine = voter.post(url, {f"pts_{a.pk}": "5", f"pts_{b.pk}": "4", f"pts_{c.pk}": "0"})
    assert nine.status_code == 400 and "请分完全部10点，您分了9点" in errors_of(nine)
    eleven = voter.post(url, {f"pts_{a.pk}": "6", f"pts_{b.pk}": "5"})
    assert eleven.status_code == 400 and "您分了11点" in errors_of(eleven)
    assert not Ballot.objects.filter(round=budget_round).exists()
    step = voter.post(
        f"/budgets/{budget_round.pk}/ballot/preview/",
        {f"pts_{a.pk}": "5", f"pts_{b.pk}": "4", "step": f"{c.pk}:1"},
        HTTP_HX_REQUEST="true",
    )
    text = re.sub(r"\s+", "", step.content.decode())
    assert "已分10/10点，还剩0点" in text
    assert f'name="pts_{c.pk}"value="1"' in text
    ok = voter.post(url, {f"pts_{a.pk}": "5", f"pts_{b.pk}": "4", f"pts_{c.pk}": "1"})
    assert ok.status_code == 200
    assert Ballot.objects.get(round=budget_round).key == f"{a.pk}:5,{b.pk}:4,{c.pk}:1"


def test_double_ballot_never_counted_twice(open_round, cadre_a, residents_a, client_for):
    """Online then paper for the same person is refused, and paper then online too: each
    person has one ballot, however they voted. The API says the same."""
    budget_round, (a, b, _c) = open_round()
    cadre = client_for(cadre_a)
    online, paper_first = residents_a[0], residents_a[1]
    client_for(online).post(f"/budgets/{budget_round.pk}/ballot/", {"p": [a.pk]})
    entry = RollEntry.objects.get(round=budget_round, person=online.person)
    refused = cadre.post(f"/budgets/{budget_round.pk}/paper/", {"entry": entry.pk, "p": [b.pk]})
    assert refused.status_code == 400
    assert "已经在线投过票，不能再录入纸质选票" in errors_of(refused)

    other = RollEntry.objects.get(round=budget_round, person=paper_first.person)
    done = cadre.post(f"/budgets/{budget_round.pk}/paper/", {"entry": other.pk, "p": [b.pk]})
    assert done.status_code == 200
    again = client_for(paper_first).post(f"/budgets/{budget_round.pk}/ballot/", {"p": [a.pk]})
    assert again.status_code == 400 and "纸质选票已由干部录入" in errors_of(again)
    twice = cadre.post(
        f"/api/v1/budgets/{budget_round.pk}/paper-ballots",
        {"entry_id": other.pk, "approvals": [a.pk]},
        content_type="application/json",
    )
    assert twice.status_code == 400 and twice.json()["code"] == "voted_paper"
    assert Ballot.objects.filter(round=budget_round).count() == 2
    assert Ballot.objects.get(entry=other).key == str(b.pk)


def test_voting_outside_the_window_refused(
    open_round, cadre_a, residents_a, client_for, monkeypatch
):
    """Before the window opens and after it closes, online and paper ballots are refused."""
    budget_round, (a, _b, _c) = open_round(**window(opens=dt.timedelta(hours=2), days=2))
    voter = client_for(residents_a[0])
    early = voter.post(f"/budgets/{budget_round.pk}/ballot/", {"p": [a.pk]})
    assert early.status_code == 400 and "投票尚未开始" in errors_of(early)

    later = timezone.now() + dt.timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    late = voter.post(f"/budgets/{budget_round.pk}/ballot/", {"p": [a.pk]})
    assert late.status_code == 400 and "投票时间已过" in errors_of(late)
    entry = RollEntry.objects.get(round=budget_round, person=residents_a[1].person)
    paper = client_for(cadre_a).post(
        f"/budgets/{budget_round.pk}/paper/", {"entry": entry.pk, "p": [a.pk]}
    )
    assert paper.status_code == 400 and "投票时间已过" in errors_of(paper)
    assert not Ballot.objects.filter(round=budget_round).exists()


def test_scope_other_village(open_round, county, cadre_b, make_user, client_for):
    """A cadre of 楼台村 cannot see or manage 双台村's round, nor set one up there; a resident
    of 楼台村 cannot vote in it. A town supervisor of 宝丰镇 sees it but cannot manage it."""
    budget_round, (a, _b, _c) = open_round()
    other_cadre = client_for(cadre_b)
    assert other_cadre.get(f"/budgets/{budget_round.pk}/").status_code == 404
    assert other_cadre.post(f"/budgets/{budget_round.pk}/close/").status_code == 404
    api = other_cadre.post(f"/api/v1/budgets/{budget_round.pk}/close")
    assert api.status_code == 404
    created = other_cadre.post(
        "/api/v1/budgets/",
        {"place_id": county.village_a.pk, "title": "越权", "fund": 100, **_iso_window()},
        content_type="application/json",
    )
    assert created.status_code == 403

    outsider = make_user("resident", county.group_b1, household=county.households_b[0])
    voter = client_for(outsider)
    assert voter.get(f"/budgets/{budget_round.pk}/").status_code == 404
    cast = voter.post(
        f"/api/v1/budgets/{budget_round.pk}/ballot",
        {"approvals": [a.pk]},
        content_type="application/json",
    )
    assert cast.status_code == 404
    assert not Ballot.objects.filter(round=budget_round).exists()

    supervisor = client_for(make_user("town_supervisor", county.town_a))
    assert supervisor.get(f"/budgets/{budget_round.pk}/").status_code == 200
    assert supervisor.post(f"/budgets/{budget_round.pk}/close/").status_code == 403
    budget_round.refresh_from_db()
    assert budget_round.status == "open"


def test_resident_not_on_roll_cannot_vote(open_round, county, make_user, client_for):
    """Someone who moved into the village after the round opened is not on the frozen roll."""
    budget_round, (a, _b, _c) = open_round()
    newcomer = make_user("resident", county.group_a1, household=county.households_a[0])
    response = client_for(newcomer).post(f"/budgets/{budget_round.pk}/ballot/", {"p": [a.pk]})
    assert response.status_code == 403 and "不在本次预算的投票名册中" in errors_of(response)


def test_draft_hidden_from_residents(county, cadre_a, residents_a, client_for):
    """Residents do not see a round while it is being set up."""
    budget_round = create_round(client_for(cadre_a), county.village_a)
    assert client_for(residents_a[0]).get(f"/budgets/{budget_round.pk}/").status_code == 404
    listing = client_for(residents_a[0]).get("/budgets/").content.decode()
    assert budget_round.title not in listing


def _iso_window() -> dict[str, str]:
    now = timezone.now()
    return {
        "opens_at": now.isoformat(),
        "closes_at": (now + dt.timedelta(days=1)).isoformat(),
    }


def test_round_list_query_count_does_not_grow(county, cadre_a, residents_a, client_for):
    """The list page costs the same number of queries for one round as for four."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cadre = client_for(cadre_a)
    create_round(cadre, county.village_a)
    with CaptureQueriesContext(connection) as one:
        assert cadre.get("/budgets/").status_code == 200
    for _ in range(3):
        create_round(cadre, county.village_a)
    with CaptureQueriesContext(connection) as four:
        page = cadre.get("/budgets/")
    assert page.content.decode().count("2024年村级小微项目") == 4
    assert len(four) == len(one)
