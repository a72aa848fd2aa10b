"""Fixtures for 矛盾纠纷调解: every kind of viewer around one dispute of 双台村."""

import io
from dataclasses import dataclass

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Cast:
    county: object
    cadre_a: object  # village cadre of 双台村
    cadre_b: object  # village cadre of 楼台村
    town_a: object  # town supervisor of 宝丰镇 (holds 双台村)
    town_b: object  # town supervisor of 麻家渡镇 (holds 楼台村 only)
    county_sup: object  # county supervisor of 竹山县
    admin: object  # system admin (superuser)
    party: object  # a resident of 双台村, named as a party
    mediator: object  # a resident of 双台村 without any cadre role, named as mediator
    neighbour: object  # another resident of 双台村, not named on anything
    community_cadre: object  # cadre of 南关社区


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    from wugong.people.models import User

    c = county
    admin = User.objects.create_superuser(username="root", password="pw")
    return Cast(
        county=c,
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        town_a=make_user("town_supervisor", c.town_a),
        town_b=make_user("town_supervisor", c.town_b),
        county_sup=make_user("county_supervisor", c.county),
        admin=admin,
        party=make_user("resident", c.group_a1, household=c.households_a[1]),
        mediator=make_user("resident", c.group_a2, household=c.households_a[2]),
        neighbour=make_user("resident", c.group_a2, household=c.households_a[3]),
        community_cadre=make_user("community_cadre", c.community),
    )


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
