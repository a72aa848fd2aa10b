"""Writing the audit trail. Call inside the service's transaction."""

from typing import Any

from django.db import models

from wugong.core.models import AuditEvent


def audit_event_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    on_behalf_of: Any = None,
    place_path: str = "",
) -> AuditEvent:
    """Record one state change (操作记录). ``actor`` is a User or None for the system."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        place_path=place_path,
        changes=_jsonable(changes or {}),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    return str(value)
