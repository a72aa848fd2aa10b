"""Two ballots from the same household arriving at the same instant count once (PostgreSQL:
real concurrent transactions; SQLite serialises writers and cannot run this meaningfully)."""

import threading

import pytest
from django.db import connection, connections

from wugong.people.rules import viewer_for
from wugong.voting import services
from wugong.voting.models import Ballot, BallotChoice, RollEntry
from wugong.voting.tests.conftest import option_ids

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent transactions"
    ),
]


def _race(targets) -> list:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(targets))
    results: list = []
    errors: list = []

    def run(fn):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            results.append(fn())
        except Exception as e:
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.parametrize("secret", [False, True])
def test_simultaneous_ballots_from_one_household_count_once(
    county, cadre_a, make_user, new_vote, secret
):
    """Eight requests from two members of one household, released together, leave exactly
    one ballot and one mark on the roll — open or secret."""
    vote = new_vote(cadre_a, secret=secret)
    household = county.households_a[0]
    members = [make_user("resident", household.place, household=household) for _ in range(2)]
    ids = option_ids(vote)

    def caster(user, code):  # type: ignore[no-untyped-def]
        return lambda: services.ballot_cast(
            vote=vote, viewer=viewer_for(user), actor=user, choices={ids[code]: 1}
        )

    targets = [caster(members[i % 2], "for" if i % 2 else "against") for i in range(8)]
    results = _race(targets)
    assert len(results) == 8
    assert sum(r.created for r in results) == 1
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert BallotChoice.objects.filter(vote=vote).count() == 1
    entry = RollEntry.objects.get(vote=vote, household=household)
    assert entry.voted_at is not None


def test_simultaneous_http_casts_count_once(county, cadre_a, make_user, client_for, new_vote):
    """The same API request sent six times at once (a double tap on a bad network) → one."""
    vote = new_vote(cadre_a, secret=True)
    user = make_user("resident", county.households_a[1].place, household=county.households_a[1])
    ids = option_ids(vote)

    def post():  # type: ignore[no-untyped-def]
        c = client_for(user)
        return c.post(
            f"/api/v1/votes/{vote.pk}/cast",
            {"choices": {ids["for"]: 1}},
            content_type="application/json",
        )

    responses = _race([post for _ in range(6)])
    assert [r.status_code for r in responses] == [200] * 6
    assert sum(r.json()["created"] for r in responses) == 1
    assert Ballot.objects.filter(vote=vote).count() == 1
