"""A budget round end to end through the pages: set up, open, online and paper ballots, close,
compute, read the explanations, publish. The MES case is worked by hand in the docstring."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from wugong.budgeting.models import Ballot, BudgetRound, Project, RollEntry, RoundStatus
from wugong.core.models import AuditEvent
from wugong.needs import services as need_services
from wugong.people import services as ps
from wugong.people.rules import viewer_for
from wugong.transparency.models import Notice, NoticeStatus

LOCAL = "%Y-%m-%dT%H:%M"


def window(opens: dt.timedelta = dt.timedelta(minutes=-5), days: int = 1) -> dict[str, str]:
    now = timezone.localtime()
    return {
        "opens_at": (now + opens).strftime(LOCAL),
        "closes_at": (now + dt.timedelta(days=days)).strftime(LOCAL),
    }


def create_round(client: Any, place: Any, **fields: Any) -> BudgetRound:
    """Set a round up through the page; returns it (fails the test if the form refused)."""
    data = {
        "place": place.pk,
        "title": "2024年村级小微项目",
        "fund": "900",
        "matching": "300",
        "matching_source": "镇财政配套",
        "ballot_kind": "approval",
        "min_choices": "0",
        "max_choices": "",
        "total_points": "",
        "points_exact": "on",
        "rule": "mes",
        **window(),
    }
    data.update(fields)
    response = client.post("/budgets/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return BudgetRound.objects.latest("id")


def add_project(client: Any, budget_round: BudgetRound, title: str, cost: str, **kw: Any) -> Any:
    return client.post(
        f"/budgets/{budget_round.pk}/projects/", {"title": title, "cost": cost, **kw}
    )


def errors_of(response: Any) -> str:
    text = response.content.decode()
    match = re.search(r'class="errors"[^>]*>(.*?)</div>', text, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


@pytest.fixture
def cadre_a(county, make_user):  # type: ignore[no-untyped-def]
    """A village cadre of 双台村."""
    return make_user("village_cadre", county.village_a)


@pytest.fixture
def residents_a(county, make_user):  # type: ignore[no-untyped-def]
    """A signed-in resident in each of 双台村's four households."""
    return [make_user("resident", h.place, household=h) for h in county.households_a]


