"""The demo part loads on the test county: the printed resident can redeem soap."""

import random

from wugong.core.demo import DemoContext
from wugong.people.roles import Role
from wugong.points import demo
from wugong.points.models import Claim
from wugong.points.selectors import household_balance


def test_demo_loads_and_printed_resident_can_buy_soap(county, make_user, client_for):
    resident = make_user("resident", county.group_a1, household=county.households_a[0])
    ctx = DemoContext(rng=random.Random(1), households=10)
    ctx.data["role_people"] = {Role.RESIDENT: resident.person_id}
    demo.load(ctx)
    assert household_balance(household_id=county.households_a[0].pk) >= 10
    assert Claim.objects.filter(status="pending").exists()
    page = client_for(resident).get("/points/")
    assert page.status_code == 200 and "肥皂" in page.content.decode()
