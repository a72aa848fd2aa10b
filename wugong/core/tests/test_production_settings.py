"""Production-safe defaults: headers, structured logs, the serve command's arguments."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wugong.core.logs import JsonFormatter


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy(client):
    """No script from anywhere but the site itself: the CSP names only 'self'."""
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"


def test_json_log_lines_are_json_with_chinese_kept():
    """Each log record is one JSON object; Chinese is written as is, not escaped."""
    record = logging.LogRecord(
        "wugong", logging.WARNING, __file__, 1, "发送验证码 %s", ("138",), None
    )
    line = JsonFormatter().format(record)
    assert json.loads(line)["message"] == "发送验证码 138"
    assert "发送验证码" in line


def test_settings_without_environment_are_production_safe(tmp_path):
    """With no DEBUG in the environment, DEBUG is off and cookies are secure."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_COOKIES"}}
    env.update(WUGONG_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["False", "True", "True", "31536000"]


def test_serve_refuses_a_malformed_bind():
    """`wugong serve --bind` must be HOST:PORT."""
    with pytest.raises(CommandError, match="HOST:PORT"):
        call_command("serve", bind="nonsense", no_collectstatic=True)
