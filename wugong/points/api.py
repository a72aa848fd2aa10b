"""API of 积分制 at /api/v1/..."""

from ninja import Router

router = Router(tags=["points"])
