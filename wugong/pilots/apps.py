from django.apps import AppConfig


class PilotsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wugong.pilots"
