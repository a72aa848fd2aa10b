"""Small builders for the points tests (real services, a system-admin viewer)."""

from typing import Any

from wugong.people.rules import Assignment, Viewer
from wugong.points import services


def admin() -> Viewer:
    return Viewer(0, None, None, (Assignment("system_admin", 0, "/"),))


def rule(village: Any, action: str, points: int, **kw: Any) -> Any:
    kw.setdefault("confirm_by", "auto")
    return services.rule_save(
        viewer=admin(),
        actor=None,
        village=village,
        action=action,
        title=action,
        points_per_unit=points,
        **kw,
    )


def goods(village: Any, name: str = "肥皂", price: int = 10, stock: int = 5) -> Any:
    g = services.goods_save(
        viewer=admin(), actor=None, village=village, name=name, points_price=price
    )
    if stock:
        services.stock_move(viewer=admin(), actor=None, goods=g, kind="in", quantity=stock)
    return g
