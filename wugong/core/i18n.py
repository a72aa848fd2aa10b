"""Texts that leave the request — SMS, published notices, stored notifications — are written in
the site's first language (zh-Hans), whatever language the cadre who clicked is browsing in."""

from contextlib import AbstractContextManager

from django.conf import settings
from django.utils import translation


def public_language() -> AbstractContextManager[None]:
    """``with public_language(): text = _("…")`` formats in Chinese."""
    return translation.override(settings.LANGUAGE_CODE)
