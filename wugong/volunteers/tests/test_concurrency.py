"""Sign-ups arriving at the same instant never exceed the quota (PostgreSQL: real concurrent
transactions; SQLite serialises writers and cannot run this meaningfully)."""

import threading

import pytest
from django.db import connection, connections

from wugong.core.errors import ValidationFailed
from wugong.people.rules import viewer_for
from wugong.volunteers import services
from wugong.volunteers.models import Attendance, AttendanceStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent transactions"
    ),
]


def _race(targets) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(targets))
    results: list = []
    errors: list = []

    def run(fn):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            results.append(fn())
        except Exception as e:
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors


def test_simultaneous_sign_ups_never_exceed_the_quota(county, make_user, make_activity):
    """Eight residents sign up for three places at once: exactly three get in, five are told
    the activity is full."""
    activity = make_activity(quota=3)
    households = county.households_a
    users = [
        make_user("resident", households[i % 4].place, household=households[i % 4])
        for i in range(8)
    ]

    def signer(user):  # type: ignore[no-untyped-def]
        return lambda: services.signup_create(
            viewer=viewer_for(user), actor=user, activity=activity
        )

    results, errors = _race([signer(u) for u in users])
    assert len(results) == 3 and all(created for _row, created in results)
    assert len(errors) == 5
    assert all(isinstance(e, ValidationFailed) and e.code == "quota_full" for e in errors)
    assert (
        Attendance.objects.filter(activity=activity, status=AttendanceStatus.SIGNED_UP).count() == 3
    )


def test_simultaneous_http_sign_ups_through_the_api(county, make_user, make_activity, client_for):
    activity = make_activity(quota=2)
    households = county.households_a
    users = [
        make_user("resident", households[i % 4].place, household=households[i % 4])
        for i in range(6)
    ]

    def post(user):  # type: ignore[no-untyped-def]
        return lambda: client_for(user).post(
            f"/api/v1/volunteers/activities/{activity.pk}/signup", content_type="application/json"
        )

    responses, errors = _race([post(u) for u in users])
    assert not errors
    assert sorted(r.status_code for r in responses) == [200, 200, 400, 400, 400, 400]
    assert Attendance.objects.filter(activity=activity).count() == 2
