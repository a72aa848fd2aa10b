"""Fixtures for building together: cadres and residents of 双台村 and 楼台村, a town
supervisor, and a helper that walks a project to a stage through the services."""

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wugong.people.rules import viewer_for
from wugong.projects import services


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Cast:
    county: object
    cadre_a: object  # village cadre of 双台村
    cadre_b: object  # village cadre of 楼台村
    resident_a: object  # 双台村 一组 (王秀英's household)
    resident_b: object  # 楼台村 一组
    town_supervisor: object  # 宝丰镇 (双台村's town)
    county_supervisor: object


@pytest.fixture
def cast(county, make_user) -> Cast:  # type: ignore[no-untyped-def]
    c = county
    return Cast(
        county=c,
        cadre_a=make_user("village_cadre", c.village_a),
        cadre_b=make_user("village_cadre", c.village_b),
        resident_a=make_user("resident", c.group_a1, household=c.households_a[0]),
        resident_b=make_user("resident", c.group_b1, household=c.households_b[0]),
        town_supervisor=make_user("town_supervisor", c.town_a),
        county_supervisor=make_user("county_supervisor", c.county),
    )


def as_(user):  # type: ignore[no-untyped-def]
    return {"viewer": viewer_for(user), "actor": user}


D0 = dt.date(2025, 4, 1)


@pytest.fixture
def project_at(cast):  # type: ignore[no-untyped-def]
    """project_at(stage, budget=..., tender=...) -> a project of 双台村 walked to the stage."""

    def make(
        stage: str = "fundraising", *, budget=1_000_000, tender=10_000_000, title="村口小广场"
    ):  # type: ignore[no-untyped-def]
        me = as_(cast.cadre_a)
        p = services.project_propose(
            **me, place=cast.county.village_a, title=title, motion="村民代表会议决议", on=D0
        )
        if stage == "proposed":
            return p
        p = services.project_plan(
            **me,
            project=p,
            scope="平整场地、铺砖、装健身器材",
            plan="群众投工投劳，村里请技术员",
            budget_fen=budget,
            tender_estimate_fen=tender,
            responsible="村主任",
            on=D0 + dt.timedelta(days=3),
        )
        for s in ["fundraising", "building"]:
            if p.stage == stage:
                return p
            p = services.project_stage_change(
                **me, project=p, stage=s, on=D0 + dt.timedelta(days=5)
            )
        return p

    return make


def giver(name="王秀英", kind="person", **kw):  # type: ignore[no-untyped-def]
    return services.Giver(kind=kind, name=name, **kw)


def jpeg_with_exif() -> SimpleUploadedFile:
    """A real 40×30 JPEG carrying EXIF (a GPS-ish tag and a camera model)."""
    from PIL import Image

    img = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Secret Phone Model"  # Model
    exif[0x013B] = "王秀英"  # Artist
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile("invoice.jpg", buf.getvalue(), content_type="image/jpeg")
