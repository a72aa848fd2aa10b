"""Counting: offline tallies (举手、正字) without double counting, exact results with ties,
estate votes by art. 278 with floor cost shares, lifecycle, scope and audit."""

from decimal import Decimal

import pytest

from wugong.core.errors import PermissionDenied, ValidationFailed
from wugong.core.models import AuditEvent
from wugong.people import services as ps
from wugong.people.rules import viewer_for
from wugong.voting import selectors, services
from wugong.voting.models import OfflineTally, RollEntry
from wugong.voting.tests.conftest import option_ids


def cast(vote, user, choices):  # type: ignore[no-untyped-def]
    return services.ballot_cast(vote=vote, viewer=viewer_for(user), actor=user, choices=choices)


def entry_of(vote, household):  # type: ignore[no-untyped-def]
    return RollEntry.objects.get(vote=vote, household=household)


def record(vote, cadre, counts, present, **kw):  # type: ignore[no-untyped-def]
    return services.offline_tally_record(
        vote=vote,
        viewer=viewer_for(cadre),
        actor=cadre,
        meeting="二组院场会",
        counts=counts,
        present_entry_ids=[e.pk for e in present],
        **kw,
    )


def test_offline_zheng_tally_merges_with_online(county, cadre_a, residents_a, new_vote):
    """A 正 blackboard count of those marked present adds to the online ballots, exactly."""
    vote = new_vote(cadre_a)
    ids = option_ids(vote)
    cast(vote, residents_a[0], {ids["for"]: 1})
    room = [entry_of(vote, h) for h in county.households_a[1:]]
    t = record(vote, cadre_a, {ids["for"]: "丅", ids["against"]: "一"}, room)
    assert t.present == 3 and t.counts.get(option_id=ids["for"]).zheng == "丅"
    services.vote_close(viewer=viewer_for(cadre_a), actor=cadre_a, vote=vote)
    result = selectors.vote_result(vote=vote)
    rows = {r["option"]: (r["online"], r["offline"], r["total"]) for r in result["rows"]}
    assert rows == {"赞成": (1, 2, 3), "反对": (0, 1, 1), "弃权": (0, 0, 0)}
    assert result["participants"] == 4 and result["outcome"] == "passed"
    assert result["rows"][0]["share"] == "3/4"  # exact, not 75.0 %


def test_offline_count_above_present_is_refused(county, cadre_a, new_vote):
    """An offline tally whose numbers exceed the people marked present is refused."""
    vote = new_vote(cadre_a)
    ids = option_ids(vote)
    room = [entry_of(vote, h) for h in county.households_a[:2]]
    with pytest.raises(ValidationFailed, match="超过到场登记人数 2 人"):
        record(vote, cadre_a, {ids["for"]: "下"}, room)
    with pytest.raises(ValidationFailed, match="合计 3 票"):
        record(vote, cadre_a, {ids["for"]: 2, ids["against"]: 1}, room)
    assert not OfflineTally.objects.exists()
    assert not RollEntry.objects.filter(vote=vote, voted_at__isnull=False).exists()


def test_nobody_is_counted_twice_across_online_and_offline(county, cadre_a, residents_a, new_vote):
    """Someone who voted online cannot be marked in the room; someone marked in the room
    cannot then vote online."""
    vote = new_vote(cadre_a)
    ids = option_ids(vote)
    cast(vote, residents_a[0], {ids["for"]: 1})
    with pytest.raises(ValidationFailed, match="已在线投票"):
        record(vote, cadre_a, {ids["for"]: 1}, [entry_of(vote, county.households_a[0])])
    record(vote, cadre_a, {ids["against"]: 1}, [entry_of(vote, county.households_a[1])])
    with pytest.raises(ValidationFailed, match="已在现场参加表决"):
        cast(vote, residents_a[1], {ids["for"]: 1})
    with pytest.raises(ValidationFailed, match="另一场现场计票"):
        record(vote, cadre_a, {ids["for"]: 1}, [entry_of(vote, county.households_a[1])])


