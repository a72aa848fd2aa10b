from django.apps import AppConfig


class PointsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wugong.points"
    verbose_name = "积分制"

    def ready(self) -> None:
        from wugong.core.signals import deed_recorded
        from wugong.points.services import deed_receive

        # Good deeds of other areas (volunteer hours, inspections, meetings, contributions)
        # earn points by the village's rule table, in the sender's transaction.
        deed_recorded.connect(deed_receive, dispatch_uid="points.deed_receive")
