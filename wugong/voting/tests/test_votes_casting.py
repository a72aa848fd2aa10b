"""Casting ballots: eligibility on the frozen roll, the window, open ballots that may change,
secret ballots that store no person→choice link, idempotency and proxies."""

import datetime as dt

import pytest
from django.utils import timezone

from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.models import AuditEvent
from wugong.people import services as ps
from wugong.people.rules import viewer_for
from wugong.voting import selectors, services
from wugong.voting.models import Ballot, BallotChoice, RollEntry, Vote
from wugong.voting.tests.conftest import option_ids


def cast(vote, user, choices):  # type: ignore[no-untyped-def]
    return services.ballot_cast(vote=vote, viewer=viewer_for(user), actor=user, choices=choices)


def test_open_ballot_can_change_until_close(cadre_a, residents_a, new_vote):
    """An open (记名) ballot may be changed until the close; the last one counts, once."""
    vote = new_vote(cadre_a)
    ids = option_ids(vote)
    first = cast(vote, residents_a[0], {ids["for"]: 1})
    again = cast(vote, residents_a[0], {ids["against"]: 1})
    assert first.created and again.changed and first.receipt == again.receipt
    assert Ballot.objects.filter(vote=vote).count() == 1
    services.vote_close(viewer=viewer_for(cadre_a), actor=cadre_a, vote=vote)
    with pytest.raises(ValidationFailed, match="已截止"):
        cast(vote, residents_a[0], {ids["for"]: 1})
    rows = {r["option"]: r["total"] for r in selectors.vote_result(vote=vote)["rows"]}
    assert rows == {"赞成": 0, "反对": 1, "弃权": 0}


def test_same_request_twice_gives_one_ballot(cadre_a, residents_a, new_vote):
    """Casting is idempotent: the same request twice leaves one ballot (open and secret)."""
    for secret in (False, True):
        vote = new_vote(cadre_a, secret=secret)
        ids = option_ids(vote)
        one = cast(vote, residents_a[1], {ids["for"]: 1})
        two = cast(vote, residents_a[1], {ids["for"]: 1})
        assert one.created and two.already and not two.created
        assert Ballot.objects.filter(vote=vote).count() == 1
        assert BallotChoice.objects.filter(vote=vote).count() == 1


def test_secret_ballot_stores_no_link_from_person_to_choice(cadre_a, residents_a, new_vote):
    """A secret ballot keeps only that the person voted and an anonymous ballot with a random
    receipt; no row or audit event ties the voter to the choice; it is final once cast."""
    vote = new_vote(cadre_a, secret=True)
    ids = option_ids(vote)
    out = cast(vote, residents_a[0], {ids["against"]: 1})
    assert out.secret and out.receipt and len(out.receipt) == 10
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.entry_id is None
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert not any(f[-2:] == "at" or "time" in f for f in fields)  # no timestamp to correlate
    entry = RollEntry.objects.get(vote=vote, household=residents_a[0].person.household)
    assert entry.voted_at is not None and entry.channel == "online"
    person_id = residents_a[0].person_id
    for ev in AuditEvent.objects.filter(action__startswith="ballot"):
        assert "choices" not in ev.changes and "receipt" not in ev.changes
        assert ballot.receipt not in str(ev.changes) and str(ballot.pk) != ev.object_id
    assert not Ballot.objects.filter(entry__household__members__id=person_id).exists()
    # Final: a second, different ballot from the same household is not counted.
    again = cast(vote, residents_a[0], {ids["for"]: 1})
    assert again.already and again.receipt is None
    assert list(BallotChoice.objects.filter(vote=vote).values_list("option_id", flat=True)) == [
        ids["against"]
    ]


