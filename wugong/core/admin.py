from django.contrib import admin

from wugong.core.models import AuditEvent, SensitiveAccess


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail is append-only: read here, never edited."""

    list_display = ["at", "actor", "on_behalf_of", "action", "object_type", "object_id"]
    list_filter = ["action"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(AuditEventAdmin):
    list_display = ["at", "viewer", "person", "field", "channel"]
    list_filter = ["field", "channel"]
