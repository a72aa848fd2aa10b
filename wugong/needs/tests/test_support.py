""" "Me too" (我也需要) and following (关注)."""

import pytest
from django.db import IntegrityError, transaction

from wugong.needs.models import NeedFollower, NeedSupport

pytestmark = pytest.mark.django_db


def test_me_too_is_one_tap_and_counts_once_per_person(cast, client_for, raise_need):
    """One tap on "我也需要" adds one; tapping again, by page or API, adds nothing."""
    need = raise_need(cast.resident_a, "村口路灯坏了")
    client = client_for(cast.resident_a2)
    first = client.post(f"/needs/{need.pk}/support/", HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    assert "✓ 我也需要 · 1" in first.content.decode()
    client.post(f"/needs/{need.pk}/support/", HTTP_HX_REQUEST="true")
    again = client.post(f"/api/v1/needs/{need.pk}/support")
    assert again.json() == {"need_id": need.pk, "support_count": 1, "created": False}
    other = client_for(cast.resident_a3).post(f"/api/v1/needs/{need.pk}/support")
    assert other.json() == {"need_id": need.pk, "support_count": 2, "created": True}
    assert NeedSupport.objects.filter(need=need).count() == 2
    # Supporters follow the need, so they hear the answer.
    assert NeedFollower.objects.filter(need=need, person=cast.resident_a2.person).exists()


def test_the_database_holds_one_me_too_per_person(cast, raise_need):
    """Even a write that skips the service cannot add a second "me too" for the same person."""
    need = raise_need(cast.resident_a, "路灯")
    NeedSupport.objects.create(need=need, person=cast.resident_a2.person)
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedSupport.objects.create(need=need, person=cast.resident_a2.person)


def test_the_reporter_is_already_counted(cast, client_for, raise_need):
    """The reporter sees the count, not the button; asking anyway is a clear 400."""
    need = raise_need(cast.resident_a, "路灯")
    client = client_for(cast.resident_a)
    page = client.get("/needs/").content.decode()
    assert f'action="/needs/{need.pk}/support/"' not in page
    response = client.post(f"/api/v1/needs/{need.pk}/support")
    assert response.status_code == 400 and response.json()["code"] == "own_need"
    assert not NeedSupport.objects.exists()


def test_follow_and_unfollow(cast, client_for, raise_need):
    """Following is one tap and can be undone."""
    need = raise_need(cast.resident_a, "路灯")
    client = client_for(cast.resident_a2)
    client.post(f"/needs/{need.pk}/follow/", {"follow": "1"})
    assert client.get(f"/api/v1/needs/{need.pk}").json()["follower_count"] == 1
    client.post(
        f"/api/v1/needs/{need.pk}/follow", {"follow": False}, content_type="application/json"
    )
    assert not NeedFollower.objects.exists()
