"""Tamper evidence (存证链): every published record (a vote's result, a money ledger entry, a
notice) is chained by hash on its village's chain; `wugong verify` recomputes the chain from
the live rows and names the first altered record; the verify page checks a printed hash."""

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from wugong.people.rules import viewer_for
from wugong.transparency.chain import canonical_json, link_hash
from wugong.transparency.models import Chain, ChainLink, Notice

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cadre_a(county, make_user):  # type: ignore[no-untyped-def]
    return make_user("village_cadre", county.village_a)


@pytest.fixture
def cadre_b(county, make_user):  # type: ignore[no-untyped-def]
    return make_user("village_cadre", county.village_b)


def notice_publish(client, place, title="关于修建茶园路的决议"):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/notices",
        {
            "place_id": place.pk,
            "title": title,
            "body": "同意将20万元用于修建茶园路。",
            "kind": "decision",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = client.post(f"/api/v1/notices/{pk}/publish", {}, content_type="application/json")
    assert r.status_code == 200, r.content
    return Notice.objects.get(pk=pk)


def money_post(cadre, place, amount_fen=50_000):  # type: ignore[no-untyped-def]
    from wugong.projects import services as ps

    me = {"viewer": viewer_for(cadre), "actor": cadre}
    d0 = dt.date(2025, 4, 1)
    p = ps.project_propose(**me, place=place, title="村口小广场", motion="村民代表会议决议", on=d0)
    p = ps.project_plan(
        **me,
        project=p,
        scope="平整场地",
        plan="群众投工投劳",
        budget_fen=1_000_000,
        tender_estimate_fen=3_000_000,
        responsible="村主任",
        on=d0,
    )
    p = ps.project_stage_change(**me, project=p, stage="fundraising", on=d0)
    return ps.receipt_post(
        **me,
        project=p,
        amount_fen=amount_fen,
        giver=ps.Giver(kind="person", name="王秀英"),
        occurred_on=d0,
    )


def vote_publish(cadre, place):  # type: ignore[no-untyped-def]
    from wugong.voting import services as vs

    v = viewer_for(cadre)
    now = timezone.now()
    vote = vs.vote_create(
        viewer=v,
        actor=cadre,
        place=place,
        method="motion",
        unit="household",
        title="修建村口小广场",
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(days=1),
    )
    vote = vs.vote_open(viewer=v, actor=cadre, vote=vote)
    vote = vs.vote_close(viewer=v, actor=cadre, vote=vote)
    return vs.vote_publish(viewer=v, actor=cadre, vote=vote)


@pytest.fixture
def records(county, cadre_a, cadre_b, client_for):  # type: ignore[no-untyped-def]
    """A notice, a money entry and a vote result of 双台村, one notice of 楼台村."""
    ca = client_for(cadre_a)
    return {
        "notice": notice_publish(ca, county.village_a),
        "entry": money_post(cadre_a, county.village_a),
        "vote": vote_publish(cadre_a, county.village_a),
        "notice_b": notice_publish(client_for(cadre_b), county.village_b, "楼台村公示"),
    }


def verify(*args: str) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def verify_fails(*args: str) -> str:
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError) as e:
        call_command("verify", *args, stdout=StringIO(), stderr=err)
    assert e.value.returncode == 1
    return err.getvalue()


def test_published_records_are_chained_per_village_in_order(county, records):
    """Each village has its own chain; links follow one another by hash, seq 1, 2, 3."""
    chain_a = Chain.objects.get(place=county.village_a)
    links = list(chain_a.links.order_by("seq"))
    assert [link.kind for link in links] == ["notice", "money.entry", "vote.result"]
    assert [link.seq for link in links] == [1, 2, 3]
    assert links[0].prev_hash == "0" * 64
    assert links[1].prev_hash == links[0].hash and links[2].prev_hash == links[1].hash
    assert chain_a.head_hash == links[2].hash and chain_a.length == 3
    # the hash is SHA-256(prev + canonical payload + kind + key + seq)
    first = links[0]
    want = hashlib.sha256(
        f"{first.prev_hash}{first.payload}{first.kind}{first.key}{first.seq}".encode()
    ).hexdigest()
    assert first.hash == want
    assert first.payload == canonical_json(json.loads(first.payload))
    assert Chain.objects.get(place=county.village_b).length == 1
    # the money entry's payload is built from the stored row, in fen
    money = json.loads(links[1].payload)
    assert money["amount_fen"] == 50_000 and money["direction"] == "in"
    assert money["entry"] == records["entry"].pk
    vote = json.loads(links[2].payload)
    assert vote["result"]["outcome"] == records["vote"].result["outcome"]