def test_frozen_roll_excludes_later_arrivals(county, cadre_a, make_user, new_vote):
    """The roll is frozen when the vote opens: a household registered later cannot vote."""
    vote = new_vote(cadre_a)
    head = ps.person_data_clean(name="新来户", sex="M")
    late = ps.household_create(place=county.group_a1, address="一组9号", head=head)
    user = make_user("resident", county.group_a1, household=late)
    with pytest.raises(PermissionDenied, match="不在本次表决的投票名册"):
        cast(vote, user, {option_ids(vote)["for"]: 1})
    assert vote.roll.count() == 4


def test_outside_window_and_closed_votes_are_refused(cadre_a, residents_a, new_vote):
    """Before the window opens, in draft, or after the close time: a clear refusal."""
    draft = new_vote(cadre_a, open=False)
    with pytest.raises(ValidationFailed, match="尚未开启"):
        cast(draft, residents_a[0], {option_ids(draft)["for"]: 1})
    later = new_vote(cadre_a)
    Vote.objects.filter(pk=later.pk).update(opens_at=timezone.now() + dt.timedelta(hours=2))
    with pytest.raises(ValidationFailed, match="尚未开始"):
        cast(later, residents_a[0], {option_ids(later)["for"]: 1})
    past = new_vote(cadre_a)
    Vote.objects.filter(pk=past.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationFailed, match="投票时间已过"):
        cast(past, residents_a[0], {option_ids(past)["for"]: 1})


def test_person_vote_roll_holds_adults_of_the_place_only(county, cadre_a, residents_a, new_vote):
    """One ballot per person: the roll is the adults under the place; others are refused."""
    vote = new_vote(cadre_a, unit="person")
    names = set(vote.roll.values_list("name", flat=True))
    assert "王秀英" in names and "刘长春" not in names  # 楼台村's head is not on 双台村's roll
    ids = option_ids(vote)
    assert cast(vote, residents_a[0], {ids["for"]: 1}).created
    head_user_household = residents_a[0].person.household
    assert RollEntry.objects.filter(vote=vote, person__household=head_user_household).count() == 2


def test_approval_limit_and_star_range_are_enforced(cadre_a, residents_a, new_vote):
    """Approval: at most k options; stars: 0–5 per option; ranks: 1, 2, 3 without gaps."""
    approval = new_vote(cadre_a, method="approval", max_choices=2)
    ids = option_ids(approval)
    with pytest.raises(ValidationFailed, match="最多选2项"):
        cast(approval, residents_a[0], {ids["白菜"]: 1, ids["萝卜"]: 1, ids["辣椒"]: 1})
    stars = new_vote(cadre_a, method="stars")
    with pytest.raises(ValidationFailed, match="0至5"):
        cast(stars, residents_a[0], {option_ids(stars)["白菜"]: 6})
    ranked = new_vote(cadre_a, method="ranked")
    rid = option_ids(ranked)
    with pytest.raises(ValidationFailed, match="跳号"):
        cast(ranked, residents_a[0], {rid["白菜"]: 1, rid["萝卜"]: 3})


def test_proxy_ballot_records_who_for_whom(county, cadre_a, residents_a, new_vote):
    """A cadre records a proxy ballot: the roll says for whom and who held the proxy."""
    vote = new_vote(cadre_a)
    entry = RollEntry.objects.get(vote=vote, household=county.households_a[3])
    holder = county.households_a[2].head
    out = services.ballot_cast(
        vote=vote,
        viewer=viewer_for(cadre_a),
        actor=cadre_a,
        choices={option_ids(vote)["for"]: 1},
        entry=entry,
        proxy_holder=holder,
    )
    entry.refresh_from_db()
    assert out.created and entry.channel == "proxy" and entry.proxy_holder == holder
    ev = AuditEvent.objects.get(action="ballot.proxy")
    assert ev.changes["proxy_holder"] == holder.name and ev.changes["for"] == entry.name
    with pytest.raises(PermissionDenied, match="代录"):
        services.ballot_cast(
            vote=vote,
            viewer=viewer_for(residents_a[0]),
            actor=residents_a[0],
            choices={option_ids(vote)["for"]: 1},
            entry=RollEntry.objects.get(vote=vote, household=county.households_a[1]),
        )
