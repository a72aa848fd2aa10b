"""Shared test fixtures: a small county with two villages, and users for every role."""

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")


@pytest.fixture(autouse=True)
def _test_settings(settings):  # type: ignore[no-untyped-def]
    settings.SMS_SENDER = "wugong.people.sms.OutboxSender"
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from wugong.people.sms import OutboxSender

    OutboxSender.outbox.clear()


def id_number(seq: int, birth: str = "19560308", region: str = "420323") -> str:
    """A valid 18-digit ID number (GB 11643 checksum) for test person ``seq``."""
    from wugong.core.validators import id_check_digit

    first17 = f"{region}{birth}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


@dataclass
class County:
    """竹山县 › 宝丰镇 › 双台村 (一组, 二组) and 麻家渡镇 › 楼台村 (一组); a street with a
    community › estate › building. Two households per group; the first of 双台村 is 低保+独居."""

    county: object
    town_a: object
    town_b: object
    village_a: object
    village_b: object
    group_a1: object
    group_a2: object
    group_b1: object
    street: object
    community: object
    estate: object
    building: object
    grid_a: object
    grid_b: object
    households_a: list
    households_b: list
    households_urban: list


@pytest.fixture
def county(db) -> County:  # type: ignore[no-untyped-def]
    from wugong.people import services as ps
    from wugong.places.services import grid_create, place_create

    c = place_create(name="竹山县", kind="county", parent=None)
    ta = place_create(name="宝丰镇", kind="town", parent=c)
    tb = place_create(name="麻家渡镇", kind="town", parent=c)
    va = place_create(name="双台村", kind="village", parent=ta)
    vb = place_create(name="楼台村", kind="village", parent=tb)
    a1 = place_create(name="一组", kind="group", parent=va)
    a2 = place_create(name="二组", kind="group", parent=va)
    b1 = place_create(name="一组", kind="group", parent=vb)
    st = place_create(name="城关街道", kind="street", parent=c)
    cm = place_create(name="南关社区", kind="community", parent=st)
    es = place_create(name="幸福小区", kind="estate", parent=cm)
    bd = place_create(name="1号楼", kind="building", parent=es)
    grid_a = grid_create(name="双台一组网格", place=va)
    grid_b = grid_create(name="楼台一组网格", place=vb)
    seq = iter(range(1, 1000))

    def make(place, address, name, grid=None, **kw):  # type: ignore[no-untyped-def]
        n = next(seq)
        head = ps.person_data_clean(name=name, id_number=id_number(n), phone=f"138{n:08d}")
        return ps.household_create(place=place, address=address, head=head, grid=grid, **kw)

    ha = [
        make(a1, "一组1号", "王秀英", grid_a),
        make(a1, "一组2号", "李建国", grid_a),
        make(a2, "二组1号", "张德明"),
        make(a2, "二组2号", "陈桂兰"),
    ]
    hb = [make(b1, "楼台一组1号", "刘长春", grid_b), make(b1, "楼台一组2号", "赵玉梅", grid_b)]
    from decimal import Decimal

    hu = [
        make(bd, "1号楼1单元101", "孙立", unit="1", floor=1, floor_area=Decimal("89.50")),
        make(bd, "1号楼1单元601", "周敏", unit="1", floor=6, floor_area=Decimal("120.00")),
    ]
    ps.key_tag_set(household=ha[0], tag="dibao", reason="因病致贫", since=dt.date(2021, 3, 1))
    ps.key_tag_set(household=ha[0], tag="alone", reason="子女在外", since=dt.date(2021, 3, 1))
    ps.key_tag_set(household=hb[0], tag="illness", reason="尿毒症", since=dt.date(2022, 5, 1))
    ps.centre_designate(household=ha[0])
    ps.centre_link(household=ha[1], centre=ha[0])
    return County(c, ta, tb, va, vb, a1, a2, b1, st, cm, es, bd, grid_a, grid_b, ha, hb, hu)


@pytest.fixture
def make_user(db) -> Callable[..., object]:  # type: ignore[no-untyped-def]
    """make_user(role, place, grid=None, household=None) -> a signed-in-able User holding the
    role at the place (a new person, in ``household`` if given)."""
    from wugong.people import services as ps
    from wugong.people.models import User
    from wugong.people.rules import Assignment, Viewer

    admin = Viewer(
        user_id=0,
        person_id=None,
        household_id=None,
        assignments=(Assignment("system_admin", 0, "/"),),
    )
    counter = iter(range(500, 10_000))

    def make(role: str, place, grid=None, household=None):  # type: ignore[no-untyped-def]
        n = next(counter)
        data = ps.person_data_clean(name=f"测试{role}{n}", sex="F", phone=f"139{n:08d}")
        person = ps.person_create(data=data, household=household)
        if role != "resident" or household is None:
            ps.role_assign(viewer=admin, person=person, role=role, place=place, grid=grid)
        user = User.objects.create_user(username=f"u{n}", password="pw", person=person)
        return user

    return make


@pytest.fixture
def client_for() -> Callable[[object], Client]:
    def make(user) -> Client:  # type: ignore[no-untyped-def]
        c = Client()
        c.force_login(user)
        return c

    return make
