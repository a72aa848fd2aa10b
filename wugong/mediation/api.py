"""API of 矛盾纠纷调解 at /api/v1/..."""

from ninja import Router

router = Router(tags=["mediation"])
