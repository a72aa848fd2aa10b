"""Flows of issue 8 in a real browser on a phone-sized screen, each in normal and large-text
(长辈模式) mode, with axe-core finding no serious or critical violation on any page visited:

- a resident signs in with a code and votes on an open vote;
- a cadre enters a show-of-hands tally (举手表决) for a vote, closes it and publishes the result;
- a grid worker records a visit to a key household;
- a cadre at the points supermarket's counter redeems a resident's points for soap;
- a need written with the network down is kept on the phone and sent exactly once when the
  network returns; the site installs (manifest, service worker) and shows an offline page.

Test data is made through the services with ``wugong shell`` against the server's database.
"""

import json
import uuid

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_flows import _axe, _resident_sign_in

MODES = pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])


def _large_text(page, large: bool) -> None:  # type: ignore[no-untyped-def]
    """Switch the page's own text-size control before signing in (the cookie stays)."""
    if large:
        page.goto("/")
        page.click("form[action='/text-size/'] button[name=large][value='1']")
        page.wait_for_selector("html.large-text")


def _code_sign_in(page, site, phone: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/sign-in/")
    page.fill("#id_phone", phone)
    page.click("button.primary")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", site.sms_code(phone))
    page.click("button.primary")
    page.wait_for_url(f"{site.url}/")


def _staff_sign_in(page, site, role: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in with a password as the demo account of ``role`` (or that username)."""
    page.goto("/sign-in/staff/")
    username = site.staff(role) if role in site.accounts else role
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", site.password)
    page.click("button.primary")
    page.wait_for_url(f"{site.url}/")


class Axe:
    """Collects axe-core's serious and critical findings, page by page."""

    def __init__(self, page, large: bool):  # type: ignore[no-untyped-def]
        self.page, self.large, self.found = page, large, {}

    def check(self, where: str) -> None:
        assert self.page.locator("html.large-text").count() == int(self.large)
        violations = _axe(self.page)
        if violations:
            self.found[where] = [
                (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"][:3]])
                for v in violations
            ]

    def assert_clean(self) -> None:
        assert not self.found, json.dumps(self.found, ensure_ascii=False, indent=1)


def _json(site, code: str) -> dict:  # type: ignore[no-untyped-def]
    """Run setup code that ends by printing one JSON line; return it."""
    return json.loads(site.shell(code).strip().splitlines()[-1])


VOTE_SETUP = """
import datetime as dt, json
from django.utils import timezone
from wugong.people.models import Person, User
from wugong.people.rules import Assignment, Viewer, viewer_for
from wugong.places.models import Place
from wugong.voting import services
admin = Viewer(user_id=0, person_id=None, household_id=None,
               assignments=(Assignment("system_admin", 0, "/"),))
actor = User.objects.get(username="admin")
place = {place}
now = timezone.now()
vote = services.vote_create(viewer=admin, actor=actor, place=place, title={title!r},
    method="motion", unit="person", opens_at=now - dt.timedelta(minutes=1),
    closes_at=now + dt.timedelta(days=3), description="浏览器测试用的表决。")
services.vote_open(viewer=admin, actor=actor, vote=vote)
print(json.dumps({{"vote": vote.pk}}))
"""


@MODES
def test_resident_signs_in_with_a_code_and_votes(page, site, large):
    """An open vote at the resident's group: the vote page shows the big 同意/不同意 buttons;
    a tap casts the ballot (htmx) and says so."""
    title = f"是否同意硬化组里的入户路（{uuid.uuid4().hex[:6]}）"
    place = (
        "Person.objects.select_related('household__place')"
        f".get(phone={site.resident_phone!r}).household.place"
    )
    vote = _json(site, VOTE_SETUP.format(place=place, title=title))["vote"]
    axe = Axe(page, large)
    _large_text(page, large)
    _resident_sign_in(page, site)
    page.goto("/votes/")
    axe.check("votes")
    page.goto(f"/votes/{vote}/")
    assert title in page.locator("h1").inner_text()
    axe.check("vote")
    page.locator("#cast button[name=choice]").first.click()
    page.wait_for_selector("#cast [role=status]")
    assert "投票成功" in page.locator("#cast").inner_text()
    axe.check("vote-cast")
    screenshot(page, f"resident-voted-{'large' if large else 'normal'}")
    counted = site.shell(
        "from wugong.voting.models import RollEntry; "
        f"print(RollEntry.objects.filter(vote_id={vote}, voted_at__isnull=False).count())"
    )
    assert counted.strip() == "1"
    axe.assert_clean()


@MODES
def test_cadre_enters_a_show_of_hands_tally_and_publishes_the_result(page, site, large):
    """A vote of the cadre's village: the cadre enters the count from the meeting (as 正
    strokes), marks who was in the room, closes the vote and publishes the result."""
    title = f"是否同意村集体茶园对外承包（{uuid.uuid4().hex[:6]}）"
    place = (
        "Place.objects.get(pk=viewer_for("
        f"User.objects.get(username={site.cadre!r})).assignments[0].place_id)"
    )
    vote = _json(site, VOTE_SETUP.format(place=place, title=title))["vote"]
    axe = Axe(page, large)
    _large_text(page, large)
    _staff_sign_in(page, site, "village_cadre")
    page.goto(f"/votes/{vote}/")
    axe.check("vote-manage")
    page.click(f"a[href='/votes/{vote}/offline/']")
    page.wait_for_selector("input[name=meeting]")
    axe.check("offline-tally")
    page.fill("input[name=meeting]", "村委会院坝群众会")
    counts = page.locator("input[name^=count_]")
    counts.nth(0).fill("正一")  # 6 hands for
    counts.nth(1).fill("下")  # 3 against
    present = page.locator("input[name=present]")
    assert present.count() >= 10
    for i in range(10):
        present.nth(i).check()
    page.click("form.stack button.primary")
    page.wait_for_url(f"{site.url}/votes/{vote}/")
    assert "线下计票已录入" in page.locator(".messages").inner_text()
    page.click(f"form[action='/votes/{vote}/close/'] button")
    page.wait_for_selector(f"form[action='/votes/{vote}/publish/'] button")
    page.click(f"form[action='/votes/{vote}/publish/'] button")
    page.wait_for_selector("text=结果已公布")
    page.goto(f"/votes/{vote}/results/")
    axe.check("results")
    screenshot(page, f"cadre-tally-published-{'large' if large else 'normal'}")
    status = site.shell(
        "from wugong.voting.models import Vote; "
        f"v = Vote.objects.get(pk={vote}); print(v.status, v.result['participants'])"
    )
    assert status.split()[0] == "published" and int(status.split()[1]) >= 9
    axe.assert_clean()


@MODES
def test_grid_worker_records_a_visit(page, site, large):
    """The grid worker's list of key households due a visit → the first → what was found →
    saved; the list says so and the visit is in the database once."""
    found = f"老人身体尚可，屋顶有漏雨（{uuid.uuid4().hex[:6]}）"
    axe = Axe(page, large)
    _large_text(page, large)
    _code_sign_in(page, site, site.phone("网格员"))
    page.goto("/upkeep/visits/")
    axe.check("visit-todo")
    page.locator("main ul.list a[href^='/upkeep/visits/household/']").first.click()
    page.wait_for_selector("form[data-offline-draft=visit]")
    axe.check("visit-form")
    page.fill("textarea[name=found]", found)
    page.fill("textarea[name=help_given]", "帮忙联系村里修屋顶")
    page.click("form[data-offline-draft=visit] button.primary")
    page.wait_for_url(f"{site.url}/upkeep/visits/")
    assert "走访已记录" in page.locator(".messages").inner_text()
    axe.check("visit-saved")
    screenshot(page, f"grid-worker-visit-{'large' if large else 'normal'}")
    n = site.shell(
        "from wugong.upkeep.models import Visit; "
        f"print(Visit.objects.filter(found={found!r}).count())"
    )
    assert n.strip() == "1"
    axe.assert_clean()


def _needs_with(site, text: str) -> int:  # type: ignore[no-untyped-def]
    out = site.shell(
        f"from wugong.needs.models import Need; print(Need.objects.filter(text={text!r}).count())"
    )
    return int(out.strip())


def test_a_need_written_offline_is_kept_on_the_phone_and_sent_once_online(page, site):
    """Offline: submitting the need form keeps it on the phone (IndexedDB) and says so, with
    the list of pending drafts; nothing reaches the server. Online again: the draft is sent
    once with its idempotency key and leaves the list; a reload sends nothing more."""
    context = page.context
    _resident_sign_in(page, site)
    page.goto("/needs/new/")
    text = f"桥头护栏松动了，小孩上学路过很危险（离线草稿 {uuid.uuid4().hex[:6]}）"
    page.fill("#text", text)
    context.set_offline(True)
    page.click("form[data-offline-draft=need] button.primary")
    page.wait_for_selector("#offline-drafts .offline-draft")
    panel = page.locator("#offline-drafts").inner_text()
    assert "已保存在手机上，联网后自动提交" in panel and "桥头护栏松动了" in panel
    assert page.input_value("#text") == ""  # the form is free for the next one
    screenshot(page, "offline-need-draft-saved")
    assert _needs_with(site, text) == 0
    context.set_offline(False)
    page.wait_for_selector("#offline-drafts .offline-draft", state="detached")
    assert "已提交" in page.locator("#offline-drafts").inner_text()
    assert _needs_with(site, text) == 1
    page.reload()
    page.goto("/needs/")
    assert page.locator("#offline-drafts .offline-draft").count() == 0
    assert _needs_with(site, text) == 1
    screenshot(page, "offline-need-draft-sent")


def test_the_site_installs_and_shows_an_offline_page(page, site):
    """The manifest is linked and parsed, the service worker takes control of the site, and
    with the network down a page not kept on the phone shows the offline page."""
    _resident_sign_in(page, site)
    manifest = page.evaluate(
        "async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json()"
    )
    assert manifest["short_name"] == "五共" and manifest["display"] == "standalone"
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == f"{site.url}/"
    page.reload()  # now controlled by the worker
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    try:
        page.goto("/places/")
        assert "网络不通" in page.locator("h1").inner_text()
        screenshot(page, "offline-page")
    finally:
        page.context.set_offline(False)


def test_a_report_whose_sending_fails_online_is_kept_by_the_service_worker(page, site):
    """The phone believes it is online but the network is dead (navigator.onLine stays true):
    the form is sent as usual, the service worker's fetch fails, and the worker keeps the
    problem report as a draft and shows the offline page saying so. With the network back the
    draft is sent once."""
    context = page.context
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'onLine', {get: () => true})"
    )
    _resident_sign_in(page, site)
    page.evaluate("async () => await navigator.serviceWorker.ready")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.goto("/upkeep/reports/new/")
    text = f"水库边的护栏断了一截（{uuid.uuid4().hex[:6]}）"
    page.fill("textarea[name=text]", text)
    count = (
        "from wugong.upkeep.models import Report; "
        f"print(Report.objects.filter(text={text!r}).count())"
    )
    context.set_offline(True)
    try:
        page.click("form[data-offline-draft=report] button.primary")
        page.wait_for_selector("#offline-drafts .offline-draft")
        assert "/offline/" in page.url and "网络不通" in page.locator("h1").inner_text()
        panel = page.locator("#offline-drafts").inner_text()
        assert "已保存在手机上" in panel and "水库边的护栏断了一截" in panel
        screenshot(page, "offline-report-kept-by-worker")
        assert site.shell(count).strip() == "0"
    finally:
        context.set_offline(False)
    # The offline page notices the site answers again and opens the home page, which sends.
    page.wait_for_url(f"{site.url}/", timeout=30_000)
    page.wait_for_selector("#offline-drafts .offline-drafts-message")
    assert page.locator("#offline-drafts .offline-draft").count() == 0
    assert site.shell(count).strip() == "1"
    page.reload()
    assert page.locator("#offline-drafts .offline-draft").count() == 0
    assert site.shell(count).strip() == "1"


POINTS_SETUP = """
import datetime as dt, json
from django.utils import timezone
from wugong.people.models import Person, RoleAssignment, User
from wugong.people.rules import Assignment, Viewer
from wugong.points import services
admin = Viewer(user_id=0, person_id=None, household_id=None,
               assignments=(Assignment("system_admin", 0, "/"),))
actor = User.objects.get(username="admin")
person = Person.objects.select_related("household__place").get(phone={phone!r})
village = services.village_of(person.household.place)
cadres = RoleAssignment.objects.filter(place=village, role="village_cadre", active=True)
counter = User.objects.filter(person_id__in=cadres.values("person_id"), password__gt="")
counter = counter.exclude(username__startswith="1").order_by("id").first()
services.rule_save(viewer=admin, actor=actor, village=village, action="e2e-{tag}",
                   title="清扫门前（测试）", points_per_unit=50, confirm_by="auto")
services.deed_award(action="e2e-{tag}", place=person.household.place, quantity=1,
                    source="e2e-{tag}", occurred_on=timezone.localdate(),
                    person_id=person.pk, household_id=person.household_id, actor=actor)
goods = services.goods_save(viewer=admin, actor=actor, village=village,
                            name="肥皂（{tag}）", points_price=10, unit="块")
services.stock_move(viewer=admin, actor=actor, goods=goods, kind="in", quantity=20)
account = services.member_account(village, household=person.household, person=person)
print(json.dumps({{"village": village.pk, "goods": goods.pk, "counter": counter.username,
                  "code": services.code_make(person.pk), "account": account.pk,
                  "balance": services.account_balance(account.pk)}}))
"""


@MODES
def test_counter_redeems_points_for_soap(page, site, large):
    """积分超市: the resident has earned points for a good deed; at the counter the cadre
    enters the resident's points code, sees the name and balance, picks soap ×2 and confirms;
    the points and the stock go down by exactly that."""
    tag = uuid.uuid4().hex[:6]
    setup = _json(site, POINTS_SETUP.format(phone=site.resident_phone, tag=tag))
    assert setup["balance"] >= 50 and setup["counter"], setup
    axe = Axe(page, large)
    _large_text(page, large)
    _staff_sign_in(page, site, setup["counter"])
    page.goto(f"/points/counter/?village={setup['village']}&code={setup['code']}")
    assert str(setup["balance"]) in page.locator(".pt-who").inner_text()
    axe.check("counter")
    page.check(f"input[name=goods][value='{setup['goods']}']")
    page.fill("input[name=quantity]", "2")
    page.click("form.pt-counter button.primary")
    page.wait_for_selector(".messages")
    assert "兑换成功" in page.locator(".messages").inner_text()
    axe.check("counter-done")
    screenshot(page, f"counter-redeemed-soap-{'large' if large else 'normal'}")
    after = _json(
        site,
        "import json; from wugong.points import services; "
        f"print(json.dumps({{'balance': services.account_balance({setup['account']}), "
        f"'stock': services.goods_stock({setup['goods']})}}))",
    )
    assert after == {"balance": setup["balance"] - 20, "stock": 18}
    axe.assert_clean()
