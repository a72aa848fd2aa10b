"""English is the second language: every string of the English catalog has a hand-written
translation, the compiled catalog says the same as the source catalog, and a browser or visitor
asking for English gets English pages — while everyone else still gets Chinese."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

PO = Path(settings.BASE_DIR) / "wugong" / "locale" / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%%")


def po_entries(path: Path) -> list[dict]:
    """The live entries of a .po file: flags, msgid, msgid_plural, msgstr or msgstr[n]. A tiny
    parser (no polib at test time): obsolete ``#~`` entries and comments other than flags are
    skipped; the header (empty msgid) is left out."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None

    def finish() -> None:
        nonlocal entry, key
        if "msgid" in entry and entry["msgid"] != "":
            entries.append(entry)
        entry, key = {"flags": set()}, None

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            finish()
        elif line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue  # references, translator comments, previous msgids, obsolete entries
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            if key == "msgid" and "msgid" in entry:
                finish()
                key = "msgid"
            entry[key] = ast.literal_eval(value)
    finish()
    return entries


ENTRIES = po_entries(PO)


def test_the_catalog_is_not_trivially_small():
    """The parser found the catalog's entries (a broken parser must not make the checks below
    pass by finding nothing)."""
    assert len(ENTRIES) > 1000
    assert sum("msgid_plural" in e for e in ENTRIES) >= 10


def test_every_entry_has_english_that_is_not_fuzzy():
    """Every entry of the English catalog has a non-empty English string (both plural forms for
    plural entries) and none is marked fuzzy: a fuzzy or empty entry would show Chinese on an
    English page."""
    missing = []
    for e in ENTRIES:
        forms = (
            [e.get("msgstr[0]", ""), e.get("msgstr[1]", "")]
            if "msgid_plural" in e
            else [e.get("msgstr", "")]
        )
        if "fuzzy" in e["flags"] or not all(forms):
            missing.append(e["msgid"])
    assert missing == []


def test_english_keeps_every_placeholder_and_is_english():
    """The English keeps exactly the placeholders of the Chinese (%(name)s …), so formatting never
    fails or loses a value, and contains no Chinese punctuation or untranslated Chinese except
    deliberate terms of art in parentheses or quotes."""
    wrong = []
    for e in ENTRIES:
        source = sorted(PLACEHOLDER.findall(e["msgid"]))
        forms = [e[k] for k in ("msgstr", "msgstr[0]", "msgstr[1]") if k in e]
        for form in forms:
            if "msgid_plural" in e:
                ok = set(PLACEHOLDER.findall(form)) <= set(source)  # English singular may drop n
            else:
                ok = sorted(PLACEHOLDER.findall(form)) == source
            if not ok or re.search(r"[\uff00-\uffef\u3000-\u303f]", form):
                wrong.append((e["msgid"], form))
    assert wrong == []


def test_the_compiled_catalog_matches_the_source_catalog():
    """django.mo was compiled from the committed django.po: looking up each Chinese string in
    English gives the English of the .po (a stale .mo would show Chinese or old English)."""
    stale = []
    with translation.override("en"):
        for e in ENTRIES:
            if "msgid_plural" in e:
                got = [translation.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
                want = [e["msgstr[0]"], e["msgstr[1]"]]
            else:
                got, want = [translation.gettext(e["msgid"])], [e["msgstr"]]
            if got != want:
                stale.append(e["msgid"])
    assert stale == []


def visible_text(html: str) -> str:
    """The text a reader sees: tags, scripts and styles removed, minus the language switch's
    "简体中文" which is always written in its own language."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return text.replace("简体中文", "")


def test_the_landing_page_in_english_by_accept_language(db):
    """A browser asking for English gets the landing page in English, with no Chinese left on
    it, and the way back to 简体中文."""
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert '<html lang="en"' in html
    assert "Building a better environment and a happy life together" in html
    assert "Resident sign-in (SMS code)" in html and "Cadre sign-in (password)" in html
    assert "Large text" in html and "Skip to content" in html
    assert "<title>Home · Wugong: building together</title>" in html
    assert CJK.findall(visible_text(html)) == []
    assert ">简体中文</button>" in html


def test_the_staff_sign_in_page_in_english_by_the_language_cookie(db):
    """With the language cookie set to English, the cadre sign-in page and its form labels are
    English, and a wrong password is answered in English."""
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = c.get("/sign-in/staff/").content.decode()
    assert "<h1>Cadre sign-in</h1>" in html
    for label in ("Username", "Password", "One-time code (if turned on)", ">Sign in</button>"):
        assert label in html
    assert CJK.findall(visible_text(html)) == []
    r = c.post("/sign-in/staff/", {"username": "nobody", "password": "wrong"})
    assert "Wrong username or password." in r.content.decode()


def test_the_language_switch_turns_a_cadres_home_page_english(county, make_user, client_for):
    """A signed-in village cadre who switches to English sees the home page's labels in English
    (the greeting, the role, the actions); place and household names stay as recorded."""
    c = client_for(make_user("village_cadre", county.village_a))
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = c.get("/").content.decode()
    assert '<html lang="en"' in html
    for label in ("Hello,", "Village cadre", "Household roster", "Import roster", "Sign out"):
        assert label in html
    for chinese in ("您好", "住户名册", "导入花名册", "退出登录", "村干部"):
        assert chinese not in html


@pytest.mark.parametrize("accept", [None, "zh-CN,zh;q=0.9", "fr"])
def test_pages_stay_chinese_unless_english_is_asked_for(db, accept):
    """Without a request for English (no header, Chinese, or a language we do not have), the
    landing and sign-in pages are Chinese, with no English from the catalog."""
    c = Client(HTTP_ACCEPT_LANGUAGE=accept) if accept else Client()
    landing = c.get("/").content.decode()
    staff = c.get("/sign-in/staff/").content.decode()
    assert '<html lang="zh-Hans"' in landing
    assert "美好环境与幸福生活共同缔造" in landing and "干部登录（密码）" in landing
    assert "<h1>干部登录</h1>" in staff and "用户名" in staff and ">登录</button>" in staff
    for english in ("Sign in", "Username", "Building a better environment", "Large text"):
        assert english not in landing and english not in staff
