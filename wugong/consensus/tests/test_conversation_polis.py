"""Pol.is import and export of conversations: the zip round trip keeps every vote, imported
voters stay strings (never Persons), and a malformed file is refused naming its line with
nothing imported."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from wugong.consensus import services
from wugong.consensus.models import (
    Conversation,
    Participant,
    Statement,
    StatementStatus,
    StatementVote,
)
from wugong.consensus.polis_io import compute_dir
from wugong.consensus.tests.test_conversation_flow import (  # noqa: F401 - fixtures
    API,
    cast,
    open_conversation,
    planted_voters,
)
from wugong.people.rules import viewer_for

COMMENTS = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    "1700000000,x,0,0,1,0,1,先修路\n"
    "1700000000,x,1,0,0,1,1,先装路灯\n"
)


def zipped(comments: str, votes: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("export/comments.csv", comments)
        zf.writestr("export/votes.csv", votes)
    return buffer.getvalue()


def vote_set(conversation: Conversation) -> set[tuple[int, int, int]]:
    return set(
        StatementVote.objects.filter(conversation=conversation).values_list(
            "participant__number", "statement__number", "value"
        )
    )


def test_export_then_import_round_trip_keeps_every_vote(cast, client_for, tmp_path) -> None:  # noqa: F811
    """Export (page, zip) then import (API) gives the same statements, moderation and votes,
    by imported participants that are not Persons; its groups equal both the original's and
    what `consensus compute` prints for the exported files."""
    conversation = open_conversation(cast, statements=10)
    planted_voters(cast, conversation, 24, seed=9)
    rejected = services.statement_submit(
        viewer=viewer_for(cast.resident_a), conversation=conversation, text="不该出现的观点"
    )
    services.statement_moderate(
        viewer=viewer_for(cast.cadre_a), statement=rejected, accept=False, reason="重复"
    )
    services.statement_submit(
        viewer=viewer_for(cast.resident_a2), conversation=conversation, text="还在审核的观点"
    )
    cadre = client_for(cast.cadre_a)
    r = cadre.get(f"/common-ground/{conversation.pk}/export.zip")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    data = r.content
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == ["comments.csv", "votes.csv"]
        zf.extractall(tmp_path)
    assert "测试" not in (Path(tmp_path) / "votes.csv").read_text()  # no names, no person ids

    r = cadre.post(
        f"{API}/import",
        {
            "place": cast.county.village_a.pk,
            "topic": "导入的讨论",
            "file": SimpleUploadedFile("polis.zip", data, content_type="application/zip"),
        },
    )
    assert r.status_code == 201, r.content
    imported = Conversation.objects.get(pk=r.json()["id"])
    assert not imported.is_open and imported.imported_from == "Pol.is"

    assert vote_set(imported) == vote_set(conversation)
    assert (
        len(vote_set(imported)) == StatementVote.objects.filter(conversation=conversation).count()
    )
    original = {
        s.number: (s.text, s.status) for s in Statement.objects.filter(conversation=conversation)
    }
    copied = {s.number: (s.text, s.status) for s in Statement.objects.filter(conversation=imported)}
    assert copied == original
    assert copied[rejected.number][1] == StatementStatus.REJECTED
    people = Participant.objects.filter(conversation=imported)
    assert not people.exclude(person=None).exists()
    assert all(p.external_id == str(p.number) for p in people)

    first = cadre.post(f"{API}/{conversation.pk}/compute").json()
    second = cadre.post(f"{API}/{imported.pk}/compute").json()
    assert first["status"] == second["status"] == "grouped"
    for key in ("groups", "consensus", "repness", "group_informed_consensus"):
        assert first[key] == second[key]
    cli = json.loads(json.dumps(compute_dir(tmp_path)))
    assert {k: first[k] for k in ("groups", "consensus", "repness")} == cli

    # The export of the import is the same export.
    again = cadre.get(f"{API}/{imported.pk}/export")
    with zipfile.ZipFile(io.BytesIO(again.content)) as zf:
        assert zf.read("votes.csv").decode() == (Path(tmp_path) / "votes.csv").read_text()
        assert zf.read("comments.csv").decode() == (Path(tmp_path) / "comments.csv").read_text()


def test_malformed_votes_csv_is_refused_naming_the_line(cast, client_for) -> None:  # noqa: F811
    """A bad row stops the import: the message names the file and line, nothing is written."""
    votes = (
        "timestamp,datetime,comment-id,voter-id,vote\n"
        "1700000000,x,0,1,1\n"
        "1700000001,x,1,1,-1\n"
        "1700000002,x,1,2,agree\n"
    )
    before = (Conversation.objects.count(), Statement.objects.count(), Participant.objects.count())
    cadre = client_for(cast.cadre_a)
    r = cadre.post(
        f"{API}/import",
        {
            "place": cast.county.village_a.pk,
            "topic": "坏文件",
            "file": SimpleUploadedFile("polis.zip", zipped(COMMENTS, votes)),
        },
    )
    assert r.status_code == 400
    assert "votes.csv 第 4 行" in r.json()["detail"] and "未导入任何数据" in r.json()["detail"]
    r = cadre.post(
        "/common-ground/import/",
        {
            "place": cast.county.village_a.pk,
            "topic": "坏文件",
            "comments": SimpleUploadedFile("comments.csv", COMMENTS.encode()),
            "votes": SimpleUploadedFile("votes.csv", votes.encode()),
        },
    )
    assert r.status_code == 400 and "votes.csv 第 4 行" in r.content.decode()
    after = (Conversation.objects.count(), Statement.objects.count(), Participant.objects.count())
    assert after == before


def test_votes_on_unknown_statements_and_bad_comments_are_refused(cast, client_for) -> None:  # noqa: F811
    """A vote naming a comment that is not in comments.csv, or a comment row with the wrong
    number of fields, is refused with its line; nothing is imported."""
    cadre = client_for(cast.cadre_a)
    votes = "timestamp,datetime,comment-id,voter-id,vote\n1700000000,x,0,1,1\n1700000000,x,7,1,1\n"
    r = cadre.post(
        f"{API}/import",
        {
            "place": cast.county.village_a.pk,
            "topic": "t",
            "file": SimpleUploadedFile("p.zip", zipped(COMMENTS, votes)),
        },
    )
    assert r.status_code == 400 and "votes.csv 第 3 行" in r.json()["detail"]
    bad_comments = COMMENTS + "1700000000,x,2\n"
    r = cadre.post(
        f"{API}/import",
        {
            "place": cast.county.village_a.pk,
            "topic": "t",
            "file": SimpleUploadedFile("p.zip", zipped(bad_comments, votes)),
        },
    )
    assert r.status_code == 400 and "comments.csv 第 4 行" in r.json()["detail"]
    r = cadre.post(
        f"{API}/import",
        {
            "place": cast.county.village_a.pk,
            "topic": "t",
            "file": SimpleUploadedFile("p.zip", b"not a zip"),
        },
    )
    assert r.status_code == 400
    assert not Conversation.objects.exists()


def test_import_needs_a_cadre_of_the_place(cast, client_for) -> None:  # noqa: F811
    """Residents cannot import; a cadre of 楼台村 cannot import into 双台村."""
    votes = "timestamp,datetime,comment-id,voter-id,vote\n1700000000,x,0,1,1\n"
    payload = {"place": cast.county.village_a.pk, "topic": "t"}
    for user, statuses in ((cast.resident_a, (403,)), (cast.cadre_b, (403, 404))):
        r = client_for(user).post(
            f"{API}/import",
            {**payload, "file": SimpleUploadedFile("p.zip", zipped(COMMENTS, votes))},
        )
        assert r.status_code in statuses
    assert not Conversation.objects.exists()