def test_a_group_record_goes_on_its_village_chain_and_a_county_one_on_the_county_chain(
    county, client_for, make_user
):
    from wugong.transparency.chain import chain_append

    chain_append(kind="notice", key="notice:test-group", place=county.group_a1, payload={"a": 1})
    chain_append(kind="notice", key="notice:test-town", place=county.town_a, payload={"a": 2})
    assert Chain.objects.get(place=county.village_a).length == 1
    assert Chain.objects.get(place=county.county).length == 1
    # the same key twice is chained once
    chain_append(kind="notice", key="notice:test-group", place=county.group_a1, payload={"a": 1})
    assert Chain.objects.get(place=county.village_a).length == 1


def test_clean_chains_verify_with_a_summary(records):
    out, err = verify()
    assert "4 links in 2 chains verified" in out
    assert err == ""


def test_verify_one_place(county, records):
    out, _ = verify("--place", str(county.group_a1.pk))
    assert "3 links in 1 chains verified" in out


def test_an_edited_money_row_is_caught_and_named(county, records):
    entry = records["entry"]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE projects_ledgerentry SET amount_fen = %s WHERE id = %s", [5_000_000, entry.pk]
        )
    err = verify_fails()
    assert f"key=money.entry:{entry.pk}" in err and "seq=2" in err and "双台村" in err
    assert "notice_b" not in err and err.count("ALTERED") == 1


def test_an_edited_points_entry_is_caught(county, records):
    from wugong.points import services as pts
    from wugong.points.models import Entry

    village = county.village_a
    issuing = pts._village_account(village, "issuing")
    market = pts._village_account(village, "supermarket")
    txn = pts._post(
        kind=Entry._meta.get_field("kind").choices[0][0],
        village=village,
        occurred_on=dt.date(2025, 4, 2),
        lines=[(issuing, -30), (market, 30)],
        memo="志愿服务3小时",
    )
    link = ChainLink.objects.get(key=f"points.txn:{txn.pk}")
    assert link.kind == "points.entry" and link.seq == 4
    assert verify()[0].startswith("5 links in 2 chains verified")
    entry = Entry.objects.filter(transaction=txn).order_by("pk").last()
    with connection.cursor() as cur:
        cur.execute("UPDATE points_entry SET amount = %s WHERE id = %s", [300, entry.pk])
    err = verify_fails()
    assert f"key=points.txn:{txn.pk}" in err and "seq=4" in err


def test_an_edited_notice_body_is_caught(records):
    n = records["notice"]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE transparency_notice SET body = %s WHERE id = %s", ["同意将2万元用于。", n.pk]
        )
    err = verify_fails()
    assert f"key=notice:{n.pk}" in err and "seq=1" in err


def test_an_edited_vote_result_is_caught(records):
    vote = records["vote"]
    result = dict(vote.result)
    result["outcome"] = "failed" if result.get("outcome") != "failed" else "passed"
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE voting_vote SET result = %s WHERE id = %s", [json.dumps(result), vote.pk]
        )
    err = verify_fails()
    assert f"key=vote.result:{vote.pk}" in err and "seq=3" in err


def test_an_edited_link_hash_or_payload_is_caught(county, records):
    link = ChainLink.objects.get(key=f"money.entry:{records['entry'].pk}")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE transparency_chainlink SET payload = %s WHERE id = %s",
            [link.payload.replace("50000", "5000"), link.pk],
        )
    assert f"key={link.key}" in verify_fails()
    # restored payload, forged hash: caught at that link too
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE transparency_chainlink SET payload = %s, hash = %s WHERE id = %s",
            [link.payload, "f" * 64, link.pk],
        )
    err = verify_fails()
    assert f"key={link.key}" in err and "seq=2" in err


def test_a_rewritten_link_with_a_valid_hash_breaks_the_next_one(records):
    """A forger who recomputes the hash of the edited link still breaks the chain after it."""
    link = ChainLink.objects.get(key=f"notice:{records['notice'].pk}")
    payload = link.payload.replace("茶园路", "茶园")
    forged = link_hash(
        prev_hash=link.prev_hash, payload=payload, kind=link.kind, key=link.key, seq=1
    )
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE transparency_chainlink SET payload = %s, hash = %s WHERE id = %s",
            [payload, forged, link.pk],
        )
    assert f"key={link.key}" in verify_fails()  # the payload no longer matches the notice


def test_a_deleted_link_is_caught(records):
    link = ChainLink.objects.get(key=f"money.entry:{records['entry'].pk}")
    with connection.cursor() as cur:
        cur.execute("DELETE FROM transparency_chainlink WHERE id = %s", [link.pk])
    assert "seq=3" in verify_fails()


