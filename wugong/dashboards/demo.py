"""The demo's part of 大屏 and 晒成绩单: runs last (DEMO_APPS), refreshing the rollups of the
demo county so that the county supervisor's dashboard and every report card show figures at
once. The refresh also writes the city's row above the county."""

from wugong.core.demo import DemoContext
from wugong.dashboards.rollups import dashboards_refresh_place
from wugong.dashboards.tasks import refresh_targets
from wugong.places.models import Place


def load(ctx: DemoContext) -> None:
    written = 0
    for pk in refresh_targets():
        place = Place.objects.get(pk=pk)
        written += dashboards_refresh_place(place=place)
    ctx.data["dashboards_rows"] = written
