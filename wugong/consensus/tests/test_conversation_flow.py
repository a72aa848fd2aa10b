"""Common-ground conversations through the pages, the API and the services: voting once per
statement, moderation, too-small conversations, groups on a planted conversation, publication,
debounced background computes and who may take part or manage."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.db import IntegrityError, transaction

from wugong.consensus import services
from wugong.consensus.models import (
    ComputedResult,
    Conversation,
    Participant,
    Statement,
    StatementStatus,
    StatementVote,
)
from wugong.consensus.pipeline import make_planted_votes
from wugong.core.errors import PermissionDenied
from wugong.people.rules import Assignment, Viewer, viewer_for

API = "/api/v1/common-ground"


@dataclass
class Cast:
    county: object
    cadre_a: object  # village cadre of 双台村
    cadre_b: object  # village cadre of 楼台村
    resident_a: object  # lives in 双台村 一组
    resident_a2: object  # lives in 双台村 二组
    resident_b: object  # lives in 楼台村 一组


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    c = county
    return Cast(
        county=c,
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        resident_a=make_user("resident", c.group_a1, household=c.households_a[0]),
        resident_a2=make_user("resident", c.group_a2, household=c.households_a[2]),
        resident_b=make_user("resident", c.group_b1, household=c.households_b[0]),
    )


def open_conversation(cast: Cast, statements: int = 3) -> Conversation:
    """A conversation of 双台村 opened by its cadre, with seed statements."""
    viewer = viewer_for(cast.cadre_a)
    conversation = services.conversation_create(
        viewer=viewer,
        actor=cast.cadre_a,
        place=cast.county.village_a,
        topic="村里的钱先花在哪里",
    )
    for i in range(statements):
        services.statement_submit(
            viewer=viewer, actor=cast.cadre_a, conversation=conversation, text=f"预设观点{i}"
        )
    return conversation


def planted_voters(cast: Cast, conversation: Conversation, n: int, seed: int = 5) -> list[int]:
    """``n`` residents of 双台村 vote on the conversation's statements with two planted opinion
    groups (through the vote service). Returns each voter's planted group."""
    from conftest import id_number
    from wugong.people import services as ps

    statements = list(conversation.statements.order_by("number"))
    planted = make_planted_votes(
        n, len(statements), 2, (len(statements) - 2, len(statements)), agreement=0.92, seed=seed
    )
    households = cast.county.households_a
    viewers = []
    for i in range(n):
        h = households[i % len(households)]
        data = ps.person_data_clean(
            name=f"村民{i}", id_number=id_number(400 + i, birth="19700101"), sex=""
        )
        person = ps.person_create(data=data, household=h)
        viewers.append(
            Viewer(
                user_id=None,
                person_id=person.pk,
                household_id=h.pk,
                assignments=(Assignment("resident", h.place_id, h.place_path),),
            )
        )
    for voter, statement, value in zip(
        planted.voter_ids.tolist(),
        planted.statement_ids.tolist(),
        planted.votes.tolist(),
        strict=True,
    ):
        services.statement_vote(
            viewer=viewers[voter], statement=statements[statement], value=int(value)
        )
    return planted.planted.tolist()


def htmx(client, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, data, HTTP_HX_REQUEST="true")


