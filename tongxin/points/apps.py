from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "tongxin.points"
    label = "points"
    verbose_name = "积分与积分超市"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
