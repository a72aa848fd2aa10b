"""Builders for the meetings tests: cadres of both villages, residents with known ages, and a
meeting made through the real service."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from wugong.people import services as ps
from wugong.people.models import Person, User
from wugong.people.rules import viewer_for


@pytest.fixture
def cadre_a(county, make_user) -> Any:  # type: ignore[no-untyped-def]
    """A village cadre of 双台村."""
    return make_user("village_cadre", county.village_a)


@pytest.fixture
def cadre_b(county, make_user) -> Any:  # type: ignore[no-untyped-def]
    """A village cadre of 楼台村: must never reach 双台村's meetings."""
    return make_user("village_cadre", county.village_b)


@pytest.fixture
def add_person(county) -> Callable[..., Person]:  # type: ignore[no-untyped-def]
    """add_person(household, name, born) -> a member with a known birth date."""

    def make(household: Any, name: str, born: dt.date | None) -> Person:
        data = ps.person_data_clean(name=name, sex="M", birth_date=born)
        return ps.person_create(data=data, household=household, relation="子女")

    return make


@pytest.fixture
def user_of(db) -> Callable[[Person], User]:  # type: ignore[no-untyped-def]
    """user_of(person) -> a sign-in account for an existing person (a resident's phone)."""
    counter = iter(range(1, 10_000))

    def make(person: Person) -> User:
        return User.objects.create_user(username=f"r{next(counter)}", password="pw", person=person)

    return make


@pytest.fixture
def meeting_of(county) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    """meeting_of(user, kind, place=None, **kw) -> a meeting created by ``user`` tomorrow."""
    from wugong.meetings import services

    def make(user: Any, kind: str, place: Any = None, **kw: Any) -> Any:
        kw.setdefault("starts_at", timezone.now() + dt.timedelta(days=1))
        return services.meeting_create(
            viewer=viewer_for(user),
            actor=user,
            place=place or county.village_a,
            kind=kind,
            title=kw.pop("title", "会议"),
            location=kw.pop("location", "村委会议室"),
            **kw,
        )

    return make