# --- voting --------------------------------------------------------------------------------------
def test_vote_once_per_person_per_statement(cast, client_for) -> None:
    """A person has one vote per statement: voting again (page or API) updates it and its time,
    the same vote again changes nothing, and the database refuses a second row."""
    conversation = open_conversation(cast, statements=2)
    statement = conversation.statements.order_by("number").first()
    page, api = client_for(cast.resident_a), client_for(cast.resident_a)

    r = htmx(
        page, f"/common-ground/{conversation.pk}/vote/", {"statement": statement.pk, "value": 1}
    )
    assert r.status_code == 200
    assert "预设观点1" in r.content.decode()  # the next card is swapped in
    first = StatementVote.objects.get(statement=statement)
    r = api.post(
        f"{API}/{conversation.pk}/statements/{statement.pk}/vote",
        {"value": -1},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["value"] == -1
    api.post(
        f"{API}/{conversation.pk}/statements/{statement.pk}/vote",
        {"value": -1},
        content_type="application/json",
    )
    vote = StatementVote.objects.get(statement=statement)
    assert vote.pk == first.pk and vote.value == -1
    assert vote.updated_at >= first.updated_at and vote.created_at == first.created_at
    assert StatementVote.objects.filter(statement=statement).count() == 1
    assert (
        Participant.objects.filter(conversation=conversation)
        .exclude(person=None)
        .filter(person=cast.resident_a.person)
        .count()
        == 1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementVote.objects.create(
            conversation=conversation,
            statement=statement,
            participant=vote.participant,
            value=1,
        )


def test_vote_value_must_be_agree_disagree_or_pass(cast, client_for) -> None:
    """Only 1, -1 and 0 are votes."""
    conversation = open_conversation(cast, statements=1)
    statement = conversation.statements.get()
    r = client_for(cast.resident_a).post(
        f"{API}/{conversation.pk}/statements/{statement.pk}/vote",
        {"value": 2},
        content_type="application/json",
    )
    assert r.status_code == 400
    assert not StatementVote.objects.exists()


def test_resident_sees_one_statement_at_a_time_until_all_are_voted(cast, client_for) -> None:
    """The page shows one statement with three buttons; after the last vote it thanks."""
    conversation = open_conversation(cast, statements=2)
    client = client_for(cast.resident_a)
    page = client.get(f"/common-ground/{conversation.pk}/").content.decode()
    assert "预设观点0" in page and "预设观点1" not in page
    for label in ("同意", "不同意", "跳过"):
        assert f">{label}</button>" in page
    for s in conversation.statements.order_by("number"):
        htmx(client, f"/common-ground/{conversation.pk}/vote/", {"statement": s.pk, "value": 0})
    page = client.get(f"/common-ground/{conversation.pk}/").content.decode()
    assert "您已经对全部 2 条观点表了态" in page


# --- moderation ----------------------------------------------------------------------------------
def test_pending_statements_are_not_shown_to_voters(cast, client_for) -> None:
    """A resident's statement waits for moderation and nobody votes on it until a cadre
    accepts it; a rejected one needs a reason and is never shown."""
    conversation = open_conversation(cast, statements=0)
    author, other = client_for(cast.resident_a), client_for(cast.resident_a2)
    r = author.post(f"/common-ground/{conversation.pk}/statements/new/", {"text": "先修通组里的路"})
    assert r.status_code == 302
    r = author.post(
        f"{API}/{conversation.pk}/statements",
        {"text": "给老人装路灯"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    road, lamp = Statement.objects.order_by("number")
    assert road.status == lamp.status == StatementStatus.PENDING

    assert "先修通组里的路" not in other.get(f"/common-ground/{conversation.pk}/").content.decode()
    assert other.get(f"{API}/{conversation.pk}/statements").json() == []
    assert other.get(f"{API}/{conversation.pk}/next").json() is None
    r = other.post(
        f"{API}/{conversation.pk}/statements/{road.pk}/vote",
        {"value": 1},
        content_type="application/json",
    )
    assert r.status_code == 404

    cadre = client_for(cast.cadre_a)
    queue = cadre.get(f"/common-ground/{conversation.pk}/manage/").content.decode()
    assert "先修通组里的路" in queue and "给老人装路灯" in queue
    r = htmx(
        cadre, f"/common-ground/{conversation.pk}/statements/{road.pk}/moderate/", {"accept": "1"}
    )
    assert r.status_code == 200
    r = cadre.post(
        f"{API}/{conversation.pk}/statements/{lamp.pk}/moderate",
        {"accept": False},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = cadre.post(
        f"{API}/{conversation.pk}/statements/{lamp.pk}/moderate",
        {"accept": False, "reason": "与议题无关"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["reject_reason"] == "与议题无关"

    page = other.get(f"/common-ground/{conversation.pk}/").content.decode()
    assert "先修通组里的路" in page and "给老人装路灯" not in page
    assert [s["text"] for s in other.get(f"{API}/{conversation.pk}/statements").json()] == [
        "先修通组里的路"
    ]


def test_cadre_statements_are_seeds_accepted_at_once(cast, client_for) -> None:
    """A cadre's statement is a seed statement, open to votes without moderation."""
    conversation = open_conversation(cast, statements=0)
    client_for(cast.cadre_a).post(
        f"/common-ground/{conversation.pk}/statements/new/", {"text": "先修村口的桥"}
    )
    s = Statement.objects.get()
    assert s.is_seed and s.status == StatementStatus.ACCEPTED


# --- results -------------------------------------------------------------------------------------
def test_too_small_conversation_says_so(cast, client_for) -> None:
    """Fewer than 15 participants with 7 votes: no map, the Chinese explanation instead."""
    conversation = open_conversation(cast, statements=8)
    client = client_for(cast.resident_a)
    for s in conversation.statements.all():
        htmx(client, f"/common-ground/{conversation.pk}/vote/", {"statement": s.pk, "value": 1})
    cadre = client_for(cast.cadre_a)
    r = cadre.post(f"/common-ground/{conversation.pk}/compute/", follow=True)
    page = r.content.decode()
    assert "参与人数不足：至少需要 15 位投过 7 票以上的居民才能分组（目前只有 1 位）。" in page
    assert "<svg" not in page
    body = cadre.get(f"{API}/{conversation.pk}/results").json()
    assert body["status"] == "too_small"
    assert body["detail"].startswith("参与人数不足") and body["groups"] == {}


def _purity(groups: dict[str, int], planted: list[int], numbers: dict[int, int]) -> float:
    """Share of grouped participants whose group is their planted group's majority group."""
    from collections import Counter

    by_planted: dict[int, Counter] = {}
    for number, g in groups.items():
        by_planted.setdefault(planted[numbers[int(number)]], Counter())[g] += 1
    return sum(c.most_common(1)[0][1] for c in by_planted.values()) / len(groups)


def test_compute_finds_planted_groups_through_page_and_api(cast, client_for) -> None:
    """On a conversation with two planted opinion groups, 'compute now' finds them: the API
    gives the CLI's JSON shape plus group-informed consensus, and the page shows what every
    group agrees on, the majority consensus, what sets each group apart and the SVG map."""
    conversation = open_conversation(cast, statements=12)
    planted = planted_voters(cast, conversation, 40)
    cadre = client_for(cast.cadre_a)

    r = cadre.post(f"{API}/{conversation.pk}/compute")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "grouped"
    assert set(body) >= {"groups", "consensus", "repness", "group_informed_consensus"}
    assert set(body["consensus"]) == {"agree", "disagree"}
    assert len(set(body["groups"].values())) >= 2
    # Participant numbers in the result, never person ids; the planted groups are recovered.
    participants = Participant.objects.filter(
        conversation=conversation, person__name__startswith="村民"
    )
    index = {
        p.number: int(p.person.name.removeprefix("村民"))
        for p in participants.select_related("person")
    }
    assert _purity(body["groups"], planted, index) > 0.9
    assert len(body["groups"]) == 40

    r = cadre.post(f"/common-ground/{conversation.pk}/compute/", follow=True)
    page = r.content.decode()
    assert r.status_code == 200
    for label in ("各方都认同", "多数认同", "各组的不同之处", "甲组", "乙组"):
        assert label in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert svg.count("<circle") >= 40 and "甲组" in svg and "乙组" in svg
    assert "% 同意" in page and "z = " in page
    assert ComputedResult.objects.filter(conversation=conversation).count() == 1


def test_results_wait_for_publication_then_become_a_public_notice(cast, client_for) -> None:
    """Residents see results once a cadre publishes them; publishing also issues a public
    notice (公示) of the results."""
    from wugong.transparency.models import Notice, NoticeStatus

    conversation = open_conversation(cast, statements=8)
    planted_voters(cast, conversation, 20, seed=2)
    resident = client_for(cast.resident_a)
    assert resident.get(f"/common-ground/{conversation.pk}/results/").status_code == 403
    assert resident.get(f"{API}/{conversation.pk}/results").status_code == 403
    cadre = client_for(cast.cadre_a)
    r = cadre.post(f"/common-ground/{conversation.pk}/publish/", follow=True)
    assert "请先计算结果" in r.content.decode()
    cadre.post(f"/common-ground/{conversation.pk}/compute/")
    r = cadre.post(f"{API}/{conversation.pk}/publish")
    assert r.status_code == 200 and r.json()["published"] is True
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.PUBLISHED and notice.subject_id == conversation.pk
    assert "村里的钱先花在哪里" in notice.title and "各方都认同" in notice.body
    assert resident.get(f"/common-ground/{conversation.pk}/results/").status_code == 200
    assert resident.get(f"{API}/{conversation.pk}/results").json()["status"] == "grouped"


def test_votes_queue_at_most_one_background_compute_a_minute(
    cast, settings, django_capture_on_commit_callbacks
) -> None:
    """Each vote asks for a recompute after commit; while one is scheduled (it runs a minute
    later, taking in every vote of that minute), further votes queue no other. The task
    clears the mark and stores the result."""
    from django_tasks import task_backends

    from wugong.consensus.tasks import conversation_compute_task

    conversation = open_conversation(cast, statements=3)
    viewer = viewer_for(cast.resident_a)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    for s in conversation.statements.all():
        with django_capture_on_commit_callbacks(execute=True):
            services.statement_vote(viewer=viewer, statement=s, value=1)
    queued = task_backends["default"].results
    assert [r.task.name for r in queued] == ["conversation_compute_task"]
    assert queued[0].task.run_after is not None
    assert queued[0].kwargs == {"conversation_id": conversation.pk}

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = conversation_compute_task.enqueue(conversation_id=conversation.pk)
    assert result.return_value == "too_small"
    conversation.refresh_from_db()
    assert conversation.compute_due_at is None
    assert ComputedResult.objects.get(conversation=conversation).n_votes == 3
    # With the mark cleared, the next vote queues (and here at once runs) a compute again.
    with django_capture_on_commit_callbacks(execute=True):
        services.statement_vote(viewer=viewer, statement=s, value=-1)
    assert ComputedResult.objects.get(conversation=conversation).n_votes == 3
    assert StatementVote.objects.get(statement=s).value == -1


# --- scope ---------------------------------------------------------------------------------------
def test_resident_of_another_village_cannot_vote(cast, client_for) -> None:
    """A resident of 楼台村 takes no part in 双台村's conversation: not on the page, not in the
    API, not in the service."""
    conversation = open_conversation(cast, statements=1)
    statement = conversation.statements.get()
    client = client_for(cast.resident_b)
    assert client.get(f"/common-ground/{conversation.pk}/").status_code == 404
    r = client.post(
        f"/common-ground/{conversation.pk}/vote/", {"statement": statement.pk, "value": 1}
    )
    assert r.status_code == 404
    r = client.post(
        f"{API}/{conversation.pk}/statements/{statement.pk}/vote",
        {"value": 1},
        content_type="application/json",
    )
    assert r.status_code in (403, 404)
    statement.conversation = conversation
    with pytest.raises(PermissionDenied):
        services.statement_vote(viewer=viewer_for(cast.resident_b), statement=statement, value=1)
    assert not StatementVote.objects.exists()
    assert conversation.pk not in [c["id"] for c in client.get(f"{API}/").json()]


def test_cadre_of_another_village_cannot_moderate(cast, client_for) -> None:
    """A cadre of 楼台村 cannot moderate, compute, publish or export 双台村's conversation."""
    conversation = open_conversation(cast, statements=0)
    pending = services.statement_submit(
        viewer=viewer_for(cast.resident_a), conversation=conversation, text="修水渠"
    )
    client = client_for(cast.cadre_b)
    r = client.post(
        f"/common-ground/{conversation.pk}/statements/{pending.pk}/moderate/", {"accept": "1"}
    )
    assert r.status_code == 404
    r = client.post(
        f"{API}/{conversation.pk}/statements/{pending.pk}/moderate",
        {"accept": True},
        content_type="application/json",
    )
    assert r.status_code in (403, 404)
    for url in (f"{API}/{conversation.pk}/compute", f"{API}/{conversation.pk}/publish"):
        assert client.post(url).status_code in (403, 404)
    assert client.get(f"{API}/{conversation.pk}/export").status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        services.statement_moderate(viewer=viewer_for(cast.cadre_b), statement=pending, accept=True)
    pending.refresh_from_db()
    assert pending.status == StatementStatus.PENDING
    # A resident of the village cannot moderate either.
    r = client_for(cast.resident_a2).post(
        f"{API}/{conversation.pk}/statements/{pending.pk}/moderate",
        {"accept": True},
        content_type="application/json",
    )
    assert r.status_code in (403, 404)


def test_only_cadres_open_conversations_in_their_own_place(cast, client_for) -> None:
    """Opening a conversation needs conversation.manage at that place."""
    r = client_for(cast.cadre_b).post(
        f"{API}/",
        {"place": cast.county.village_a.pk, "topic": "修路"},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = client_for(cast.resident_a).post(
        f"{API}/",
        {"place": cast.county.village_a.pk, "topic": "修路"},
        content_type="application/json",
    )
    assert r.status_code in (403, 404)
    r = client_for(cast.cadre_a).post(
        "/common-ground/new/", {"place": cast.county.village_a.pk, "topic": "修路"}
    )
    assert r.status_code == 302
    assert Conversation.objects.get().topic == "修路"


def test_author_sees_why_a_statement_was_rejected(cast, client_for) -> None:
    """The author's own statements are listed with their review status and the reason."""
    conversation = open_conversation(cast, statements=1)
    s = services.statement_submit(
        viewer=viewer_for(cast.resident_a), conversation=conversation, text="某某干部不办事"
    )
    services.statement_moderate(
        viewer=viewer_for(cast.cadre_a), statement=s, accept=False, reason="针对个人"
    )
    page = client_for(cast.resident_a).get(f"/common-ground/{conversation.pk}/").content.decode()
    assert "某某干部不办事" in page and "针对个人" in page and "未通过" in page
    other = client_for(cast.resident_a2).get(f"/common-ground/{conversation.pk}/").content.decode()
    assert "某某干部不办事" not in other


def test_closed_conversation_refuses_votes_with_a_message(cast, client_for) -> None:
    """After the cadre closes it, a vote is refused and the card says why."""
    conversation = open_conversation(cast, statements=1)
    statement = conversation.statements.get()
    client_for(cast.cadre_a).post(f"/common-ground/{conversation.pk}/open/", {"open": "0"})
    r = htmx(
        client_for(cast.resident_a),
        f"/common-ground/{conversation.pk}/vote/",
        {"statement": statement.pk, "value": 1},
    )
    assert "已经结束" in r.content.decode()
    assert not StatementVote.objects.exists()


@pytest.mark.parametrize(
    ("role", "place", "manage", "take_part"),
    [
        ("village_cadre", "village_a", True, True),
        ("work_team", "village_a", True, True),
        ("village_cadre", "village_b", False, False),
        ("council_member", "village_a", False, True),
        ("grid_worker", "village_a", False, True),
        ("town_supervisor", "town_a", False, False),
        ("community_cadre", "community", False, False),
        ("system_admin", None, True, False),
        ("resident", "group_a1", False, True),
        ("resident", "group_b1", False, False),
    ],
)
def test_conversation_rules_per_role(county, role, place, manage, take_part) -> None:
    """conversation.manage: village/community cadres, work teams and the admin, within their
    place; conversation.take_part: every role whose place lies in the conversation's."""
    from wugong.consensus.selectors import can_manage, can_take_part
    from wugong.people.rules import RULES

    assert RULES["conversation.manage"] == {
        "village_cadre",
        "community_cadre",
        "work_team",
        "system_admin",
    }
    assert RULES["conversation.take_part"] == set(RULES["household.view"])
    at = getattr(county, place) if place else None
    viewer = Viewer(
        user_id=1,
        person_id=1,
        household_id=None,
        assignments=(Assignment(role, at.pk if at else 0, at.path if at else "/"),),
    )
    conversation = Conversation(place=county.village_a, place_path=county.village_a.path)
    assert can_manage(viewer, conversation) is manage
    assert can_take_part(viewer, conversation) is take_part
