"""Browser tests: `wugong serve` on a fresh SQLite database holding a small demo county, driven
by Playwright through Debian's Chromium (/usr/bin/chromium; never a downloaded browser) at a
phone's size, in Chinese.

Skipped, with the reason, when Playwright or Chromium is missing, and on the PostgreSQL pass of
CI (the browser sees the same pages whatever the database; once is enough).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WUGONG = str(Path(sys.executable).with_name("wugong"))
SCREENSHOTS = Path(__file__).with_name("screenshots")
PHONE = {"width": 390, "height": 844}
DEMO_HOUSEHOLDS = 300


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: browser tests (Playwright + Chromium)")


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install playwright)"
    if reason is None and _chromium() is None:
        reason = "chromium is not installed (apt-get install -y chromium)"
    if reason is None and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        reason = "browser tests run once, on the SQLite pass"
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    url: str
    log: Path
    resident_phone: str
    cadre: str
    password: str
    env: dict[str, str]
    accounts: str

    def staff(self, role: str) -> str:
        """The demo username of a staff role (all share ``password``)."""
        found = re.search(rf"\b({re.escape(role)}) / \S+", self.accounts)
        assert found, f"no demo account for {role}:\n{self.accounts}"
        return found.group(1)

    def phone(self, label: str) -> str:
        """The demo phone number of a role that signs in with a code, by its Chinese label."""
        found = re.search(rf"^\s*{re.escape(label)}[\s\u3000]+(1\d{{10}})\b", self.accounts, re.M)
        assert found, f"no demo account for {label}:\n{self.accounts}"
        return found.group(1)

    def shell(self, code: str) -> str:
        """Run Python in ``wugong shell`` against the site's database (test setup through the
        services, and checks of what the browser did); returns what it printed."""
        return _run(["shell", "-v", "0", "-c", code], self.env)

    def sms_code(self, phone: str, timeout: float = 10) -> str:
        """The sign-in code the development SMS sender wrote to the server's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            codes = [
                m.group(1)
                for line in text.splitlines()
                if phone in line
                for m in [re.search(r"验证码是(\d{6})", line)]
                if m
            ]
            if codes:
                return codes[-1]
            time.sleep(0.2)
        raise AssertionError(f"no sign-in code for {phone} in {self.log}")


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [WUGONG, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    """The production server on a fresh SQLite file with `wugong demo --households 300`."""
    # WUGONG_E2E_DATA=<dir> keeps the demo database between runs (quicker when writing tests):
    # prepared on the first run, reused while its accounts.txt is there.
    reuse = os.environ.get("WUGONG_E2E_DATA")
    data = Path(reuse) if reuse else tmp_path_factory.mktemp("e2e")
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}}
    env.update(
        WUGONG_DATA_DIR=str(data),
        SECRET_KEY="e2e-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz0123",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        SMS_SENDER="wugong.people.sms.LogSender",
        # Every flow signs in afresh, several as the same demo resident.
        SIGN_IN_CODES_PER_PHONE_PER_HOUR="1000",
        SIGN_IN_CODES_PER_ADDRESS_PER_HOUR="1000",
    )
    if reuse and (data / "accounts.txt").exists():
        accounts = (data / "accounts.txt").read_text(encoding="utf-8")
    else:
        data.mkdir(parents=True, exist_ok=True)
        _run(["migrate", "--noinput", "-v0"], env)
        _run(["createcachetable"], env)
        accounts = _run(["demo", "--households", str(DEMO_HOUSEHOLDS)], env)
        (data / "accounts.txt").write_text(accounts, encoding="utf-8")
    resident = re.search(r"居民\s+(1\d{10})", accounts)
    cadre = re.search(r"(village_cadre) / (\S+)", accounts)
    assert resident and cadre, accounts
    port = _free_port()
    log = data / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [WUGONG, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                urllib.request.urlopen(f"{url}/readyz", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        yield Site(url, log, resident.group(1), cadre.group(1), cadre.group(2), env, accounts)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One browser per test file: Playwright's sync API runs an event loop in this thread
    while it is open, and the Django tests that the same xdist worker runs next refuse to
    touch the database from inside one (SynchronousOnlyOperation). Closing it at the end of
    the file ends the loop."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--lang=zh-CN"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, site):  # type: ignore[no-untyped-def]
    """A new phone-sized page in Chinese (no cookies shared with other tests). CSP is bypassed
    only so that the test can inject axe-core; the site's own scripts are unaffected."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        base_url=site.url,
        bypass_csp=True,
    )
    context.set_default_timeout(15_000)
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
