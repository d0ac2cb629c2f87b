from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tongxin.reports"
    label = "reports"
    verbose_name = "统计与报告"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
