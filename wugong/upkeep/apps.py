from django.apps import AppConfig


class UpkeepConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wugong.upkeep"
