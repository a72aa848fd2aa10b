"""The rollup of key households by tag stays equal to a count of the tags."""

import datetime as dt

import pytest
from django.db.models import Count

from wugong.people import services
from wugong.people.models import KeyHouseholdTag, KeyTagCount
from wugong.people.rules import viewer_for
from wugong.people.selectors import key_household_counts

pytestmark = pytest.mark.django_db


def _scan(place) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = (
        KeyHouseholdTag.objects.filter(place_path__startswith=place.path)
        .values("tag")
        .annotate(n=Count("id"))
    )
    return {r["tag"]: r["n"] for r in rows}


def test_setting_and_removing_tags_moves_every_ancestors_count(county, make_user):
    """A tag set on a household counts once at its group, village, town and county; removing it
    takes it off again; setting the same tag twice counts once."""
    supervisor = make_user("county_supervisor", county.county)
    viewer = viewer_for(supervisor)
    before = key_household_counts(viewer=viewer, place=county.county)
    h = county.households_a[2]
    services.key_tag_set(household=h, tag="left_behind", reason="", since=dt.date(2024, 1, 1))
    services.key_tag_set(household=h, tag="left_behind", reason="改", since=dt.date(2024, 1, 1))
    for place in (county.group_a2, county.village_a, county.town_a, county.county):
        assert key_household_counts(viewer=viewer, place=place) == _scan(place)
    assert key_household_counts(viewer=viewer, place=county.county)["left_behind"] == (
        before.get("left_behind", 0) + 1
    )
    services.key_tag_remove(household=h, tag="left_behind")
    assert key_household_counts(viewer=viewer, place=county.county) == before


def test_rebuild_equals_the_maintained_rollup(county):
    """A bulk load rebuilds the rollup from the tags: the same numbers the services kept."""
    kept = set(KeyTagCount.objects.filter(n__gt=0).values_list("place_id", "tag", "n"))
    services.key_tag_counts_rebuild()
    assert set(KeyTagCount.objects.filter(n__gt=0).values_list("place_id", "tag", "n")) == kept
    assert kept  # the fixture's county has tags


def test_a_grid_worker_counts_only_their_grid(county, make_user):
    """A grid worker does not see place-wide rollups: only the tags of their grid's households."""
    worker = make_user("grid_worker", county.village_a, grid=county.grid_a)
    counts = key_household_counts(viewer=viewer_for(worker), place=county.village_a)
    assert counts == {"dibao": 1, "alone": 1}
    other = make_user("grid_worker", county.village_b, grid=county.grid_b)
    assert key_household_counts(viewer=viewer_for(other), place=county.village_a) == {}
