"""Pages every user meets: a home page for each role in Chinese first, English second, large-text
mode, health probes, the OpenAPI document, and the audit trail scoped to the viewer."""

import datetime as dt
import re

import pytest
from django.test import Client

from wugong.people.roles import Role
from wugong.people.tests.factories import other_county_build, user_for_role

# What each role's home page offers beyond the household roster and the places.
IMPORT_ROLES = {"village_cadre", "community_cadre", "work_team", "system_admin"}
EXPORT_ROLES = IMPORT_ROLES | {"town_supervisor", "county_supervisor", "city_supervisor"}
AUDIT_ROLES = EXPORT_ROLES


@pytest.mark.parametrize("role", Role.values)
def test_each_role_has_a_home_page_in_chinese(role, county, make_user, client_for):
    """Signed in, every role gets its home page in Simplified Chinese (lang="zh-Hans"): a
    greeting, a card naming the role and its place (or the resident's own household), and the
    actions that role may take — and no others."""
    p = user_for_role(role, county, make_user, other_county_build())
    r = client_for(p.user).get("/")
    assert r.status_code == 200
    text = r.content.decode()
    assert '<html lang="zh-Hans"' in text
    assert "您好" in text and "住户名册" in text
    if role == "resident":
        assert "我家" in text and p.visible[0].address in text
    else:
        assert str(Role(role).label) in text and p.place.name in text
    assert ("导入花名册" in text) == (role in IMPORT_ROLES)
    assert ("导出住户" in text) == (role in EXPORT_ROLES)
    assert ("操作记录" in text) == (role in AUDIT_ROLES)


def test_a_cadres_home_page_counts_key_households(county, make_user, client_for):
    """A village cadre's card counts the key households of the village by kind."""
    text = client_for(make_user("village_cadre", county.village_a)).get("/").content.decode()
    assert re.search(r"低保户 <b>1</b>", text)
    assert re.search(r"独居户 <b>1</b>", text)
    assert "大病户" not in text  # 楼台村's, not theirs


def test_visitors_get_the_chinese_landing_page_and_must_sign_in(db):
    """A visitor sees the landing page in Chinese with the two ways to sign in; the household
    pages send them to sign in."""
    c = Client()
    text = c.get("/").content.decode()
    assert '<html lang="zh-Hans"' in text
    assert "美好环境与幸福生活共同缔造" in text
    assert "居民登录" in text and "干部登录" in text
    r = c.get("/households/")
    assert r.status_code == 302 and r["Location"].startswith("/sign-in/")


def test_english_by_the_language_switch(db):
    """The language switch (set_language) turns pages to English (lang="en") and offers the
    way back to 简体中文."""
    c = Client()
    r = c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    text = c.get("/").content.decode()
    assert '<html lang="en"' in text
    assert 'value="zh-hans">简体中文</button>' in text
    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-Hans"' in c.get("/").content.decode()


def test_english_by_accept_language(db):
    """A browser asking for English gets lang="en"; one asking for Chinese or nothing gets
    zh-Hans."""
    assert '<html lang="en"' in Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").get("/").content.decode()
    assert '<html lang="zh-Hans"' in zh
    assert '<html lang="zh-Hans"' in Client().get("/").content.decode()


def test_large_text_mode_is_a_cookie_and_a_class(county, make_user, client_for):
    """The large-text switch (长辈模式) sets a cookie, returns to the page, and every page then
    carries class large-text and offers the way back; switching off removes the class."""
    c = client_for(make_user("resident", county.group_a2, household=county.households_a[2]))
    assert 'class=""' in c.get("/households/").content.decode()
    r = c.post("/text-size/", {"large": "1", "next": "/households/"})
    assert r.status_code == 302 and r["Location"] == "/households/"
    assert r.cookies["wg_large_text"].value == "1"
    text = c.get("/households/").content.decode()
    assert 'class="large-text"' in text and "标准字号" in text
    c.post("/text-size/", {"large": "0", "next": "/"})
    text = c.get("/").content.decode()
    assert 'class="large-text"' not in text and "大字模式" in text


def test_large_text_switch_does_not_redirect_off_site(db):
    """The switch's "next" cannot send people to another site."""
    r = Client().post("/text-size/", {"large": "1", "next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_health_probes(db):
    """/healthz answers while the process lives; /readyz once the database answers."""
    for url in ("/healthz", "/readyz"):
        r = Client().get(url)
        assert r.status_code == 200
        assert r.json() == {"status": "ok"}


def test_openapi_lists_the_foundation_endpoints(db):
    """/api/v1/openapi.json is served and lists places, households, people and sign-in."""
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/api/v1/auth/code",
        "/api/v1/auth/verify",
        "/api/v1/me",
        "/api/v1/households",
        "/api/v1/households/{pk}",
        "/api/v1/people/{pk}",
        "/api/v1/people/{pk}/reveal",
        "/api/v1/places",
        "/api/v1/places/{pk}",
        "/api/v1/places/{pk}/key-household-counts",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/auth/code"] and "get" in paths["/api/v1/households"]


def test_the_audit_page_is_scoped_to_the_viewers_places(county, make_user, client_for):
    """A village cadre's audit trail holds the events of their village, not 楼台村's; a
    resident may not open it."""
    from wugong.people import services as ps

    cadre = make_user("village_cadre", county.village_a)
    ps.key_tag_set(
        household=county.households_a[3], tag="alone", reason="", since=dt.date(2022, 1, 1)
    )
    ps.key_tag_set(
        household=county.households_b[1], tag="alone", reason="", since=dt.date(2022, 1, 1)
    )
    text = client_for(cadre).get("/audit/").content.decode()
    assert f"people.household #{county.households_a[3].pk}</td>" in text
    for h in county.households_b:
        assert f"people.household #{h.pk}</td>" not in text
    resident = make_user("resident", county.group_a2, household=county.households_a[2])
    assert client_for(resident).get("/audit/").status_code == 403
    assert Client().get("/audit/").status_code == 302
