"""Signing in: residents by phone and a one-time SMS code (pages and API), staff by password and
an optional TOTP code; rate limits, lock-out, sessions in the database."""

import datetime as dt
import re

import pyotp
import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from wugong.core.models import AuditEvent
from wugong.people.models import SignInCode, User
from wugong.people.sms import OutboxSender

UNREGISTERED = "13900000001"


def _code_for(phone: str) -> str:
    """The code in the last SMS sent to ``phone``."""
    texts = [text for to, text in OutboxSender.outbox if to == phone]
    assert texts, f"no SMS to {phone}"
    return re.search(r"\d{6}", texts[-1]).group(0)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def resident(county):  # type: ignore[no-untyped-def]
    """王秀英, head of 双台村一组1号, registered with a phone and no account yet."""
    return county.households_a[0].head


# --- the resident's pages -----------------------------------------------------------------------
def test_resident_signs_in_with_the_code_sent_to_their_phone(resident):
    """Phone, then the 6-digit code from the SMS: the resident is signed in, an account is made
    for them on first sign-in (and audited), and the session lives in the database."""
    c = Client()
    r = c.post("/sign-in/", {"phone": resident.phone})
    assert r.status_code == 200
    assert "验证码已发送至" in r.content.decode()
    assert len(OutboxSender.outbox) == 1
    assert "登录验证码" in OutboxSender.outbox[0][1]
    r = c.post("/sign-in/verify/", {"phone": resident.phone, "code": _code_for(resident.phone)})
    assert r.status_code == 302 and r["Location"] == "/"
    assert _signed_in(c)
    user = User.objects.get(person=resident)
    assert c.session["_auth_user_id"] == str(user.pk)
    assert Session.objects.filter(session_key=c.session.session_key).exists()
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    assert resident.name in c.get("/").content.decode()


def test_phone_is_accepted_with_spaces_dashes_and_plus86(resident):
    """People type numbers as they read them: "+86 138-0000-0001" reaches the same resident."""
    p = resident.phone
    c = Client()
    c.post("/sign-in/", {"phone": f"+86 {p[:3]}-{p[3:7]}-{p[7:]}"})
    assert OutboxSender.outbox[-1][0] == p


def test_malformed_phone_is_refused_in_chinese_and_nothing_is_sent(db):
    """A malformed phone gets a clear Chinese message; no code is made or sent."""
    r = Client().post("/sign-in/", {"phone": "12345"})
    assert "手机号码格式不正确" in r.content.decode()
    assert SignInCode.objects.count() == 0
    assert OutboxSender.outbox == []


def test_wrong_code_does_not_sign_in(resident):
    """A wrong code: a Chinese error on the code step, not signed in."""
    c = Client()
    c.post("/sign-in/", {"phone": resident.phone})
    right = _code_for(resident.phone)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    r = c.post("/sign-in/verify/", {"phone": resident.phone, "code": wrong})
    assert r.status_code == 200
    assert "验证码不正确或已过期" in r.content.decode()
    assert not _signed_in(c)


def test_expired_code_does_not_sign_in(resident, monkeypatch):
    """A code is good for SIGN_IN_CODE_TTL_SECONDS (5 minutes) and not a second longer."""
    c = Client()
    c.post("/sign-in/", {"phone": resident.phone})
    code = _code_for(resident.phone)
    later = timezone.now() + dt.timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    r = c.post("/sign-in/verify/", {"phone": resident.phone, "code": code})
    assert "验证码不正确或已过期" in r.content.decode()
    assert not _signed_in(c)


def test_code_within_its_lifetime_works(resident, monkeypatch):
    """The other side of the expiry: 4 minutes 59 seconds after sending, the code works."""
    c = Client()
    c.post("/sign-in/", {"phone": resident.phone})
    code = _code_for(resident.phone)
    later = timezone.now() + dt.timedelta(minutes=4, seconds=59)
    monkeypatch.setattr(timezone, "now", lambda: later)
    c.post("/sign-in/verify/", {"phone": resident.phone, "code": code})
    assert _signed_in(c)


def test_a_code_works_once(resident):
    """A code signs in once; the same code a second time is refused."""
    Client().post("/sign-in/", {"phone": resident.phone})
    code = _code_for(resident.phone)
    first, second = Client(), Client()
    first.post("/sign-in/verify/", {"phone": resident.phone, "code": code})
    assert _signed_in(first)
    r = second.post("/sign-in/verify/", {"phone": resident.phone, "code": code})
    assert "验证码不正确或已过期" in r.content.decode()
    assert not _signed_in(second)


def test_codes_are_rate_limited_per_phone(resident, settings):
    """At most SIGN_IN_CODES_PER_PHONE_PER_HOUR codes an hour go to one phone, from any
    address; the next request gets a Chinese message and no SMS."""
    settings.SIGN_IN_CODES_PER_PHONE_PER_HOUR = 3
    for n in range(3):
        Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post("/sign-in/", {"phone": resident.phone})
    assert len(OutboxSender.outbox) == 3
    r = Client(REMOTE_ADDR="10.0.0.9").post("/sign-in/", {"phone": resident.phone})
    assert "过于频繁" in r.content.decode()
    assert len(OutboxSender.outbox) == 3


