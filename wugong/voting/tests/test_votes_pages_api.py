"""Votes through the pages (htmx) and the API: what a resident and a cadre see and do."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from wugong.voting.models import Ballot, OfflineTally, RollEntry, Vote
from wugong.voting.tests.conftest import option_ids

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_resident_sees_open_vote_and_casts_in_one_tap(cadre_a, residents_a, client_for, new_vote):
    """The list shows open votes for me; one tap on 赞成 casts; the page says it counted."""
    vote = new_vote(cadre_a)
    c = client_for(residents_a[0])
    page = c.get("/votes/").content.decode()
    assert vote.title in page and "去投票" in page
    detail = c.get(f"/votes/{vote.pk}/").content.decode()
    assert "赞成" in detail and 'name="choice"' in detail
    r = c.post(f"/votes/{vote.pk}/cast/", {"choice": option_ids(vote)["for"]}, **HTMX)
    assert r.status_code == 200 and "投票成功" in r.content.decode()
    assert "已投票" in c.get("/votes/").content.decode()


def test_secret_receipt_shown_once_then_listed_after_publishing(
    cadre_a, residents_a, client_for, new_vote
):
    """After a secret ballot the receipt is shown; once published, the receipt list holds it
    with its choice and the receipt check finds it; a second tap shows no receipt."""
    vote = new_vote(cadre_a, secret=True)
    c = client_for(residents_a[0])
    r = c.post(f"/votes/{vote.pk}/cast/", {"choice": option_ids(vote)["against"]})
    receipt = Ballot.objects.get(vote=vote).receipt
    assert receipt in r.content.decode()
    again = c.post(f"/votes/{vote.pk}/cast/", {"choice": option_ids(vote)["for"]}, **HTMX)
    assert receipt not in again.content.decode() and "不能更改" in again.content.decode()
    cadre = client_for(cadre_a)
    assert cadre.post(f"/votes/{vote.pk}/close/").status_code == 302
    assert c.get(f"/votes/{vote.pk}/receipts/").status_code == 404  # not before publishing
    assert cadre.post(f"/votes/{vote.pk}/publish/").status_code == 302
    listing = c.get(f"/votes/{vote.pk}/receipts/").content.decode()
    assert receipt in listing and "反对" in listing
    check = c.get(f"/votes/{vote.pk}/receipt/", {"code": receipt.lower()}, **HTMX)
    assert "已计入" in check.content.decode() and "反对" in check.content.decode()
    results = c.get(f"/votes/{vote.pk}/results/").content.decode()
    assert "未达到法定人数" in results  # 1 of 4 households: no quorum


def test_cadre_creates_opens_enters_offline_tally_with_photo(
    county, cadre_a, client_for, settings, tmp_path
):
    """A cadre drafts a star vote, opens it (roll frozen), enters a 正 tally with its photo
    and the people in the room, closes and publishes; the results page shows exact figures."""
    settings.MEDIA_ROOT = tmp_path
    c = client_for(cadre_a)
    assert c.get("/votes/new/").status_code == 200
    now = timezone.localtime()
    r = c.post(
        "/votes/new/",
        {
            "place": county.village_a.pk,
            "title": "明年种什么菜",
            "method": "stars",
            "unit": "household",
            "options": "白菜\n萝卜\n辣椒",
            "opens_at": (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "seats": 1,
        },
    )
    vote = Vote.objects.get(title="明年种什么菜")
    assert r.status_code == 302 and vote.status == "draft"
    c.post(f"/votes/{vote.pk}/open/")
    vote.refresh_from_db()
    assert vote.status == "open" and vote.roll_size == 4
    ids = option_ids(vote)
    entries = list(RollEntry.objects.filter(vote=vote).values_list("pk", flat=True))
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (0, 60, 0)).save(buf, "JPEG")  # the blackboard, photographed
    photo = SimpleUploadedFile("heiban.jpg", buf.getvalue(), content_type="image/jpeg")
    over = c.post(
        f"/votes/{vote.pk}/offline/",
        {"meeting": "院场会", f"count_{ids['白菜']}": "正正正", "present": entries[:2]},
    )
    assert over.status_code == 400 and "超过到场登记人数" in over.content.decode()
    ok = c.post(
        f"/votes/{vote.pk}/offline/",
        {
            "meeting": "院场会",
            f"count_{ids['白菜']}": "正止",
            f"count_{ids['萝卜']}": "3",
            "present": entries[:2],
            "photo": photo,
        },
    )
    assert ok.status_code == 302
    tally = OfflineTally.objects.get(vote=vote)
    assert tally.photo.name.endswith(".jpg") and tally.present == 2
    c.post(f"/votes/{vote.pk}/close/")
    preview = c.get(f"/votes/{vote.pk}/results/").content.decode()
    assert "预览" in preview
    c.post(f"/votes/{vote.pk}/publish/")
    page = c.get(f"/votes/{vote.pk}/results/").content.decode()
    assert "白菜" in page and "9/2" in page  # 9 stars over 2 ballots: exact average


def test_other_village_cadre_and_resident_cannot_reach_the_vote(
    county, cadre_a, cadre_b, make_user, client_for, new_vote
):
    """楼台村's cadre cannot manage (or see the draft of) 双台村's vote; a 楼台村 resident
    does not see it at all."""
    draft = new_vote(cadre_a, open=False)
    b = client_for(cadre_b)
    assert b.get(f"/votes/{draft.pk}/").status_code == 404
    assert b.post(f"/votes/{draft.pk}/open/").status_code == 404
    assert b.post(f"/api/v1/votes/{draft.pk}/open").status_code == 404
    opened = new_vote(cadre_a)
    assert b.post(f"/votes/{opened.pk}/close/").status_code == 404
    outsider = make_user("resident", county.group_b1, household=county.households_b[0])
    assert client_for(outsider).get(f"/votes/{opened.pk}/").status_code == 404
    r = b.post(
        "/api/v1/votes/",
        {
            "place_id": county.village_a.pk,
            "title": "越权",
            "method": "motion",
            "unit": "household",
            "opens_at": timezone.now().isoformat(),
            "closes_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_api_cast_is_idempotent_and_results_public_in_place(
    county, cadre_a, residents_a, make_user, client_for, new_vote
):
    """API: my votes, detail, cast twice → one ballot, refusal in Chinese when not on the roll,
    receipt check, and published results visible to a resident of the place."""
    vote = new_vote(cadre_a, method="approval", max_choices=2)
    ids = option_ids(vote)
    c = client_for(residents_a[0])
    mine = c.get("/api/v1/votes/mine").json()
    assert [v["id"] for v in mine] == [vote.pk]
    detail = c.get(f"/api/v1/votes/{vote.pk}").json()
    assert detail["on_roll"] and not detail["voted"] and len(detail["options"]) == 3
    body = {"choices": {ids["白菜"]: 1, ids["辣椒"]: 1}}
    one = c.post(f"/api/v1/votes/{vote.pk}/cast", body, content_type="application/json").json()
    two = c.post(f"/api/v1/votes/{vote.pk}/cast", body, content_type="application/json").json()
    assert one["created"] and two["already"] and one["receipt"] == two["receipt"]
    assert Ballot.objects.filter(vote=vote).count() == 1
    too_many = c.post(
        f"/api/v1/votes/{vote.pk}/cast",
        {"choices": {ids["白菜"]: 1, ids["萝卜"]: 1, ids["辣椒"]: 1}},
        content_type="application/json",
    )
    assert too_many.status_code == 400 and "最多选2项" in too_many.json()["detail"]
    late = make_user("village_cadre", county.village_a)  # not in a household: not on the roll
    refused = client_for(late).post(
        f"/api/v1/votes/{vote.pk}/cast", body, content_type="application/json"
    )
    assert refused.status_code == 403 and "名册" in refused.json()["detail"]
    check = c.get(f"/api/v1/votes/{vote.pk}/receipts/{one['receipt']}").json()
    assert check["text"] == "白菜、辣椒"
    assert c.get(f"/api/v1/votes/{vote.pk}/results").status_code == 404
    admin = client_for(cadre_a)
    assert admin.post(f"/api/v1/votes/{vote.pk}/close").json()["status"] == "closed"
    assert admin.post(f"/api/v1/votes/{vote.pk}/publish").json()["status"] == "published"
    neighbour = client_for(residents_a[3])
    result = neighbour.get(f"/api/v1/votes/{vote.pk}/results").json()
    totals = {r["option"]: r["total"] for r in result["rows"]}
    assert totals == {"白菜": 1, "萝卜": 0, "辣椒": 1} and result["ties"] == [["白菜", "辣椒"]]


def test_api_offline_and_proxy_for_cadres(county, cadre_a, residents_a, client_for, new_vote):
    """Cadres enter an offline count and a proxy ballot through the API; double counting is
    refused with a Chinese message."""
    vote = new_vote(cadre_a)
    ids = option_ids(vote)
    c = client_for(cadre_a)
    roll = c.get(f"/api/v1/votes/{vote.pk}/roll").json()["items"]
    by_name = {e["name"].split("（")[0]: e["id"] for e in roll}
    client_for(residents_a[0]).post(
        f"/api/v1/votes/{vote.pk}/cast",
        {"choices": {ids["for"]: 1}},
        content_type="application/json",
    )
    twice = c.post(
        f"/api/v1/votes/{vote.pk}/offline",
        {"meeting": "村委会", "counts": {ids["for"]: "一"}, "present": [by_name["一组1号"]]},
        content_type="application/json",
    )
    assert twice.status_code == 400 and "重复计票" in twice.json()["detail"]
    ok = c.post(
        f"/api/v1/votes/{vote.pk}/offline",
        {"meeting": "村委会", "counts": {ids["for"]: "一"}, "present": [by_name["一组2号"]]},
        content_type="application/json",
    )
    assert ok.status_code == 201
    proxy = c.post(
        f"/api/v1/votes/{vote.pk}/proxy",
        {
            "entry_id": by_name["二组1号"],
            "choices": {ids["against"]: 1},
            "holder_person_id": county.households_a[3].head_id,
        },
        content_type="application/json",
    )
    assert proxy.status_code == 200 and proxy.json()["created"]
    entry = RollEntry.objects.get(pk=by_name["二组1号"])
    assert entry.channel == "proxy" and entry.proxy_holder_id == county.households_a[3].head_id


def test_cadre_pages_render(county, cadre_a, residents_a, client_for, new_vote):
    """The cadre's detail (with roll counts), offline and proxy pages render; a proxy ballot
    entered on the page is recorded; a resident cannot open the cadre pages."""
    vote = new_vote(cadre_a, method="ranked", ranked_rule="schulze")
    c = client_for(cadre_a)
    page = c.get(f"/votes/{vote.pk}/").content.decode()
    assert "名册 4" in page and "代录/委托投票" in page
    assert c.get(f"/votes/{vote.pk}/proxy/").status_code == 200
    entry = RollEntry.objects.filter(vote=vote).first()
    ids = option_ids(vote)
    r = c.post(f"/votes/{vote.pk}/proxy/", {"entry": entry.pk, f"rank_{ids['萝卜']}": "1"})
    assert r.status_code == 302
    assert RollEntry.objects.get(pk=entry.pk).channel == "proxy"
    motion = new_vote(cadre_a)
    assert c.get(f"/votes/{motion.pk}/offline/").status_code == 200
    assert client_for(residents_a[0]).get(f"/votes/{motion.pk}/offline/").status_code == 403
    c.post(f"/votes/{vote.pk}/close/")
    assert "舒尔茨" in c.get(f"/votes/{vote.pk}/results/").content.decode()


def test_a_tally_photo_that_is_not_an_image_or_pdf_is_refused(
    county, cadre_a, new_vote, client_for
):
    """The blackboard photo is checked by its content: a renamed program is refused and the
    tally is not recorded."""
    vote = new_vote(cadre_a, method="motion")
    ids = option_ids(vote)
    entries = list(RollEntry.objects.filter(vote=vote).values_list("pk", flat=True))
    fake = SimpleUploadedFile("heiban.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    r = client_for(cadre_a).post(
        f"/votes/{vote.pk}/offline/",
        {"meeting": "院场会", f"count_{ids['for']}": "1", "present": entries[:1], "photo": fake},
    )
    assert r.status_code == 400 and "计票照片应为" in r.content.decode()
    assert not OfflineTally.objects.filter(vote=vote).exists()
