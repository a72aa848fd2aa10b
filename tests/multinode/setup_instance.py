"""Run by the multi-node test through `wugong shell -c` against the fresh database: a village
with one group, two households each with a resident account, a village cadre with a password;
prints one JSON line with the ids and the residents' API tokens."""

import json

from wugong.people import services as ps
from wugong.people.models import User
from wugong.people.rules import Assignment, Viewer
from wugong.people.signin import api_token_issue
from wugong.places.services import place_create

admin = Viewer(
    user_id=0, person_id=None, household_id=None, assignments=(Assignment("system_admin", 0, "/"),)
)
county = place_create(name="竹山县", kind="county", parent=None)
town = place_create(name="宝丰镇", kind="town", parent=county)
village = place_create(name="双台村", kind="village", parent=town)
group = place_create(name="一组", kind="group", parent=village)
residents = []
for n, name in enumerate(["王秀英", "李建国"], start=1):
    head = ps.person_data_clean(name=name, sex="F", phone=f"1380000000{n}")
    household = ps.household_create(place=group, address=f"一组{n}号", head=head)
    data = ps.person_data_clean(name=f"{name}家人", sex="F", phone=f"1390000000{n}")
    person = ps.person_create(data=data, household=household)
    user = User.objects.create_user(username=f"resident{n}", password=None, person=person)
    residents.append({"user": user.pk, "token": api_token_issue(user=user)})
cadre_person = ps.person_create(data=ps.person_data_clean(name="村干部甲", sex="M"))
ps.role_assign(viewer=admin, person=cadre_person, role="village_cadre", place=village)
cadre = User.objects.create_user(
    username="cadre1", password="multinode-pass-2026", person=cadre_person
)
print(
    json.dumps(
        {
            "village": village.pk,
            "cadre": cadre.username,
            "cadre_token": api_token_issue(user=cadre),
            "residents": residents,
        }
    )
)
