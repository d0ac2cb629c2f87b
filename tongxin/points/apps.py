from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "tongxin.points"
    label = "points"
    verbose_name = "积分与积分超市"
