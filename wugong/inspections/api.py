"""API of 周五一检查 at /api/v1/..."""

from ninja import Router

router = Router(tags=["inspections"])
