"""API of 大屏 at /api/v1/..."""

from ninja import Router

router = Router(tags=["dashboards"])
