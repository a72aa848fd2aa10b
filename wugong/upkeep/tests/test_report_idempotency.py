"""The problem-report form carries a hidden idempotency key: the same form sent twice (a bad
network, an offline draft sent on reconnecting) makes one report and the same redirect."""

import re

import pytest
from django.urls import reverse

from wugong.upkeep.models import Report, UpkeepNotice

pytestmark = pytest.mark.django_db


def _key(client) -> str:  # type: ignore[no-untyped-def]
    form = client.get(reverse("upkeep:report_new")).content.decode()
    assert 'data-offline-draft="report"' in form
    found = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', form)
    assert found, form
    return found.group(1)


def test_the_same_report_form_twice_makes_one_report(cast, client_for):
    client = client_for(cast.resident_a)
    key = _key(client)
    body = {"category": "street_light", "text": "村口路灯不亮", "idempotency_key": key}
    first = client.post(reverse("upkeep:report_new"), body)
    notices = UpkeepNotice.objects.count()
    second = client.post(reverse("upkeep:report_new"), body)
    report = Report.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/upkeep/reports/{report.pk}/"
    assert report.idempotency_key == key
    assert UpkeepNotice.objects.count() == notices  # nobody is told twice
    body["idempotency_key"] = _key(client)
    client.post(reverse("upkeep:report_new"), body)
    assert Report.objects.count() == 2


def test_bad_or_foreign_keys_create_nothing(cast, client_for):
    key = _key(client_for(cast.resident_a))
    body = {"category": "street_light", "text": "村口路灯不亮", "idempotency_key": key}
    client_for(cast.resident_a).post(reverse("upkeep:report_new"), body)
    other = client_for(cast.resident_b).post(reverse("upkeep:report_new"), body)
    assert other.status_code == 400 and "提交标识已被使用" in other.content.decode()
    bad = client_for(cast.resident_a).post(
        reverse("upkeep:report_new"), {**body, "idempotency_key": "短"}
    )
    assert bad.status_code == 400 and "提交标识无效" in bad.content.decode()
    assert Report.objects.count() == 1
