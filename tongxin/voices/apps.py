from django.apps import AppConfig


class VoicesConfig(AppConfig):
    name = "tongxin.voices"
    label = "voices"
    verbose_name = "群众心声与办理"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
