from django.apps import AppConfig


class VillagerulesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wugong.villagerules"