def test_codes_are_rate_limited_per_address(county, settings):
    """At most SIGN_IN_CODES_PER_ADDRESS_PER_HOUR codes an hour are asked from one address,
    whatever the phones; another address is not affected."""
    settings.SIGN_IN_CODES_PER_ADDRESS_PER_HOUR = 3
    phones = [h.head.phone for h in county.households_a]
    c = Client(REMOTE_ADDR="10.1.1.1")
    for phone in phones[:3]:
        c.post("/sign-in/", {"phone": phone})
    r = c.post("/sign-in/", {"phone": phones[3]})
    assert "过于频繁" in r.content.decode()
    assert [to for to, _t in OutboxSender.outbox] == phones[:3]
    Client(REMOTE_ADDR="10.1.1.2").post("/sign-in/", {"phone": phones[3]})
    assert OutboxSender.outbox[-1][0] == phones[3]


def test_lock_out_after_repeated_failures(resident, settings):
    """After SIGN_IN_MAX_FAILURES wrong codes the phone is locked: even the right code is
    refused, and no new code is sent, with a Chinese message saying when to try again."""
    c = Client()
    c.post("/sign-in/", {"phone": resident.phone})
    code = _code_for(resident.phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _n in range(settings.SIGN_IN_MAX_FAILURES):
        c.post("/sign-in/verify/", {"phone": resident.phone, "code": wrong})
    r = c.post("/sign-in/verify/", {"phone": resident.phone, "code": code})
    assert "失败次数过多" in r.content.decode()
    assert not _signed_in(c)
    sent = len(OutboxSender.outbox)
    r = c.post("/sign-in/", {"phone": resident.phone})
    assert "失败次数过多" in r.content.decode()
    assert len(OutboxSender.outbox) == sent


def test_one_failure_short_of_the_limit_still_signs_in(resident, settings):
    """The lock-out starts at SIGN_IN_MAX_FAILURES, not before."""
    c = Client()
    c.post("/sign-in/", {"phone": resident.phone})
    code = _code_for(resident.phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _n in range(settings.SIGN_IN_MAX_FAILURES - 1):
        c.post("/sign-in/verify/", {"phone": resident.phone, "code": wrong})
    c.post("/sign-in/verify/", {"phone": resident.phone, "code": code})
    assert _signed_in(c)


def test_unregistered_phone_gets_the_same_answer_and_no_sms(resident):
    """Asking a code for a phone nobody registered looks exactly like asking for a registered
    one (so the page reveals nobody), but no SMS is sent and no code can sign in."""
    registered = Client().post("/sign-in/", {"phone": resident.phone}).content.decode()
    OutboxSender.outbox.clear()
    unknown = Client().post("/sign-in/", {"phone": UNREGISTERED}).content.decode()

    def scrub(text: str) -> str:
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        return text.replace(resident.phone, "PHONE").replace(UNREGISTERED, "PHONE")

    assert scrub(registered) == scrub(unknown)
    assert OutboxSender.outbox == []
    c = Client()
    for guess in ("000000", "123456"):
        c.post("/sign-in/verify/", {"phone": UNREGISTERED, "code": guess})
    assert not _signed_in(c)
    assert not User.objects.filter(username__startswith="p", person__isnull=True).exists()


# --- the API ------------------------------------------------------------------------------------
def test_api_code_then_verify_gives_a_bearer_token_for_me(resident):
    """POST /api/v1/auth/code, then /api/v1/auth/verify with the code: a bearer token that works
    on /api/v1/me; a made-up token does not."""
    c = Client()
    r = c.post("/api/v1/auth/code", {"phone": resident.phone}, content_type="application/json")
    assert r.status_code == 202
    r = c.post(
        "/api/v1/auth/verify",
        {"phone": resident.phone, "code": _code_for(resident.phone)},
        content_type="application/json",
    )
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == resident.name
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200
    assert me.json()["person_id"] == resident.pk
    assert me.json()["household_id"] == resident.household_id
    bad = Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.status_code == 401
    assert Client().get("/api/v1/me").status_code == 401


def test_api_answers_the_same_for_an_unregistered_phone(resident):
    """The API's answer to a code request does not say whether the phone is registered."""
    c = Client()
    known = c.post("/api/v1/auth/code", {"phone": resident.phone}, content_type="application/json")
    OutboxSender.outbox.clear()
    unknown = c.post("/api/v1/auth/code", {"phone": UNREGISTERED}, content_type="application/json")
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert OutboxSender.outbox == []


def test_api_wrong_code_reused_code_and_bad_phone(resident):
    """The API refuses a wrong code and a used code with 400 and code "bad_code", and a
    malformed phone with 400 naming the field, in Chinese."""
    c = Client()
    c.post("/api/v1/auth/code", {"phone": resident.phone}, content_type="application/json")
    code = _code_for(resident.phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    def verify(phone: str, code: str):  # type: ignore[no-untyped-def]
        return c.post(
            "/api/v1/auth/verify", {"phone": phone, "code": code}, content_type="application/json"
        )

    r = verify(resident.phone, wrong)
    assert r.status_code == 400
    assert r.json()["code"] == "bad_code"
    assert "验证码不正确" in r.json()["detail"]
    assert verify(resident.phone, code).status_code == 200
    assert verify(resident.phone, code).json()["code"] == "bad_code"
    r = c.post("/api/v1/auth/code", {"phone": "1234"}, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["field"] == "phone"
    assert "手机号码格式不正确" in r.json()["detail"]


def test_api_rate_limit_and_lock_out_answer_429(resident, settings):
    """Too many codes for a phone, or too many failures, answer 429 through the API."""
    settings.SIGN_IN_CODES_PER_PHONE_PER_HOUR = 1
    c = Client()
    send = {"phone": resident.phone}
    assert c.post("/api/v1/auth/code", send, content_type="application/json").status_code == 202
    r = c.post("/api/v1/auth/code", send, content_type="application/json")
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    code = _code_for(resident.phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _n in range(settings.SIGN_IN_MAX_FAILURES):
        c.post(
            "/api/v1/auth/verify",
            {"phone": resident.phone, "code": wrong},
            content_type="application/json",
        )
    r = c.post(
        "/api/v1/auth/verify",
        {"phone": resident.phone, "code": code},
        content_type="application/json",
    )
    assert r.status_code == 429
    assert r.json()["code"] == "locked"


# --- staff ---------------------------------------------------------------------------------------
@pytest.fixture
def cadre(county, make_user):  # type: ignore[no-untyped-def]
    """A village cadre of 双台村 with password "pw"."""
    return make_user("village_cadre", county.village_a)


def test_staff_sign_in_with_password(cadre):
    """Staff sign in with username and password; a wrong password gets a Chinese message."""
    c = Client()
    r = c.post("/sign-in/staff/", {"username": cadre.username, "password": "wrong"})
    assert "用户名或密码不正确" in r.content.decode()
    assert not _signed_in(c)
    r = c.post("/sign-in/staff/", {"username": cadre.username, "password": "pw"})
    assert r.status_code == 302
    assert c.session["_auth_user_id"] == str(cadre.pk)
    assert Session.objects.filter(session_key=c.session.session_key).exists()


def test_staff_are_locked_out_after_repeated_wrong_passwords(cadre, settings):
    """After SIGN_IN_MAX_FAILURES wrong passwords even the right one is refused for a while."""
    c = Client()
    for _n in range(settings.SIGN_IN_MAX_FAILURES):
        c.post("/sign-in/staff/", {"username": cadre.username, "password": "wrong"})
    r = c.post("/sign-in/staff/", {"username": cadre.username, "password": "pw"})
    assert "失败次数过多" in r.content.decode()
    assert not _signed_in(c)


def test_totp_set_up_on_the_security_page_is_then_required(cadre, client_for):
    """A cadre turns on TOTP on /account/security/ (confirmed by a code from the
    authenticator); from then on the password alone does not sign in, password plus the
    current TOTP code does."""
    page = client_for(cadre)
    r = page.post("/account/security/", {"action": "start"})
    secret = re.search(r"<code>([A-Z2-7]+)</code>", r.content.decode()).group(1)
    cadre.refresh_from_db()
    assert cadre.totp_secret == ""  # not on until confirmed
    page.post("/account/security/", {"action": "confirm", "otp": "000000"})
    cadre.refresh_from_db()
    if pyotp.TOTP(secret).now() != "000000":
        assert cadre.totp_secret == ""
    page.post("/account/security/", {"action": "confirm", "otp": pyotp.TOTP(secret).now()})
    cadre.refresh_from_db()
    assert cadre.totp_secret == secret

    c = Client()
    r = c.post("/sign-in/staff/", {"username": cadre.username, "password": "pw"})
    assert "动态口令不正确" in r.content.decode()
    assert not _signed_in(c)
    r = c.post(
        "/sign-in/staff/",
        {"username": cadre.username, "password": "pw", "otp": pyotp.TOTP(secret).now()},
    )
    assert r.status_code == 302
    assert _signed_in(c)


def test_sign_out_ends_the_database_session(cadre):
    """Signing out deletes the session row: the old cookie no longer signs anyone in."""
    c = Client()
    c.post("/sign-in/staff/", {"username": cadre.username, "password": "pw"})
    key = c.session.session_key
    c.post("/sign-out/")
    assert not Session.objects.filter(session_key=key).exists()
    assert c.get("/households/").status_code == 302
