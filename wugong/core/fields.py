"""Model fields shared by several apps."""

from typing import Any

from django.db import models


class BinaryCharField(models.CharField):
    """A CharField compared byte by byte on every database.

    Materialized paths and pinyin sort keys are ASCII and must order by code point, so a prefix
    is a plain index range scan. SQLite compares text as BINARY already; on PostgreSQL the
    column gets the "C" collation (a locale collation would ignore '/' and spaces).
    """

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
