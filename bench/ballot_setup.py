"""Set up bench_ballots.py's data in the database named by DATABASE_URL: one village of N adult
voters, each with an API bearer token, and an open for/against vote over them. Prints JSON:
the vote id, the option id of 赞成 and the path of the tokens file."""

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

from django.utils import timezone  # noqa: E402

from wugong.people.models import ApiToken, Household, Person, User  # noqa: E402
from wugong.people.rules import Assignment, Viewer  # noqa: E402
from wugong.places.services import place_create  # noqa: E402
from wugong.voting import services as votes  # noqa: E402
from wugong.voting.models import VoteOption  # noqa: E402


def main(voters: int) -> None:
    county = place_create(name="压测县", kind="county", parent=None)
    town = place_create(name="压测镇", kind="town", parent=county)
    village = place_create(name="压测村", kind="village", parent=town)
    group = place_create(name="一组", kind="group", parent=village)
    households = Household.objects.bulk_create(
        Household(place=group, place_path=group.path, address=f"一组{i}号", sort_key=f"h{i:06d}")
        for i in range(voters)
    )
    people = Person.objects.bulk_create(
        Person(
            name=f"村民{i}",
            sort_key=f"cun min {i:06d}",
            sex="F",
            birth_date=dt.date(1960, 1, 1),
            household=h,
        )
        for i, h in enumerate(households)
    )
    users = User.objects.bulk_create(
        User(username=f"bench{i}", person=p, password="!") for i, p in enumerate(people)
    )
    raw = [secrets.token_urlsafe(24) for _ in users]
    expires = timezone.now() + dt.timedelta(days=1)
    ApiToken.objects.bulk_create(
        ApiToken(user=u, token_hash=hashlib.sha256(t.encode()).hexdigest(), expires_at=expires)
        for u, t in zip(users, raw, strict=True)
    )
    admin = Viewer(
        user_id=None,
        person_id=None,
        household_id=None,
        assignments=(Assignment("system_admin", 0, "/"),),
    )
    now = timezone.now()
    vote = votes.vote_create(
        viewer=admin,
        actor=None,
        place=village,
        title="压测表决：修建村道",
        method="motion",
        unit="person",
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(hours=2),
    )
    votes.vote_open(viewer=admin, actor=None, vote=vote)
    option = VoteOption.objects.get(vote=vote, code="for")
    fd, path = tempfile.mkstemp(prefix="wugong-bench-tokens-", suffix=".txt")
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(raw))
    print(json.dumps({"vote": vote.pk, "option": option.pk, "tokens": path}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
