from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "tongxin.orgs"
    label = "orgs"
    verbose_name = "组织"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
