"""The demo county: a deterministic generator, valid identity data, and accounts that work."""

import random
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from wugong.core.models import AuditEvent
from wugong.core.validators import normalize_id_number, normalize_phone
from wugong.people import generate
from wugong.people.demo import DEMO_PASSWORD, STAFF_SIGN_IN
from wugong.people.models import Household, KeyHouseholdTag, Person, RoleAssignment
from wugong.people.roles import STAFF_ROLES, Role
from wugong.people.sms import OutboxSender
from wugong.places.models import MicroGrid, Place

SMALL = 300


def _sample(seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    ids = generate.IdNumbers()
    names, numbers = [], []
    for _ in range(200):
        for m in generate.household_members(rng, urban=rng.random() < 0.3):
            names.append(m.name)
            numbers.append(ids.next(birth=m.birth_date, sex=m.sex, region=m.region))
    return names, numbers


def test_generator_is_deterministic() -> None:
    """The same seed gives the same names, ID numbers and tree; another seed does not."""
    assert _sample(7) == _sample(7)
    assert _sample(7) != _sample(8)
    plan_a = generate.county_plan(random.Random(3), villages=12, households=2000)
    plan_b = generate.county_plan(random.Random(3), villages=12, households=2000)
    assert [(p.name, p.kind, p.parent, p.households) for p in plan_a] == [
        (p.name, p.kind, p.parent, p.households) for p in plan_b
    ]
    assert sum(p.households for p in plan_a) == 2000


def test_generated_id_numbers_pass_the_checksum_and_agree_with_sex() -> None:
    """Every generated ID number is valid (GB 11643), unique, and its sex digit matches."""
    rng = random.Random(1)
    ids = generate.IdNumbers()
    seen = set()
    for _ in range(3000):
        for m in generate.household_members(rng, urban=False):
            number = ids.next(birth=m.birth_date, sex=m.sex, region=m.region)
            assert normalize_id_number(number) == number
            assert ("M" if int(number[16]) % 2 else "F") == m.sex
            assert number[6:14] == m.birth_date.strftime("%Y%m%d")
            seen.add(number)
    # Many people born on one day still get distinct numbers.
    import datetime as dt

    day = [ids.next(birth=dt.date(1960, 1, 1), sex="F") for _ in range(800)]
    assert len(set(day)) == 800
    assert all(normalize_id_number(n) for n in day)


def test_generated_phones_are_valid_and_unique() -> None:
    phones = generate.Phones(random.Random(5))
    numbers = [phones.next() for _ in range(5000)]
    assert len(set(numbers)) == 5000
    assert all(normalize_phone(p) == p for p in numbers)


def _demo(**options: object) -> str:
    out = StringIO()
    call_command("demo", households=SMALL, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_loads_a_small_county_once() -> None:
    """``wugong demo`` fills an empty database: households with heads, members with valid
    IDs, grids with workers, tags and roles under their place's path, one audit event for the
    bulk load; the tree has the rural four levels (town → village → group → household) and the
    urban five (street → community → estate → building → centre household) under county and
    city. A second run leaves the data alone and points to ``--flush``."""
    _demo()
    assert Household.objects.count() == SMALL
    assert Household.objects.filter(head__isnull=True).count() == 0
    assert Person.objects.filter(household__isnull=False).count() >= 2 * SMALL
    for number in Person.objects.values_list("id_number", flat=True):
        assert normalize_id_number(number) == number
    for h in Household.objects.select_related("place", "head")[:50]:
        assert h.place_path == h.place.path
        assert h.head.household_id == h.pk
    for t in KeyHouseholdTag.objects.select_related("household"):
        assert t.place_path == t.household.place_path
    for r in RoleAssignment.objects.select_related("place"):
        assert r.place_path == r.place.path
    assert not MicroGrid.objects.filter(worker__isnull=True).exists()
    assert Household.objects.filter(centre__isnull=False).exists()
    assert set(KeyHouseholdTag.objects.values_list("tag", flat=True)) >= {"alone", "left_behind"}
    county = Place.objects.get(kind="county")
    assert county.parent.kind == "city"
    loads = AuditEvent.objects.filter(action="demo.load", object_type="places.place")
    assert list(loads.values_list("object_id", flat=True)) == [str(county.pk)]

    group = Household.objects.filter(place__kind="group").select_related("place").first().place
    assert [group.parent.kind, group.parent.parent.kind] == ["village", "town"]
    urban = Household.objects.filter(place__kind="building").select_related("place").first()
    building = urban.place
    chain = [building.parent.kind, building.parent.parent.kind, building.parent.parent.parent.kind]
    assert chain == ["estate", "community", "street"]
    assert urban.unit and urban.floor and urban.floor_area
    assert Household.objects.filter(place__kind="building", is_centre=True).exists()

    # Explicit keys did not leave the sequences behind: ordinary inserts still work.
    Place.objects.create(name="新地点", kind="town", parent=county, path="/x/")

    err = StringIO()
    call_command("demo", households=SMALL, stdout=StringIO(), stderr=err)
    assert "--flush" in err.getvalue()
    assert Household.objects.count() == SMALL
    with pytest.raises(CommandError):
        call_command("seed", households=10, stdout=StringIO(), stderr=StringIO())


def _accounts(output: str) -> dict[str, tuple[str, str]]:
    """{role label: (login, how)} from the printed account table."""
    rows = {}
    for line in output.splitlines():
        m = re.match(r"^\s+(\S+?)　*\s+(.+?)\s+(/sign-in/\S*)", line)
        if m:
            rows[m.group(1)] = (m.group(2).strip(), m.group(3))
    return rows


@pytest.mark.django_db
def test_every_printed_account_can_sign_in() -> None:
    """One account per role is printed; staff sign in with username and password, everyone
    else with their phone and the code sent by SMS."""
    accounts = _accounts(_demo())
    roles = {str(role.label) for role in Role}
    # One per role, and the accounts other parts of the demo add (a named mediator, who
    # holds no role and signs in with a code like a resident).
    extra = set(accounts) - roles
    assert roles <= set(accounts) and extra == {"调解员（无干部职务，只看指定给他的纠纷）"}
    for label in extra:
        login, _how = accounts[label]
        client = Client()
        OutboxSender.outbox.clear()
        client.post("/sign-in/", {"phone": login})
        code = re.search(r"\d{6}", OutboxSender.outbox[-1][1]).group()
        response = client.post("/sign-in/verify/", {"phone": login, "code": code})
        assert response.status_code == 302 and client.get("/mediation/").status_code == 200
    for role in Role:
        login, how = accounts[role.label]
        client = Client()
        if role in STAFF_ROLES:
            username, password = (s.strip() for s in login.split("/"))
            assert how == STAFF_SIGN_IN and password == DEMO_PASSWORD
            response = client.post(how, {"username": username, "password": password})
            assert response.status_code == 302, (role, response.content[:300])
        else:
            OutboxSender.outbox.clear()
            client.post("/sign-in/", {"phone": login})
            phone, text = OutboxSender.outbox[-1]
            assert phone == login
            code = re.search(r"\d{6}", text).group()
            response = client.post("/sign-in/verify/", {"phone": login, "code": code})
            assert response.status_code == 302, (role, response.content[:300])
        assert client.session.get("_auth_user_id"), role
        home = client.get("/")
        assert home.status_code == 200
