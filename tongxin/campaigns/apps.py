from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "tongxin.campaigns"
    label = "campaigns"
    verbose_name = "主题活动"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
