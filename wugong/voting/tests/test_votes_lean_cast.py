"""The lean path of a first online ballot (``ballot_cast_mine``): few statements, and every
case it does not handle — refusals, repeats, changes — falls back to the full path with the
same answers and nothing changed."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wugong.core.models import AuditEvent
from wugong.people.rules import viewer_for
from wugong.voting import services
from wugong.voting.models import Ballot, BallotChoice, RollEntry, Vote
from wugong.voting.tests.conftest import option_ids


def _cast(client, vote, choices):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/votes/{vote.pk}/cast", {"choices": choices}, content_type="application/json"
    )


@pytest.mark.django_db
def test_a_first_ballot_is_sign_in_plus_seven_statements(
    cadre_a, residents_a, client_for, new_vote
):
    """Session, user, viewer (one query with roles), the vote with its options, then in one
    transaction the roll mark, the ballot, its choice and the audit event."""
    vote = new_vote(cadre_a)
    ids = option_ids(vote)
    c = client_for(residents_a[0])
    with CaptureQueriesContext(connection) as queries:
        answer = _cast(c, vote, {ids["for"]: 1})
    assert answer.status_code == 200 and answer.json()["created"]
    statements = [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("BEGIN", "SAVE"))
    ]
    statements = [s for s in statements if not s.startswith(("RELEASE", "COMMIT"))]
    assert len(statements) == 8, statements
    assert not any("FOR UPDATE" in s for s in statements)
    entry = RollEntry.objects.get(vote=vote, household=residents_a[0].person.household)
    assert entry.channel == "online" and entry.voted_at is not None
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.entry_id == entry.pk  # an open ballot keeps its roll line
    assert list(BallotChoice.objects.filter(ballot=ballot).values_list("option_id", "value")) == [
        (ids["for"], 1)
    ]
    event = AuditEvent.objects.get(action="ballot.cast", object_id=str(entry.pk))
    assert event.changes["choices"] == {"赞成": 1} and event.actor_id == residents_a[0].pk


@pytest.mark.django_db
def test_a_secret_first_ballot_keeps_no_link_to_the_voter(
    cadre_a, residents_a, client_for, new_vote
):
    vote = new_vote(cadre_a, secret=True)
    ids = option_ids(vote)
    answer = _cast(client_for(residents_a[1]), vote, {ids["against"]: 1}).json()
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.entry_id is None and ballot.receipt == answer["receipt"]
    event = AuditEvent.objects.get(action="ballot.cast")
    assert "choices" not in event.changes and "receipt" not in event.changes


@pytest.mark.django_db
def test_a_bad_first_ballot_leaves_the_roll_unmarked(cadre_a, residents_a, client_for, new_vote):
    """Choices that break the method are refused after the mark: the mark is rolled back, so
    the voter can still vote."""
    vote = new_vote(cadre_a, method="approval", max_choices=1)
    ids = option_ids(vote)
    c = client_for(residents_a[0])
    refused = _cast(c, vote, {ids["白菜"]: 1, ids["萝卜"]: 1})
    assert refused.status_code == 400 and "最多选1项" in refused.json()["detail"]
    assert not RollEntry.objects.filter(vote=vote, voted_at__isnull=False).exists()
    assert not Ballot.objects.filter(vote=vote).exists()
    assert _cast(c, vote, {ids["白菜"]: 1}).json()["created"]


@pytest.mark.django_db
def test_after_the_close_time_nothing_is_marked(cadre_a, residents_a, client_for, new_vote):
    """A vote still marked open whose closing time has passed takes no ballot."""
    vote = new_vote(cadre_a)
    Vote.objects.filter(pk=vote.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    refused = _cast(client_for(residents_a[0]), vote, {option_ids(vote)["for"]: 1})
    assert refused.status_code == 400 and refused.json()["code"] == "closed"
    assert not RollEntry.objects.filter(vote=vote, voted_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_closed_vote_and_out_of_scope_voters_get_the_full_paths_answers(
    county, cadre_a, residents_a, make_user, client_for, new_vote
):
    vote = new_vote(cadre_a)
    ids = option_ids(vote)
    outsider = make_user("resident", county.group_b1, household=county.households_b[0])
    assert _cast(client_for(outsider), vote, {ids["for"]: 1}).status_code == 404
    missing = client_for(residents_a[0]).post(
        "/api/v1/votes/999999999/cast", {"choices": {}}, content_type="application/json"
    )
    assert missing.status_code == 404
    services.vote_close(viewer=viewer_for(cadre_a), actor=cadre_a, vote=vote)
    closed = _cast(client_for(residents_a[0]), vote, {ids["for"]: 1})
    assert closed.status_code == 400 and closed.json()["code"] == "closed"
    assert not Ballot.objects.filter(vote=vote).exists()


@pytest.mark.django_db
def test_an_open_ballot_is_changed_and_a_repeat_is_idempotent(
    cadre_a, residents_a, client_for, new_vote
):
    vote = new_vote(cadre_a)
    ids = option_ids(vote)
    c = client_for(residents_a[2])
    first = _cast(c, vote, {ids["for"]: 1}).json()
    again = _cast(c, vote, {ids["for"]: 1}).json()
    changed = _cast(c, vote, {ids["against"]: 1}).json()
    assert first["created"] and again["already"] and changed["changed"]
    assert first["receipt"] == again["receipt"] == changed["receipt"]
    assert list(BallotChoice.objects.filter(vote=vote).values_list("option_id", flat=True)) == [
        ids["against"]
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.parametrize("secret", [False, True])
def test_simultaneous_first_ballots_of_one_household_count_once(
    county, cadre_a, make_user, new_vote, secret
):
    """Eight lean-path casts from two members of one household, released together: the
    conditional UPDATE lets exactly one mark the roll; the others find it marked."""
    vote = new_vote(cadre_a, secret=secret)
    household = county.households_a[0]
    members = [make_user("resident", household.place, household=household) for _ in range(2)]
    ids = option_ids(vote)
    barrier = threading.Barrier(8)
    results, errors = [], []

    def run(i: int) -> None:
        user = members[i % 2]
        try:
            barrier.wait(timeout=10)
            results.append(
                services.ballot_cast_mine(
                    vote_id=vote.pk,
                    viewer=viewer_for(user),
                    actor=user,
                    choices={ids["for" if i % 2 else "against"]: 1},
                )
            )
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert len(results) == 8 and sum(r.created for r in results) == 1
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert BallotChoice.objects.filter(vote=vote).count() == 1
