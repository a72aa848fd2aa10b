"""Check-in tokens (签到码): signed, expiring, per meeting, shown on the meeting page as a QR.

A token is ``signing.dumps({"m": meeting id, "k": meeting.checkin_key, "e": expiry})`` with
its own salt: it cannot be forged without SECRET_KEY, it stops working at its expiry, and a
cadre who replaces the meeting's key (换码) voids every token shown so far.
"""

import datetime as dt
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from wugong.core.errors import ValidationFailed

SALT = "wugong.meetings.checkin"


def ttl_seconds() -> int:
    return int(getattr(settings, "MEETING_CHECKIN_TTL_SECONDS", 2 * 3600))


def checkin_token_make(meeting, *, now: dt.datetime | None = None) -> str:  # type: ignore[no-untyped-def]
    issued = now or timezone.now()
    expires = int(issued.timestamp()) + ttl_seconds()
    return signing.dumps({"m": meeting.pk, "k": meeting.checkin_key, "e": expires}, salt=SALT)


def checkin_token_read(token: str, *, now: dt.datetime | None = None) -> tuple[int, str]:
    """(meeting id, key) of a genuine, unexpired token; otherwise a clear refusal."""
    try:
        data = signing.loads(token or "", salt=SALT)
        meeting_id, key, expires = int(data["m"]), str(data["k"]), int(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationFailed(
            _("签到码无效，请扫描会场上的二维码。"), code="checkin_invalid", field="token"
        ) from None
    if (now or timezone.now()).timestamp() > expires:
        raise ValidationFailed(
            _("签到码已过期，请扫描会场上最新的二维码。"), code="checkin_expired", field="token"
        )
    return meeting_id, key


def qr_svg(text: str) -> str:
    """An SVG QR code of ``text`` (no raster library needed)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1]
    return svg.strip()
