"""Fixtures for the foundation's tests: a second county and a user per role."""

from collections.abc import Callable

import pytest

from wugong.people.tests.factories import OtherCounty, Placed, other_county_build, user_for_role


@pytest.fixture
def other_county(db) -> OtherCounty:  # type: ignore[no-untyped-def]
    return other_county_build()


@pytest.fixture
def placed(county, make_user, other_county) -> Callable[[str], Placed]:  # type: ignore[no-untyped-def]
    """placed(role) -> a user holding the role on 双台村's side, with what they must see."""

    def make(role: str) -> Placed:
        return user_for_role(role, county, make_user, other_county)

    return make
