"""Fixtures for the needs list: residents of 双台村 and 楼台村, cadres, and small images."""

import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def _image(fmt: str, **save: object) -> bytes:
    """A small real image (photos are decoded and re-encoded, so fake headers won't do)."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 120, 40)).save(buf, fmt, **save)
    return buf.getvalue()


JPEG = _image("JPEG")
PNG = _image("PNG")
WEBP = _image("WEBP")


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Cast:
    county: object
    resident_a: object  # lives in 双台村 一组 (王秀英's household)
    resident_a2: object  # 双台村 二组
    resident_a3: object  # 双台村 一组 (李建国's household)
    resident_b: object  # 楼台村 一组
    cadre_a: object  # village cadre of 双台村
    cadre_b: object  # village cadre of 楼台村
    grid_a: object  # grid worker of 双台一组网格


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    c = county
    return Cast(
        county=c,
        resident_a=make_user("resident", c.group_a1, household=c.households_a[0]),
        resident_a2=make_user("resident", c.group_a2, household=c.households_a[2]),
        resident_a3=make_user("resident", c.group_a1, household=c.households_a[1]),
        resident_b=make_user("resident", c.group_b1, household=c.households_b[0]),
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        grid_a=make_user("grid_worker", c.village_a, grid=c.grid_a),
    )


@pytest.fixture
def raise_need():  # type: ignore[no-untyped-def]
    """raise_need(user, text, place=None) -> Need, through the service, as that user."""
    from wugong.needs import services
    from wugong.people.rules import viewer_for

    def make(user, text, place=None):  # type: ignore[no-untyped-def]
        return services.need_submit(viewer=viewer_for(user), actor=user, text=text, place=place)

    return make