def test_stars_rank_by_total_and_report_ties(county, cadre_a, residents_a, new_vote):
    """Stars (投星): ranked by total stars, averages exact, a tie reported not broken."""
    vote = new_vote(cadre_a, method="stars", options=["香菇", "木耳", "茶叶"])
    ids = option_ids(vote)
    cast(vote, residents_a[0], {ids["香菇"]: 5, ids["木耳"]: 3, ids["茶叶"]: 0})
    cast(vote, residents_a[1], {ids["香菇"]: 2, ids["木耳"]: 4})
    record(
        vote,
        cadre_a,
        {ids["香菇"]: "正", ids["木耳"]: "正", ids["茶叶"]: "丅"},
        [entry_of(vote, county.households_a[2])],
    )
    services.vote_close(viewer=viewer_for(cadre_a), actor=cadre_a, vote=vote)
    r = selectors.vote_result(vote=vote)
    rows = {row["option"]: row for row in r["rows"]}
    assert rows["香菇"]["total"] == rows["木耳"]["total"] == 12
    assert rows["香菇"]["average"] == "4" and rows["茶叶"]["average"] == "2/3"
    assert r["ties"] == [["香菇", "木耳"]] and r["tied_at_cutoff"] == ["香菇", "木耳"]
    assert rows["香菇"]["rank"] == rows["木耳"]["rank"] == 1 and rows["茶叶"]["rank"] == 3


def test_approval_and_ranked_results(county, cadre_a, residents_a, new_vote):
    """Approval counts each chosen option; ranked choice uses instant runoff, or Schulze."""
    approval = new_vote(cadre_a, method="approval", max_choices=2)
    a = option_ids(approval)
    cast(approval, residents_a[0], {a["白菜"]: 1, a["萝卜"]: 1})
    cast(approval, residents_a[1], {a["白菜"]: 1})
    cast(approval, residents_a[2], {})
    record(
        approval,
        cadre_a,
        {a["辣椒"]: 1, a["萝卜"]: 1},
        [entry_of(approval, county.households_a[3])],
    )
    services.vote_close(viewer=viewer_for(cadre_a), actor=cadre_a, vote=approval)
    r = selectors.vote_result(vote=approval)
    assert {x["option"]: x["total"] for x in r["rows"]} == {"白菜": 2, "萝卜": 2, "辣椒": 1}
    assert r["ballots"] == 4 and r["blank"] == 1 and r["ties"] == [["白菜", "萝卜"]]
    for rule in ("irv", "schulze"):
        ranked = new_vote(cadre_a, method="ranked", ranked_rule=rule)
        k = option_ids(ranked)
        cast(ranked, residents_a[0], {k["辣椒"]: 1, k["萝卜"]: 2})
        cast(ranked, residents_a[1], {k["萝卜"]: 1})
        cast(ranked, residents_a[2], {k["白菜"]: 1, k["萝卜"]: 2})
        if rule == "irv":  # three first choices of one each: the tie is reported, not broken
            services.vote_close(viewer=viewer_for(cadre_a), actor=cadre_a, vote=ranked)
            r = selectors.vote_result(vote=ranked)
            assert r["winner"] == "" and r["ties"] == [["白菜", "萝卜", "辣椒"]]
            ranked = new_vote(cadre_a, method="ranked", ranked_rule=rule)
            k = option_ids(ranked)
            cast(ranked, residents_a[0], {k["辣椒"]: 1, k["萝卜"]: 2})
            cast(ranked, residents_a[1], {k["萝卜"]: 1})
            cast(ranked, residents_a[2], {k["萝卜"]: 1, k["白菜"]: 2})
        services.vote_close(viewer=viewer_for(cadre_a), actor=cadre_a, vote=ranked)
        assert selectors.vote_result(vote=ranked)["winner"] == "萝卜"


