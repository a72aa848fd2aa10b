"""Flows in a real browser on a phone-sized screen: a resident signs in with a code and raises a
need; a cadre signs in with a password and opens the households list; the home and needs pages
have no serious or critical accessibility violations (axe-core), in normal and large-text mode."""

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import screenshot

AXE = Path(__file__).with_name("vendor") / "axe.min.js"


def _resident_sign_in(page, site) -> None:  # type: ignore[no-untyped-def]
    page.goto("/sign-in/")
    page.fill("#id_phone", site.resident_phone)
    page.click("button.primary")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", site.sms_code(site.resident_phone))
    page.click("button.primary")
    page.wait_for_url(f"{site.url}/")


def test_resident_signs_in_with_a_code_and_raises_a_need(page, site):
    """Phone → code from the SMS (the log) → home; /needs/new/ → text → submit → the need's
    page shows the text."""
    _resident_sign_in(page, site)
    page.goto("/needs/new/")
    text = "村口的路灯坏了一个月，晚上看不清路，请尽快修理。"
    page.fill("#text", text)
    page.click("form.stack button.primary")
    page.wait_for_load_state("load")
    assert "/needs/" in page.url and page.url.rstrip("/") != f"{site.url}/needs/new"
    assert "路灯坏了" in page.content()
    screenshot(page, "resident-need-raised")


def test_cadre_signs_in_with_password_and_opens_households(page, site):
    """Username and password → home; the households list shows households, masked."""
    page.goto("/sign-in/staff/")
    page.fill("input[name=username]", site.cadre)
    page.fill("input[name=password]", site.password)
    page.click("button.primary")
    page.wait_for_url(f"{site.url}/")
    page.goto("/households/")
    assert page.locator("main").inner_text().count("号") > 3  # addresses listed
    screenshot(page, "cadre-households")


def _axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_home_and_needs_pages_have_no_serious_accessibility_violations(page, site, large):
    """axe-core finds nothing serious or critical on the landing page, a resident's home and
    the needs pages, in normal and in large-text (长辈模式) mode."""
    if large:  # the page's own switch: a POST to /text-size/ with large=1
        page.goto("/")
        page.click("form[action='/text-size/'] button[name=large][value='1']")
        page.wait_for_selector("html.large-text")
    found = {}
    page.goto("/")
    found["landing"] = _axe(page)
    _resident_sign_in(page, site)
    for path in ("/", "/needs/", "/needs/new/"):
        page.goto(path)
        assert page.locator("html.large-text").count() == int(large)
        found[path] = _axe(page)
    screenshot(page, f"needs-new-{'large' if large else 'normal'}")
    problems = {
        where: [(v["id"], v["impact"], v["help"], len(v["nodes"])) for v in violations]
        for where, violations in found.items()
        if violations
    }
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
