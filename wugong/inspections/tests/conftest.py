"""Fixtures for 周五一检查: the default checklists, a round at 双台村, inspectors and residents
of the test county."""

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Cast:
    county: object
    hygiene: object  # the default household hygiene checklist (8 items, 100 points)
    round_a: object  # today's hygiene round at 双台村
    grid_a: object  # grid worker of 双台一组网格 (王秀英's and 李建国's households)
    cadre_a: object  # village cadre of 双台村
    cadre_b: object  # village cadre of 楼台村
    resident_a: object  # lives in 王秀英's household (双台村 一组)
    resident_a2: object  # lives in 张德明's household (双台村 二组)


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    from wugong.inspections.models import Checklist, Round
    from wugong.inspections.services import checklist_defaults_ensure

    checklist_defaults_ensure()
    c = county
    hygiene = Checklist.objects.get(place_path="", name="农户环境卫生检查表")
    round_a = Round.objects.create(
        place=c.village_a,
        place_path=c.village_a.path,
        checklist=hygiene,
        date=timezone.localdate(),
    )
    return Cast(
        county=c,
        hygiene=hygiene,
        round_a=round_a,
        grid_a=make_user("grid_worker", c.village_a, grid=c.grid_a),
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        resident_a=make_user("resident", c.group_a1, household=c.households_a[0]),
        resident_a2=make_user("resident", c.group_a2, household=c.households_a[2]),
    )


def full_marks(checklist, minus: int = 0) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Form fields giving every item its full score, less ``minus`` on the first item."""
    items = list(checklist.items.all())
    data = {f"item_{i.pk}": str(i.max_score) for i in items}
    data[f"item_{items[0].pk}"] = str(items[0].max_score - minus)
    return data


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)
