"""Chinese search by character bigrams: the same results on SQLite and PostgreSQL."""

import pytest

from wugong.needs.search import bigrams, query_terms

pytestmark = pytest.mark.django_db


def test_bigrams_stay_inside_runs_of_text():
    """Punctuation and spaces break runs; full-width letters match half-width ones."""
    assert bigrams("村口路灯，坏了") == {"村口", "口路", "路灯", "坏了"}
    assert bigrams("ＬＥＤ屏") == {"le", "ed", "d屏"}
    assert query_terms(" 路灯  村口 ") == ["路灯", "村口"]


def _ids(client, q):  # type: ignore[no-untyped-def]
    return {n["id"] for n in client.get("/api/v1/needs/", {"q": q}).json()["items"]}


def test_search_finds_chinese_words_without_spaces(cast, client_for, raise_need):
    """ "路灯" is found inside "村口路灯坏了三个月" and not in unrelated text, nor where its two
    characters only appear apart; several terms must all match."""
    lamp = raise_need(cast.resident_a, "村口路灯坏了三个月")
    road = raise_need(cast.resident_a2, "茶园路太窄，灯也没有")  # 路 and 灯, never 路灯
    raise_need(cast.resident_a3, "想在村里种辣椒")
    client = client_for(cast.resident_a)
    assert _ids(client, "路灯") == {lamp.pk}
    assert _ids(client, "路灯 三个月") == {lamp.pk}
    assert _ids(client, "路灯 茶园") == set()
    assert _ids(client, "茶园路") == {road.pk}
    assert _ids(client, "路") == {lamp.pk, road.pk}  # one character: phrase check only
    assert _ids(client, "电梯") == set()
    page = client.get("/needs/", {"q": "路灯"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = page.content.decode()
    assert "村口路灯坏了三个月" in html and "茶园路" not in html and "<html" not in html


def test_search_respects_scope(cast, client_for, raise_need):
    """Search never reaches another village's needs."""
    raise_need(cast.resident_b, "楼台村的路灯坏了")
    assert _ids(client_for(cast.resident_a), "路灯") == set()
