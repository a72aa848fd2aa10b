"""The new-need form carries a hidden idempotency key: the same form sent twice (a bad network,
an offline draft sent on reconnecting) raises one need and answers with the same redirect."""

import re

import pytest

from wugong.needs.models import Need
from wugong.needs.tests.conftest import jpeg

pytestmark = pytest.mark.django_db


def _key(client) -> str:  # type: ignore[no-untyped-def]
    form = client.get("/needs/new/").content.decode()
    assert 'data-offline-draft="need"' in form
    found = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', form)
    assert found, form
    return found.group(1)


def test_the_same_form_twice_raises_one_need(cast, client_for):
    client = client_for(cast.resident_a)
    key = _key(client)
    assert _key(client) != key  # a new key with every form shown
    body = {"text": "村口路灯坏了，晚上看不见路", "idempotency_key": key}
    first = client.post("/needs/new/", {**body, "photos": [jpeg()]})
    second = client.post("/needs/new/", {**body, "photos": [jpeg()]})
    need = Need.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/needs/{need.pk}/"
    assert need.idempotency_key == key and need.photos.count() == 1
    # Another form (another key) is another need.
    client.post("/needs/new/", {"text": "垃圾桶满了没人清", "idempotency_key": _key(client)})
    assert Need.objects.count() == 2


def test_a_form_without_a_key_still_works_and_bad_keys_are_refused(cast, client_for):
    client = client_for(cast.resident_a)
    assert client.post("/needs/new/", {"text": "没有标识的旧表单"}).status_code == 302
    bad = client.post("/needs/new/", {"text": "坏标识", "idempotency_key": "x y"})
    assert bad.status_code == 400 and "提交标识无效" in bad.content.decode()
    assert Need.objects.count() == 1


def test_someone_elses_key_creates_nothing_and_reveals_nothing(cast, client_for):
    key = _key(client_for(cast.resident_a))
    client_for(cast.resident_a).post("/needs/new/", {"text": "我的问题", "idempotency_key": key})
    other = client_for(cast.resident_a2).post(
        "/needs/new/", {"text": "别人的问题", "idempotency_key": key}
    )
    assert other.status_code == 400 and "提交标识已被使用" in other.content.decode()
    assert list(Need.objects.values_list("text", flat=True)) == ["我的问题"]