def test_custom_two_thirds_threshold(county, cadre_a, residents_a, new_vote):
    """A configured threshold (two thirds of those present, at least) is applied exactly."""
    vote = new_vote(cadre_a, preset="custom", majority=(2, 3))
    ids = option_ids(vote)
    cast(vote, residents_a[0], {ids["for"]: 1})
    cast(vote, residents_a[1], {ids["for"]: 1})
    cast(vote, residents_a[2], {ids["against"]: 1})
    services.vote_close(viewer=viewer_for(cadre_a), actor=cadre_a, vote=vote)
    r = selectors.vote_result(vote=vote)
    assert r["outcome"] == "passed" and r["support"] == "2/3"


def test_estate_lift_vote_for_one_unit_with_floor_cost_shares(county, make_user, new_vote):
    """A lift for unit 1 is decided by unit 1's owners under art. 278 item (七) (double 3/4),
    with the cost shared by floor exactly to the fen; another unit's owner is not on the roll."""
    cadre = make_user("community_cadre", county.community)
    head = ps.person_data_clean(name="二单元业主", sex="F")
    other = ps.household_create(
        place=county.building,
        address="1号楼2单元301",
        head=head,
        unit="2",
        floor=3,
        floor_area=Decimal("100"),
    )
    owners = [make_user("resident", h.place, household=h) for h in county.households_urban]
    outsider = make_user("resident", other.place, household=other)
    vote = new_vote(
        cadre,
        method="estate",
        place=county.building,
        estate_matter="rebuild",
        building_unit="1",
        cost_total_fen=10_000_001,
        floor_weights={"1": "0", "6": "1"},
        title="1单元加装电梯",
    )
    assert vote.roll.count() == 2 and vote.unit == "household"
    ids = option_ids(vote)
    with pytest.raises(PermissionDenied):
        cast(vote, outsider, {ids["for"]: 1})
    cast(vote, owners[0], {ids["for"]: 1})
    cast(vote, owners[1], {ids["for"]: 1})
    services.vote_close(viewer=viewer_for(cadre), actor=cadre, vote=vote)
    r = selectors.vote_result(vote=vote)
    assert r["outcome"] == "passed" and r["total_area"] == "209.5"
    shares = {s["floor"]: s["fen"] for s in r["cost_shares"]}
    assert shares == {1: 0, 6: 10_000_001}
    with pytest.raises(ValidationFailed, match="记名"):
        new_vote(
            cadre, method="estate", place=county.building, estate_matter="rebuild", secret=True
        )


def test_lifecycle_publish_keeps_result_and_receipts(cadre_a, residents_a, new_vote):
    """draft → open → closed → published; the published secret vote lists every receipt."""
    vote = new_vote(cadre_a, secret=True)
    ids = option_ids(vote)
    receipts = [cast(vote, r, {ids["for"]: 1}).receipt for r in residents_a[:3]]
    v = viewer_for(cadre_a)
    with pytest.raises(ValidationFailed, match="截止后"):
        services.vote_publish(viewer=v, actor=cadre_a, vote=vote)
    services.vote_close(viewer=v, actor=cadre_a, vote=vote)
    vote = services.vote_publish(viewer=v, actor=cadre_a, vote=vote)
    assert vote.status == "published" and vote.result["outcome"] == "passed"
    listed = set(selectors.receipt_list(vote=vote).values_list("receipt", flat=True))
    assert set(receipts) == listed
    actions = list(
        AuditEvent.objects.filter(object_type="voting.vote", object_id=str(vote.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["vote.create", "vote.open", "vote.close", "vote.publish"]


def test_a_cadre_of_another_village_cannot_manage(county, cadre_a, cadre_b, new_vote):
    """A cadre of 楼台村 can neither create, open, close, publish nor tally 双台村's vote."""
    vote = new_vote(cadre_a, open=False)
    vb = viewer_for(cadre_b)
    with pytest.raises(PermissionDenied):
        new_vote(cadre_b, place=county.village_a)
    for action in (services.vote_open, services.vote_close, services.vote_publish):
        with pytest.raises(PermissionDenied):
            action(viewer=vb, actor=cadre_b, vote=vote)
    services.vote_open(viewer=viewer_for(cadre_a), actor=cadre_a, vote=vote)
    with pytest.raises(PermissionDenied):
        record(vote, cadre_b, {}, [entry_of(vote, county.households_a[0])])
