"""Staff turn on TOTP themselves, confirmed by a code, and then need it to sign in."""

import pyotp
import pytest
from django.test import Client

from wugong.people.models import User

pytestmark = pytest.mark.django_db


def test_totp_is_saved_only_after_a_correct_code(county, make_user, client_for):
    """A mis-scan must not lock anyone out: the secret is kept only once a code confirms it."""
    cadre = make_user("village_cadre", county.village_a)
    c = client_for(cadre)
    c.post("/account/security/", {"action": "start"})
    secret = c.session["totp_pending_secret"]
    page = c.get("/account/security/").content.decode()
    assert "<svg" in page and secret in page
    c.post("/account/security/", {"action": "confirm", "otp": "000000"})
    assert User.objects.get(pk=cadre.pk).totp_secret == ""
    c.post("/account/security/", {"action": "confirm", "otp": pyotp.TOTP(secret).now()})
    assert User.objects.get(pk=cadre.pk).totp_secret == secret


def test_sign_in_then_needs_the_code(county, make_user):
    """With TOTP on, a right password alone is refused; with the current code it signs in."""
    cadre = make_user("village_cadre", county.village_a)
    secret = pyotp.random_base32()
    User.objects.filter(pk=cadre.pk).update(totp_secret=secret)
    c = Client()
    r = c.post("/sign-in/staff/", {"username": cadre.username, "password": "pw"})
    assert r.status_code == 200 and "动态口令不正确" in r.content.decode()
    assert "_auth_user_id" not in c.session
    r = c.post(
        "/sign-in/staff/",
        {"username": cadre.username, "password": "pw", "otp": pyotp.TOTP(secret).now()},
    )
    assert r.status_code == 302 and c.session["_auth_user_id"] == str(cadre.pk)


def test_a_totp_code_cannot_be_used_twice(county, make_user):
    """A code seen over someone's shoulder is worthless once used: the same code twice within
    its 30-second window signs in only once."""
    cadre = make_user("village_cadre", county.village_a)
    secret = pyotp.random_base32()
    User.objects.filter(pk=cadre.pk).update(totp_secret=secret)
    code = pyotp.TOTP(secret).now()
    first, second = Client(), Client()
    form = {"username": cadre.username, "password": "pw", "otp": code}
    assert first.post("/sign-in/staff/", form).status_code == 302
    r = second.post("/sign-in/staff/", form)
    assert r.status_code == 200 and "动态口令不正确" in r.content.decode()
    assert "_auth_user_id" not in second.session


def test_reveal_of_a_person_out_of_view_answers_like_a_missing_one(county, make_user, client_for):
    """A cadre of 双台村 revealing a 楼台村 person gets 404, exactly as for an id that does not
    exist, so the answer tells nothing about which people exist; nothing is logged."""
    from wugong.core.models import SensitiveAccess

    c = client_for(make_user("village_cadre", county.village_a))
    other = county.households_b[0].head_id
    for pk in (other, 999_999):
        assert c.post(f"/people/{pk}/reveal/phone/").status_code == 404
        r = c.post(
            f"/api/v1/people/{pk}/reveal", {"field": "phone"}, content_type="application/json"
        )
        assert r.status_code == 404
    assert SensitiveAccess.objects.count() == 0
