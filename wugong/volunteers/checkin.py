"""Check-in tokens (签到码) of a volunteer activity, shown as a QR on the organiser's phone.

A token is ``signing.dumps({"a": activity id, "k": activity.checkin_key, "e": expiry})`` with
this module's own salt, so a meeting's token is no activity's token: it cannot be forged without
SECRET_KEY, stops working at its expiry, and replacing the activity's key (换码) voids every
code shown so far. The same token serves check-in and check-out (the volunteer's phone decides
which by the state of their record).
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.errors import ValidationFailed

SALT = "wugong.volunteers.checkin"


def ttl_seconds() -> int:
    return int(getattr(settings, "VOLUNTEER_CHECKIN_TTL_SECONDS", 2 * 3600))


def checkin_token_make(activity, *, now: dt.datetime | None = None) -> str:  # type: ignore[no-untyped-def]
    issued = now or timezone.now()
    expires = int(issued.timestamp()) + ttl_seconds()
    return signing.dumps({"a": activity.pk, "k": activity.checkin_key, "e": expires}, salt=SALT)


def checkin_token_read(token: str, *, now: dt.datetime | None = None) -> tuple[int, str]:
    """(activity id, key) of a genuine, unexpired token; otherwise a clear refusal."""
    try:
        data = signing.loads(token or "", salt=SALT)
        activity_id, key, expires = int(data["a"]), str(data["k"]), int(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationFailed(
            _("签到码无效，请扫描组织人手机上的二维码。"), code="checkin_invalid", field="token"
        ) from None
    if (now or timezone.now()).timestamp() > expires:
        raise ValidationFailed(
            _("签到码已过期，请让组织人刷新二维码后再扫。"), code="checkin_expired", field="token"
        )
    return activity_id, key
