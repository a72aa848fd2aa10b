from django.contrib import admin

from wugong.places.models import MicroGrid, Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "sort_key"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]


@admin.register(MicroGrid)
class MicroGridAdmin(admin.ModelAdmin):
    list_display = ["name", "place", "worker"]
    raw_id_fields = ["place", "worker"]
