"""A round exported as a pabulib ``.pb`` file and imported again computes the same selection;
a malformed file is refused naming the line, and nothing is imported."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wugong.budgeting import services
from wugong.budgeting.models import Ballot, BudgetRound, Project, RollEntry
from wugong.people.rules import viewer_for


@pytest.fixture
def cadre_a(county, make_user):  # type: ignore[no-untyped-def]
    return make_user("village_cadre", county.village_a)


@pytest.fixture
def residents_a(county, make_user):  # type: ignore[no-untyped-def]
    return [make_user("resident", h.place, household=h) for h in county.households_a]


COSTS = [("茶园路; 主干道", 60000), ("路灯", 30000), ("LED大屏", 50000), ("小广场", 25000)]


def computed_round(county, cadre, residents, *, kind: str, rule: str) -> BudgetRound:  # type: ignore[no-untyped-def]
    """A closed and computed round of 双台村 with four online ballots and two paper ones."""
    viewer = viewer_for(cadre)
    now = timezone.now()
    settings = services.round_settings_clean(
        title="2024年小微项目",
        fund=100000,
        matching=20000,
        matching_source="镇财政配套",
        ballot_kind=kind,
        total_points=10 if kind == "points" else None,
        max_choices=3 if kind == "approval" else None,
        rule=rule,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(days=1),
    )
    r = services.round_create(viewer=viewer, actor=cadre, place=county.village_a, settings=settings)
    for title, cost in COSTS:
        services.project_add(viewer=viewer, actor=cadre, budget_round=r, title=title, cost=cost)
    services.round_open(viewer=viewer, actor=cadre, budget_round=r)
    a, b, c, d = r.projects.order_by("id")
    if kind == "points":
        picks = [{a: 6, b: 4}, {a: 10}, {c: 5, d: 5}, {b: 3, c: 7}, {a: 2, d: 8}, {c: 10}]
    else:
        picks = [{a: 1, b: 1}, {a: 1}, {c: 1, d: 1}, {b: 1, c: 1}, {a: 1, d: 1}, {c: 1}]
    choices = [{p.pk: n for p, n in pick.items()} for pick in picks]
    for user, choice in zip(residents, choices[:4], strict=True):
        services.ballot_cast(viewer=viewer_for(user), actor=user, budget_round=r, choice=choice)
    heads = RollEntry.objects.filter(round=r, voted_at__isnull=True, person__user__isnull=True)
    for entry, choice in zip(heads.order_by("id")[:2], choices[4:], strict=True):
        services.paper_ballot_record(
            viewer=viewer, actor=cadre, budget_round=r, entry=entry, choice=choice
        )
    services.round_close(viewer=viewer, actor=cadre, budget_round=r)
    return services.round_compute(viewer=viewer, actor=cadre, budget_round=r)


@pytest.mark.parametrize(
    ("kind", "rule"), [("approval", "mes"), ("points", "greedy"), ("approval", "mes-add1")]
)
def test_export_import_round_trip(county, cadre_a, residents_a, client_for, kind, rule):
    """Export a computed round from its page, import the file as a new round, compute it: the
    same projects are funded, for the same money, and the ballots came over anonymously."""
    original = computed_round(county, cadre_a, residents_a, kind=kind, rule=rule)
    cadre = client_for(cadre_a)
    exported = cadre.get(f"/budgets/{original.pk}/export.pb")
    assert exported.status_code == 200
    text = exported.content.decode()
    assert "budget;1200\n" in text and "currency;CNY" in text
    assert f"vote_type;{'cumulative' if kind == 'points' else 'approval'}" in text
    assert '"茶园路; 主干道"' in text  # a name with the separator is quoted

    upload = SimpleUploadedFile("round.pb", exported.content, content_type="text/plain")
    response = cadre.post(
        "/budgets/import/", {"place": county.village_a.pk, "title": "", "file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    imported = BudgetRound.objects.latest("id")
    assert imported.imported and imported.status == "closed"
    assert (imported.fund, imported.matching, imported.rule) == (100000, 20000, rule)
    assert imported.ballot_kind == kind
    assert Ballot.objects.filter(round=imported, entry__isnull=True).count() == 6
    assert cadre.post(f"/budgets/{imported.pk}/compute/").status_code == 302
    imported.refresh_from_db()
    titles = dict(Project.objects.filter(round__in=[original, imported]).values_list("pk", "title"))
    assert [titles[pk] for pk in imported.result["selected"]] == [
        titles[pk] for pk in original.result["selected"]
    ]
    assert imported.budget_used == original.budget_used
    assert imported.result["selected_codes"] == original.result["selected_codes"]


VALID = """META
key;value
budget;1000
vote_type;approval
PROJECTS
project_id;cost;name
1;600;茶园路
2;300;路灯
VOTES
voter_id;vote
1;1,2
2;1
3;2
"""
MALFORMED = VALID.replace("3;2", "3;7")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (MALFORMED, 13, "不存在的项目"),
        (VALID.replace("2;300;路灯", "2;1000.5;路灯"), 8, "超过了本次全部预算"),
        (VALID.replace("2;300;路灯", "2;3.005;路灯"), 8, "须精确到分"),
        (VALID.replace("3;2", "3;1,1"), 13, "多次"),
        (VALID.replace("budget;1000", "budget;abc"), 3, "不是有效数字"),
        (VALID.replace("vote_type;approval", "vote_type;approval\nmax_length;1"), 12, "最多"),
    ],
)
def test_malformed_pb_refused_naming_the_line(county, cadre_a, client_for, text, line, words):
    """A broken file is refused with the line number, and nothing at all is imported."""
    before = (BudgetRound.objects.count(), Project.objects.count(), Ballot.objects.count())
    upload = SimpleUploadedFile("bad.pb", text.encode(), content_type="text/plain")
    response = client_for(cadre_a).post(
        "/budgets/import/", {"place": county.village_a.pk, "file": upload}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"第{line}行" in page and words in page
    after = (BudgetRound.objects.count(), Project.objects.count(), Ballot.objects.count())
    assert after == before


def test_api_export_and_import(county, cadre_a, residents_a, client_for):
    """The API exports the .pb text and imports an uploaded file the same way."""
    original = computed_round(county, cadre_a, residents_a, kind="approval", rule="mes")
    cadre = client_for(cadre_a)
    exported = cadre.get(f"/api/v1/budgets/{original.pk}/export.pb")
    assert exported.status_code == 200
    upload = SimpleUploadedFile("round.pb", exported.content, content_type="text/plain")
    created = cadre.post(
        "/api/v1/budgets/import", {"place_id": county.village_a.pk, "file": upload}
    )
    assert created.status_code == 201, created.content
    new_id = created.json()["id"]
    assert cadre.post(f"/api/v1/budgets/{new_id}/compute").status_code == 200
    outcome = cadre.get(f"/api/v1/budgets/{new_id}/outcome").json()
    titles = dict(Project.objects.filter(round=original).values_list("pk", "title"))
    funded = sorted((p for p in outcome["projects"] if p["funded"]), key=lambda p: p["position"])
    assert [p["title"] for p in funded] == [titles[pk] for pk in original.result["selected"]]
    assert outcome["budget_used"] == original.budget_used
    assert all(p["explanation"] for p in outcome["projects"])
    bad = SimpleUploadedFile("bad.pb", MALFORMED.encode(), content_type="text/plain")
    refused = cadre.post("/api/v1/budgets/import", {"place_id": county.village_a.pk, "file": bad})
    assert refused.status_code == 400 and "第13行" in refused.json()["detail"]
