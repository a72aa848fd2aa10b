"""Fixtures for 积分制: a rule table and a supermarket in 双台村, cadres, counters, residents."""

import io
import uuid
from dataclasses import dataclass

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    out.seek(0)
    out.name = "photo.png"
    return out


def key() -> str:
    return str(uuid.uuid4())


@dataclass
class Cast:
    county: object
    cadre_a: object  # village cadre of 双台村 (rules, claims, counter)
    cadre_b: object  # village cadre of 楼台村
    resident_a: object  # lives in 王秀英's household (双台村 一组)
    resident_a2: object  # lives in 李建国's household (双台村 一组)
    resident_b: object  # lives in 刘长春's household (楼台村 一组)


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    c = county
    return Cast(
        county=c,
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        resident_a=make_user("resident", c.group_a1, household=c.households_a[0]),
        resident_a2=make_user("resident", c.group_a1, household=c.households_a[1]),
        resident_b=make_user("resident", c.group_b1, household=c.households_b[0]),
    )


def api(client, method: str, url: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return getattr(client, method)(
        f"/api/v1/points{url}", body or {}, content_type="application/json"
    )
