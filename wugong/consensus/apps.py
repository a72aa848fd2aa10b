from django.apps import AppConfig


class ConsensusConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wugong.consensus"
