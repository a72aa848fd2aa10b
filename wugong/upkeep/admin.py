from django.contrib import admin, messages

from wugong.upkeep import report_services
from wugong.upkeep.models import (
    ApiClient,
    Assistance,
    PlacePoint,
    ReportCategory,
    VisitInterval,
)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Open311 clients: the key is made here and shown once; only its hash is kept."""

    list_display = ["name", "key_prefix", "place", "active", "created_at", "last_used_at"]
    list_filter = ["active"]
    fields = ["name", "place", "active"]
    raw_id_fields = ["place"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = report_services.api_client_create(
            name=obj.name, place=obj.place, actor=request.user
        )
        obj.pk = client.pk
        obj.key_hash, obj.key_prefix = client.key_hash, client.key_prefix
        ApiClient.objects.filter(pk=client.pk).update(active=obj.active)
        messages.warning(request, f"api_key（只显示这一次，请妥善保存）：{key}")


@admin.register(ReportCategory)
class ReportCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "respond_hours", "resolve_hours", "is_emergency", "active"]
    list_editable = ["respond_hours", "resolve_hours", "active"]


@admin.register(VisitInterval)
class VisitIntervalAdmin(admin.ModelAdmin):
    list_display = ["tag", "days"]


@admin.register(PlacePoint)
class PlacePointAdmin(admin.ModelAdmin):
    list_display = ["place", "lat", "long", "radius_m"]
    raw_id_fields = ["place"]


@admin.register(Assistance)
class AssistanceAdmin(admin.ModelAdmin):
    """Read here; decisions and payments go through the pages (they are audited)."""

    list_display = ["household", "amount_fen", "status", "applied_at", "paid_at"]
    list_filter = ["status"]

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
