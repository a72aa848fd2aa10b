"""Set up the mixed-load and page-weight benchmarks' data in the database named by DATABASE_URL:
the demo county (``wugong demo``, loaded once before this runs), then N of its adult residents
as users each with a bearer token and a signed-in session, and an open vote in every village
they live in (the roll, frozen at opening, holds them). Prints JSON: the path of a file with
one line per resident (token, session key, vote id, option id, place id) and the public pages
to browse."""

import datetime as dt
import hashlib
import json
import os
import secrets
import sys
import tempfile

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402

from wugong.people.models import ApiToken, Person, User  # noqa: E402
from wugong.people.rules import Assignment, Viewer  # noqa: E402
from wugong.places.models import Place, PlaceKind  # noqa: E402
from wugong.projects.models import Project  # noqa: E402
from wugong.voting import services as votes  # noqa: E402
from wugong.voting.models import VoteOption  # noqa: E402

ADMIN = Viewer(
    user_id=None,
    person_id=None,
    household_id=None,
    assignments=(Assignment("system_admin", 0, "/"),),
)


def _village_of(place: Place, villages: dict[str, Place]) -> Place:
    return next(v for path, v in villages.items() if place.path.startswith(path))


def main(residents: int) -> None:
    adult = timezone.localdate() - dt.timedelta(days=365 * 20)
    people = list(
        Person.objects.filter(household__isnull=False, birth_date__lte=adult, user__isnull=True)
        .select_related("household__place")
        .order_by("id")[:residents]
    )
    villages = {
        v.path: v for v in Place.objects.filter(kind__in=[PlaceKind.VILLAGE, PlaceKind.COMMUNITY])
    }
    users = User.objects.bulk_create(
        User(username=f"load{p.pk}", person=p, password="!") for p in people
    )
    raw = [secrets.token_urlsafe(24) for _ in users]
    expires = timezone.now() + dt.timedelta(days=2)
    ApiToken.objects.bulk_create(
        ApiToken(user=u, token_hash=hashlib.sha256(t.encode()).hexdigest(), expires_at=expires)
        for u, t in zip(users, raw, strict=True)
    )
    now = timezone.now()
    vote_of: dict[int, tuple[int, int]] = {}
    lines = []
    for person, user, token in zip(people, users, raw, strict=True):
        village = _village_of(person.household.place, villages)
        if village.pk not in vote_of:
            vote = votes.vote_create(
                viewer=ADMIN,
                actor=None,
                place=village,
                title="压测表决：村道亮化",
                method="motion",
                unit="person",
                opens_at=now - dt.timedelta(minutes=1),
                closes_at=now + dt.timedelta(hours=6),
            )
            votes.vote_open(viewer=ADMIN, actor=None, vote=vote)
            vote_of[village.pk] = (vote.pk, VoteOption.objects.get(vote=vote, code="for").pk)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        vote_id, option_id = vote_of[village.pk]
        lines.append(
            json.dumps(
                {
                    "token": token,
                    "session": session.session_key,
                    "vote": vote_id,
                    "option": option_id,
                    "place": person.household.place_id,
                }
            )
        )
    fd, path = tempfile.mkstemp(prefix="wugong-bench-county-", suffix=".jsonl")
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines))
    some_villages = list(vote_of)[:10]
    projects = list(Project.objects.order_by("id").values_list("id", flat=True)[:10])
    public = ["/"]
    public += [f"/notices/place/{v}/" for v in some_villages]
    public += [f"/projects/{p}/" for p in projects] + [f"/projects/{p}/accounts/" for p in projects]
    public += [f"/report-cards/{v}/" for v in some_villages]
    print(json.dumps({"residents": path, "public": public, "votes": len(vote_of)}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
