"""API of 村规民约 at /api/v1/..."""

from ninja import Router

router = Router(tags=["villagerules"])
