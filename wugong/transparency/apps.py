from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wugong.transparency"

    def ready(self) -> None:
        from wugong.core.signals import record_published
        from wugong.transparency.chain import on_record_published

        # Published records are chained by hash in the sender's transaction.
        record_published.connect(on_record_published, dispatch_uid="transparency.chain")
