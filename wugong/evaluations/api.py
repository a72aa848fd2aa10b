"""API of 效果共评 at /api/v1/..."""

from ninja import Router

router = Router(tags=["evaluations"])