def test_round_end_to_end_with_explanations(county, cadre_a, residents_a, client_for):
    """Hand-worked MES case. Budget ¥1,200 (fund ¥900 + 镇财政配套 ¥300); six voters, so
    each holds ¥200. Projects: A 茶园路 ¥600, B 路灯 ¥300, C LED大屏 ¥500. Ballots: r0 {A,B},
    r1 {A,B}, r2 {A}, r3 {A,C} online; 王秀英 {C} and 李建国 {B,C} on paper (代录).
    Round 1: A's four supporters pay ¥150 each (¥150/¥600 is the best ratio) and keep ¥50.
    Round 2: B's supporters hold ¥50 + ¥50 + ¥200 = ¥300, just its cost: 李建国 pays ¥200, the
    other two all they have. C's supporters then hold ¥50 + ¥200 + ¥0 = ¥250 < ¥500: not funded.
    ¥900 of ¥1,200 is used."""
    cadre = client_for(cadre_a)
    resident_viewer = viewer_for(residents_a[0])
    need = need_services.need_submit(
        viewer=resident_viewer,
        actor=residents_a[0],
        text="修一条通到茶园的路，采茶季节三轮车开不进去",
    )
    # A child in a household is not on the roll; the roll is the adults at opening.
    child = ps.person_data_clean(name="王小明", sex="M", birth_date=dt.date.today())
    ps.person_create(data=child, household=county.households_a[0])

    budget_round = create_round(cadre, county.village_a)
    assert budget_round.budget == 120000 and budget_round.status == RoundStatus.DRAFT
    page = cadre.get(f"/budgets/{budget_round.pk}/projects/").content.decode()
    assert need.title in page  # the needs list of the place is offered
    assert add_project(cadre, budget_round, "茶园路", "600", need=need.pk).status_code == 302
    assert add_project(cadre, budget_round, "路灯", "300").status_code == 302
    assert add_project(cadre, budget_round, "LED大屏", "500").status_code == 302
    a, b, c = Project.objects.filter(round=budget_round).order_by("id")
    assert a.need_id == need.pk

    detail = cadre.get(f"/budgets/{budget_round.pk}/").content.decode()
    assert "¥900.00" in detail and "¥300.00" in detail and "¥1,200.00" in detail
    assert "镇财政配套" in detail

    assert cadre.post(f"/budgets/{budget_round.pk}/open/").status_code == 302
    budget_round.refresh_from_db()
    assert budget_round.status == RoundStatus.OPEN
    assert budget_round.roll_size == 8  # four heads and four residents; not the child
    assert not RollEntry.objects.filter(round=budget_round, name="王小明").exists()

    picks = [[a, b], [a, b], [a], [a, c]]
    for user, chosen in zip(residents_a, picks, strict=True):
        response = client_for(user).post(
            f"/budgets/{budget_round.pk}/ballot/", {"p": [p.pk for p in chosen]}
        )
        assert response.status_code == 200
        assert "投票成功" in response.content.decode()
    # Casting the same ballot again changes nothing; a different one replaces it.
    again = client_for(residents_a[2]).post(f"/budgets/{budget_round.pk}/ballot/", {"p": [a.pk]})
    assert "没有变化" in again.content.decode()
    assert Ballot.objects.filter(round=budget_round).count() == 4

    heads = {e.name: e for e in RollEntry.objects.filter(round=budget_round)}
    roll_page = cadre.get(f"/budgets/{budget_round.pk}/paper/", {"q": "王秀英"}).content.decode()
    assert "王秀英" in roll_page
    for name, chosen in (("王秀英", [c]), ("李建国", [b, c])):
        response = cadre.post(
            f"/budgets/{budget_round.pk}/paper/",
            {"entry": heads[name].pk, "p": [p.pk for p in chosen]},
        )
        assert response.status_code == 200, errors_of(response)
        assert f"已录入 {name} 的纸质选票" in response.content.decode()
    paper = RollEntry.objects.get(round=budget_round, name="李建国")
    assert paper.channel == "paper" and paper.recorded_by_id == cadre_a.pk
    assert AuditEvent.objects.filter(
        action="budget.ballot_paper", on_behalf_of=paper.person_id, actor=cadre_a
    ).exists()

    assert cadre.post(f"/budgets/{budget_round.pk}/close/").status_code == 302
    late = client_for(residents_a[0]).post(f"/budgets/{budget_round.pk}/ballot/", {"p": [c.pk]})
    assert late.status_code == 400 and "截止" in errors_of(late)

    # Residents cannot see the outcome before it is published; the cadre can check it.
    assert client_for(residents_a[0]).get(f"/budgets/{budget_round.pk}/outcome/").status_code == 404
    assert cadre.post(f"/budgets/{budget_round.pk}/compute/").status_code == 302
    budget_round.refresh_from_db()
    assert budget_round.status == RoundStatus.COMPUTED
    assert budget_round.result["selected"] == [a.pk, b.pk]
    assert budget_round.budget_used == 90000
    assert budget_round.result["voters"] == 6

    assert cadre.post(f"/budgets/{budget_round.pk}/publish/").status_code == 302
    budget_round.refresh_from_db()
    assert budget_round.status == RoundStatus.PUBLISHED
    notice = Notice.objects.get(pk=budget_round.notice_id)
    assert notice.status == NoticeStatus.PUBLISHED and "LED大屏" in notice.body

    page = client_for(residents_a[3]).get(f"/budgets/{budget_round.pk}/outcome/")
    text = re.sub(r"\s+", "", page.content.decode())
    assert "¥900.00" in text and "¥1,200.00" in text  # used against available
    assert "第1轮获得资助：4位支持者每人分担¥150.00，凑齐费用¥600.00" in text
    assert "第2轮获得资助：1位支持者每人分担¥200.00，另有2位支持者拿出了自己剩下的全部份额" in text
    assert "未获资助：它的3位支持者手中的份额合计只剩¥250.00，不够其费用¥500.00" in text
    actions = set(
        AuditEvent.objects.filter(object_type__startswith="budgeting.").values_list(
            "action", flat=True
        )
    )
    assert {
        "budget.create",
        "budget.project_add",
        "budget.open",
        "budget.ballot_cast",
        "budget.ballot_paper",
        "budget.close",
        "budget.compute",
        "budget.publish",
    } <= actions


def test_online_ballot_can_change_until_close(county, cadre_a, residents_a, client_for):
    """An open ballot may be changed until the close; it is still one ballot."""
    cadre = client_for(cadre_a)
    budget_round = create_round(cadre, county.village_a)
    add_project(cadre, budget_round, "茶园路", "600")
    add_project(cadre, budget_round, "路灯", "300")
    cadre.post(f"/budgets/{budget_round.pk}/open/")
    a, b = budget_round.projects.order_by("id")
    voter = client_for(residents_a[0])
    voter.post(f"/budgets/{budget_round.pk}/ballot/", {"p": [a.pk]})
    changed = voter.post(f"/budgets/{budget_round.pk}/ballot/", {"p": [b.pk]})
    assert "选票已修改" in changed.content.decode()
    ballot = Ballot.objects.get(round=budget_round)
    assert ballot.key == str(b.pk)
    assert AuditEvent.objects.filter(action="budget.ballot_change").count() == 1
