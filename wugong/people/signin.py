"""Signing in (登录): residents by a code sent to their phone, staff by password and TOTP."""

import datetime as dt
import hashlib
import secrets
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from wugong.core.audit import audit_event_record
from wugong.core.errors import RateLimited, ValidationFailed
from wugong.core.i18n import public_language
from wugong.core.validators import normalize_phone
from wugong.people.models import ApiToken, Person, SignInCode, SignInFailure, User
from wugong.people.sms import sms_send


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("wugong.signin", f"{phone}:{code}").hexdigest()


def _locked_out(key: str) -> bool:
    since = timezone.now() - dt.timedelta(seconds=settings.SIGN_IN_LOCKOUT_SECONDS)
    return SignInFailure.objects.filter(key=key, at__gte=since).count() >= (
        settings.SIGN_IN_MAX_FAILURES
    )


def _lockout_error() -> RateLimited:
    minutes = settings.SIGN_IN_LOCKOUT_SECONDS // 60
    return RateLimited(_("失败次数过多，请%(m)d分钟后再试。") % {"m": minutes}, code="locked")


def sign_in_code_request(*, phone: str, address: str | None) -> None:
    """Send a 6-digit code to a phone. Limited per phone and per network address; the answer
    is the same whether or not the phone is registered, so it reveals nobody."""
    phone = normalize_phone(phone)
    if _locked_out(f"phone:{phone}"):
        raise _lockout_error()
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    if SignInCode.objects.filter(phone=phone, created_at__gte=hour_ago).count() >= (
        settings.SIGN_IN_CODES_PER_PHONE_PER_HOUR
    ):
        raise RateLimited(_("该手机号获取验证码过于频繁，请一小时后再试。"))
    if address and SignInCode.objects.filter(address=address, created_at__gte=hour_ago).count() >= (
        settings.SIGN_IN_CODES_PER_ADDRESS_PER_HOUR
    ):
        raise RateLimited(_("您的网络获取验证码过于频繁，请稍后再试。"))
    code = f"{secrets.randbelow(10**6):06d}"
    SignInCode.objects.create(
        phone=phone,
        code_hash=_code_hash(phone, code),
        address=address,
        expires_at=timezone.now() + dt.timedelta(seconds=settings.SIGN_IN_CODE_TTL_SECONDS),
    )
    if Person.objects.filter(phone=phone).exists():
        minutes = settings.SIGN_IN_CODE_TTL_SECONDS // 60
        with public_language():
            text = _("【五共】您的登录验证码是%(code)s，%(m)d分钟内有效。") % {
                "code": code,
                "m": minutes,
            }
        sms_send(phone, text)


def sign_in_code_verify(*, phone: str, code: str, address: str | None) -> User:
    """Check a code; on success return the resident's account (made on first sign-in)."""
    phone = normalize_phone(phone)
    key = f"phone:{phone}"
    if _locked_out(key):
        raise _lockout_error()
    code = (code or "").strip()
    now = timezone.now()
    candidates = SignInCode.objects.filter(
        phone=phone, used_at__isnull=True, expires_at__gt=now
    ).order_by("-created_at")[:3]
    match = next(
        (c for c in candidates if constant_time_compare(c.code_hash, _code_hash(phone, code))), None
    )
    person = Person.objects.filter(phone=phone).first()
    # A conditional update makes each code single-use even when two requests race.
    if (
        match is None
        or person is None
        or not SignInCode.objects.filter(pk=match.pk, used_at__isnull=True).update(used_at=now)
    ):
        SignInFailure.objects.create(key=key, address=address)
        raise ValidationFailed(_("验证码不正确或已过期。"), code="bad_code", field="code")
    return _user_for_person(person)


@transaction.atomic
def _user_for_person(person: Person) -> User:
    user = User.objects.filter(person=person).first()
    if user is None:
        user = User(username=f"p{person.pk}", person=person, first_name=person.name)
        user.set_unusable_password()
        user.save()
        audit_event_record(
            actor=user, action="user.create", obj=user, changes={"person": person, "via": "sms"}
        )
    return user


def password_sign_in(
    *, request: Any, username: str, password: str, otp: str = "", address: str | None
) -> User:
    """Staff sign-in by username and password, plus a TOTP code when they have one set up."""
    key = f"user:{(username or '').strip().lower()}"
    if _locked_out(key):
        raise _lockout_error()
    user = authenticate(request, username=username, password=password)
    if user is None:
        SignInFailure.objects.create(key=key, address=address)
        raise ValidationFailed(_("用户名或密码不正确。"), code="bad_password")
    if user.totp_secret and not _totp_accept(user, otp):
        SignInFailure.objects.create(key=key, address=address)
        raise ValidationFailed(_("动态口令不正确。"), code="bad_otp", field="otp")
    return user


def _totp_accept(user: User, otp: str) -> bool:
    """A code of the current time step or one either side, not used before. The conditional
    update makes two sign-ins racing with the same code accept it once."""
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    for offset in (0, -1, 1):
        moment = now + dt.timedelta(seconds=offset * totp.interval)
        if constant_time_compare(totp.at(moment), (otp or "").strip()):
            step = totp.timecode(moment)
            return bool(
                User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step)
            )
    return False


def totp_enable(*, user: User, secret: str) -> None:
    """Turn on TOTP for a staff account with a secret its authenticator has confirmed."""
    user.totp_secret = secret
    user.save(update_fields=["totp_secret"])
    audit_event_record(actor=user, action="user.totp_enable", obj=user)


API_TOKEN_DAYS = 30


def api_token_issue(*, user: User) -> str:
    """A bearer token for API clients; only its SHA-256 is stored."""
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        token_hash=hashlib.sha256(raw.encode()).hexdigest(),
        expires_at=timezone.now() + dt.timedelta(days=API_TOKEN_DAYS),
    )
    return raw


def api_token_user(raw: str) -> User | None:
    digest = hashlib.sha256((raw or "").encode()).hexdigest()
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=digest, expires_at__gt=timezone.now())
        .first()
    )
    return token.user if token and token.user.is_active else None
