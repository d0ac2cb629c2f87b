from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "tongxin.learning"
    label = "learning"
    verbose_name = "学习教育"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
