"""The Content-Security-Policy allows scripts from /static/ only: an inline event handler
(onchange="…") or an inline <script> in a template would silently do nothing in the browser.
Every template is read and checked."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = sorted(Path(settings.BASE_DIR, "wugong").rglob("templates/**/*.html"))
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")


def test_templates_were_found():
    assert len(TEMPLATES) > 100


def test_no_template_has_an_inline_event_handler_or_script():
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in TEMPLATES
        if HANDLER.search(path.read_text(encoding="utf-8"))
        or INLINE_SCRIPT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
