"""Surveys (问卷): residents of a place answer once; anonymous answers are not linked to anyone;
results are exact counts with percentages, drawn as server-side SVG bars."""

import pytest
from django.db import IntegrityError, transaction

from wugong.core.models import AuditEvent
from wugong.surveys.charts import average_text, bar_chart, percent_text
from wugong.surveys.models import Answer, Participation, Response, Survey

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def cadre(county, make_user):
    return make_user("village_cadre", county.village_a)


def _survey(client, place, *, anonymous=True, open_=True):
    """A survey with one question of each kind: single, multiple, stars, text (optional)."""
    r = client.post(
        "/api/v1/surveys",
        {"place_id": place.pk, "title": "茶园路满意度调查", "anonymous": anonymous},
        content_type=JSON,
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    for q in (
        {"kind": "single", "text": "您对茶园路满意吗？", "choices": ["满意", "基本满意", "不满意"]},
        {"kind": "multiple", "text": "还需要什么？", "choices": ["路灯", "护栏", "排水沟"]},
        {"kind": "stars", "text": "给施工质量打星"},
        {"kind": "text", "text": "其他意见", "required": False},
    ):
        r = client.post(f"/api/v1/surveys/{pk}/questions", q, content_type=JSON)
        assert r.status_code == 201, r.content
    if open_:
        assert client.post(f"/api/v1/surveys/{pk}/open", {}, content_type=JSON).status_code == 200
    detail = client.get(f"/api/v1/surveys/{pk}").json()
    return pk, detail["questions"]


def _answers(questions, single=0, multiple=(0,), stars=5, text=""):
    q1, q2, q3, q4 = questions
    return {
        str(q1["id"]): q1["choices"][single]["id"],
        str(q2["id"]): [q2["choices"][i]["id"] for i in multiple],
        str(q3["id"]): stars,
        str(q4["id"]): text,
    }


@pytest.fixture
def residents(county, make_user):
    """Three residents of 双台村 (in its groups' households)."""
    hs = county.households_a
    return [make_user("resident", county.group_a1, household=h) for h in hs[:3]]


def test_anonymous_survey_stores_no_link_from_person_to_answers(
    county, cadre, residents, client_for
):
    """In an anonymous survey the answers carry no person, no time and random keys; only the
    participation table says who responded, and the audit trail records no answers."""
    pk, qs = _survey(client_for(cadre), county.village_a)
    for i, user in enumerate(residents):
        r = client_for(user).post(
            f"/api/v1/surveys/{pk}/responses",
            {"answers": _answers(qs, single=i % 3, text=f"意见{i}")},
            content_type=JSON,
        )
        assert r.status_code == 201, r.content
    responses = Response.objects.filter(survey_id=pk)
    assert responses.count() == 3
    assert list(responses.values_list("person", "submitted_at").distinct()) == [(None, None)]
    assert all(len(str(r.pk)) == 36 for r in responses)  # UUIDs, not a sequence
    answer_fields = {f.name for f in Answer._meta.get_fields()}
    assert not answer_fields & {"person", "created_at", "submitted_at", "user"}
    persons = set(Participation.objects.filter(survey_id=pk).values_list("person", flat=True))
    assert persons == {u.person_id for u in residents}
    participation_fields = {f.name for f in Participation._meta.get_fields()}
    assert not participation_fields & {"response", "answers"}
    events = AuditEvent.objects.filter(action="survey.respond")
    assert events.count() == 3
    for e in events:
        assert e.object_type == "surveys.participation"
        assert set(e.changes) == {"survey", "anonymous"}


def test_one_response_per_person(county, cadre, residents, client_for):
    """A second submission by the same person is refused and changes nothing; the database
    itself holds one participation per person and survey."""
    pk, qs = _survey(client_for(cadre), county.village_a)
    c = client_for(residents[0])
    url = f"/api/v1/surveys/{pk}/responses"
    assert c.post(url, {"answers": _answers(qs)}, content_type=JSON).status_code == 201
    r = c.post(url, {"answers": _answers(qs, single=2)}, content_type=JSON)
    assert r.status_code == 400
    assert r.json()["code"] == "already_responded" and "只能提交一次" in r.json()["detail"]
    assert Response.objects.filter(survey_id=pk).count() == 1
    assert Answer.objects.filter(choice__text="不满意").count() == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(
            survey_id=pk, person_id=residents[0].person_id, responded_on="2025-01-01"
        )


def test_out_of_scope_resident_is_refused(county, cadre, make_user, client_for):
    """Only people of the survey's place may answer; a resident of another village gets 403,
    and the survey is not even listed for them."""
    pk, qs = _survey(client_for(cadre), county.village_a)
    outsider = client_for(make_user("resident", county.group_b1, household=county.households_b[0]))
    r = outsider.post(
        f"/api/v1/surveys/{pk}/responses", {"answers": _answers(qs)}, content_type=JSON
    )
    assert r.status_code == 403 and "双台村" in r.json()["detail"]
    assert outsider.get(f"/api/v1/surveys/{pk}").status_code == 404
    assert outsider.get("/api/v1/surveys").json() == []
    assert not Participation.objects.exists() and not Response.objects.exists()


def test_closed_survey_refuses_answers(county, cadre, residents, client_for):
    """After the cadre closes the survey, answers are refused with a clear message."""
    c = client_for(cadre)
    pk, qs = _survey(c, county.village_a)
    assert c.post(f"/api/v1/surveys/{pk}/close", {}, content_type=JSON).status_code == 200
    r = client_for(residents[0]).post(
        f"/api/v1/surveys/{pk}/responses", {"answers": _answers(qs)}, content_type=JSON
    )
    assert r.status_code == 400 and r.json()["code"] == "closed"
    assert "问卷已经结束" in r.json()["detail"]
    assert not Participation.objects.exists()
    draft, dqs = _survey(c, county.village_a, open_=False)
    r = client_for(residents[0]).post(
        f"/api/v1/surveys/{draft}/responses", {"answers": _answers(dqs)}, content_type=JSON
    )
    assert r.status_code == 400 and r.json()["code"] == "not_open"
    assert client_for(residents[0]).get(f"/api/v1/surveys/{draft}").status_code == 404


def test_results_are_exact_counts_with_percentages(county, cadre, residents, client_for):
    """Two 满意 and one 基本满意 of three: 2 (66.7%), 1 (33.3%), 0 (0.0%); multiple choice
    counts every tick; stars give counts per star and the exact average."""
    c = client_for(cadre)
    pk, qs = _survey(c, county.village_a)
    plan = [
        dict(single=0, multiple=(0, 1), stars=5, text="路灯太暗"),
        dict(single=0, multiple=(0,), stars=4),
        dict(single=1, multiple=(2,), stars=4),
    ]
    for user, a in zip(residents, plan, strict=True):
        r = client_for(user).post(
            f"/api/v1/surveys/{pk}/responses", {"answers": _answers(qs, **a)}, content_type=JSON
        )
        assert r.status_code == 201
    # Residents see results only once the survey has ended.
    assert client_for(residents[0]).get(f"/api/v1/surveys/{pk}/results").status_code == 403
    res = c.get(f"/api/v1/surveys/{pk}/results").json()
    assert res["respondents"] == 3
    single, multiple, stars, text = res["questions"]
    assert [(r["label"], r["count"], r["percent"]) for r in single["rows"]] == [
        ("满意", 2, "66.7%"),
        ("基本满意", 1, "33.3%"),
        ("不满意", 0, "0.0%"),
    ]
    assert [r["count"] for r in multiple["rows"]] == [2, 1, 1]
    assert [(r["label"], r["count"]) for r in stars["rows"]] == [
        ("★★★★★", 1),
        ("★★★★", 2),
        ("★★★", 0),
        ("★★", 0),
        ("★", 0),
    ]
    assert stars["average"] == "4.33"
    assert text["answered"] == 1 and text["texts"] == [{"who": "", "text": "路灯太暗"}]
    page = c.get(f"/surveys/{pk}/results/").content.decode()
    assert "<svg" in page and "66.7%" in page and "2（66.7%）" in page


def test_bad_answers_get_a_chinese_message_and_nothing_is_saved(
    county, cadre, residents, client_for
):
    """Six stars, an unknown choice, a missing required answer or a foreign question are
    refused with a message naming the question; no participation, no answers."""
    pk, qs = _survey(client_for(cadre), county.village_a)
    c = client_for(residents[0])
    url = f"/api/v1/surveys/{pk}/responses"
    bad = _answers(qs, stars=6)
    r = c.post(url, {"answers": bad}, content_type=JSON)
    assert r.status_code == 400 and r.json()["detail"] == "第3题请给1到5颗星。"
    bad = _answers(qs)
    bad[str(qs[0]["id"])] = 999999
    r = c.post(url, {"answers": bad}, content_type=JSON)
    assert r.status_code == 400 and "第1题的选项无效" in r.json()["detail"]
    bad = _answers(qs)
    del bad[str(qs[1]["id"])]
    r = c.post(url, {"answers": bad}, content_type=JSON)
    assert r.status_code == 400 and "请回答第2题" in r.json()["detail"]
    r = c.post(url, {"answers": {**_answers(qs), "424242": 1}}, content_type=JSON)
    assert r.status_code == 400 and "不属于本问卷" in r.json()["detail"]
    assert not Participation.objects.exists() and not Answer.objects.exists()
    r = client_for(cadre).post(
        f"/api/v1/surveys/{pk}/questions",
        {"kind": "single", "text": "只有一个选项", "choices": ["是"]},
        content_type=JSON,
    )
    assert r.status_code == 400 and "问卷已开始" in r.json()["detail"]


def test_named_survey_masks_names_to_residents_not_to_managers(
    county, cadre, residents, client_for
):
    """In a named survey the managers see who wrote each text answer; residents, once the
    survey has ended, see the surname and two stars."""
    c = client_for(cadre)
    pk, qs = _survey(c, county.village_a, anonymous=False)
    client_for(residents[0]).post(
        f"/api/v1/surveys/{pk}/responses",
        {"answers": _answers(qs, text="多装路灯")},
        content_type=JSON,
    )
    assert Response.objects.get(survey_id=pk).person_id == residents[0].person_id
    c.post(f"/api/v1/surveys/{pk}/close", {}, content_type=JSON)
    name = residents[0].person.name
    manager_view = c.get(f"/api/v1/surveys/{pk}/results").json()["questions"][3]["texts"]
    resident_view = client_for(residents[1]).get(f"/api/v1/surveys/{pk}/results").json()
    assert manager_view == [{"who": name, "text": "多装路灯"}]
    assert resident_view["questions"][3]["texts"] == [{"who": f"{name[0]}**", "text": "多装路灯"}]


def test_resident_answers_on_the_page(county, cadre, residents, client_for):
    """The phone page: radio buttons, check boxes, star buttons; an error keeps the ticks and
    says what is missing; after sending, the page says it was received."""
    pk, qs = _survey(client_for(cadre), county.village_a)
    c = client_for(residents[0])
    page = c.get(f"/surveys/{pk}/").content.decode()
    assert 'type="radio"' in page and 'type="checkbox"' in page and "提交答卷" in page
    q1, q2, q3, _q4 = qs
    form = {f"q{q1['id']}": q1["choices"][0]["id"], f"q{q2['id']}": [q2["choices"][1]["id"]]}
    r = c.post(f"/surveys/{pk}/respond/", form)
    assert r.status_code == 400 and "请回答第3题" in r.content.decode()
    assert not Participation.objects.exists()
    r = c.post(f"/surveys/{pk}/respond/", {**form, f"q{q3['id']}": "4"})
    assert r.status_code == 302
    assert "您已填写过这份问卷" in c.get(f"/surveys/{pk}/").content.decode()
    assert Survey.objects.get(pk=pk).responses.count() == 1


def test_percentages_and_averages_are_exact():
    """Percentages have one decimal, rounded half up in integer arithmetic; bars scale."""
    assert percent_text(1, 3) == "33.3%"
    assert percent_text(2, 3) == "66.7%"
    assert percent_text(1, 8) == "12.5%"
    assert percent_text(1, 16) == "6.3%"  # 6.25 rounds half up
    assert percent_text(0, 0) == "0.0%"
    assert percent_text(7, 7) == "100.0%"
    assert average_text(13, 3) == "4.33"
    assert average_text(0, 0) == "—"
    chart = bar_chart([("满意", 3), ("不满意", 1)], 4)
    assert [r.width for r in chart.rows] == ["165.0", "55.0"]


def test_cadre_sets_up_a_survey_on_the_pages(county, cadre, client_for, make_user):
    """A cadre creates a survey, adds questions (a choice question needs two choices or more),
    opens it; a resident of another village's cadre cannot manage it."""
    c = client_for(cadre)
    r = c.post(
        "/surveys/new/",
        {"place": county.village_a.pk, "title": "广场建在哪里", "description": "", "anonymous": ""},
    )
    assert r.status_code == 302
    survey = Survey.objects.get()
    assert survey.anonymous is False and survey.status == "draft"
    r = c.post(
        f"/surveys/{survey.pk}/questions/",
        {"kind": "single", "text": "建在哪里？", "choices": "村委会旁\n", "required": "on"},
        follow=True,
    )
    assert "选择题需要2到20个选项" in r.content.decode()
    assert not survey.questions.exists()
    c.post(
        f"/surveys/{survey.pk}/questions/",
        {"kind": "single", "text": "建在哪里？", "choices": "村委会旁\n老学校\n", "required": "on"},
    )
    assert [ch.text for ch in survey.questions.get().choices.all()] == ["村委会旁", "老学校"]
    c.post(f"/surveys/{survey.pk}/open/", {"closes_on": ""})
    survey.refresh_from_db()
    assert survey.status == "open"
    other = client_for(make_user("village_cadre", county.village_b))
    assert other.post(f"/surveys/{survey.pk}/close/").status_code == 404
    survey.refresh_from_db()
    assert survey.status == "open"
