from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tongxin.reports"
    label = "reports"
    verbose_name = "统计与报告"
