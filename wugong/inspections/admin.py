"""Admin site for 周五一检查: checklists with their items, schedules, rounds, sheets (read)."""

from django.contrib import admin

from wugong.inspections.models import Area, Checklist, ChecklistItem, Round, Schedule, ScoreSheet


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "target", "place", "active"]
    list_filter = ["kind", "target", "active"]
    inlines = [ItemInline]
    readonly_fields = ["place_path"]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["place", "checklist", "weekday", "active"]
    raw_id_fields = ["place"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "place", "active"]
    raw_id_fields = ["place"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["date", "place", "checklist"]
    date_hierarchy = "date"
    raw_id_fields = ["place"]


@admin.register(ScoreSheet)
class ScoreSheetAdmin(admin.ModelAdmin):
    """Read only: a sheet is changed by nobody, so points and stars resting on it hold."""

    list_display = ["date", "household", "area", "score", "full_score", "inspector"]
    raw_id_fields = ["round", "household", "area", "inspector", "recorded_by"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
