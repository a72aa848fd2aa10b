"""Status changes, answers, declines, notices to reporter and followers, the overdue list."""

import datetime as dt

import pytest
from django.utils import timezone

from wugong.needs.models import Need, Notification, Status
from wugong.people.sms import OutboxSender

pytestmark = pytest.mark.django_db


def _status(client, need, status, text=""):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/needs/{need.pk}/status", {"status": status, "text": text}, "application/json"
    )


def test_allowed_transitions(cast, client_for, raise_need):
    """new → discussing → decided → in_project → answered; answered reopens to discussing;
    jumping back from answered to in_project is refused."""
    need = raise_need(cast.resident_a, "修路")
    cadre = client_for(cast.cadre_a)
    for status in ["discussing", "decided", "in_project"]:
        assert _status(cadre, need, status).status_code == 200
    assert _status(cadre, need, "answered", "五月开工").json()["status"] == "answered"
    refused = _status(cadre, need, "in_project")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "不能从“已答复”改为“已立项”。"
    reopened = _status(cadre, need, "discussing").json()
    assert reopened["status"] == "discussing" and reopened["answer"] == ""
    assert _status(cadre, need, "merged").status_code == 400
    assert _status(cadre, need, "nonsense").status_code == 400


def test_declining_needs_a_reason_and_answering_needs_an_answer(cast, client_for, raise_need):
    """Declining (婉拒) without a reason and answering without text are refused in Chinese;
    the need does not move."""
    need = raise_need(cast.resident_a, "装LED大屏")
    cadre = client_for(cast.cadre_a)
    declined = _status(cadre, need, "declined", "  ")
    assert declined.status_code == 400
    assert declined.json() == {
        "code": "reason_required",
        "detail": "婉拒须向提出人说明理由。",
        "field": "text",
    }
    page = cadre.post(f"/needs/{need.pk}/answer/", {"text": ""}, follow=True)
    assert "请填写答复内容。" in page.content.decode()
    need.refresh_from_db()
    assert need.status == Status.NEW
    ok = _status(cadre, need, "declined", "村民商议后把钱用在茶园路上")
    assert ok.json()["status"] == "declined"
    assert ok.json()["answer"] == "村民商议后把钱用在茶园路上"


def test_changes_notify_reporter_and_followers_and_answers_go_by_sms(
    cast, client_for, raise_need, django_capture_on_commit_callbacks
):
    """Every change leaves a notice for the reporter and each follower (not for the cadre who
    made it), after the commit; an answer is also sent to the reporter by SMS."""
    need = raise_need(cast.resident_a, "村口路灯坏了")
    client_for(cast.resident_a2).post(f"/api/v1/needs/{need.pk}/follow", {}, "application/json")
    client_for(cast.cadre_a).post(f"/api/v1/needs/{need.pk}/follow", {}, "application/json")
    cadre = client_for(cast.cadre_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cadre.post(
            f"/needs/{need.pk}/classify/",
            {"category": "lighting", "urgency": "high", "place": cast.county.group_a1.pk},
        )
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        cadre.post(f"/needs/{need.pk}/answer/", {"text": "已报修，本周五前修好"})
    notified = {
        (n.person_id, "照明" in n.text or "本周五前修好" in n.text)
        for n in Notification.objects.all()
    }
    assert notified == {(cast.resident_a.person_id, True), (cast.resident_a2.person_id, True)}
    assert Notification.objects.count() == 4
    assert not Notification.objects.filter(person=cast.cadre_a.person).exists()
    assert [p for p, _t in OutboxSender.outbox] == [cast.resident_a.person.phone]
    assert "本周五前修好" in OutboxSender.outbox[0][1]

    page = client_for(cast.resident_a).get("/needs/notices/").content.decode()
    assert "本周五前修好" in page and "2 条未读" in page
    client_for(cast.resident_a).post("/needs/notices/read/")
    assert not Notification.objects.filter(
        person=cast.resident_a.person, read_at__isnull=True
    ).exists()


def test_no_notice_is_sent_when_the_change_is_rolled_back(cast, raise_need, client_for):
    """Notices go out on commit only: a refused change tells no one."""
    need = raise_need(cast.resident_a, "修路")
    _status(client_for(cast.cadre_a), need, "declined", "")
    assert not Notification.objects.exists()


def test_unanswered_after_n_days(cast, client_for, raise_need):
    """The overdue list shows needs of the cadre's village still new or under discussion N
    days after they were raised; answered, declined, decided and fresh ones are not on it."""
    old = raise_need(cast.resident_a, "十天前提的路灯")
    answered = raise_need(cast.resident_a, "十天前提的，已答复")
    decided = raise_need(cast.resident_a, "十天前提的，已决定")
    fresh = raise_need(cast.resident_a, "昨天提的")
    elsewhere = raise_need(cast.resident_b, "楼台村十天前提的")
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    Need.objects.exclude(pk=fresh.pk).update(created_at=ten_days_ago)
    Need.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    cadre = client_for(cast.cadre_a)
    _status(cadre, answered, "answered", "已修好")
    _status(cadre, decided, "decided")
    page = cadre.get("/needs/unanswered/", {"days": 7}).content.decode()
    assert "十天前提的路灯" in page
    for text in ["已答复", "已决定", "昨天提的", "楼台村"]:
        assert text not in page.split("<h1>")[1]
    api = cadre.get("/api/v1/needs/unanswered", {"days": 7}).json()
    assert [n["id"] for n in api["items"]] == [old.pk]
    two = cadre.get("/api/v1/needs/unanswered", {"days": 0}).json()
    assert {n["id"] for n in two["items"]} == {old.pk, fresh.pk}
    assert elsewhere.pk not in {n["id"] for n in two["items"]}
    assert client_for(cast.resident_a).get("/needs/unanswered/").status_code == 403
