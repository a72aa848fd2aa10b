"""API of 志愿服务 at /api/v1/..."""

from ninja import Router

router = Router(tags=["volunteers"])
