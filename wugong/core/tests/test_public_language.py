"""What leaves the request — an SMS to a villager, a published notice — is in Chinese, whatever
language the person who caused it is browsing in."""

import pytest
from django.test import Client
from django.utils import translation

from wugong.people.sms import OutboxSender

pytestmark = pytest.mark.django_db


def test_sign_in_sms_is_chinese_when_the_page_is_english(county):
    """A resident who switched the site to English still gets the code in Chinese by SMS."""
    phone = county.households_a[0].head.phone
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = c.post("/sign-in/", {"phone": phone}).content.decode()
    assert "Sign in" in page and "登录" not in page  # the page itself is in English
    [(to, text)] = OutboxSender.outbox
    assert to == phone and text.startswith("【五共】您的登录验证码是")


def test_meeting_notice_text_is_chinese_while_english_is_active(county):
    """The meeting notice sent by SMS is written in Chinese even from an English request."""
    import datetime as dt

    from django.utils import timezone

    from wugong.meetings.models import Meeting
    from wugong.meetings.services import notice_text

    meeting = Meeting(
        place=county.village_a,
        kind="courtyard",
        title="修路",
        location="村委会",
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    with translation.override("en"):
        text = notice_text(meeting)
    assert text.startswith("【五共】双台村定于") and "修路" in text


def test_an_api_body_that_does_not_fit_gets_a_chinese_message_naming_the_field(db):
    """A missing or mistyped field gets the usual error shape, in Chinese, naming the field;
    nothing is sent."""
    c = Client()
    r = c.post("/api/v1/auth/code", "{}", content_type="application/json")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid" and body["field"] == "phone"
    assert body["detail"] == "请求内容有误：“phone”缺少必填项。"
    r = c.post("/api/v1/auth/code", '{"phone": 12}', content_type="application/json")
    assert r.json()["detail"] == "请求内容有误：“phone”应为文字。"
    assert OutboxSender.outbox == []
