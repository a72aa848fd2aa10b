"""Merging duplicates (合并同类问题) into a survivor."""

import pytest

from wugong.needs.models import EventKind, Need, NeedEvent, NeedFollower, NeedSupport, Status

pytestmark = pytest.mark.django_db


def _support(client, need):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/needs/{need.pk}/support")


def test_merge_carries_supporters_once_keeps_history_and_redirects(
    cast, client_for, raise_need, django_capture_on_commit_callbacks
):
    """Merging a duplicate into a survivor: everyone who raised or supported either counts once
    on the survivor; the duplicate keeps its history, points at the survivor, and its page
    leads there."""
    survivor = raise_need(cast.resident_a, "村口路灯坏了三个月")
    dup = raise_need(cast.resident_a2, "路灯坏了，晚上回家摸黑")
    _support(client_for(cast.resident_a3), survivor)
    _support(client_for(cast.resident_a3), dup)  # supports both: must count once
    _support(client_for(cast.resident_a), dup)  # the survivor's reporter: not a "me too"
    client_for(cast.grid_a).post(f"/api/v1/needs/{dup.pk}/follow", {}, "application/json")

    cadre = client_for(cast.cadre_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = cadre.post(f"/needs/{dup.pk}/merge/", {"survivor": survivor.pk})
    assert response["Location"] == f"/needs/{survivor.pk}/"

    dup.refresh_from_db()
    assert dup.status == Status.MERGED and dup.merged_into_id == survivor.pk
    supporters = set(NeedSupport.objects.filter(need=survivor).values_list("person_id", flat=True))
    assert supporters == {cast.resident_a3.person_id, cast.resident_a2.person_id}
    assert NeedSupport.objects.filter(need=dup).count() == 2  # the duplicate's own rows stay
    followers = set(NeedFollower.objects.filter(need=survivor).values_list("person_id", flat=True))
    assert {cast.grid_a.person_id, cast.resident_a2.person_id} <= followers
    assert NeedEvent.objects.filter(need=dup, kind=EventKind.MERGED_INTO, other=survivor).exists()
    assert NeedEvent.objects.filter(need=survivor, kind=EventKind.MERGED_FROM, other=dup).exists()

    body = cadre.get(f"/api/v1/needs/{survivor.pk}").json()
    assert body["support_count"] == 2 and body["merged_needs"] == [dup.pk]
    old = cadre.get(f"/needs/{dup.pk}/")
    assert old.status_code == 302 and old["Location"] == f"/needs/{survivor.pk}/"
    page = cadre.get(old["Location"]).content.decode()
    assert "路灯坏了，晚上回家摸黑" in page and "合并了相同问题" in page
    # Merged needs leave the list; "me too" on a merged need goes to the survivor.
    listed = [n["id"] for n in cadre.get("/api/v1/needs/").json()["items"]]
    assert listed == [survivor.pk]
    again = _support(client_for(cast.resident_a2), dup).json()
    assert again == {"need_id": survivor.pk, "support_count": 2, "created": False}


def test_merging_again_repoints_earlier_merges(cast, client_for, raise_need):
    """A need merged into a duplicate follows it to the new survivor: one hop, never a chain."""
    a = raise_need(cast.resident_a, "修路")
    b = raise_need(cast.resident_a2, "修一修路")
    c = raise_need(cast.resident_a3, "路该修了")
    cadre = client_for(cast.cadre_a)
    cadre.post(f"/api/v1/needs/{a.pk}/merge", {"survivor": b.pk}, "application/json")
    response = cadre.post(f"/api/v1/needs/{b.pk}/merge", {"survivor": c.pk}, "application/json")
    assert response.status_code == 200
    assert set(Need.objects.filter(merged_into=c).values_list("pk", flat=True)) == {a.pk, b.pk}
    assert response.json()["support_count"] == 2  # the reporters of a and b


@pytest.mark.parametrize("case", ["self", "into-merged", "already-merged"])
def test_bad_merges_are_refused(cast, client_for, raise_need, case):
    """Merging into itself, into a merged need or merging a merged need is refused."""
    a = raise_need(cast.resident_a, "修路")
    b = raise_need(cast.resident_a2, "修路啊")
    c = raise_need(cast.resident_a3, "路坏了")
    cadre = client_for(cast.cadre_a)
    cadre.post(f"/api/v1/needs/{b.pk}/merge", {"survivor": c.pk}, "application/json")
    source, target, code = {
        "self": (a, a, "merge_self"),
        "into-merged": (a, b, "survivor_merged"),
        "already-merged": (b, a, "already_merged"),
    }[case]
    response = cadre.post(
        f"/api/v1/needs/{source.pk}/merge", {"survivor": target.pk}, "application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == code
    a.refresh_from_db()
    assert a.status == Status.NEW


def test_residents_cannot_merge(cast, client_for, raise_need):
    """Merging is for cadres (need.manage)."""
    a = raise_need(cast.resident_a, "修路")
    b = raise_need(cast.resident_a2, "修路啊")
    response = client_for(cast.resident_a3).post(
        f"/api/v1/needs/{a.pk}/merge", {"survivor": b.pk}, "application/json"
    )
    assert response.status_code == 403
    assert not Need.objects.filter(status=Status.MERGED).exists()


def test_the_survivor_is_found_by_search_or_number_on_the_page(cast, client_for, raise_need):
    """On a need's page a cadre finds the survivor by words or by its number (htmx swaps the
    candidates in); needs of other villages are never offered."""
    dup = raise_need(cast.resident_a, "路灯坏了")
    survivor = raise_need(cast.resident_a2, "村口路灯坏了三个月")
    raise_need(cast.resident_b, "楼台村路灯坏了")
    cadre = client_for(cast.cadre_a)
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "merge-candidates"}
    found = cadre.get(f"/needs/{dup.pk}/", {"merge_q": "路灯"}, **headers).content.decode()
    assert f'value="{survivor.pk}"' in found and "楼台村" not in found and "<html" not in found
    by_number = cadre.get(f"/needs/{dup.pk}/", {"merge_q": f"#{survivor.pk}"}, **headers)
    assert f'value="{survivor.pk}"' in by_number.content.decode()