def test_the_cli_exit_code(records, tmp_path):
    """`wugong verify` through the console script: 0 on clean data, 1 on an edited row."""
    if connection.vendor != "sqlite":
        pytest.skip("the CLI reads the SQLite file of a separate data dir")
    data = tmp_path / "data"
    env = {**os.environ, "WUGONG_DATA_DIR": str(data), "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    exe = str(Path(sys.executable).parent / "wugong")
    run = subprocess.run
    assert run([exe, "migrate", "-v0"], env=env, cwd=ROOT, check=False).returncode == 0
    ok = run([exe, "verify"], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "0 links in 0 chains verified" in ok.stdout
    import sqlite3

    db = sqlite3.connect(data / "wugong.sqlite3")
    db.execute(
        "INSERT INTO places_place (name, kind, path, depth, code, sort_key, created_at) "
        "VALUES ('测试村', 'village', '/1/', 0, '', '', '2025-01-01')"
    )
    prev = "0" * 64
    payload = canonical_json({"a": 1})
    good = link_hash(
        prev_hash=prev, payload=payload, kind="points.entry", key="points.entry:1", seq=1
    )
    db.execute(
        "INSERT INTO transparency_chain (place_id, place_path, length, head_hash, updated_at) "
        "VALUES (1, '/1/', 1, ?, '2025-01-01')",
        [good],
    )
    db.execute(
        "INSERT INTO transparency_chainlink (chain_id, seq, kind, key, place_id, payload, "
        "prev_hash, hash, created_at) VALUES (1, 1, 'points.entry', 'points.entry:1', 1, ?, ?, ?, "
        "'2025-01-01')",
        [payload.replace("1", "2"), prev, good],
    )
    db.commit()
    bad = run([exe, "verify"], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "key=points.entry:1" in bad.stderr


def test_the_verify_page_shows_the_record_and_the_chain_state(records, client):
    link = ChainLink.objects.get(key=f"notice:{records['notice'].pk}")
    page = client.get("/notices/verify/", {"hash": link.hash}).content.decode()
    assert "核验通过" in page and "双台村" in page and link.key in page
    assert f"/notices/{records['notice'].pk}/" in page
    short = client.get("/notices/verify/", {"hash": link.hash[:12]}).content.decode()
    assert link.key in short
    assert "没有找到" in client.get("/notices/verify/", {"hash": "abc"}).content.decode()
    assert "没有找到" in client.get("/notices/verify/", {"hash": "0" * 64}).content.decode()
    # after the notice is edited the page says so
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE transparency_notice SET title = %s WHERE id = %s",
            ["改过的", records["notice"].pk],
        )
    assert "核验未通过" in client.get("/notices/verify/", {"hash": link.hash}).content.decode()


def pdf_pages_text(data: bytes) -> bytes:
    """The page content streams of a ReportLab PDF (ASCII85 then Flate), decoded."""
    import base64
    import re
    import zlib

    out = []
    for m in re.finditer(
        rb"/ASCII85Decode /FlateDecode \] /Length \d+\s*>>\s*stream\r?\n(.*?)endstream", data, re.S
    ):
        raw = m.group(1).strip()
        raw = raw[:-2] if raw.endswith(b"~>") else raw
        out.append(zlib.decompress(base64.a85decode(raw)))
    return b"\n".join(out)


def test_the_printed_notice_and_its_page_carry_the_chain_hash(records, client):
    n = records["notice"]
    link = ChainLink.objects.get(key=f"notice:{n.pk}")
    assert link.hash[:12] in client.get(f"/notices/{n.pk}/").content.decode()
    pdf = pdf_pages_text(client.get(f"/notices/{n.pk}/pdf/").content)
    assert link.hash.encode() in pdf
    assert link.hash[:12].encode() in pdf


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork(county):
    """Twenty threads append to the same village's chain at once: one line, seq 1..20."""
    import threading

    from django.db import transaction

    from wugong.transparency.chain import chain_append

    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            for j in range(2):
                with transaction.atomic():
                    chain_append(
                        kind="points.entry",
                        key=f"points.entry:t{i}-{j}",
                        place=county.group_a1,
                        payload={"i": i, "j": j},
                    )
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    chain = Chain.objects.get(place=county.village_a)
    assert chain.length == 20
    seqs = list(chain.links.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 21))
    assert len(set(chain.links.values_list("prev_hash", flat=True))) == 20
    # one unbroken line of hashes (the records themselves are made up: not rebuilt here)
    prev = "0" * 64
    for link in chain.links.order_by("seq"):
        assert link.prev_hash == prev
        again = link_hash(
            prev_hash=prev, payload=link.payload, kind=link.kind, key=link.key, seq=link.seq
        )
        assert link.hash == again
        prev = link.hash
    assert chain.head_hash == prev
