"""Validators for Chinese identity data: resident ID numbers (GB 11643) and mobile phones."""

import datetime as dt
import re

from django.utils.translation import gettext as _

from wugong.core.errors import ValidationFailed

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    """Validate an 18-character resident ID number (居民身份证号码); return it upper-cased."""
    number = (value or "").strip().upper()
    if not _ID_RE.match(number):
        raise ValidationFailed(
            _("身份证号码应为18位，前17位为数字，最后一位为数字或X。"),
            code="id_format",
            field="id_number",
        )
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationFailed(
            _("身份证号码中的出生日期无效。"), code="id_birth", field="id_number"
        ) from None
    if id_check_digit(number[:17]) != number[17]:
        raise ValidationFailed(
            _("身份证号码校验位不正确，请核对。"), code="id_checksum", field="id_number"
        )
    return number


def id_number_birth_date(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_number_sex(number: str) -> str:
    """'M' or 'F' from the 17th digit (odd: male)."""
    return "M" if int(number[16]) % 2 else "F"


def normalize_phone(value: str) -> str:
    """Validate a mainland mobile number (手机号码); strip spaces, dashes and a +86 prefix."""
    phone = re.sub(r"[\s-]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not _PHONE_RE.match(phone):
        raise ValidationFailed(
            _("手机号码格式不正确，应为11位，以1开头。"), code="phone_format", field="phone"
        )
    return phone


def mask_id_number(number: str) -> str:
    return f"{number[:3]}***********{number[-4:]}" if number else ""


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone else ""
