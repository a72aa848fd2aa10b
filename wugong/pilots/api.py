"""API of 试点 at /api/v1/..."""

from ninja import Router

router = Router(tags=["pilots"])
